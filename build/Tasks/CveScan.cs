using System.Globalization;
using Build.Gates;
using Build.Host;
using Cake.Core;
using Cake.Core.Diagnostics;

namespace Build.Tasks;

[TaskName("CveScan")]
[IsDependentOn(typeof(ExportArtifacts))]
[IsDependeeOf(typeof(Publish))]
[TaskDescription("Scans this run's images with Trivy (default) or Grype and applies cve-policy.yaml: cve-report.json, .md and .sarif, each verdict naming the digest it judged.")]
[TaskArgument("--cve-scanner=trivy|grype|none", "The scanner; none must be explicit and is shown in every report.")]
[TaskArgument("--cve-scanner-path=PATH", "The scanner executable (default: on PATH).")]
[TaskArgument("--cve-scanner-image=IMAGE", "Run the scanner from this image instead.")]
[TaskArgument("--cve-offline", "Do not update the vulnerability database (use the cached one).")]
[TaskArgument("--cve-timeout=SECONDS", "Per image (default 900).")]
[TaskArgument("--scan-reused", "Also scan images reused from the registry (published by an earlier run).")]
public sealed class CveScan(Services.RunOutput output, Tools.IProcessRunner processes) : GateTask<CveGate>(output)
{
    protected override IGateReport Judge(BuildContext context, IReadOnlyList<JudgedImage> images)
    {
        CvePolicy policy;
        try
        {
            policy = CveGate.LoadPolicy(context.Root, context.Catalog, context.Plan.ImageNames);
        }
        catch (GateConfigException ex)
        {
            throw new CakeException(1, ex.Message);
        }

        var judged = images.Where(i => i.NeedsVerdict || context.Flag(ArgumentNames.ScanReused)).ToList();
        var name = context.Argument(ArgumentNames.CveScanner) ?? "trivy";
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        List<(JudgedImage, ScanStatus, string?, IReadOnlyList<Finding>)> NotScanned(string why) =>
            judged.Select(i => (i, ScanStatus.NotScanned, (string?)why, (IReadOnlyList<Finding>)[])).ToList();
        if (name == "none")
        {
            context.Log.Warning("CVE scan skipped: --cve-scanner=none. The reports say so.");
            return CvePolicyEngine.Evaluate("none", policy, NotScanned("--cve-scanner=none"), today, context.Stamp, GateResult.Skipped);
        }

        CveScanner? scanner;
        try
        {
            scanner = CveScanners.Resolve(name, context.Argument(ArgumentNames.CveScannerPath), context.Argument(ArgumentNames.CveScannerImage), context.Paths.Root, context.Env.Lookup);
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
            return CvePolicyEngine.Evaluate(name, policy, NotScanned($"{name} is not installed"), today, context.Stamp, GateResult.NotRun);
        }

        var timeout = TimeSpan.FromSeconds(int.TryParse(context.Argument(ArgumentNames.CveTimeout), CultureInfo.InvariantCulture, out var t) ? t : 900);
        var scans = new List<(JudgedImage, ScanStatus, string?, IReadOnlyList<Finding>)>();
        foreach (var image in judged)
        {
            var layout = Path.Combine(context.Paths.OciRoot, image.Family);
            var request = new ScanRequest(image.Family, image.Tag, Directory.Exists(layout) ? layout : null, context.Paths.ScannerOutput(image.Family, scanner.Name), context.Flag(ArgumentNames.CveOffline), null);
            context.Log.Information($"Scanning {image.Family}: {scanner.Command(request).Render()}");
            var (status, detail, findings) = scanner.Run(request, timeout, processes);
            scans.Add((image, status, detail, findings));
        }

        var report = CvePolicyEngine.Evaluate(scanner.Name, policy, scans, today, context.Stamp);
        foreach (var stale in report.Waivers.Where(w => !w.Used && !w.Expired))
        {
            context.Log.Warning($"{policy.File}:{stale.Line}: waiver {stale.Id} matched nothing (stale): remove it.");
        }

        return report;
    }

    protected override IEnumerable<(string Extension, string Content)> ExtraFormats(BuildContext context, IGateReport report) =>
        [("sarif", CvePolicyEngine.Sarif((CveReport)report, name => context.Fleet?.Services.Any(s => s.Name == name) == true
            ? Fleet.ServiceDockerfileRenderer.DockerfilePath(context.Catalog, name)
            : context.Catalog.DockerfilePath(name)))];
}
