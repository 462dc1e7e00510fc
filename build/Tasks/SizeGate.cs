using Build.Gates;
using Build.Host;
using Build.Images;
using Build.IO;
using Build.Reports;
using Cake.Core;
using Cake.Core.Diagnostics;

namespace Build.Tasks;

[TaskName("SizeGate")]
[TaskDescription("Measures each family's image (current hashes, no rebuild) and compares it with size-baseline.json: size-report.json and .md.")]
[TaskArgument("--update-baseline", "Rewrite the baseline from the current images (deterministic; review it in the PR).")]
public sealed class SizeGate : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var baselineDisplay = $"{context.Catalog.Directory}/size-baseline.json";
        var baselinePath = Path.Combine(context.RootDirectory.FullPath, baselineDisplay);
        var measurer = new ImageMeasurer(Path.Combine(context.WorkDirectory, "measure"), context.RegistryClient);
        var measures = new List<(string, ImageMeasure)>();
        foreach (var entry in context.Hashes.Families)
        {
            var tag = entry.Tags[0];
            var tarball = Path.Combine(context.WorkDirectory, "oci", entry.Name + ".tar");
            try
            {
                // The build's own tarball when it is this hash's image (read once); else the local engine, else the registry.
                var built = File.Exists(tarball) ? OciArchive.Measure(tarball) : null;
                measures.Add((entry.Name, built?.Labels.GetValueOrDefault("org.opencontainers.image.version") == entry.Hash ? built : measurer.Measure(entry.Name, tag, null).Measure));
            }
            catch (Registry.RegistryException ex)
            {
                throw new CakeException(1, $"No image for {entry.Name} at its current hash ({tag}): build it first (./build.sh --target=Bake). {ex.Message}");
            }
        }

        SizeBaseline baseline;
        try
        {
            baseline = SizeBaseline.Load(baselinePath);
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new CakeException(1, $"{baselineDisplay} is not valid JSON: {ex.Message}. Restore it from git or run --update-baseline.");
        }

        if (context.Flag("update-baseline"))
        {
            baseline = SizeGateEngine.Updated(baseline, measures);
            AtomicFile.WriteAllText(baselinePath, baseline.ToJson());
            context.Log.Information($"Updated {baselineDisplay} for {measures.Count} families; review and commit it.");
        }

        var report = SizeGateEngine.Evaluate(baseline, baselineDisplay, measures);
        AtomicFile.WriteAllText(context.ArtifactsDirectory.CombineWithFilePath("size-report.json").FullPath, report.ToJson());
        AtomicFile.WriteAllText(context.ArtifactsDirectory.CombineWithFilePath("size-report.md").FullPath, SizeGateEngine.Markdown(report));
        Console.Out.Write(TextTable.Render(
            ["Family", "Baseline", "Now", "Delta", "Verdict"],
            report.Families.Select(r => (IReadOnlyList<string>)[r.Family, r.Baseline is null ? "-" : Bytes.Format(r.Baseline.Compressed), Bytes.Format(r.Now.Compressed), r.DeltaBytes is null ? "new" : $"{Bytes.Format(r.DeltaBytes.Value)} ({r.DeltaPercent:+0.0;-0.0}%)", r.Verdict])));
        if (report.Result == GateResult.Failed)
        {
            context.Fail("Size gate failed: " + string.Join("; ", report.Families.Where(r => r.Verdict != "pass").Select(r => $"{r.Family}: {r.Why}")));
        }
    }
}
