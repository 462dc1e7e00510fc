using Build.Gates;
using Build.Host;
using Build.IO;
using Build.Reports;
using Cake.Core;
using Cake.Core.Diagnostics;

namespace Build.Tasks;

/// <summary>
/// What every gate task does around its own judging: take this run's images from ExportArtifacts, judge them,
/// write &lt;report&gt;.json and .md (plus any extra format), print the table, publish the report for Publish and the
/// summary, and record a failure. Each gate task is dependee of Publish, so adding a gate touches no other task.
/// </summary>
public abstract class GateTask<TGate>(Services.RunOutput output) : FrostingTask<BuildContext>
    where TGate : IGate, new()
{
    protected static TGate Gate { get; } = new();

    public sealed override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var bake = context.Results.Bake
            ?? throw new CakeException(1, $"{Gate.Name} gate: no images in this run. Run ./build.sh --target={TaskName} (it bakes first), not --exclusive.");
        var report = Judge(context, bake.Images);
        AtomicFile.WriteAllText(context.Paths.GateReport(Gate.Report, "json"), report.ToJson());
        AtomicFile.WriteAllText(context.Paths.GateReport(Gate.Report, "md"), report.Markdown());
        foreach (var (extension, content) in ExtraFormats(context, report))
        {
            AtomicFile.WriteAllText(context.Paths.GateReport(Gate.Report, extension), content);
        }

        output.Write(TextTable.Render(report.TableHeader, report.TableRows));
        context.Results.Set(report);
        context.Log.Information($"{Gate.Name} gate: {GateLedger.Describe(report.Result)} ({Path.GetRelativePath(context.Root, context.Paths.GateReport(Gate.Report, "md"))}).");
        if (report.Result == GateResult.Failed)
        {
            context.Fail(report.FailureMessage);
        }
    }

    private string TaskName => TaskRegistrar.GetTaskName(GetType());

    /// <summary>Judges the run's images (each verdict names the digest it judged).</summary>
    protected abstract IGateReport Judge(BuildContext context, IReadOnlyList<JudgedImage> images);

    protected virtual IEnumerable<(string Extension, string Content)> ExtraFormats(BuildContext context, IGateReport report) => [];
}
