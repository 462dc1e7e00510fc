using Build.Catalog;
using Build.Fleet;
using Build.Hashing;
using Build.Registry;
using Cake.Core;
using Cake.Core.Diagnostics;

namespace Build.Services;

/// <summary>
/// Hashes the selected families and services and finds out which images exist: the engine's local store first
/// (local mode), the registry for what it lacks. Starts the build's prechecks as soon as a build is certain.
/// </summary>
public sealed class HashResolver(BuildContext context, Registries registries, Prechecks prechecks, RunClock clock, Tools.IProcessRunner processes)
{
    /// <param name="hashed">Called with the hashed images before any lookup: work that needs only the hashes (the
    /// inputs records) starts there and overlaps the store's and the registry's answers.</param>
    /// <param name="stored">Called with what the local store was found to hold (local mode, unless --force).</param>
    public HashReport Resolve(Action<IReadOnlyList<ImageHashEntry>>? hashed = null, Action<Buildx.LocalStoreView>? stored = null)
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

        // CI mode always asks the registry: its connection and token are settled while the files are hashed. Local
        // mode asks it only about what the store lacks, but an edit makes that likely: the connection is settled in
        // the background too, and a run that needs nothing from the registry never waits for it.
        var services = context.Plan.SelectedServices;
        var repository = ImageName.ParseRepository(registry);
        var servicesRepository = ImageName.ParseRepository(ImageTags.ServicesRepository(registry));
        var prepared = offline || (local && force)
            ? Task.CompletedTask
            : Task.WhenAll(Task.Run(() => registries.Client.PrepareAsync(repository)), services.Count == 0 ? Task.CompletedTask : Task.Run(() => registries.Client.PrepareAsync(servicesRepository)));
        if (force)
        {
            prechecks.PrepareBuild();
        }

        // Existence is filled in below, once the store and the registry have answered.
        var images = Hash(registry, date);
        hashed?.Invoke(images);
        if (context.Plan.Facts.Bakes)
        {
            // Bake's first check reads the files the hashing just rendered: it overlaps the lookups.
            prechecks.StartGeneratedFiles();
        }

        // Local mode looks in the engine's store first and asks the registry only for what it lacks: a no-op run on a
        // laptop needs no network, and an unreachable registry costs nothing when every image is here.
        // Local --force builds every image whatever exists: there is nothing to look up, here or in the registry.
        var lookup = !(local && force);
        var store = local && lookup
            ? clock.Time("local store lookup", () => LocalStore(images.Select(i => i.Tags.Immutable).ToList()))
            : Buildx.LocalStoreView.None;
        stored?.Invoke(store);
        string? LocalImage(ImageHashEntry i) => store.Found.GetValueOrDefault(i.Tags.Immutable);
        var ask = offline || !lookup ? [] : images.Where(i => LocalImage(i) is null).ToList();
        if (local && images.Any(i => LocalImage(i) is null))
        {
            prechecks.PrepareBuild();
        }

        var existence = ask.Count == 0
            ? new Dictionary<string, ExistenceResult>()
            : clock.Time("registry lookup", () => prepared.ContinueWith(_ => Exist(ask), TaskScheduler.Default).Unwrap().GetAwaiter().GetResult());
        if (existence.Values.Any(e => e.Exists != Existence.Present))
        {
            prechecks.PrepareBuild();
        }

        return new HashReport(
            HashReport.CurrentSchema,
            catalog.File,
            registry,
            date,
            images.Select(i =>
            {
                var e = existence.GetValueOrDefault(i.Name)
                    ?? new ExistenceResult(Existence.Unknown, null, offline ? "--offline" : !lookup ? "not asked: --force builds it" : "not asked: the local image store has it");
                return i with { Exists = e.Exists, ExistsDetail = e.Detail, Digest = e.Digest, LocalImage = LocalImage(i) };
            }).ToList());

        async Task<IReadOnlyDictionary<string, ExistenceResult>> Exist(IReadOnlyList<ImageHashEntry> wanted)
        {
            // One lookup per repository, both at once: families and services live side by side.
            var lookups = wanted.GroupBy(i => i.Kind).Select(g => ExistenceChecker.CheckAsync(
                registries.Client, g.Key == ImageKind.Service ? servicesRepository : repository, g.Select(i => (i.Name, i.Tags.HashTag)).ToList())).ToList();
            var results = await Task.WhenAll(lookups).ConfigureAwait(false);
            return results.SelectMany(r => r).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        }
    }

    /// <summary>The local store's images by reference, asked only about what the last run's record cannot vouch for.</summary>
    private Buildx.LocalStoreView LocalStore(IReadOnlyList<string> references)
    {
        var view = Buildx.DockerEngine.LocalImages(references, Path.Combine(context.Root, ".kiln", "local-store.json"), processes, context.Env.Lookup);
        context.Log.Debug($"Local store: asked about {view.Asked} of {references.Count} images ({references.Count - view.Asked} vouched for by the last run's record and the engine's events since).");
        return view;
    }

    /// <summary>The selected images' hashes and inputs, asking nothing of the engine or the registry (existence: "not asked").</summary>
    public HashReport HashOnly()
    {
        var images = Hash(context.Repository, context.DateTag);
        return new HashReport(HashReport.CurrentSchema, context.Catalog.File, context.Repository, context.DateTag,
            images.Select(i => i with { ExistsDetail = "not asked: hashing only" }).ToList());
    }

    private List<ImageHashEntry> Hash(string registry, string date)
    {
        var catalog = context.Catalog;
        var services = context.Plan.SelectedServices;
        // The services' import analysis needs the fleet and the code, not the families' hashes: it runs beside them.
        var code = services.Count > 0 ? Task.Run(() => ReadCode(services)) : null;
        var families = clock.Time("hashing", () => new FamilyHasher(context.Root, Pixi.PixiHashing.Inputs(context.Root), context.GeneratedFiles).Compute(catalog, context.Plan.SelectedFamilies));
        var images = families.Select(h =>
        {
            var f = catalog.Get(h.Family);
            return Entry(h.Family, h.Hash, h.Parent, f.Group, f.BakeTarget, h.Inputs, ImageTags.For(ImageKind.Family, registry, h.Family, h.Hash, date), ImageKind.Family);
        }).ToList();
        if (services.Count > 0)
        {
            var familyHash = families.ToDictionary(f => f.Family, f => f.Hash, StringComparer.Ordinal);
            var (missing, read) = clock.Time("import analysis (waited)", () => code!.GetAwaiter().GetResult());
            images.AddRange(clock.Time("service hashing", () => HashServices(services, missing, read, familyHash, registry, date)));
        }

        return images;
    }

    /// <summary>Each service's code closure, or the paths it lacks (named with the source_root in use).</summary>
    private (List<InputError> Missing, IReadOnlyList<ServiceCode> Code) ReadCode(IReadOnlyList<ResolvedService> services)
    {
        var fleet = context.Fleet!;
        var root = Path.GetFullPath(Path.Combine(context.Root, fleet.Fleet.SourceRoot));
        var missing = FleetValidator.RequireSources(fleet, root, f => FleetFamilies.LockedPackages(fleet.Catalog, f, context.Root), services.Select(s => s.Name).ToList()).ToList();
        var code = missing.Count > 0 ? [] : clock.Time("import analysis", () => ServiceCodeReader.Read(fleet, context.Root, services));
        return (missing, code);
    }

    /// <summary>A service's hash needs its code: every missing path is named.</summary>
    private List<ImageHashEntry> HashServices(IReadOnlyList<ResolvedService> services, List<InputError> missing, IReadOnlyList<ServiceCode> code, IReadOnlyDictionary<string, string> familyHash, string registry, string date)
    {
        var fleet = context.Fleet!;
        missing.AddRange(code.SelectMany(c => c.Errors));
        foreach (var warning in code.SelectMany(c => c.Warnings))
        {
            context.Log.Warning(warning.ToString());
        }

        if (missing.Count > 0)
        {
            throw new CakeException(1,
                $"Cannot hash {(missing.Count == 1 ? "a service" : "the services")} of {fleet.Fleet.File}:\n  {string.Join("\n  ", missing.Select(m => m.ToString()))}\n" +
                $"(--services=NAME,... builds only some services; --services=none builds the families alone.)");
        }

        var files = context.GeneratedFiles.ToDictionary(f => f.Path, f => f.Content, StringComparer.Ordinal);
        var codeOf = code.ToDictionary(c => c.Service, c => c.Files, StringComparer.Ordinal);
        return services.Select(s =>
        {
            var dockerfile = ServiceDockerfileRenderer.DockerfilePath(fleet.Catalog, s.Name);
            var (hash, inputs) = ServiceHasher.Compute(fleet.Fleet, s.Service, context.Root, files[dockerfile], files[dockerfile + ".dockerignore"], familyHash[s.Family.Name], codeOf[s.Name]);
            return Entry(s.Name, hash, s.Family.Name, ServiceImages.Group, ServiceImages.BakeTarget(s.Name), inputs, ImageTags.For(ImageKind.Service, registry, s.Name, hash, date), ImageKind.Service);
        }).ToList();
    }

    private static ImageHashEntry Entry(string name, string hash, string? parent, string group, string bakeTarget, IReadOnlyList<HashInput> inputs, ImageTags tags, ImageKind kind) =>
        new(name, hash, parent, group, bakeTarget, inputs, tags, Existence.Unknown, null, null, null, kind);
}
