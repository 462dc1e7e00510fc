namespace Build.Imports;

/// <summary>A place in a Python file: path relative to the source root with '/', 1-based line and column.</summary>
public sealed record SourcePosition(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}

/// <summary>
/// A first-party file that runs. Chain lists the import sites from the entrypoint to the import that pulled the
/// file in: empty for the entrypoint and for the packages `python3 -m` runs before it.
/// </summary>
public sealed record ClosureFile(string Path, long Bytes, IReadOnlyList<SourcePosition> Chain);

/// <summary>An import that is neither first-party nor in the standard library: Name is the dotted name as written.</summary>
public sealed record ThirdPartyImport(string TopLevel, string Name, SourcePosition At, bool Optional);

/// <summary>A first-party import that cannot be followed; Optional when the code survives its absence.</summary>
public sealed record UnresolvedImport(string Name, SourcePosition At, string Reason, bool Optional);

public sealed record PythonSyntaxError(SourcePosition At, string Message);

/// <summary>What an entrypoint pulls in. Lists are sorted (closure by path, the others by position) so output is deterministic.</summary>
public sealed record ImportAnalysis(
    string Entrypoint,
    IReadOnlyList<ClosureFile> Closure,
    IReadOnlyList<ThirdPartyImport> ThirdParty,
    IReadOnlyList<UnresolvedImport> Unresolved,
    IReadOnlyList<PythonSyntaxError> SyntaxErrors);

public enum ImportKind
{
    /// <summary>`import a.b [as c]`: one statement per dotted name.</summary>
    Import,

    /// <summary>`from [dots]a.b import x, y` / `from a import *`.</summary>
    From,

    /// <summary>`importlib.import_module(...)`, `import_module(...)` bound from importlib, `__import__(...)`.</summary>
    Dynamic,
}

/// <summary>A name after `from ... import`; "*" for a star import.</summary>
public sealed record ImportedName(string Name, string? Alias, SourcePosition At);

/// <summary>
/// One import as written. At is the dotted name for `import`, the `from` (or `lazy`) keyword for `from`, the start
/// of the call for a dynamic import. Level counts the leading dots of a relative import. A dynamic import whose
/// target cannot be known statically has Unresolvable set (and Module holds the argument's text).
/// </summary>
public sealed record ImportStatement(
    ImportKind Kind,
    string Module,
    int Level,
    IReadOnlyList<ImportedName> Names,
    SourcePosition At,
    bool Optional,
    bool Lazy = false,
    string? Unresolvable = null)
{
    public bool IsDynamic => Kind == ImportKind.Dynamic;
}

/// <summary>
/// The imports of one file in source order, and its syntax error if any. Scanning stops at the first error, as
/// Python does; the imports of the complete statements before it are kept.
/// </summary>
public sealed record ScannedFile(IReadOnlyList<ImportStatement> Imports, IReadOnlyList<PythonSyntaxError> Errors);
