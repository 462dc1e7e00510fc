namespace Build.Tests.Imports;

/// <summary>
/// A throwaway source root (Root) with a sibling directory (Outside) that symlinks can point at; both are deleted on
/// dispose.
/// </summary>
public sealed class PythonTree : IDisposable
{
    private readonly string parent = Directory.CreateTempSubdirectory("kiln-imports-").FullName;

    public PythonTree()
    {
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(Outside);
    }

    public string Root => Path.Combine(parent, "src");

    public string Outside => Path.Combine(parent, "outside");

    /// <summary>Writes text as UTF-8 (a leading U+FEFF becomes a BOM); a path ending in '/' is an empty directory.</summary>
    public void Write(string relative, string text)
    {
        var full = Path.Combine(Root, relative);
        if (relative.EndsWith('/'))
        {
            Directory.CreateDirectory(full);
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
    }

    public void WriteAll(IReadOnlyDictionary<string, string> files)
    {
        foreach (var (path, text) in files)
        {
            Write(path, text);
        }
    }

    public void Dispose() => Directory.Delete(parent, recursive: true);
}
