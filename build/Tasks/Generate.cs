using Build.Generation;
using Build.Host;
using Cake.Core;
using Cake.Core.Diagnostics;

namespace Build.Tasks;

[TaskName("Generate")]
[TaskDescription("Writes each family's Dockerfile (+ .dockerignore) and the bake file from the catalog. --check writes nothing and fails with a diff on drift.")]
[TaskArgument("--check", "Write nothing; exit non-zero with a unified diff when committed files differ from the catalog.")]
public sealed class Generate(Services.RunOutput output, Tools.IProcessRunner processes) : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Flag(ArgumentNames.Check))
        {
            Check(context, output, processes);
            return;
        }

        var root = context.Root;
        var plan = context.GeneratedFiles;
        var changes = Generator.Compare(root, context.Catalog, plan);
        Generator.Apply(root, plan, changes);
        foreach (var change in changes.Where(c => c.Kind != ChangeKind.Unchanged))
        {
            context.Log.Information($"{change.Kind.ToString().ToLowerInvariant(),-8} {change.Path}{(change.Why is { } why ? $" ({why})" : string.Empty)}");
        }

        context.Log.Information(
            $"Generated {context.Catalog.Families.Count} families from {context.Catalog.File}: " +
            string.Join(", ", Enum.GetValues<ChangeKind>().Select(k => $"{changes.Count(c => c.Kind == k)} {k.ToString().ToLowerInvariant()}")));
    }

    /// <summary>The drift check CI runs: nothing is written; a diff says exactly what Generate would change.</summary>
    internal static void Check(BuildContext context, Services.RunOutput output, Tools.IProcessRunner processes)
    {
        var plan = context.GeneratedFiles;
        var drift = Generator.Compare(context.Root, context.Catalog, plan).Where(c => c.Kind != ChangeKind.Unchanged).ToList();
        if (drift.Count == 0)
        {
            context.Log.Information($"Generated files are up to date with {context.Catalog.File} ({plan.Count} files).");
            CheckCompose(context, plan, processes);
            return;
        }

        foreach (var change in drift)
        {
            output.Write(change.Diff);
        }

        throw new CakeException(1,
            $"{drift.Count} generated file(s) differ from {context.Catalog.File}: {string.Join(", ", drift.Select(Describe))}. " +
            $"Run ./build.sh --target=Generate --catalog={context.Options.Catalog} (it also deletes left-over generated files and their folders, never a hand-written file) and commit the result.");
    }

    /// <summary>A change as the drift message lists it; a left-over file names its folder and what it was generated for.</summary>
    internal static string Describe(FileChange change) => change.Kind == ChangeKind.Deleted && change.Why is { } why
        ? $"{change.Path} (left over in {change.Path[..(change.Path.LastIndexOf('/') + 1)]}: {why})"
        : $"{change.Path} ({change.Kind.ToString().ToLowerInvariant()})";

    /// <summary>Every generated Compose file passes Compose's own validation (when Compose is installed).</summary>
    private static void CheckCompose(BuildContext context, IReadOnlyList<GeneratedFile> plan, Tools.IProcessRunner processes)
    {
        var failures = new List<string>();
        foreach (var compose in plan.Where(f => f.Path.EndsWith("compose.yaml", StringComparison.Ordinal)))
        {
            var (ok, detail) = Lint.ComposeConfig(context.Root, compose.Path, processes);
            var machine = Path.GetFileName(Path.GetDirectoryName(compose.Path));
            context.Log.Information($"docker compose config -q {compose.Path}: {(ok ? (detail.Length > 0 ? detail : "ok") : "FAILED")}");
            if (!ok)
            {
                failures.Add($"{compose.Path} (machine {machine}): {detail}");
            }
        }

        if (failures.Count > 0)
        {
            throw new CakeException(1, "docker compose config rejects generated files: " + string.Join("; ", failures));
        }
    }
}

[TaskName("GenerateCheck")]
[TaskDescription("Fails with a unified diff when the committed Dockerfiles or bake file differ from what the catalog produces (writes nothing).")]
public sealed class GenerateCheck(Services.RunOutput output, Tools.IProcessRunner processes) : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context) => Generate.Check(context, output, processes);
}
