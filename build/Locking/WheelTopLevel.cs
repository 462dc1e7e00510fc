using System.IO.Compression;

namespace Build.Locking;

/// <summary>The top-level import names a wheel installs, read from the wheel itself (no install, no Python).</summary>
public static class WheelTopLevel
{
    /// <summary>
    /// The dist-info's top_level.txt when the wheel has one; else the first path segment of each RECORD entry, with
    /// module suffixes removed and metadata, scripts and bytecode caches skipped — what an installed distribution
    /// reports to packages_distributions(). Sorted, distinct.
    /// </summary>
    public static IReadOnlyList<string> Read(string wheelPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(wheelPath);
        try
        {
            using var zip = ZipFile.OpenRead(wheelPath);
            var declared = zip.Entries.FirstOrDefault(e => IsDistInfoFile(e.FullName, "top_level.txt"));
            if (declared is not null)
            {
                return Names(ReadText(declared).Split('\n').Select(l => l.Trim().Split('/')[0]));
            }

            var record = zip.Entries.FirstOrDefault(e => IsDistInfoFile(e.FullName, "RECORD"))
                ?? throw new LockException($"{wheelPath} has no *.dist-info/RECORD: it is not a wheel. Rebuild it with `pip wheel` (or `python -m build`) and put the result in the wheelhouse.");
            return Names(ReadText(record).Split('\n').Select(l => TopLevel(RecordPath(l))));
        }
        catch (InvalidDataException ex)
        {
            throw new LockException($"{wheelPath} is not a readable zip file ({ex.Message}): a wheel is a zip. Replace it with a wheel built by `pip wheel`.");
        }
    }

    private static bool IsDistInfoFile(string path, string file) =>
        path.Split('/') is [var dir, var name] && dir.EndsWith(".dist-info", StringComparison.Ordinal) && name == file;

    private static string ReadText(ZipArchiveEntry entry)
    {
        using var reader = new StreamReader(entry.Open());
        return reader.ReadToEnd().ReplaceLineEndings("\n");
    }

    /// <summary>RECORD is CSV: a path holding ',' is quoted.</summary>
    private static string RecordPath(string line)
    {
        var l = line.Trim();
        if (!l.StartsWith('"'))
        {
            return l.Split(',')[0];
        }

        var end = l.IndexOf("\",", 1, StringComparison.Ordinal);
        return (end < 0 ? l[1..] : l[1..end]).Replace("\"\"", "\"", StringComparison.Ordinal);
    }

    private static string TopLevel(string path)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            return string.Empty;
        }

        // purelib/platlib under <name>.data install beside the packages; scripts, headers and data do not.
        if (parts[0].EndsWith(".data", StringComparison.Ordinal))
        {
            if (parts.Length < 3 || parts[1] is not ("purelib" or "platlib"))
            {
                return string.Empty;
            }

            return parts.Length > 3 ? parts[2] : ModuleName(parts[2]);
        }

        return parts.Length > 1 ? parts[0] : ModuleName(parts[0]);
    }

    /// <summary>A single-file module: x.py, or an extension such as x.cpython-311-x86_64-linux-gnu.so or x.abi3.so.</summary>
    private static string ModuleName(string file)
    {
        if (file.EndsWith(".py", StringComparison.Ordinal))
        {
            return file[..^3];
        }

        return file.EndsWith(".so", StringComparison.Ordinal) || file.EndsWith(".pyd", StringComparison.Ordinal) ? file.Split('.')[0] : file;
    }

    /// <summary>What is left is importable only without a dot (this also drops *.dist-info, *.pth and the like).</summary>
    private static IReadOnlyList<string> Names(IEnumerable<string> candidates) =>
        candidates.Where(n => n.Length > 0 && !n.Contains('.', StringComparison.Ordinal) && n != "__pycache__")
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
}
