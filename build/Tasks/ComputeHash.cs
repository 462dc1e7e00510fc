using Build.Hashing;
using Build.Host;
using Build.IO;
using Build.Reports;
using Cake.Core;
using Cake.Core.Diagnostics;

namespace Build.Tasks;

[TaskName("ComputeHash")]
[TaskDescription("A content hash per family (inputs + parent's hash) and per service of the fleet (its inputs + its family's hash) -> artifacts/hashes.json and artifacts/inputs/<name>.json (what each hash was made of), tags, and whether <name>-<hash> is already in the registry.")]
[TaskArgument("--date=yyyymmdd", "The date tag (default: today, UTC).")]
[TaskArgument("--offline", "Do not ask the registry; existence is 'unknown'.")]
public sealed class ComputeHash(Services.HashResolver resolver, Services.RunClock clock, Services.RunOutput output) : FrostingTask<BuildContext>, IDryRunTask
{
    public override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        // The records need only the hashes: they are made while the image store and the registry are asked.
        Task<IReadOnlyList<Explain.InputsDocument>>? recording = null;
        var kept = new Explain.LocalInputStore(context.Root, context.Paths);
        var report = resolver.Resolve(images => recording = Task.Run(() => clock.Time("inputs records (beside the lookups)", () => Recorder(context).RecordAll(images, kept.Recorded))), context.Results.Set);
        context.Results.Set(report);
        var inputs = clock.Time("inputs records (waited)", () => recording!.GetAwaiter().GetResult());
        context.Results.Set(inputs);
        var local = context.Options.Mode == BuildMode.Local;
        var path = context.Paths.Hashes;
        // Made again by every run (nothing reads it back): renamed into place, not synced — a crash leaves the old
        // report or the new one, never half of one (synced, it cost the run 7-22 ms before the bake).
        clock.Time("hashes.json written", () => AtomicFile.WriteUnsynced(path, System.Text.Encoding.UTF8.GetBytes(report.ToJson())));
        clock.Time("inputs records written", () => kept.Write(inputs));

        output.Write(TextTable.Render(
            local ? ["Image", "Hash", "Parent", "In registry", "In local store", "Inputs"] : ["Image", "Hash", "Parent", "In registry", "Inputs"],
            report.Families.Select(f => (IReadOnlyList<string>)
            [
                f.IsService ? $"{f.Name} (service)" : f.Name, f.Hash, f.Parent ?? "-",
                f.Exists == Existence.Unknown && f.ExistsDetail?.StartsWith("not asked", StringComparison.Ordinal) == true ? "not asked" : f.Exists.ToString().ToLowerInvariant(),
                .. local ? [f.LocalImage is null ? "no" : "yes"] : Array.Empty<string>(),
                f.Inputs.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ])));
        context.Log.Information($"Wrote {Path.GetRelativePath(context.Root, path)} ({report.Families.Count - report.Services.Count} families, {report.Services.Count} services, registry {report.Registry}).");

        var unknown = report.Families.Where(f => f.Exists == Existence.Unknown && f.LocalImage is null).ToList();
        var notAsked = context.Flag(ArgumentNames.Offline) || (local && context.Flag(ArgumentNames.Force));
        if (unknown.Count > 0 && !notAsked)
        {
            var why = unknown[0].ExistsDetail ?? "the registry could not be asked";
            if (context.Options.Mode == BuildMode.Ci)
            {
                throw new CakeException(1, $"Could not tell whether {unknown.Count} image(s) exist in {report.Registry}: {why}. In CI mode this is an error: a wrong answer rebuilds or skips images for nothing.");
            }

            context.Log.Warning($"Could not tell whether {unknown.Count} image(s) exist in {report.Registry} ({why}); reported as 'unknown'.");
        }

        if (context.Env.Get("GITHUB_OUTPUT") is { Length: > 0 } githubOutput)
        {
            File.AppendAllText(githubOutput, GitHubOutputs(report));
        }
    }

    /// <summary>Hashing reads and writes nothing but the report: a dry run hashes too, so Bake can say what it would build.</summary>
    public void DryRun(Cake.Core.ICakeContext context)
    {
        var ctx = (BuildContext)context;
        var report = resolver.Resolve(stored: ctx.Results.Set);
        ctx.Results.Set(report);
        ctx.Results.Set(Recorder(ctx).RecordAll(report.Families));
        output.WriteLine($"Hashed {report.Families.Count - report.Services.Count} families and {report.Services.Count} services (nothing written).");
    }

    /// <summary>Each image's inputs record, for Bake (its label), Publish (the artifact) and artifacts/inputs/.</summary>
    private static Explain.InputsRecorder Recorder(BuildContext context) => new(context.Root, context.Catalog, context.Fleet, context.GeneratedFiles);

    /// <summary>HASH_&lt;FAMILY&gt;=hash per family, SERVICE_HASH_&lt;SERVICE&gt;=hash per service, and hashes={"name":"hash",…} (multi-line safe).</summary>
    internal static string GitHubOutputs(HashReport report)
    {
        var sb = new System.Text.StringBuilder();
        foreach (var f in report.Families)
        {
            sb.Append(GitHubActions.OutputRecord(f.HashVariable, f.Hash));
        }

        sb.Append(GitHubActions.OutputRecord("hashes", CanonicalJson.Serialize(report.Families.ToDictionary(f => f.Name, f => f.Hash))));
        return sb.ToString();
    }
}
