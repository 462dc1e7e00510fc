using Build.Host;
using Build.Reports;
using Build.Testing;
using Build.Tools;
using Cake.Core;
using Cake.Core.Diagnostics;

namespace Build.Tasks;

/// <summary>The demo's engine, registry and Debian base: whatever answers, else tests/infra/up.sh brings them up.</summary>
[TaskName("DemoUp")]
[TaskDescription("The Demo target's first step: uses a Docker engine that answers, or (on Debian, as root) brings up tests/infra/up.sh's engine, loopback registry and Debian base; else says what to install.")]
public sealed class DemoUp(KilnEnvironment environment, Services.RunOutput output, IProcessRunner processes) : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var script = Path.Combine(context.Root, "tests", "infra", "up.sh");
        if (environment.Get("KILN_TEST_REGISTRY") is { Length: > 0 } && environment.Get("KILN_DEBIAN_BASE") is { Length: > 0 })
        {
            context.Log.Information("Using the engine and registry this environment names (KILN_TEST_REGISTRY, KILN_DEBIAN_BASE).");
            return;
        }

        if (!File.Exists("/etc/debian_version"))
        {
            throw new CakeException(1,
                "The demo needs a Docker engine with buildx >= 0.13 and the containerd image store, a registry on 127.0.0.1 and a Debian base image in it. " +
                "On Debian, ./build.sh --target=Demo brings them up itself (tests/infra/up.sh). Elsewhere install Docker (Docker Desktop, or docker-ce with the buildx plugin and " +
                "\"features\": {\"containerd-snapshotter\": true}), then run tests/infra/up.sh's steps for the registry and base, and set KILN_TEST_REGISTRY and KILN_DEBIAN_BASE.");
        }

        context.Log.Information("Bringing up the demo's engine, loopback registry and Debian base: tests/infra/up.sh (a second run reuses all of it).");
        var up = processes.Run(new CommandLine("bash").Add(script), new ProcessOptions
        {
            WorkingDirectory = context.Root,
            OnStandardError = output.WriteError,
            Timeout = TimeSpan.FromMinutes(20),
        });
        if (!up.Succeeded)
        {
            throw new CakeException(1, $"tests/infra/up.sh failed (exit {up.ExitCode}); its output is above. It needs Debian and root (apt-get) unless a Docker engine with buildx >= 0.13 already answers.");
        }

        environment.Learn(InfraEnvironment.Parse(up.StandardOutput));
    }
}

[TaskName("Demo")]
[IsDependentOn(typeof(DemoUp))]
[IsDependentOn(typeof(CI))]
[TaskDescription("The first command on a fresh machine: brings up what the demo needs (DemoUp), then the whole CI chain on examples/demo (the Debian + Python miniature of the real catalog) against the loopback registry (--cve-scanner=none unless Trivy or Grype is installed), and prints the per-family table and where the reports are. A second run builds nothing.")]
public sealed class Demo(Services.RunOutput output) : FrostingTask<BuildContext>
{
    public const string Catalog = "examples/demo/families.yaml";

    public override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var bake = context.Results.Bake ?? throw new CakeException(1, "Demo shows this run's chain: run ./build.sh --target=Demo, not --exclusive.");
        var publish = context.Results.Publish;
        output.Write(TextTable.Render(
            ["Image", "Outcome", "Hash", "Digest", "Published"],
            bake.Families.Select(f => (IReadOnlyList<string>)
            [
                f.Name, f.Outcome.ToString().ToLowerInvariant(), f.Hash, f.Digest is { Length: > 19 } d ? d[..19] : f.Digest ?? "-",
                publish?.Families.FirstOrDefault(p => p.Family == f.Name)?.Decision ?? "-",
            ])));
        var built = bake.Families.Count(f => f.Outcome == Buildx.Outcome.Built);
        var services = bake.Families.Count(f => f.Kind == Hashing.ImageKind.Service);
        var images = $"{bake.Families.Count} images ({bake.Families.Count - services} families, {services} services)";
        context.Log.Information(built == 0
            ? $"Nothing to build: all {images} were already built at their hashes (reused)."
            : $"Built {built} of {images}; run it again and nothing is built.");
        if (context.Results.Gates.TryGetValue(Gates.CveGate.GateName, out var cve) && cve.Result == Gates.GateResult.Skipped)
        {
            context.Log.Warning("The CVE gate was skipped (--cve-scanner=none: no Trivy or Grype here); cve-report.md says so.");
        }

        string[] reports = [context.Paths.Summary, context.Paths.BakePlan, context.Paths.OciMetadata, context.Paths.GhcrStatusMarkdown, .. context.Fleet is null ? Array.Empty<string>() : [context.Paths.FleetReportMarkdown]];
        foreach (var path in reports)
        {
            output.WriteLine($"  {Path.GetRelativePath(context.Root, path)}");
        }
    }
}
