using Cake.Core;

namespace Build.Host;

/// <summary>
/// A task that can say what it would do. Under --dryrun Cake runs no task body; the host calls DryRun on these
/// tasks in execution order instead (e.g. Bake prints the exact bake command and its plan without building).
/// </summary>
public interface IDryRunTask
{
    void DryRun(ICakeContext context);
}
