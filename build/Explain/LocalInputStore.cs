using Build.IO;

namespace Build.Explain;

/// <summary>
/// The records on this machine: <c>artifacts/inputs/&lt;image&gt;.json</c> (this run's, beside hashes.json) and
/// <c>.kiln/inputs/sha256-&lt;hex&gt;.json</c> (every record hashed here, kept by digest, so an image built by an
/// earlier run — whose label names its record — can still be explained without a registry).
/// </summary>
public sealed class LocalInputStore(string repoRoot, ArtifactLayout paths, Func<string, string?>? environment = null)
{
    public string KeptRoot => Path.Combine(repoRoot, ".kiln", "inputs");

    /// <summary>Writes this run's records; a file whose bytes are already the record is left alone (a no-op run writes nothing).</summary>
    public void Write(IReadOnlyList<InputsDocument> documents)
    {
        ArgumentNullException.ThrowIfNull(documents);
        Directory.CreateDirectory(paths.InputsRoot);
        Directory.CreateDirectory(KeptRoot);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var document in documents)
        {
            var path = paths.Inputs(document.Record.Image);
            names.Add(Path.GetFileName(path));
            if (!SameBytes(path, document.Json))
            {
                AtomicFile.WriteAllBytes(path, document.Json);
            }

            var kept = Path.Combine(KeptRoot, InputsDocument.StoreName(document.Digest));
            if (!File.Exists(kept))
            {
                // Content-addressed and re-made by any run that hashes the same inputs: no fsync needed.
                AtomicFile.WriteUnsynced(kept, document.Json);
            }

            if (document.Whole && HashLink(document.Record.Image, document.Record.Hash) is { } link)
            {
                Put(link, System.Text.Encoding.ASCII.GetBytes(document.Digest + "\n"));
            }
        }

        // artifacts/inputs/ describes this run, like hashes.json: records of images it did not hash go.
        foreach (var stale in Directory.EnumerateFiles(paths.InputsRoot, "*.json").Where(f => !names.Contains(Path.GetFileName(f))).ToList())
        {
            File.Delete(stale);
        }
    }

    /// <summary>
    /// The record this machine made for <paramref name="image"/> at <paramref name="hash"/>, or null: a record names
    /// nothing of the run, so the same hash always gives the same record, and a run that finds one reads it instead
    /// of reading every file of the image again. Checked against its digest, image and hash.
    /// </summary>
    public InputsDocument? Recorded(string image, string hash)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(hash);
        try
        {
            if (HashLink(image, hash) is not { } link || ReadLink(link) is not { } digest || Kept(digest) is not { } bytes)
            {
                return null;
            }

            var document = new InputsDocument(InputsRecord.Parse(bytes), bytes);
            return document.Digest == digest && document.Record.Image == image && document.Record.Hash == hash && document.Whole ? document : null;
        }
        catch (InputsRecordException)
        {
            return null;
        }
    }

    /// <summary>The record with this digest, if this machine keeps it (verified by the caller against the digest).</summary>
    public byte[]? Find(string digest)
    {
        ArgumentNullException.ThrowIfNull(digest);
        if (!IsDigest(digest))
        {
            // Digests come from labels and registries: one that is not a sha256 digest never becomes a path.
            return null;
        }

        if (Kept(digest) is { } kept)
        {
            return kept;
        }

        if (!Directory.Exists(paths.InputsRoot))
        {
            return null;
        }

        return Directory.EnumerateFiles(paths.InputsRoot, "*.json").Select(File.ReadAllBytes).FirstOrDefault(b => InputsRecord.DigestOf(b) == digest);
    }

    /// <summary>This run's (or an earlier run's) record of one image from artifacts/inputs, or null.</summary>
    public InputsDocument? Artifact(string image)
    {
        var path = paths.Inputs(image);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            var bytes = File.ReadAllBytes(path);
            return new InputsDocument(InputsRecord.Parse(bytes), bytes);
        }
        catch (InputsRecordException)
        {
            return null;
        }
    }

    /// <summary>What <see cref="ReferenceReader"/> asks of this machine: the local images' labels, these records, and the records read for image digests before.</summary>
    /// <param name="known">References the run already knows the store to hold (reference → image ID).</param>
    public LocalInputs Reader(Tools.IProcessRunner processes, IReadOnlyDictionary<string, string>? known = null) =>
        new(references => Labels(references, known ?? new Dictionary<string, string>(), processes), Find, OfImage, Remember);

    /// <summary>
    /// The inputs label of each local image among <paramref name="references"/> (the others are left out). An image's
    /// label is part of its digest, so one this machine built or read before is answered by its link here; the
    /// engine is asked which image each other reference names (a cheap question), and only an image without a link
    /// is inspected (an inspect sums every layer's size: measured 65–90 ms per image on an idle engine, more while
    /// it builds).
    /// </summary>
    private IReadOnlyDictionary<string, string> Labels(IReadOnlyList<string> references, IReadOnlyDictionary<string, string> known, Tools.IProcessRunner processes)
    {
        var unknown = references.Where(r => !known.ContainsKey(r)).Distinct(StringComparer.Ordinal).ToList();
        var ids = unknown.Count == 0 ? known : known.Concat(Buildx.DockerEngine.LocalImages(unknown, processes, environment)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var inspect = new List<string>();
        foreach (var reference in references.Distinct(StringComparer.Ordinal))
        {
            if (!ids.TryGetValue(reference, out var id))
            {
                continue;
            }

            if (LinkedRecord(id) is { } record)
            {
                labels[reference] = record;
            }
            else
            {
                inspect.Add(reference);
            }
        }

        foreach (var (reference, label) in Buildx.DockerEngine.LocalLabels(inspect, InputsRecord.Label, processes, environment))
        {
            labels[reference] = label.Value;
            // What an inspect told is true of that image for good: the next run reads it here.
            Link(label.ImageId, label.Value);
        }

        return labels;
    }

    /// <summary>The record kept for this image manifest digest (read from the registry, or built here), or null.</summary>
    public byte[]? OfImage(string imageDigest)
    {
        ArgumentNullException.ThrowIfNull(imageDigest);
        return LinkedRecord(imageDigest) is { } digest ? Kept(digest) : null;
    }

    /// <summary>
    /// Links a local image to the record its label names (an image built here, or one whose label an inspect read),
    /// so a later run need not ask the engine for it. Only a record that is kept here is linked.
    /// </summary>
    public void Link(string imageDigest, string recordDigest)
    {
        ArgumentNullException.ThrowIfNull(imageDigest);
        ArgumentNullException.ThrowIfNull(recordDigest);
        if (!IsDigest(imageDigest) || !IsDigest(recordDigest) || !File.Exists(Path.Combine(KeptRoot, InputsDocument.StoreName(recordDigest))))
        {
            return;
        }

        try
        {
            Put(ImageLink(imageDigest), System.Text.Encoding.ASCII.GetBytes(recordDigest + "\n"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Not linked: the next run asks the engine for the image's label.
        }
    }

    /// <summary>The record digest linked to this image manifest digest, or null.</summary>
    private string? LinkedRecord(string imageDigest) => IsDigest(imageDigest) ? ReadLink(ImageLink(imageDigest)) : null;

    /// <summary>The record digest a link file (images/ or hashes/) names, or null.</summary>
    private static string? ReadLink(string link)
    {
        try
        {
            return File.Exists(link) && File.ReadAllText(link).Trim() is var digest && IsDigest(digest) ? digest : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The bytes of the record kept here under this digest (not verified: callers check them), or null.</summary>
    private byte[]? Kept(string digest)
    {
        try
        {
            var kept = Path.Combine(KeptRoot, InputsDocument.StoreName(digest));
            return File.Exists(kept) ? File.ReadAllBytes(kept) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Keeps a record read from the registry by its digest, and which image manifest it belongs to.</summary>
    public void Remember(string imageDigest, byte[] record)
    {
        ArgumentNullException.ThrowIfNull(imageDigest);
        ArgumentNullException.ThrowIfNull(record);
        if (!IsDigest(imageDigest))
        {
            return;
        }

        try
        {
            var digest = InputsRecord.DigestOf(record);
            // Content-addressed and re-made by any later read: renamed into place, no fsync needed.
            Put(Path.Combine(KeptRoot, InputsDocument.StoreName(digest)), record);
            Put(ImageLink(imageDigest), System.Text.Encoding.ASCII.GetBytes(digest + "\n"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Not kept: the next Explain reads it from the registry again.
        }
    }

    private static void Put(string path, byte[] bytes)
    {
        if (!File.Exists(path))
        {
            AtomicFile.WriteUnsynced(path, bytes);
        }
    }

    private static bool IsDigest(string digest) =>
        digest.Length == 71 && digest.StartsWith("sha256:", StringComparison.Ordinal) && digest.AsSpan(7).IndexOfAnyExcept("0123456789abcdef") < 0;

    private string ImageLink(string imageDigest) => Path.Combine(KeptRoot, "images", imageDigest.Replace(':', '-'));

    /// <summary>Where the record of an image at a hash is named; null for a name or hash that cannot be a file name.</summary>
    private string? HashLink(string image, string hash) =>
        image.Length > 0 && hash.Length > 0 && image.AsSpan().IndexOfAnyExcept(NameCharacters) < 0 && hash.AsSpan().IndexOfAnyExcept(NameCharacters) < 0 && image[0] != '.'
            ? Path.Combine(KeptRoot, "hashes", Hashing.ImageTags.HashTagOf(image, hash)) : null;

    private static readonly System.Buffers.SearchValues<char> NameCharacters = System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");

    private static bool SameBytes(string path, byte[] bytes)
    {
        try
        {
            var info = new FileInfo(path);
            return info.Exists && info.Length == bytes.Length && File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes);
        }
        catch (IOException)
        {
            return false;
        }
    }
}
