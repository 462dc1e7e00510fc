using System.Text.Json;
using System.Text.Json.Serialization;
using Build.IO;
using Build.Tools;

namespace Build.Buildx;

[JsonConverter(typeof(JsonStringEnumConverter<Outcome>))]
public enum Outcome
{
    [JsonStringEnumMemberName("built")]
    Built,
    [JsonStringEnumMemberName("reused")]
    Reused,
    [JsonStringEnumMemberName("failed")]
    Failed,
    [JsonStringEnumMemberName("not-built")]
    NotBuilt,
}

public sealed record FamilyOutcome(
    string Name,
    Outcome Outcome,
    string Reason,
    string Hash,
    string Tag,
    string? Digest,
    double Seconds,
    int Steps,
    int CachedSteps,
    IReadOnlyList<string> Errors);

/// <summary>artifacts/bake-summary.json: what happened to each family in this run.</summary>
public sealed record BakeResult(int SchemaVersion, bool Succeeded, double Seconds, string Cache, IReadOnlyList<FamilyOutcome> Families)
{
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public FamilyOutcome? Get(string family) => Families.FirstOrDefault(f => f.Name == family);

    public string ToJson() => JsonSerializer.Serialize(this, Json) + "\n";

    public static BakeResult FromJson(string json) => JsonSerializer.Deserialize<BakeResult>(json, Json) ?? throw new JsonException("empty bake summary");
}

/// <summary>Runs one bake invocation: bake-plan.json first, then the build (progress to console and build.log), then loads the images.</summary>
public sealed class BakeRunner(string repoRoot, string artifactsDirectory, Action<string> console)
{
    public string PlanFile => Path.Combine(artifactsDirectory, "bake-plan.json");

    public string LogFile => Path.Combine(artifactsDirectory, "build.log");

    public string MetadataFile => Path.Combine(artifactsDirectory, "bake-metadata.json");

    /// <summary>`bake --print` of exactly the command that will run, as bake-plan.json.</summary>
    public ProcessResult WritePlan(BakeInvocation invocation)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        // bake --print checks that output folders exist.
        Directory.CreateDirectory(invocation.OciDirectory);
        Directory.CreateDirectory(artifactsDirectory);
        var print = ProcessRunner.Run(invocation.PrintCommand, new ProcessOptions { WorkingDirectory = repoRoot, Environment = invocation.Environment, Timeout = TimeSpan.FromMinutes(2) });
        if (print.Succeeded)
        {
            using var doc = JsonDocument.Parse(print.StandardOutput);
            AtomicFile.WriteAllText(PlanFile, JsonSerializer.Serialize(doc.RootElement, new JsonSerializerOptions { WriteIndented = true }) + "\n");
        }

        return print;
    }

    public BakeResult Run(BakeInvocation invocation, IReadOnlyList<FamilyOutcome> reused)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        ArgumentNullException.ThrowIfNull(reused);
        Directory.CreateDirectory(invocation.OciDirectory);
        foreach (var old in Directory.GetFiles(invocation.OciDirectory, "*.tar"))
        {
            File.Delete(old);
        }

        File.Delete(invocation.MetadataFile);
        Directory.CreateDirectory(artifactsDirectory);

        var parser = new ProgressParser();
        var logTemp = LogFile + ".partial";
        ProcessResult result;
        using (var log = new StreamWriter(logTemp, append: false) { AutoFlush = true })
        {
            log.WriteLine("$ " + invocation.Command.Render());
            void Line(string line)
            {
                lock (log)
                {
                    log.WriteLine(line);
                    parser.Feed(line);
                }

                console(line);
            }

            result = ProcessRunner.Run(invocation.Command, new ProcessOptions
            {
                WorkingDirectory = repoRoot,
                Environment = invocation.Environment,
                OnStandardOutput = Line,
                OnStandardError = Line,
                Timeout = TimeSpan.FromHours(3),
            });
            log.WriteLine($"# exit {result.ExitCode}{(result.TimedOut ? " (timed out)" : string.Empty)} after {result.Duration.TotalSeconds:0.0} s");
        }

        File.Move(logTemp, LogFile, overwrite: true);
        var metadata = File.Exists(invocation.MetadataFile) ? JsonDocument.Parse(File.ReadAllText(invocation.MetadataFile)) : null;
        if (metadata is not null)
        {
            AtomicFile.WriteAllText(MetadataFile, File.ReadAllText(invocation.MetadataFile));
        }

        var progress = parser.Targets;
        var outcomes = new List<FamilyOutcome>(reused);
        foreach (var family in invocation.ToBuild)
        {
            var p = progress.TryGetValue(family.BakeTarget, out var t) ? t : new TargetProgress(family.BakeTarget, 0, 0, 0, []);
            string? digest = null;
            if (metadata is not null && metadata.RootElement.TryGetProperty(family.BakeTarget, out var entry) && entry.TryGetProperty("containerimage.digest", out var d))
            {
                digest = d.GetString();
            }

            var outcome = result.Succeeded && digest is not null ? Outcome.Built : p.Errors.Count > 0 ? Outcome.Failed : Outcome.NotBuilt;
            outcomes.Add(new FamilyOutcome(family.Name, outcome, family.Reason, family.Hash, family.ImageTag, digest, Math.Round(p.Seconds, 1), p.Steps, p.Cached, p.Errors));
        }

        if (result.Succeeded)
        {
            outcomes = LoadImages(invocation, outcomes);
        }

        var order = invocation.Families.Select(f => f.Name).ToList();
        outcomes.Sort((a, b) => order.IndexOf(a.Name).CompareTo(order.IndexOf(b.Name)));
        return new BakeResult(1, outcomes.All(o => o.Outcome is Outcome.Built or Outcome.Reused), Math.Round(result.Duration.TotalSeconds, 1), invocation.Cache, outcomes);
    }

    /// <summary>Loads each OCI tarball into the engine (images stay local until Publish) and checks the digest survived.</summary>
    private List<FamilyOutcome> LoadImages(BakeInvocation invocation, List<FamilyOutcome> outcomes)
    {
        // Independent tarballs: load them concurrently (docker load is mostly I/O and unpacking).
        return outcomes.AsParallel().AsOrdered().WithDegreeOfParallelism(Math.Max(2, Environment.ProcessorCount)).Select(outcome =>
        {
            if (outcome.Outcome != Outcome.Built)
            {
                return outcome;
            }

            var tar = Path.Combine(invocation.OciDirectory, outcome.Name + ".tar");
            var load = ProcessRunner.Run(new CommandLine("docker").Add("load", "-i", tar), new ProcessOptions { Timeout = TimeSpan.FromMinutes(30) });
            // Two runs loading the same image at once collide in containerd ("AlreadyExists"): the other run created
            // the same image, so load again (then the digest check below says whether it is really ours).
            for (var attempt = 1; !load.Succeeded && attempt <= 3 && load.StandardError.Contains("already exists", StringComparison.OrdinalIgnoreCase); attempt++)
            {
                Thread.Sleep(200 * attempt);
                load = ProcessRunner.Run(new CommandLine("docker").Add("load", "-i", tar), new ProcessOptions { Timeout = TimeSpan.FromMinutes(30) });
            }

            var id = load.Succeeded ? ProcessRunner.Run(new CommandLine("docker").Add("image", "inspect", "--format", "{{.Id}}", outcome.Tag)).StandardOutput.Trim() : string.Empty;
            if (!load.Succeeded || (outcome.Digest is not null && id != outcome.Digest))
            {
                var why = load.Succeeded ? $"the loaded image is {id}, not the built {outcome.Digest}" : load.StandardError.Trim();
                return outcome with { Outcome = Outcome.Failed, Errors = [.. outcome.Errors, $"docker load {tar}: {why}"] };
            }

            return outcome;
        }).ToList();
    }

    /// <summary>
    /// BuildKit never prunes a local cache folder, so each family exported a fresh &lt;scope&gt;-new into this run's work
    /// folder; it replaces the shared &lt;scope&gt; (a concurrent run doing the same simply wins or loses the race).
    /// </summary>
    public static void SwapLocalCaches(string exportDirectory, string cacheDirectory)
    {
        if (!Directory.Exists(exportDirectory))
        {
            return;
        }

        Directory.CreateDirectory(cacheDirectory);
        foreach (var fresh in Directory.GetDirectories(exportDirectory, "*-new"))
        {
            var current = Path.Combine(cacheDirectory, Path.GetFileName(fresh)[..^"-new".Length]);
            var old = current + "." + Guid.NewGuid().ToString("N")[..8] + ".old";
            try
            {
                if (Directory.Exists(current))
                {
                    Directory.Move(current, old);
                }

                Directory.Move(fresh, current);
            }
            catch (IOException)
            {
                // Another run swapped the same scope at the same moment; its cache is as good as ours.
            }
            finally
            {
                if (Directory.Exists(old))
                {
                    Directory.Delete(old, recursive: true);
                }
            }
        }
    }
}
