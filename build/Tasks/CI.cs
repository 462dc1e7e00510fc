using Build.Host;
using Cake.Core;

namespace Build.Tasks;

[TaskName("CI")]
[IsDependentOn(typeof(GenerateCheck))]
[IsDependentOn(typeof(ComputeHash))]
[IsDependentOn(typeof(Bake))]
[IsDependentOn(typeof(ExportArtifacts))]
[IsDependentOn(typeof(CveScan))]
[IsDependentOn(typeof(SizeGate))]
[IsDependentOn(typeof(Publish))]
[TaskDescription("GenerateCheck -> ComputeHash -> Bake -> ExportArtifacts -> CveScan -> SizeGate -> Publish, then artifacts/summary.md (and the Actions job summary). Gate failures are collected so the summary shows them all.")]
public sealed class CI : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Failures.Count > 0)
        {
            throw new CakeException(1, "CI failed: " + string.Join(" ", context.Failures));
        }
    }
}
