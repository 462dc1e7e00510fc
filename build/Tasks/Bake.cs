using System.Globalization;
using Build.Buildx;
using Build.Generation;
using Build.Host;
using Build.IO;
using Build.Reports;
using Build.Tools;
using Cake.Core;
using Cake.Core.Diagnostics;
using Spectre.Console;

namespace Build.Tasks;

[TaskName("Bake")]
[IsDependentOn(typeof(ComputeHash))]
[TaskDescription("One docker buildx bake over the family graph: builds what changed, reuses what exists (by hash), loads images locally; bake-plan.json, bake-metadata.json, build.log.")]
[TaskArgument("--force", "Rebuild every selected family even when its image exists.")]
[TaskArgument("--builder=NAME", "Use this buildx builder (docker-container, remote, kubernetes...).")]
[TaskArgument("--cache=builder|local|registry|gha", "Build cache: the builder's own (local mode's default), .kiln/cache (CI mode's default without Actions), a registry (--cache-ref) or the Actions cache.")]
[TaskArgument("--cache-ref=REPO", "Registry cache repository (CI mode without the Actions cache).")]
[TaskArgument("--reproducible", "Local mode: build through OCI tarballs with timestamps rewritten to the commit time (identical digests for identical inputs), as CI mode always does.")]
[TaskArgument("--progress=auto|plain", "auto: a live per-family view on a terminal (the full log still goes to build.log); plain: BuildKit's plain progress.")]
[TaskArgument("--explain", "Print why each image is built (Explain against -latest, else today's date tag) before building.")]
[TaskArgument("--provenance", "Attach provenance attestations (off by default: they break reproducible digests and show as unknown/unknown on GHCR).")]
public sealed class Bake(Services.Prechecks prechecks, Services.RunClock clock, Services.Explanations explanations, Services.RunOutput output, Tools.IProcessRunner processes) : FrostingTask<BuildContext>, IDryRunTask
{
    public override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var hashes = Hashes(context);
        CheckEngineAndFiles(context);
        var planned = Plan(context, hashes);
        // The whys of what is built are read beside the bake (they need the registry, the bake does not) unless
        // --explain prints them first; they reach the summary and bake-summary.json, which come after the bake.
        var explained = context.Flag(ArgumentNames.Explain) ? Task.FromResult(Explained(context, hashes, planned)) : Task.Run(() => Explained(context, hashes, planned));
        var plan = context.Flag(ArgumentNames.Explain) ? explained.GetAwaiter().GetResult() : planned;
        var runner = new BakeRunner(context.Root, context.Paths, processes, output.WriteLine, LiveConsole(context), clock.Record);
        var reused = plan.Where(p => p.Action == ImageAction.Reuse)
            .Select(p => hashes.Get(p.Name) is var h && h.Exists == Hashing.Existence.Present && h.Digest is { } registryDigest
                ? new ImageOutcome(p.Name, Outcome.Reused, p.Reason, p.Hash, p.ImageTag, registryDigest, 0, 0, 0, [], Gates.ImageOrigin.Registry, p.Kind, p.Why)
                : new ImageOutcome(p.Name, Outcome.Reused, p.Reason, p.Hash, p.ImageTag, h.LocalImage, 0, 0, 0, [], Gates.ImageOrigin.Local, p.Kind, p.Why))
            .ToList();

        BakeResult result;
        if (plan.All(p => p.Action == ImageAction.Reuse))
        {
            context.Log.Information($"Nothing changed: all {Count(plan.Count, hashes)} are reused; nothing to build.");
            AtomicFile.WriteAllText(runner.PlanFile, "{\n  \"group\": {},\n  \"target\": {}\n}\n");
            result = new BakeResult(BakeResult.CurrentSchema, context.Stamp, true, 0, "none", reused);
        }
        else
        {
            clock.Time("stage service code", () => StageCode(context, hashes, plan));
            var facts = clock.Time("builder check (waited)", () => CheckBuilder(context));
            var invocation = clock.Time("render (git facts waited)", () => Render(context, hashes, plan, facts));
            // bake --print of the same command runs beside a build into the engine (same definition, no need to wait
            // for it); a build that writes files waits for it, since it truncates the files the outputs name.
            Directory.CreateDirectory(invocation.OciDirectory);
            var print = Task.Run(() => runner.WritePlan(invocation));
            if (invocation.WritesFiles)
            {
                clock.Time("bake --print (before a build that writes files)", () => print.Wait());
            }

            context.Log.Information($"Building {invocation.ToBuild.Count} of {Count(plan.Count, hashes)} (cache: {invocation.Cache}): {invocation.Command.Render()}");
            result = runner.Run(invocation, reused, context.Stamp);
            LinkBuilt(context, result);
            var printed = clock.Time("bake --print (waited)", () => print.GetAwaiter().GetResult());
            if (!printed.Succeeded)
            {
                throw new CakeException(1, $"docker buildx bake --print failed: {printed.StandardError.Trim()}");
            }
            if (result.Succeeded && invocation.Cache == "local")
            {
                BakeRunner.SwapLocalCaches(context.Paths.WorkCacheExport, Path.Combine(context.Root, ".kiln", "cache"));
            }
        }

        var whys = clock.Time("reference records (waited)", () => explained.GetAwaiter().GetResult()).ToDictionary(p => p.Name, p => p.Why, StringComparer.Ordinal);
        result = result with { Families = result.Families.Select(f => f.Outcome is Outcome.Reused || !whys.TryGetValue(f.Name, out var why) ? f : f with { Why = why }).ToList() };
        result = result with { Phases = clock.Phases };
        context.Results.Set(result);
        AtomicFile.WriteAllText(context.Paths.BakeSummary, result.ToJson());
        context.Log.Debug("Phases so far (ms): " + string.Join(", ", result.Phases.Select(p => $"{p.Name} {p.Milliseconds.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture)}")));
        output.Write(Summary(result));
        if (!result.Succeeded)
        {
            var failed = result.Families.Where(f => f.Outcome is Outcome.Failed or Outcome.NotBuilt).ToList();
            var first = failed.SelectMany(f => f.Errors).FirstOrDefault() ?? "see artifacts/build.log";
            throw new CakeException(1, $"Bake failed for {string.Join(", ", failed.Select(f => f.Name))}: {first}");
        }
    }

    public void DryRun(ICakeContext context)
    {
        var ctx = (BuildContext)context;
        var hashes = Hashes(ctx);
        CheckEngineAndFiles(ctx);
        var plan = Explained(ctx, hashes, Plan(ctx, hashes));
        output.Write(TextTable.Render(["Image", "Action", "Why", "Tag"], plan.Select(p => (IReadOnlyList<string>)[p.Name, p.Action.ToString().ToLowerInvariant(), p.Why, p.ImageTag])));
        if (plan.All(p => p.Action == ImageAction.Reuse))
        {
            output.WriteLine("Nothing would be built.");
            return;
        }

        var invocation = Render(ctx, hashes, plan, CheckBuilder(ctx));
        output.WriteLine("Would run (from the repository root, with the environment below):");
        output.WriteLine("  " + invocation.Command.Render());
        foreach (var (k, v) in invocation.Environment.Where(kv => kv.Value is not null).OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"  {k}={v}");
        }
    }

    /// <summary>Each service to build gets its 'code' context: exactly the files its hash was made of.</summary>
    private static void StageCode(BuildContext context, Hashing.HashReport hashes, IReadOnlyList<PlannedImage> plan)
    {
        if (context.Fleet is not { } fleet)
        {
            return;
        }

        var sourceRoot = Path.Combine(context.Root, fleet.Fleet.SourceRoot);
        foreach (var p in plan.Where(p => p.Action == ImageAction.Build && p.Kind == Hashing.ImageKind.Service))
        {
            try
            {
                Fleet.CodeStage.Stage(p.Name, sourceRoot, Path.Combine(context.Root, BakeFileRenderer.DefaultCodeDir, p.Name), hashes.Get(p.Name).Inputs);
            }
            catch (Catalog.InputException ex)
            {
                throw new CakeException(1, ex.Message);
            }
        }
    }

    /// <summary>
    /// Each image built here is linked to the record its label names (the label Bake gave it), so a later run's why
    /// reads the label of the tag that names it without inspecting the image.
    /// </summary>
    private static void LinkBuilt(BuildContext context, BakeResult result)
    {
        var store = new Explain.LocalInputStore(context.Root, context.Paths, context.Env.Lookup);
        foreach (var built in result.Families.Where(f => f.Outcome == Outcome.Built && f.Digest is not null))
        {
            if (context.Results.Inputs.TryGetValue(built.Name, out var record))
            {
                store.Link(built.Digest!, record.Digest);
            }
        }
    }

    internal static string Summary(BakeResult result) => TextTable.Render(
        ["Image", "Outcome", "Why", "Hash", "Duration", "Cache hits", "Digest"],
        result.Families.Select(f => (IReadOnlyList<string>)
        [
            f.Name,
            f.Outcome switch { Outcome.Built => "built", Outcome.Reused => "reused (hash hit)", Outcome.Failed => "FAILED", _ => "not built" },
            f.Why ?? f.Reason,
            f.Hash,
            f.Outcome == Outcome.Reused ? "-" : f.Seconds.ToString("0.0", CultureInfo.InvariantCulture) + " s",
            f.Steps == 0 ? "-" : $"{f.CachedSteps}/{f.Steps}",
            f.Digest is { Length: > 19 } d ? d[..19] : f.Digest ?? "-",
        ]));

    /// <summary>"12 images (9 families, 3 services)", or "9 families" without services.</summary>
    private static string Count(int images, Hashing.HashReport hashes) =>
        hashes.Services.Count == 0 ? $"{images} families" : $"{images} images ({images - hashes.Services.Count} families, {hashes.Services.Count} services)";

    /// <summary>A terminal gets Spectre's live per-family view; not a terminal, CI, or --progress=plain: plain lines.</summary>
    private IAnsiConsole? LiveConsole(BuildContext context)
    {
        var plain = context.Argument(ArgumentNames.Progress) is "plain"
            || string.Equals(context.Env.Get("CI"), "true", StringComparison.OrdinalIgnoreCase);
        return plain ? null : output.LiveConsole();
    }

    /// <summary>
    /// Each image to build gets its first root cause as its why (what changed since its -latest, else since today's
    /// date tag): Explain's answer, read only for what is built (a no-op asks nothing). --explain prints the whole
    /// explanation first. --force builds without a cause, and says so.
    /// </summary>
    private IReadOnlyList<PlannedImage> Explained(BuildContext context, Hashing.HashReport hashes, IReadOnlyList<PlannedImage> plan)
    {
        var print = context.Flag(ArgumentNames.Explain);
        var changed = plan.Where(p => p.Action == ImageAction.Build && !context.Flag(ArgumentNames.Force)).Select(p => p.Name).ToList();
        if ((changed.Count == 0 && !print) || context.Results.Inputs.Count == 0)
        {
            return plan;
        }

        var report = explanations.Explain(hashes, Explain.ExplainAgainst.ForBake(context.DateTag), print ? null : changed);
        if (print)
        {
            output.Write(Explain.ExplainOutput.Text(report));
        }

        return plan.Select(p => changed.Contains(p.Name) && report.Find(p.Name) is { } e ? p with { Why = Why(e) } : p).ToList();
    }

    /// <summary>A build's why, in one line: the root cause, the family it comes from, or why it cannot be told.</summary>
    internal static string Why(Explain.ImageExplanation explanation) => explanation.Status switch
    {
        Explain.ExplainStatus.Changed => $"changed: {explanation.Why}",
        Explain.ExplainStatus.Cascaded => explanation.Why,
        Explain.ExplainStatus.Unchanged => $"no image for this hash, though its inputs are those of {explanation.Reference.Tag}",
        _ => $"cannot tell what changed: {explanation.Why}",
    };

    private static Hashing.HashReport Hashes(BuildContext context) => context.Results.Hashes
        ?? throw new CakeException(1, "Bake needs this run's hashes: run ./build.sh --target=Bake (ComputeHash runs first), not --exclusive.");

    private static IReadOnlyList<PlannedImage> Plan(BuildContext context, Hashing.HashReport hashes)
    {
        var local = hashes.Families.Where(f => f.LocalImage is not null).ToDictionary(f => f.Tags.Immutable, f => f.LocalImage!, StringComparer.Ordinal);
        return BakePlanner.Plan(context.Catalog, hashes, local.GetValueOrDefault, context.Flag(ArgumentNames.Force), context.Options.Mode);
    }

    /// <summary>The engine must answer and the generated files must match the catalog, whatever is built.</summary>
    private void CheckEngineAndFiles(BuildContext context)
    {
        try
        {
            clock.Time("engine check (waited)", () => prechecks.EngineVersion);
        }
        catch (PrerequisiteException ex)
        {
            throw new CakeException(1, ex.Message);
        }

        var accepted = MachineProject.AcceptedDrift(context);
        var drift = clock.Time("generated files check (waited)", () => prechecks.GeneratedFiles).Where(c => c.Kind != ChangeKind.Unchanged && !accepted.Contains(c.Path)).ToList();
        if (drift.Count > 0)
        {
            throw new CakeException(1, $"The generated files are stale or missing ({string.Join(", ", drift.Select(d => d.Path))}). Run ./build.sh --target=Generate --catalog={context.Options.Catalog}.");
        }
    }

    /// <summary>buildx and the builder's abilities: checked only when something will be built.</summary>
    private BuilderFacts CheckBuilder(BuildContext context)
    {
        try
        {
            var facts = prechecks.Builder;
            context.Log.Verbose($"Engine {facts.EngineVersion}, buildx {facts.BuildxVersion}, builder {facts.Builder} ({facts.Driver}{(facts.ContainerdStore ? ", containerd store" : string.Empty)})");
            return facts;
        }
        catch (PrerequisiteException ex)
        {
            throw new CakeException(1, ex.Message);
        }
    }

    private BakeInvocation Render(BuildContext context, Hashing.HashReport hashes, IReadOnlyList<PlannedImage> plan, BuilderFacts facts)
    {
        var git = prechecks.Git;
        if (git is null)
        {
            context.Log.Warning("Not a git checkout (or git is missing): revision/created/source labels and SOURCE_DATE_EPOCH are omitted.");
        }

        var settings = new BakeSettings(
            context.Options.Mode,
            context.Root,
            context.Paths,
            context.Argument(ArgumentNames.Builder),
            context.Flag(ArgumentNames.Force),
            context.Options.ArtifactsRequested,
            context.Flag(ArgumentNames.Provenance),
            context.DateTag,
            context.Argument(ArgumentNames.CacheRef),
            git,
            facts.HasEntitlements,
            context.Argument(ArgumentNames.Cache),
            context.Options.Mode == BuildMode.Ci || context.Flag(ArgumentNames.Reproducible),
            BakeSettings.HasActionsCacheRuntime(context.Env.Lookup),
            context.Plan.BaseVariables,
            context.Results.Inputs.ToDictionary(kv => kv.Key, kv => kv.Value.Digest, StringComparer.Ordinal));
        try
        {
            return BakePlanner.Render(context.Catalog, hashes, plan, settings, context.Repository);
        }
        catch (ArgumentException ex)
        {
            throw new CakeException(2, ex.Message);
        }
    }
}
