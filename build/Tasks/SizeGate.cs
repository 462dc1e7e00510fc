using Build.Gates;
using Build.Host;
using Build.IO;
using Cake.Core;
using Cake.Core.Diagnostics;

namespace Build.Tasks;

[TaskName("SizeGate")]
[IsDependentOn(typeof(ExportArtifacts))]
[IsDependeeOf(typeof(Publish))]
[TaskDescription("Measures every selected family's and service's image at its current hash (baking only what is missing) and compares it with size-baseline.json: size-report.json and .md, each verdict naming the digest it judged.")]
[TaskArgument("--update-baseline", "Rewrite the baseline from the current images (deterministic; review it in the PR).")]
public sealed class SizeGate(Services.RunOutput output) : GateTask<ImageSizeGate>(output)
{
    protected override IGateReport Judge(BuildContext context, IReadOnlyList<JudgedImage> images)
    {
        var baselineFile = ImageSizeGate.BaselineFile(context.Catalog);
        var baselinePath = Path.Combine(context.Root, baselineFile);
        // ExportArtifacts measured every image of the run already; nothing is measured twice.
        var measures = images.Select(i => (i, context.Results.Measures.TryGetValue(i.Family, out var m)
            ? m
            : throw new CakeException(1, $"No measurement of {i.Family} in this run: ExportArtifacts must run before SizeGate."))).ToList();

        SizeBaseline baseline;
        try
        {
            baseline = ImageSizeGate.LoadBaseline(context.Root, context.Catalog, context.Plan.ImageNames);
        }
        catch (GateConfigException ex)
        {
            throw new CakeException(1, ex.Message);
        }

        if (context.Flag(ArgumentNames.UpdateBaseline))
        {
            if (context.Plan.Facts.PublishesLater)
            {
                // The gate would judge against the baseline it just rewrote: everything would pass.
                throw new CakeException(2, "--update-baseline rewrites the baseline the size gate judges by, so it cannot run with Publish or CI. Run ./build.sh --target=SizeGate --update-baseline, review and commit the baseline, then publish.");
            }

            baseline = SizeGateEngine.Updated(baseline, measures);
            AtomicFile.WriteAllText(baselinePath, baseline.ToJson());
            context.Log.Information($"Updated {baselineFile} for {measures.Count} images; review and commit it.");
        }

        return SizeGateEngine.Evaluate(baseline, baselineFile, measures, context.Stamp);
    }
}
