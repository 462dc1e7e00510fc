using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Build.Catalog;
using Build.Fleet;
using Build.Generation;
using Build.Hashing;

namespace Build.Explain;

/// <summary>What a text file's record carries: its line count and the short hash of each line.</summary>
public sealed record TextLines(int Count, IReadOnlyList<string> Hashes)
{
    /// <summary>Files at most this big get line hashes; bigger ones are recorded by digest and size alone.</summary>
    public const int MaxBytes = 64 * 1024;

    /// <summary>Lines of UTF-8 text without NUL bytes (a trailing newline ends the last line, it starts none); else null.</summary>
    public static TextLines? Of(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > MaxBytes || bytes.Contains((byte)0) || !System.Text.Unicode.Utf8.IsValid(bytes))
        {
            return null;
        }

        var hashes = new List<string>();
        Span<byte> digest = stackalloc byte[32];
        while (bytes.Length > 0)
        {
            var end = bytes.IndexOf((byte)'\n');
            var line = end < 0 ? bytes : bytes[..end];
            SHA256.HashData(line, digest);
            hashes.Add(Convert.ToHexStringLower(digest[..4]));
            bytes = end < 0 ? [] : bytes[(end + 1)..];
        }

        return new TextLines(hashes.Count, hashes);
    }
}

/// <summary>
/// Makes each image's <see cref="InputsRecord"/> from the inputs its hash was made of: the same names and digests,
/// plus what only a diff needs — file paths, sizes and line hashes, read again from the same files (a file shared by
/// 34 services is read once), and the entry's values. A file whose bytes no longer match the hashed digest (edited
/// during the run) is recorded by digest alone: the record never claims lines it did not hash.
/// </summary>
public sealed class InputsRecorder(string repoRoot, Catalog.Catalog catalog, ResolvedFleet? fleet, IReadOnlyList<GeneratedFile> generated)
{
    private readonly ConcurrentDictionary<(string Path, string Digest), RecordedInput> _files = new();
    private readonly Dictionary<string, string> _generated = generated.ToDictionary(f => f.Path, f => f.Content, StringComparer.Ordinal);

    /// <summary>Every image's record, in the report's order (images are recorded in parallel).</summary>
    /// <param name="kept">The record already made for an image at its hash (<see cref="LocalInputStore.Recorded"/>), or null:
    /// the same hash always gives the same record, so it is read instead of made again.</param>
    public IReadOnlyList<InputsDocument> RecordAll(IReadOnlyList<ImageHashEntry> images, Func<string, string, InputsDocument?>? kept = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        var documents = new InputsDocument[images.Count];
        Parallel.For(0, images.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
            documents[i] = kept?.Invoke(images[i].Name, images[i].Hash) ?? InputsDocument.Of(Record(images[i])));
        return documents;
    }

    public InputsRecord Record(ImageHashEntry image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var service = image.IsService ? fleet?.Get(image.Name) : null;
        var inputs = image.Inputs.Select(i => Recorded(image, service, i)).ToList();
        var scheme = image.Inputs.FirstOrDefault(i => i.Name == "scheme")?.Digest ?? "unknown";
        var parentHash = image.Inputs.FirstOrDefault(i => i.Name is "parent" or "family")?.Digest;
        // Kiln's bake targets pass no build arguments: the record says so, so a later one that does is a visible change.
        return new InputsRecord(image.Name, image.Kind, image.Hash, scheme, image.Parent, parentHash, inputs, new Dictionary<string, string>(StringComparer.Ordinal));
    }

    private RecordedInput Recorded(ImageHashEntry image, ResolvedService? service, HashInput input)
    {
        var plain = new RecordedInput(input.Name, input.Digest);
        switch (input.Name)
        {
            case "dockerfile":
            case "dockerignore":
                var path = (service is null ? catalog.DockerfilePath(image.Name) : ServiceDockerfileRenderer.DockerfilePath(catalog, image.Name))
                    + (input.Name == "dockerignore" ? ".dockerignore" : string.Empty);
                return _generated.TryGetValue(path, out var content) ? WithBytes(plain with { Path = path }, System.Text.Encoding.UTF8.GetBytes(content)) : plain;
            case "catalog-entry" when catalog.Families.FirstOrDefault(f => f.Name == image.Name) is { } family:
                return WithEntry(plain, CatalogEntry.Of(catalog, family));
            case "fleet-entry" when service is not null:
                return WithEntry(plain, ServiceHasher.Entry(service.Service));
        }

        if (input.Name.StartsWith(ServiceHasher.CodePrefix, StringComparison.Ordinal) || input.Name.StartsWith(ServiceHasher.LockPrefix, StringComparison.Ordinal))
        {
            var relative = input.Name[(input.Name.IndexOf(':', StringComparison.Ordinal) + 1)..];
            var repoPath = service is null ? relative : UnderSourceRoot(relative);
            return _files.GetOrAdd((repoPath, input.Digest), key => FromFile(plain with { Path = key.Path }));
        }

        return plain;
    }

    private string UnderSourceRoot(string relative)
    {
        var root = fleet?.Fleet.SourceRoot.Replace('\\', '/').TrimEnd('/') ?? string.Empty;
        return root is "" or "." ? relative : $"{root}/{relative}";
    }

    private RecordedInput FromFile(RecordedInput input)
    {
        var full = Path.Combine(repoRoot, input.Path!);
        try
        {
            var info = new FileInfo(full);
            if (!info.Exists)
            {
                return input;
            }

            // Big files keep digest and size only: reading them again would cost a second hash of every large COPY.
            return info.Length > TextLines.MaxBytes ? input with { Size = info.Length } : WithBytes(input, File.ReadAllBytes(full));
        }
        catch (IOException)
        {
            return input;
        }
        catch (UnauthorizedAccessException)
        {
            return input;
        }
    }

    private static RecordedInput WithBytes(RecordedInput input, byte[] bytes)
    {
        if ("sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes)) != input.Digest)
        {
            return input;
        }

        return TextLines.Of(bytes) is { } lines
            ? input with { Size = bytes.LongLength, Lines = lines.Count, LineHashes = lines.Hashes }
            : input with { Size = bytes.LongLength };
    }

    private static RecordedInput WithEntry(RecordedInput input, object entry)
    {
        var bytes = CanonicalJson.Bytes(entry);
        if ("sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes)) != input.Digest)
        {
            return input;
        }

        using var doc = JsonDocument.Parse(bytes);
        return input with { Entry = doc.RootElement.Clone() };
    }
}
