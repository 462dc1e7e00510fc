using Build.Buildx;

namespace Build.Services;

/// <summary>
/// The questions Bake asks the machine — which engine, which builder, which commit, whether the generated files are
/// current — each asked once, in the background, as soon as the run knows it will need the answer, so they overlap
/// the hashing and the lookups.
/// </summary>
public sealed class Prechecks(BuildContext context, Tools.IProcessRunner processes)
{
    private Task<string>? _engine;
    private Task<BuilderFacts>? _builder;
    private Task<GitFacts?>? _git;
    private Task<IReadOnlyList<Generation.FileChange>>? _files;

    /// <summary>The engine's version; throws <see cref="PrerequisiteException"/> when none answers.</summary>
    public string EngineVersion => StartEngine().GetAwaiter().GetResult();

    /// <summary>buildx and the builder's abilities; throws <see cref="PrerequisiteException"/>.</summary>
    public BuilderFacts Builder => StartBuilder().GetAwaiter().GetResult();

    /// <summary>The commit's revision, time and source; null outside a checkout.</summary>
    public GitFacts? Git => StartGit().GetAwaiter().GetResult();

    public Task<string> StartEngine() => _engine ??= Task.Run(() => Prerequisites.CheckEngine(processes, context.Env.Lookup));

    /// <summary>The builder checks reuse the engine check's answer rather than asking again.</summary>
    /// <remarks>Remembered across runs while the engine, the builder selection and buildx are unchanged (BuilderFactsCache).</remarks>
    public Task<BuilderFacts> StartBuilder() => _builder ??= Task.Run(() =>
    {
        var builder = context.Argument(ArgumentNames.Builder);
        return BuilderFactsCache.GetOrCheck(Path.Combine(context.Root, ".kiln", "builder-facts.json"), BuilderFactsCache.KeyForEnvironment(builder, context.Env.Lookup), () => Prerequisites.Check(builder, processes, EngineVersion, context.Env.Lookup));
    });

    public Task<GitFacts?> StartGit() => _git ??= Task.Run(() => GitFacts.Read(context.Root, processes));

    /// <summary>Each generated file against what the catalog and fleet render now.</summary>
    public IReadOnlyList<Generation.FileChange> GeneratedFiles => StartGeneratedFiles().GetAwaiter().GetResult();

    public Task<IReadOnlyList<Generation.FileChange>> StartGeneratedFiles() => _files ??= Task.Run(() => Generation.Generator.Compare(context.Root, context.Catalog, context.GeneratedFiles));

    /// <summary>Once a build is certain, what it needs (a few CLI processes) starts beside the rest of the hashing.</summary>
    public void PrepareBuild()
    {
        if (context.Plan.Facts.Bakes)
        {
            StartBuilder();
            StartGit();
        }
    }
}
