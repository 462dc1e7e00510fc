namespace Build.Imports;

/// <summary>Module names of files and the path forms the analyzer compares.</summary>
public static class PythonModules
{
    /// <summary>
    /// The name `python3 -m` takes for a file relative to the source root: "a/b/c.py" is "a.b.c", a package's
    /// "a/__init__.py" is "a".
    /// </summary>
    public static string ModuleName(string relativePyPath)
    {
        ArgumentNullException.ThrowIfNull(relativePyPath);
        var path = NormalizeRelative(relativePyPath);
        if (!path.EndsWith(".py", StringComparison.Ordinal) || path.Length == 3)
        {
            throw new ArgumentException($"'{relativePyPath}' is not a .py file path.", nameof(relativePyPath));
        }

        path = path[..^3];
        if (path == "__init__")
        {
            return "";
        }

        if (path.EndsWith("/__init__", StringComparison.Ordinal))
        {
            path = path[..^"/__init__".Length];
        }

        return path.Replace('/', '.');
    }

    /// <summary>True for a name Python can import: identifiers separated by dots.</summary>
    public static bool IsDottedName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Length > 0 && name.Split('.').All(IsIdentifier);
    }

    public static bool IsIdentifier(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var first = true;
        foreach (var rune in name.EnumerateRunes())
        {
            if (!(first ? PythonTokenizer.IsIdentifierStart(rune) : PythonTokenizer.IsIdentifierPart(rune)))
            {
                return false;
            }

            first = false;
        }

        return !first;
    }

    /// <summary>A relative path with '/' separators, no "./" prefix and no trailing '/'; "" for the root itself.</summary>
    internal static string NormalizeRelative(string path)
    {
        var p = path.Replace('\\', '/');
        while (p.StartsWith("./", StringComparison.Ordinal))
        {
            p = p[2..];
        }

        p = p.TrimEnd('/');
        return p == "." ? "" : p;
    }

    internal static string Join(string dir, string name) => dir.Length == 0 ? name : $"{dir}/{name}";
}
