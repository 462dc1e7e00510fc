using Build.Catalog;

namespace Build.Fleet;

/// <summary>
/// The repository is the boundary of what the fleet names: with symbolic links followed, source_root, the
/// wheelhouse, every machine's Compose folder under deploy_dir (where Generate writes) and every relative host
/// volume stay inside it. Checked on the files of this checkout when the manifest is loaded, before anything is
/// read through those paths or written to them.
/// </summary>
public static class FleetBoundary
{
    public static IReadOnlyList<InputError> Check(Fleet fleet, string repoRoot)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        var errors = new List<InputError>();
        const string CopyFix = "Make it a real folder inside the repository (remove the link, or copy what it points at into the repository): Kiln reads and writes nothing outside it.";
        if (RepoPaths.Escape(repoRoot, fleet.SourceRoot) is { } root)
        {
            errors.Add(InputError.Service(fleet.At("source_root"), null, $"source_root '{fleet.SourceRoot}' leads outside the repository: {Leads(root)}.", "Check the fleet's code out inside the repository, or point source_root at a folder of it: the services' code must be in the repository to be hashed and built."));
        }

        if (fleet.Wheelhouse is { } wheelhouse && !wheelhouse.StartsWith('/') && RepoPaths.Escape(repoRoot, Join(fleet.SourceRoot, wheelhouse)) is { } wheels)
        {
            errors.Add(InputError.Service(fleet.At("wheelhouse"), null, $"The wheelhouse '{wheelhouse}' (under source_root '{fleet.SourceRoot}') leads outside the repository: {Leads(wheels)}.", CopyFix));
        }

        foreach (var machine in fleet.Machines.Keys)
        {
            var compose = $"{HostAccess.ComposeFolder(fleet.DeployDir, machine)}/compose.yaml";
            if (RepoPaths.Escape(repoRoot, compose) is { } deploy)
            {
                errors.Add(InputError.Service(fleet.At("deploy_dir"), null, $"Machine '{machine}': its Compose file {compose} (deploy_dir '{fleet.DeployDir}') leads outside the repository: {Leads(deploy)}.", "Make it a real folder inside the repository (remove the link): Generate writes each machine's Compose file there, and never outside the repository."));
            }
        }

        foreach (var service in fleet.Services)
        {
            errors.AddRange(Volumes(fleet, repoRoot, service.Name, "service", service.Machines, service.Volumes, service.At));
        }

        foreach (var infra in fleet.Infrastructure)
        {
            errors.AddRange(Volumes(fleet, repoRoot, infra.Name, "infrastructure", infra.Machines, infra.Volumes, infra.At));
        }

        return errors;
    }

    /// <summary>A relative host volume on each machine: the repository path it names, links followed, stays inside.</summary>
    private static IEnumerable<InputError> Volumes(Fleet fleet, string repoRoot, string owner, string subject, IReadOnlyList<string> machines, IReadOnlyList<FleetVolume> volumes, Func<string, SourceSpan> at)
    {
        for (var i = 0; i < volumes.Count; i++)
        {
            var volume = volumes[i];
            if (!volume.IsRelative)
            {
                continue;
            }

            foreach (var machine in machines)
            {
                // The loader refused a path that climbs out; what is left is a repository path, maybe through a link.
                if (HostAccess.InRepository(fleet.DeployDir, machine, volume.Source) is { } path && RepoPaths.Escape(repoRoot, path) is { } escape)
                {
                    yield return InputError.Service(at(FleetVolume.SpanKey(i)), owner, $"On machine '{machine}', volume '{volume}' ({path} in the repository) leads outside the repository: {Leads(escape)}.", $"Bind a real folder inside the repository, or give an absolute folder that machine '{machine}' lists in 'host_paths:'.") with { SubjectKind = subject };
                }
            }
        }
    }

    private static string Leads((string Path, string? Target) escape) =>
        escape.Target is null ? $"'{escape.Path}' is a symbolic link that cannot be followed" : $"'{escape.Path}' is a symbolic link to {escape.Target}";

    private static string Join(string root, string path) => root == "." ? path : $"{root}/{path}";
}
