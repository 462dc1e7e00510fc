using System.Collections.Concurrent;
using System.Text.Unicode;

namespace Build.Imports;

/// <summary>A file's size and imports, read once.</summary>
internal sealed record FileScan(long Bytes, ScannedFile Scanned);

/// <summary>
/// The source root as the analyzer sees it: directory listings, real paths and file scans, each computed once and
/// shared by every analysis (services share packages, so most lookups repeat). Paths are relative with '/'.
/// Listings make name lookups case-exact, as Python's own lookups are, even on a case-insensitive disk.
/// </summary>
internal sealed class SourceTree
{
    private const int MaxLinkDepth = 40;

    private readonly string root;
    private readonly string? realRoot;
    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, bool>?> listings = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string?> realPaths = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<FileScan>> scans = new(StringComparer.Ordinal);
    private int filesRead;

    public SourceTree(string root)
    {
        this.root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        realRoot = RealPath(this.root, 0);
    }

    public bool IsFile(string path) => Entry(path) == false;

    public bool IsDirectory(string path) => path.Length == 0 || Entry(path) == true;

    /// <summary>True when the path, with every symlink on the way followed, stays inside the source root.</summary>
    public bool StaysInside(string path)
    {
        if (realRoot is null || RealPath(Full(path), 0) is not { } real)
        {
            return false;
        }

        return real == realRoot || real.StartsWith(realRoot + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }

    public int FilesRead => filesRead;

    public FileScan Scan(string path) => scans.GetOrAdd(path, p => new Lazy<FileScan>(() => Read(p))).Value;

    /// <summary>Whether the name is a directory (true), a file (false) or absent (null) in its parent's listing.</summary>
    private bool? Entry(string path)
    {
        var slash = path.LastIndexOf('/');
        var parent = slash < 0 ? "" : path[..slash];
        return Listing(parent) is { } listing && listing.TryGetValue(path[(slash + 1)..], out var isDirectory) ? isDirectory : null;
    }

    private IReadOnlyDictionary<string, bool>? Listing(string directory) => listings.GetOrAdd(directory, d =>
    {
        try
        {
            var info = new DirectoryInfo(Full(d));
            return info.Exists
                ? info.EnumerateFileSystemInfos().ToDictionary(e => e.Name, IsDirectory, StringComparer.Ordinal)
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    });

    // Only a symlink needs a second look to learn what it points at; the listing already knows the rest.
    private static bool IsDirectory(FileSystemInfo entry) =>
        entry is DirectoryInfo || ((entry.Attributes & FileAttributes.ReparsePoint) != 0 && Directory.Exists(entry.FullName));

    private string Full(string path) => path.Length == 0 ? root : Path.Join(root, path.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>The path with every symlink resolved, parent first; null for a link loop.</summary>
    private string? RealPath(string full, int depth)
    {
        if (realPaths.TryGetValue(full, out var cached))
        {
            return cached;
        }

        var parent = Path.GetDirectoryName(full);
        string? real;
        if (parent is null)
        {
            real = full;
        }
        else if (depth > MaxLinkDepth || RealPath(parent, depth) is not { } realParent)
        {
            real = null;
        }
        else
        {
            var candidate = Path.Join(realParent, Path.GetFileName(full));
            var target = new FileInfo(candidate).LinkTarget;
            real = target is null ? candidate : RealPath(Path.GetFullPath(target, realParent), depth + 1);
        }

        realPaths[full] = real;
        return real;
    }

    private FileScan Read(string path)
    {
        Interlocked.Increment(ref filesRead);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(Full(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new FileScan(0, new ScannedFile([], [new PythonSyntaxError(new SourcePosition(path, 1, 1), $"cannot be read: {e.Message}")]));
        }

        var text = Decode(bytes, path, out var invalid);
        return new FileScan(bytes.Length, invalid is null ? PythonImportScanner.Scan(text, path) : new ScannedFile([], [invalid]));
    }

    /// <summary>Strict UTF-8 (Python's default source encoding): an invalid byte is a syntax error at its line.</summary>
    private static string Decode(byte[] bytes, string path, out PythonSyntaxError? invalid)
    {
        var chars = new char[bytes.Length];
        var status = Utf8.ToUtf16(bytes, chars, out var read, out var written, replaceInvalidSequences: false);
        if (status == System.Buffers.OperationStatus.Done)
        {
            invalid = null;
            return new string(chars, 0, written);
        }

        var prefix = chars.AsSpan(0, written);
        var line = prefix.Count('\n') + 1;
        var column = written - (prefix.LastIndexOf('\n') + 1) + (line == 1 && prefix.StartsWith('\uFEFF') ? 0 : 1);
        invalid = new PythonSyntaxError(new SourcePosition(path, line, column), $"the file is not valid UTF-8 (byte 0x{bytes[read]:X2})");
        return "";
    }
}
