namespace Build.Catalog;

/// <summary>
/// Repository paths resolved once, symlinks followed: a path the catalog names must exist and stay inside the
/// repository, and so must everything a directory holds (a link inside a COPY source that points out of the
/// repository would otherwise be hashed and copied into the image).
/// </summary>
public static class RepoPaths
{
    private const int MaxLinks = 40;

    /// <summary>The problem with <paramref name="path"/> as a repository path, or null when it is fine.</summary>
    public static string? Check(string repoRoot, string path, string what)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0 || Path.IsPathRooted(path) || path.Split('/', '\\').Contains(".."))
        {
            return $"The {what} '{path}' must be a path inside the repository.";
        }

        if (path.Contains('\n', StringComparison.Ordinal) || path.Contains('\r', StringComparison.Ordinal) || path.Contains('\0', StringComparison.Ordinal))
        {
            return $"The {what} '{path.ReplaceLineEndings(" ")}' contains a line break or NUL.";
        }

        var root = RealPath(Path.GetFullPath(repoRoot)) ?? Path.GetFullPath(repoRoot);
        var full = Path.Combine(repoRoot, path);
        if (!File.Exists(full) && !Directory.Exists(full))
        {
            return IsLink(full)
                ? $"The {what} '{path}' is a symbolic link to something that does not exist."
                : $"The {what} '{path}' does not exist.";
        }

        var real = RealPath(Path.GetFullPath(full));
        if (real is null || !Inside(root, real))
        {
            return $"The {what} '{path}' is a symbolic link that leads outside the repository{(real is null ? string.Empty : $" (to {real})")}.";
        }

        if (Directory.Exists(real))
        {
            foreach (var entry in new DirectoryInfo(full).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true }))
            {
                if (entry.LinkTarget is null)
                {
                    continue;
                }

                var target = RealPath(entry.FullName);
                if (target is null || !Inside(root, target))
                {
                    var rel = Path.GetRelativePath(repoRoot, entry.FullName).Replace('\\', '/');
                    return $"The {what} '{path}' holds '{rel}', a symbolic link that leads outside the repository{(target is null ? string.Empty : $" (to {target})")}.";
                }
            }
        }

        return null;
    }

    /// <summary>
    /// The first part of a repository path (which may not exist yet) that is a symbolic link leading outside the
    /// repository, or that cannot be followed, with where it leads (null when it leads nowhere); null when every part
    /// that exists stays inside. What Kiln writes there would otherwise land outside the repository.
    /// </summary>
    public static (string Path, string? Target)? Escape(string repoRoot, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var root = RealPath(Path.GetFullPath(repoRoot)) ?? Path.GetFullPath(repoRoot);
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToArray();
        for (var i = 1; i <= parts.Length; i++)
        {
            var rel = string.Join('/', parts[..i]);
            var full = Path.Combine(repoRoot, rel);
            if (IsLink(full))
            {
                var real = RealPath(Path.GetFullPath(full));
                if (real is null || !Inside(root, real))
                {
                    return (rel, real);
                }
            }
            else if (!File.Exists(full) && !Directory.Exists(full))
            {
                return null;
            }
        }

        return null;
    }

    /// <summary>True when <paramref name="path"/> (a real path) is <paramref name="root"/> (a real path) or inside it.</summary>
    public static bool Inside(string root, string path) =>
        path == root || path.StartsWith(root.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    public static string Fix(string message) =>
        message.Contains("symbolic link", StringComparison.Ordinal)
            ? "Copy the files into the repository instead of linking to them: the build context is the repository, and nothing outside it is hashed."
            : message.Contains("does not exist", StringComparison.Ordinal)
                ? "Paths are relative to the repository root; create the file or fix the path."
                : "Write it relative to the repository root, without '..'.";

    private static bool IsLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget is not null;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>The path with every symbolic link resolved (like realpath(3)); null for a loop or a dangling link.</summary>
    public static string? RealPath(string fullPath)
    {
        ArgumentNullException.ThrowIfNull(fullPath);
        var links = 0;
        var pending = new Stack<string>(fullPath.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Reverse());
        var current = Path.GetPathRoot(fullPath) ?? "/";
        while (pending.Count > 0)
        {
            var part = pending.Pop();
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }

            var next = Path.Combine(current, part);
            string? target;
            try
            {
                target = new FileInfo(next).LinkTarget;
            }
            catch (IOException)
            {
                target = null;
            }

            if (target is null)
            {
                current = next;
                continue;
            }

            if (++links > MaxLinks)
            {
                return null;
            }

            if (Path.IsPathRooted(target))
            {
                current = Path.GetPathRoot(target) ?? "/";
            }

            foreach (var p in target.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Reverse())
            {
                pending.Push(p);
            }
        }

        return File.Exists(current) || Directory.Exists(current) ? current : null;
    }
}
