using Build.Fleet;
using Build.Generation;

namespace Build.Deploy;

/// <summary>Every file the fleet generates: each service's Dockerfile and .dockerignore, then each machine's Compose file.</summary>
public static class FleetPlan
{
    public static IReadOnlyList<GeneratedFile> Files(ResolvedFleet fleet, ComposeOptions compose)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(compose);
        return [.. ServiceDockerfileRenderer.Plan(fleet), .. ComposeRenderer.RenderAll(fleet, compose).Select(c => c.File)];
    }
}
