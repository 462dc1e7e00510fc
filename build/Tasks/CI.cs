using Build.Host;
using Cake.Core;

namespace Build.Tasks;

[TaskName("CI")]
[IsDependentOn(typeof(GenerateCheck))]
[IsDependentOn(typeof(Publish))]
[TaskDescription("GenerateCheck, then Publish and everything it needs (ComputeHash -> Bake -> ExportArtifacts -> CveScan, SizeGate), then artifacts/summary.md (and the Actions job summary). Gate failures are collected so the summary shows them all.")]
public sealed class CI : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Results.Publish is null)
        {
            throw new CakeException(1, "CI ran no chain (was it --exclusive?): run ./build.sh --target=CI.");
        }

        if (context.Results.Failures.Count > 0)
        {
            throw new CakeException(1, "CI failed: " + string.Join(" ", context.Results.Failures));
        }
    }
}
