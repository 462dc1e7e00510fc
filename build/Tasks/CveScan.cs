using System.Globalization;
using Build.Buildx;
using Build.Gates;
using Build.Host;
using Build.IO;
using Build.Reports;
using Cake.Core;
using Cake.Core.Diagnostics;

namespace Build.Tasks;

[TaskName("CveScan")]
[TaskDescription("Scans this run's images with Trivy (default) or Grype and applies cve-policy.yaml: cve-report.json, .md and .sarif.")]
[TaskArgument("--cve-scanner=trivy|grype|none", "The scanner; none must be explicit and is shown in every report.")]
[TaskArgument("--cve-scanner-path=PATH", "The scanner executable (default: on PATH).")]
[TaskArgument("--cve-scanner-image=IMAGE", "Run the scanner from this image instead.")]
[TaskArgument("--cve-offline", "Do not update the vulnerability database (use the cached one).")]
[TaskArgument("--cve-timeout=SECONDS", "Per image (default 900).")]
[TaskArgument("--scan-reused", "Also scan families reused from earlier runs.")]
public sealed class CveScan : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var artifacts = context.ArtifactsDirectory.FullPath;
        var policyPath = Path.Combine(context.RootDirectory.FullPath, context.Catalog.Directory, "cve-policy.yaml");
        CvePolicy policy;
        try
        {
            policy = CvePolicy.Load(policyPath, $"{context.Catalog.Directory}/cve-policy.yaml");
        }
        catch (GateConfigException ex)
        {
            throw new CakeException(1, ex.Message);
        }

        var bake = context.LoadBakeResult();
        var families = bake.Families.Where(f => f.Outcome == Outcome.Built || (context.Flag("scan-reused") && f.Outcome == Outcome.Reused)).ToList();
        var name = context.Argument("cve-scanner") ?? "trivy";
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        CveReport report;
        if (name == "none")
        {
            context.Log.Warning("CVE scan skipped: --cve-scanner=none. The reports say so.");
            report = CvePolicyEngine.Evaluate("none", policy, families.Select(f => (f.Name, ScanStatus.NotScanned, (string?)"--cve-scanner=none", (IReadOnlyList<Finding>)[])).ToList(), today, GateResult.Skipped);
        }
        else
        {
            CveScanner? scanner;
            try
            {
                scanner = CveScanners.Resolve(name, context.Argument("cve-scanner-path"), context.Argument("cve-scanner-image"), artifacts);
            }
            catch (ArgumentException ex)
            {
                throw new CakeException(2, ex.Message);
            }

            if (scanner is null)
            {
                var hint = name == "grype" ? new GrypeScanner(new Tools.CommandLine("grype")).InstallHint : new TrivyScanner(new Tools.CommandLine("trivy")).InstallHint;
                if (context.Options.Mode == BuildMode.Ci)
                {
                    throw new CakeException(1, $"No {name} scanner found, and CI mode does not publish unscanned images. {hint}");
                }

                context.Log.Warning($"!!! NO CVE SCAN: {name} is not installed. The images were NOT scanned and Publish will refuse them. {hint}");
                report = CvePolicyEngine.Evaluate(name, policy, families.Select(f => (f.Name, ScanStatus.NotScanned, (string?)$"{name} is not installed", (IReadOnlyList<Finding>)[])).ToList(), today, GateResult.NotRun);
            }
            else
            {
                var timeout = TimeSpan.FromSeconds(int.TryParse(context.Argument("cve-timeout"), CultureInfo.InvariantCulture, out var t) ? t : 900);
                var scans = new List<(string, ScanStatus, string?, IReadOnlyList<Finding>)>();
                foreach (var family in families)
                {
                    var layout = Path.Combine(artifacts, "oci", family.Name);
                    var request = new ScanRequest(family.Name, family.Tag, Directory.Exists(layout) ? layout : null, Path.Combine(artifacts, "cve", $"{family.Name}.{scanner.Name}.json"), context.Flag("cve-offline"), null);
                    context.Log.Information($"Scanning {family.Name}: {scanner.Command(request).Render()}");
                    var (status, detail, findings) = scanner.Run(request, timeout);
                    scans.Add((family.Name, status, detail, findings));
                }

                report = CvePolicyEngine.Evaluate(scanner.Name, policy, scans, today);
            }
        }

        AtomicFile.WriteAllText(Path.Combine(artifacts, "cve-report.json"), report.ToJson());
        AtomicFile.WriteAllText(Path.Combine(artifacts, "cve-report.md"), CvePolicyEngine.Markdown(report));
        AtomicFile.WriteAllText(Path.Combine(artifacts, "cve-report.sarif"), CvePolicyEngine.Sarif(report, f => context.Catalog.DockerfilePath(f)));
        Console.Out.Write(TextTable.Render(
            ["Family", "Scan", "Critical", "High", "Medium", "Low", "Blocking"],
            report.Families.Select(f => (IReadOnlyList<string>)[f.Family, f.Status.ToString().ToLowerInvariant(), f.Count(Severity.Critical).ToString(CultureInfo.InvariantCulture), f.Count(Severity.High).ToString(CultureInfo.InvariantCulture), f.Count(Severity.Medium).ToString(CultureInfo.InvariantCulture), f.Count(Severity.Low).ToString(CultureInfo.InvariantCulture), f.Blocking.ToString(CultureInfo.InvariantCulture)])));
        foreach (var stale in report.Waivers.Where(w => !w.Used && !w.Expired))
        {
            context.Log.Warning($"{policy.File}:{stale.Line}: waiver {stale.Id} matched nothing (stale): remove it.");
        }

        context.Log.Information($"CVE gate: {report.Result.ToString().ToLowerInvariant()} (artifacts/cve-report.md).");
        if (report.Result == GateResult.Failed)
        {
            var blocking = report.Families.Sum(f => f.Blocking);
            var message = $"CVE gate failed: {blocking} blocking finding(s){(report.Problems.Count > 0 ? "; " + string.Join("; ", report.Problems) : string.Empty)}. See artifacts/cve-report.md.";
            context.Fail(message);
        }
    }
}
