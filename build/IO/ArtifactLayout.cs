namespace Build.IO;

/// <summary>
/// Every artifact and scratch path of a run, named once. Artifacts are for people, CI uploads and an explicit resume;
/// scratch (<see cref="Work"/>) is per artifacts folder, so two runs with different --artifacts never share a file.
/// </summary>
public sealed record ArtifactLayout(string Root)
{
    public string Hashes => File("hashes.json");

    /// <summary>Each image's inputs record (what its hash was made of), beside hashes.json.</summary>
    public string InputsRoot => Path.Combine(Root, "inputs");

    public string Inputs(string image) => Path.Combine(InputsRoot, image + ".json");

    public string BakePlan => File("bake-plan.json");

    public string BakeMetadata => File("bake-metadata.json");

    public string BakeSummary => File("bake-summary.json");

    public string BuildLog => File("build.log");

    public string OciMetadata => File("oci-metadata.json");

    public string PixiMetadataJson => File("pixi-metadata.json");

    public string PixiMetadataMarkdown => File("pixi-metadata.md");

    /// <summary>A gate's reports: &lt;report&gt;.json, .md (and any extra format the gate writes, e.g. .sarif).</summary>
    public string GateReport(string report, string extension) => File($"{report}.{extension}");

    public string Publish => File("publish.json");

    public string GhcrStatusJson => File("ghcr-status.json");

    public string GhcrStatusMarkdown => File("ghcr-status.md");

    public string Promote => File("promote.json");

    public string DeployReportJson => File("deploy-report.json");

    public string DeployReportMarkdown => File("deploy-report.md");

    /// <summary>The Compose file a Deploy ran (the committed one, or without GPU reservations with --gpu=off).</summary>
    public string WorkCompose(string machine) => Path.Combine(Work, "deploy", machine, "compose.yaml");

    public string FleetReportJson => File("fleet-report.json");

    public string FleetReportMarkdown => File("fleet-report.md");

    public string Summary => File("summary.md");

    public string TestResults => Path.Combine(Root, "test-results");

    /// <summary>Export-stage files of a family (what its -artifacts bake target writes).</summary>
    public string DistRoot => Path.Combine(Root, "dist");

    public string Dist(string family) => Path.Combine(DistRoot, family);

    /// <summary>--oci copies: &lt;family&gt;.tar or an OCI layout directory &lt;family&gt;/.</summary>
    public string OciRoot => Path.Combine(Root, "oci");

    /// <summary>Raw scanner output per family.</summary>
    public string ScannerOutput(string family, string scanner) => Path.Combine(Root, "cve", $"{family}.{scanner}.json");

    // ---- scratch ----------------------------------------------------------------------------------------------

    public string Work => Path.Combine(Root, ".work");

    /// <summary>The reproducible build's OCI tarballs, one per built family.</summary>
    public string WorkOci => Path.Combine(Work, "oci");

    public string BuiltTarball(string family) => Path.Combine(WorkOci, family + ".tar");

    /// <summary>Where bake writes --metadata-file (copied to <see cref="BakeMetadata"/> afterwards).</summary>
    public string WorkBakeMetadata => Path.Combine(Work, "bake-metadata.json");

    public string WorkMeasure => Path.Combine(Work, "measure");

    public string WorkCacheExport => Path.Combine(Work, "cache");

    private string File(string name) => Path.Combine(Root, name);
}
