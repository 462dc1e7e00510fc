using Build.Fleet;
using Build.Host;
using Build.IO;
using Cake.Core;
using Cake.Core.Diagnostics;

namespace Build.Tasks;

[TaskName("Fleet")]
[TaskDescription("Writes fleet-report.json/.md from the fleet manifest and the catalog alone (no Docker, no hashing) and prints it: coverage, each machine's services, host ports, GPU archs and privileged services, the links across machines, the infrastructure, and the open questions with the decisions in force.")]
public sealed class FleetTask(Services.RunOutput output) : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var fleet = context.Fleet ?? throw new CakeException(2, $"There is no fleet beside {context.Catalog.File} ({context.Catalog.Directory}/fleet.yaml).");

        // No image bytes here: they are measured from built images, which ExportArtifacts writes into the same report.
        var report = FleetReport.Build(fleet.Fleet, context.Catalog);
        var markdown = report.ToMarkdown(context.Catalog);
        AtomicFile.WriteAllText(context.Paths.FleetReportJson, report.ToJson());
        AtomicFile.WriteAllText(context.Paths.FleetReportMarkdown, markdown);
        output.Write(markdown);
        context.Log.Information($"Wrote {Path.GetRelativePath(context.Root, context.Paths.FleetReportJson)} and {Path.GetRelativePath(context.Root, context.Paths.FleetReportMarkdown)}.");
    }
}
