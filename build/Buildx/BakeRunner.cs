using System.Text.Json;
using System.Text.Json.Serialization;
using Build.Images;
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

/// <param name="Why">The first root cause of a build (what changed since the reference image), or why it was reused.</param>
public sealed record ImageOutcome(
    string Name,
    Outcome Outcome,
    string Reason,
    string Hash,
    string Tag,
    string? Digest,
    double Seconds,
    int Steps,
    int CachedSteps,
    IReadOnlyList<string> Errors,
    Gates.ImageOrigin Origin = Gates.ImageOrigin.Built,
    Hashing.ImageKind Kind = Hashing.ImageKind.Family,
    string? Why = null)
{
    /// <summary>The image the gates judge and Publish pushes: only a built or reused image has one.</summary>
    [JsonIgnore]
    public Gates.JudgedImage? Image => Outcome is Outcome.Built or Outcome.Reused && Digest is { } digest
        ? new Gates.JudgedImage(Name, Hash, digest, Tag, Origin)
        : null;
}

/// <summary>artifacts/bake-summary.json: what happened to each image (family or service, see kind) in this run.</summary>
public sealed record BakeResult(int SchemaVersion, Gates.RunStamp Run, bool Succeeded, double Seconds, string Cache, IReadOnlyList<ImageOutcome> Families)
{
    /// <summary>Where the run's time went up to the end of Bake (milliseconds per phase).</summary>
    public IReadOnlyList<Services.Phase> Phases { get; init; } = [];

    public const int CurrentSchema = 2;

    /// <summary>Every image this run has (built or reused), in build order.</summary>
    [JsonIgnore]
    public IReadOnlyList<Gates.JudgedImage> Images => Families.Select(f => f.Image).OfType<Gates.JudgedImage>().ToList();

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public ImageOutcome? Get(string family) => Families.FirstOrDefault(f => f.Name == family);

    /// <summary>The same bytes as JsonSerializer.Serialize(this, Json) + "\n" (tested), without its start-up cost.</summary>
    public string ToJson() => JsonText.Write(w =>
    {
        w.WriteStartObject();
        w.WriteNumber("schemaVersion", SchemaVersion);
        w.WriteStartObject("run");
        w.WriteString("id", Run.Id);
        w.WriteString("startedAt", Run.StartedAt);
        w.WriteString("catalog", Run.Catalog);
        w.WriteEndObject();
        w.WriteBoolean("succeeded", Succeeded);
        w.WriteNumber("seconds", Seconds);
        w.WriteString("cache", Cache);
        w.WriteStartArray("families");
        foreach (var f in Families)
        {
            w.WriteStartObject();
            w.WriteString("name", f.Name);
            w.WriteString("outcome", JsonText.EnumName(f.Outcome));
            w.WriteString("reason", f.Reason);
            w.WriteString("hash", f.Hash);
            w.WriteString("tag", f.Tag);
            w.WriteString("digest", f.Digest);
            w.WriteNumber("seconds", f.Seconds);
            w.WriteNumber("steps", f.Steps);
            w.WriteNumber("cachedSteps", f.CachedSteps);
            w.WriteStrings("errors", f.Errors);
            w.WriteString("origin", JsonText.EnumName(f.Origin));
            w.WriteString("kind", JsonText.EnumName(f.Kind));
            w.WriteString("why", f.Why);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("phases");
        foreach (var p in Phases)
        {
            w.WriteStartObject();
            w.WriteString("name", p.Name);
            w.WriteNumber("milliseconds", p.Milliseconds);
            w.WriteNumber("start", p.Start);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    });

    public static BakeResult FromJson(string json) => JsonSerializer.Deserialize<BakeResult>(json, Json) ?? throw new JsonException("empty bake summary");
}

/// <summary>Runs one bake invocation: bake-plan.json first, then the build (progress to console and build.log), then loads the images.</summary>
/// <param name="processes">Runs bake --print, the bake and docker load.</param>
/// <param name="live">A terminal's live view (null: the plain progress goes to <paramref name="console"/> line by line).</param>
/// <param name="record">Where each phase's duration goes (the bake process, metadata, load and tag check).</param>
public sealed class BakeRunner(string repoRoot, ArtifactLayout paths, IProcessRunner processes, Action<string> console, Spectre.Console.IAnsiConsole? live = null, Action<string, TimeSpan>? record = null)
{
    public string PlanFile => paths.BakePlan;

    public string LogFile => paths.BuildLog;

    public string MetadataFile => paths.BakeMetadata;

    /// <summary>`bake --print` of exactly the command that will run, as bake-plan.json.</summary>
    public ProcessResult WritePlan(BakeInvocation invocation)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        // bake --print checks that output folders exist.
        Directory.CreateDirectory(invocation.OciDirectory);
        Directory.CreateDirectory(paths.Root);
        var options = new ProcessOptions { WorkingDirectory = repoRoot, Environment = invocation.Environment, Timeout = TimeSpan.FromMinutes(2) };
        ProcessResult print;
        try
        {
            print = processes.Run(invocation.PrintRun(nice: !OperatingSystem.IsWindows()), options);
        }
        catch (ToolNotFoundException)
        {
            // No nice on this machine: the print runs at the build's priority.
            print = processes.Run(invocation.PrintCommand, options);
        }

        if (print.Succeeded)
        {
            using var doc = JsonDocument.Parse(print.StandardOutput);
            AtomicFile.WriteAllText(PlanFile, JsonSerializer.Serialize(doc.RootElement, new JsonSerializerOptions { WriteIndented = true }) + "\n");
        }

        return print;
    }

    public BakeResult Run(BakeInvocation invocation, IReadOnlyList<ImageOutcome> reused, Gates.RunStamp run)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        ArgumentNullException.ThrowIfNull(reused);
        Directory.CreateDirectory(invocation.OciDirectory);
        foreach (var old in Directory.GetFiles(invocation.OciDirectory, "*.tar"))
        {
            File.Delete(old);
        }

        File.Delete(invocation.MetadataFile);
        Directory.CreateDirectory(paths.Root);

        var parser = new ProgressParser();
        var logTemp = LogFile + ".partial";
        ProcessResult result;
        using (var log = new StreamWriter(logTemp, append: false) { AutoFlush = true })
        {
            void Line(string line)
            {
                lock (log)
                {
                    log.WriteLine(line);
                    parser.Feed(line);
                }

                if (live is null)
                {
                    console(line);
                }
            }

            IReadOnlyDictionary<string, TargetProgress> Snapshot()
            {
                lock (log)
                {
                    return parser.Targets;
                }
            }

            ProcessResult Bake()
            {
                log.WriteLine("$ " + invocation.Command.Render());
                var run = processes.Run(invocation.Command, new ProcessOptions
                {
                    WorkingDirectory = repoRoot,
                    Environment = invocation.Environment,
                    OnStandardOutput = Line,
                    OnStandardError = Line,
                    Timeout = TimeSpan.FromHours(3),
                });
                log.WriteLine($"# exit {run.ExitCode}{(run.TimedOut ? " (timed out)" : string.Empty)} after {run.Duration.TotalSeconds:0.0} s");
                return run;
            }

            if (live is null)
            {
                result = Bake();
            }
            else
            {
                var running = Task.Run(Bake);
                BakeProgress.Live(live, invocation.ToBuild, Snapshot, running.ContinueWith(t => t.Result.Succeeded, TaskScheduler.Default));
                result = running.GetAwaiter().GetResult();
            }

            // Two runs naming the same image at the same moment collide in the engine's store ("already exists"):
            // the other run made that very tag, so the bake runs once more (from cache) and names it again.
            var errors = parser.Targets.Values.SelectMany(t => t.Errors).ToList();
            if (!result.Succeeded && !result.TimedOut && errors.Count > 0 && errors.All(e => e.Contains("already exists", StringComparison.Ordinal)))
            {
                console("Another run named the same images at the same moment; baking again.");
                parser = new ProgressParser();
                result = Bake();
            }
        }

        record?.Invoke("bake process", result.Duration);
        var readBack = System.Diagnostics.Stopwatch.StartNew();
        File.Move(logTemp, LogFile, overwrite: true);
        var metadataText = File.Exists(invocation.MetadataFile) ? File.ReadAllText(invocation.MetadataFile) : null;
        var metadata = metadataText is null ? null : JsonDocument.Parse(metadataText);
        if (metadataText is not null)
        {
            AtomicFile.WriteAllText(MetadataFile, metadataText);
        }

        var progress = parser.Targets;
        var outcomes = new List<ImageOutcome>(reused);
        foreach (var family in invocation.ToBuild)
        {
            var p = progress.TryGetValue(family.BakeTarget, out var t) ? t : new TargetProgress(family.BakeTarget, 0, 0, 0, []);
            string? digest = null;
            if (metadata is not null && metadata.RootElement.TryGetProperty(family.BakeTarget, out var entry) && entry.TryGetProperty("containerimage.digest", out var d))
            {
                digest = d.GetString();
            }

            var outcome = result.Succeeded && digest is not null ? Outcome.Built : p.Errors.Count > 0 ? Outcome.Failed : Outcome.NotBuilt;
            outcomes.Add(new ImageOutcome(family.Name, outcome, family.Reason, family.Hash, family.ImageTag, digest, Math.Round(p.Seconds, 1), p.Steps, p.Cached, p.Errors, Kind: family.Kind, Why: family.Why));
        }

        record?.Invoke("metadata read-back", readBack.Elapsed);
        if (result.Succeeded)
        {
            var load = System.Diagnostics.Stopwatch.StartNew();
            outcomes = LoadImages(invocation, outcomes);
            record?.Invoke("load + tag check", load.Elapsed);
        }

        var order = invocation.Families.Select(f => f.Name).ToList();
        outcomes.Sort((a, b) => order.IndexOf(a.Name).CompareTo(order.IndexOf(b.Name)));
        return new BakeResult(BakeResult.CurrentSchema, run, outcomes.All(o => o.Outcome is Outcome.Built or Outcome.Reused), Math.Round(result.Duration.TotalSeconds, 1), invocation.Cache, outcomes);
    }

    /// <summary>
    /// Reproducible builds left OCI tarballs: they are loaded into the engine (images stay local until Publish) in
    /// one `docker load` of one merged OCI layout — shared layers go once, and concurrent loads into the containerd
    /// store contend badly (measured: 5 parallel loads 1.2–7 s, 5 in a row 0.4 s, one merged 0.18 s); each loaded tag
    /// is then checked to name the digest the build reported. A direct export into the engine needs no such check:
    /// its digests are the metadata file's, read once, and Publish checks the local tag again before it pushes.
    /// </summary>
    private List<ImageOutcome> LoadImages(BakeInvocation invocation, List<ImageOutcome> outcomes)
    {
        var built = outcomes.Where(o => o.Outcome == Outcome.Built).ToList();
        if (built.Count == 0 || !invocation.Reproducible)
        {
            return outcomes;
        }

        var tarballs = built.Select(o => Path.Combine(invocation.OciDirectory, o.Name + ".tar")).ToList();
        ProcessResult Load() => processes.Run(
            new CommandLine("docker").Add("load"),
            new ProcessOptions { WriteStandardInput = stdin => OciArchive.Merge(tarballs, stdin), Timeout = TimeSpan.FromMinutes(30) });
        var load = Load();
        // Two runs loading the same image at once collide in containerd ("AlreadyExists"): the other run created
        // the same image, so load again (then the digest check below says whether it is really ours).
        for (var attempt = 1; !load.Succeeded && attempt <= 3 && load.StandardError.Contains("already exists", StringComparison.OrdinalIgnoreCase); attempt++)
        {
            Thread.Sleep(200 * attempt);
            load = Load();
        }

        var ids = load.Succeeded ? DockerEngine.LocalImages(built.Select(o => o.Tag).ToList(), processes) : new Dictionary<string, string>();
        return outcomes.Select(outcome =>
        {
            if (outcome.Outcome != Outcome.Built)
            {
                return outcome;
            }

            var id = ids.GetValueOrDefault(outcome.Tag);
            if (load.Succeeded && id == outcome.Digest)
            {
                return outcome;
            }

            var why = load.Succeeded ? $"the loaded image is {id ?? "missing"}, not the built {outcome.Digest}" : load.StandardError.Trim();
            return outcome with { Outcome = Outcome.Failed, Errors = [.. outcome.Errors, $"docker load of {outcome.Name}.tar: {why}"] };
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
