namespace Build.Catalog;

/// <summary>Where a value came from, for error messages that name file, line and column.</summary>
public sealed record SourceSpan(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}

/// <summary>A catalog after loading, expansion (matrix, GPU variants) and validation. Families are in build order.</summary>
public sealed record Catalog(
    string File,
    string Registry,
    string? Syntax,
    IReadOnlyList<string> Platforms,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, Machine> Machines,
    IReadOnlyDictionary<string, GpuArch> GpuArchs,
    PixiSettings Pixi,
    IReadOnlyList<Family> Families)
{
    /// <summary>The catalog's directory, repo-relative with '/' (generated files live beside the catalog).</summary>
    public string Directory => Path.GetDirectoryName(File)?.Replace('\\', '/') is { Length: > 0 } d ? d : ".";

    public string DockerfilePath(string family) => $"{Directory}/families/{family}/Dockerfile";

    public string BakeFilePath => $"{Directory}/docker-bake.hcl";

    public Family Get(string name) => Families.FirstOrDefault(f => f.Name == name)
        ?? throw new KeyNotFoundException($"No family '{name}' in {File}.");

    /// <summary>Top-level 'aliases:': a short name for a family (alias -> family), e.g. cpu -> cpu-py311.</summary>
    public IReadOnlyDictionary<string, string> Aliases { get; init; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Parents, lineages, descendants, trees, groups and build order of the families (computed once per <see cref="Families"/> list).</summary>
    public FamilyGraph Graph => FamilyGraph.Of(Families);
}

/// <summary>Hardware defaults for one host: the env every image placed on it starts from (threads, CUDA allocator).</summary>
public sealed record Machine(string Name, string? Description, IReadOnlyList<EnvVar> Env);

/// <summary>A GPU architecture variant: one catalog definition expands to a sibling family per arch.</summary>
public sealed record GpuArch(string Name, IReadOnlyList<string> ArchList, string? Machine, IReadOnlyList<EnvVar> Env)
{
    /// <summary>PyTorch's TORCH_CUDA_ARCH_LIST syntax: entries separated by ';'.</summary>
    public string TorchArchList => string.Join(';', ArchList);
}

public sealed record PixiSettings(string Manifest, string Lock, string Platform, string? ToolsImage);

public sealed record EnvVar(string Name, string Value);

public sealed record UserSpec(string Name, int Uid, int Gid);

public sealed record CopySpec(string Source, string Destination, string? Mode);

public enum HealthKind
{
    Tcp,
    Http,
    Command,
}

public sealed record HealthSpec(
    HealthKind Kind,
    int? Port,
    string? Path,
    IReadOnlyList<string>? Command,
    string Interval,
    string Timeout,
    string StartPeriod,
    int Retries);

public enum PythonKind
{
    None,
    Pixi,
    Requirements,
}

/// <summary>A family's Python environment: a pixi environment (pixi-pack in the builder) or a hashed requirements lock.</summary>
/// <remarks><paramref name="Sources"/>: local Python package directories (repository paths) built into wheels in the builder stage; pip then installs the lock with --no-index --find-links.</remarks>
public sealed record PythonSpec(PythonKind Kind, string? PixiEnvironment, string? RequirementsLock, IReadOnlyList<string>? Sources = null);

/// <summary>The variant that made this family, when it came from a GPU axis.</summary>
public sealed record GpuVariant(string Name, IReadOnlyList<string> ArchList);

public sealed record Family(
    string Name,
    string Group,
    string? Parent,
    string? Base,
    string? BaseTemplate,
    string? Description,
    IReadOnlyList<string> Apt,
    PythonSpec? Python,
    IReadOnlyList<CopySpec> Copy,
    IReadOnlyList<string> BuilderRun,
    IReadOnlyList<string> Run,
    IReadOnlyList<EnvVar> Env,
    UserSpec? User,
    bool? Tini,
    IReadOnlyList<int> Ports,
    HealthSpec? Health,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyList<string> Export,
    GpuVariant? Gpu,
    string? Machine,
    IReadOnlyList<string>? Cmd,
    string? Workdir,
    IReadOnlyDictionary<string, string> Axes,
    SourceSpan Source)
{
    public bool IsRoot => Parent is null;

    /// <summary>What the family offers (cpu, gpu, web, audio, vision): its own 'provides:', its lineage's, gpu for a GPU variant, and cpu always.</summary>
    public IReadOnlyList<string> Provides { get; init; } = [];

    /// <summary>The values of the keys the key table keeps by name (FamilyReader's Setting rows): only those that are set.</summary>
    public IReadOnlyDictionary<string, object> Settings { get; init; } = new SortedDictionary<string, object>(StringComparer.Ordinal);

    public bool HasBuilder => BuilderRun.Count > 0 || Python is { Kind: not PythonKind.None };

    public bool HasExport => Export.Count > 0;

    /// <summary>The bake target name: bake allows only [a-zA-Z0-9_-], so cuda12.3-… becomes cuda12_3-… (tags keep the dot).</summary>
    public string BakeTarget => NamePattern.BakeName(Name);

    /// <summary>The bake variable that carries this family's hash: HASH_ + upper-cased name, non-alphanumerics as '_'.</summary>
    public string HashVariable => HashVariableFor(Name);

    public static string HashVariableFor(string name) =>
        "HASH_" + NamePattern.VariableSuffix(name);
}
