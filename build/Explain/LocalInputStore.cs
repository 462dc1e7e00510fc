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
        }

        // artifacts/inputs/ describes this run, like hashes.json: records of images it did not hash go.
        foreach (var stale in Directory.EnumerateFiles(paths.InputsRoot, "*.json").Where(f => !names.Contains(Path.GetFileName(f))).ToList())
        {
            File.Delete(stale);
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

        var kept = Path.Combine(KeptRoot, InputsDocument.StoreName(digest));
        if (File.Exists(kept))
        {
            return File.ReadAllBytes(kept);
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

    /// <summary>What <see cref="ReferenceReader"/> asks of this machine: the engine's labels, these records, and the records read for image digests before.</summary>
    public LocalInputs Reader(Tools.IProcessRunner processes) => new(references => Buildx.DockerEngine.LocalLabels(references, InputsRecord.Label, processes, environment), Find, OfImage, Remember);

    /// <summary>The record read from the registry for this image manifest digest by an earlier run, or null.</summary>
    public byte[]? OfImage(string imageDigest)
    {
        ArgumentNullException.ThrowIfNull(imageDigest);
        var link = ImageLink(imageDigest);
        return IsDigest(imageDigest) && File.Exists(link) && File.ReadAllText(link).Trim() is var digest && IsDigest(digest)
            && Path.Combine(KeptRoot, InputsDocument.StoreName(digest)) is var kept && File.Exists(kept) ? File.ReadAllBytes(kept) : null;
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

        static void Put(string path, byte[] bytes)
        {
            if (!File.Exists(path))
            {
                AtomicFile.WriteUnsynced(path, bytes);
            }
        }
    }

    private static bool IsDigest(string digest) =>
        digest.Length == 71 && digest.StartsWith("sha256:", StringComparison.Ordinal) && digest.AsSpan(7).IndexOfAnyExcept("0123456789abcdef") < 0;

    private string ImageLink(string imageDigest) => Path.Combine(KeptRoot, "images", imageDigest.Replace(':', '-'));

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
