using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace Build.Tests.Locking;

/// <summary>
/// Builds a tiny pure-Python wheel byte-for-byte reproducibly (fixed timestamps, fixed order), with a RECORD pip
/// verifies: no build backend and no index needed.
/// </summary>
internal static class TestWheel
{
    private static readonly DateTimeOffset Epoch = new(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Writes &lt;dir&gt;/&lt;name_&gt;-&lt;version&gt;-py3-none-any.whl and returns its path.</summary>
    public static string Write(string directory, string name, string version, IReadOnlyList<string>? requiresDist = null, bool topLevelTxt = true, IReadOnlyDictionary<string, string>? extraFiles = null)
    {
        var stem = name.Replace('-', '_');
        var distInfo = $"{stem}-{version}.dist-info";
        var files = new List<(string Path, byte[] Data)> { ($"{stem}/__init__.py", Encoding.UTF8.GetBytes($"NAME = \"{name}\"\n")) };
        foreach (var (path, text) in extraFiles ?? new Dictionary<string, string>())
        {
            files.Add((path, Encoding.UTF8.GetBytes(text)));
        }

        var metadata = new StringBuilder($"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n");
        foreach (var r in requiresDist ?? [])
        {
            metadata.Append("Requires-Dist: ").Append(r).Append('\n');
        }

        files.Add(($"{distInfo}/METADATA", Encoding.UTF8.GetBytes(metadata.ToString())));
        files.Add(($"{distInfo}/WHEEL", "Wheel-Version: 1.0\nGenerator: kiln-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"u8.ToArray()));
        if (topLevelTxt)
        {
            files.Add(($"{distInfo}/top_level.txt", Encoding.UTF8.GetBytes(stem + "\n")));
        }

        var record = new StringBuilder();
        foreach (var (path, data) in files)
        {
            var digest = Convert.ToBase64String(SHA256.HashData(data)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            record.Append(path.Contains(',', StringComparison.Ordinal) ? "\"" + path + "\"" : path).Append(",sha256=").Append(digest).Append(',').Append(data.Length).Append('\n');
        }

        record.Append(distInfo).Append("/RECORD,,\n");
        files.Add(($"{distInfo}/RECORD", Encoding.UTF8.GetBytes(record.ToString())));

        Directory.CreateDirectory(directory);
        var wheel = Path.Combine(directory, $"{stem}-{version}-py3-none-any.whl");
        using (var stream = File.Create(wheel))
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create))
        {
            foreach (var (path, data) in files)
            {
                var entry = zip.CreateEntry(path, CompressionLevel.Optimal);
                entry.LastWriteTime = Epoch;
                entry.ExternalAttributes = Convert.ToInt32("100644", 8) << 16;
                using var content = entry.Open();
                content.Write(data);
            }
        }

        return wheel;
    }

    public static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
}
