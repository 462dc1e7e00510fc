using Build.Catalog;
using Build.Hashing;
using Build.Registry;

namespace Build.Services;

/// <summary>
/// Hashes the selected families and finds out which images exist: the engine's local store first (local mode), the
/// registry for what it lacks. Starts the build's prechecks as soon as a build is certain.
/// </summary>
public sealed class HashResolver(BuildContext context, Registries registries, Prechecks prechecks)
{
    public HashReport Resolve()
    {
        var catalog = context.Catalog;
        var registry = context.Repository;
        var date = context.DateTag;
        var local = context.Options.Mode == BuildMode.Local;
        var offline = context.Flag(ArgumentNames.Offline);
        var force = context.Flag(ArgumentNames.Force);
        if (local)
        {
            // The engine is asked next (its image store); its answer to "which version" is Bake's first check.
            prechecks.StartEngine();
        }

        // CI mode always asks the registry: its connection and token are settled while the files are hashed.
        var repository = ImageName.ParseRepository(registry);
        var prepared = offline || local ? Task.CompletedTask : Task.Run(() => registries.Client.PrepareAsync(repository));
        if (force)
        {
            prechecks.PrepareBuild();
        }

        var hashes = new FamilyHasher(context.Root, Pixi.PixiHashing.Inputs(context.Root), context.GeneratedFiles).Compute(catalog, context.SelectedFamilies);
        var tags = hashes.ToDictionary(h => h.Family, h => new FamilyTags(registry, h.Family, h.Hash, date));

        // Local mode looks in the engine's store first and asks the registry only for what it lacks: a no-op run on a
        // laptop needs no network, and an unreachable registry costs nothing when every image is here.
        var images = local
            ? Buildx.DockerEngine.LocalImages(tags.Values.Select(t => t.Immutable).ToList())
            : new Dictionary<string, string>();
        string? LocalImage(FamilyHash h) => images.GetValueOrDefault(tags[h.Family].Immutable);
        var ask = offline ? [] : hashes.Where(h => LocalImage(h) is null).Select(h => (h.Family, $"{h.Family}-{h.Hash}")).ToList();
        if (local && hashes.Any(h => LocalImage(h) is null))
        {
            prechecks.PrepareBuild();
        }

        var existence = ask.Count == 0
            ? new Dictionary<string, ExistenceResult>()
            : prepared.ContinueWith(_ => ExistenceChecker.CheckAsync(registries.Client, repository, ask), TaskScheduler.Default).Unwrap().GetAwaiter().GetResult();
        if (existence.Values.Any(e => e.Exists != Existence.Present))
        {
            prechecks.PrepareBuild();
        }

        return new HashReport(
            HashReport.CurrentSchema,
            catalog.File,
            registry,
            date,
            hashes.Select(h =>
            {
                var family = catalog.Get(h.Family);
                var e = existence.GetValueOrDefault(h.Family)
                    ?? new ExistenceResult(Existence.Unknown, null, offline ? "--offline" : "not asked: the local image store has it");
                return new FamilyHashEntry(h.Family, h.Hash, h.Parent, family.Group, family.BakeTarget, h.Inputs, tags[h.Family], e.Exists, e.Detail, e.Digest, LocalImage(h));
            }).ToList());
    }
}
