using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Build.Hashing;

namespace Build.Explain;

/// <summary>
/// One hash input as recorded: the name and digest the hash was made of, and what makes a later diff readable —
/// a file's repository path, size, line count and per-line hashes (text under 64 KiB), or an entry's values.
/// </summary>
public sealed record RecordedInput(string Name, string Digest)
{
    /// <summary>The file's path from the repository root (a service's code is under the fleet's source_root).</summary>
    public string? Path { get; init; }

    public long? Size { get; init; }

    public int? Lines { get; init; }

    /// <summary>
    /// The first 8 hex characters of each line's SHA-256: enough to count the lines an edit added and removed
    /// without keeping the text, which the record must not carry (it is published beside the image).
    /// </summary>
    public IReadOnlyList<string>? LineHashes { get; init; }

    /// <summary>The catalog or fleet entry whose canonical JSON the digest is of, so a field diff can name values.</summary>
    public JsonElement? Entry { get; init; }

    public bool IsFile => Name.StartsWith("file:", StringComparison.Ordinal) || Name.StartsWith("lock:", StringComparison.Ordinal);
}

/// <summary>
/// Everything one image's hash was made of, as canonical JSON (sorted keys, no whitespace): the hash scheme, every
/// input with its digest, the entry's values, the parent's (or family's) hash and the build arguments. Its SHA-256
/// is the image's <see cref="Label"/>; the JSON itself is published as an OCI artifact whose subject is the image.
/// A record names nothing of the run (no registry, date or time), so the same hash always gives the same record.
/// </summary>
public sealed record InputsRecord(
    string Image,
    ImageKind Kind,
    string Hash,
    string Scheme,
    string? Parent,
    string? ParentHash,
    IReadOnlyList<RecordedInput> Inputs,
    IReadOnlyDictionary<string, string> BuildArgs)
{
    public const string Schema = "kiln-build-inputs/1";

    /// <summary>The artifact type, and the media type of the artifact's one layer (the JSON).</summary>
    public const string MediaType = "application/vnd.kiln.build-inputs.v1+json";

    /// <summary>The image label that carries the record's digest (set through bake: not a hash input).</summary>
    public const string Label = "dev.kiln.inputs-digest";

    public RecordedInput? Get(string name) => Inputs.FirstOrDefault(i => i.Name == name);

    /// <summary>
    /// The canonical bytes: what is written, labelled and published. Keys are written in ordinal order by hand (the
    /// same bytes as <see cref="CanonicalJson"/> of the record as a dictionary, tested): a run makes one per image.
    /// </summary>
    public byte[] ToJson()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(4096);
        using (var w = CanonicalJson.Writer(buffer))
        {
            w.WriteStartObject();
            w.WriteStartObject("buildArgs");
            foreach (var (key, value) in BuildArgs.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                w.WriteString(key, value);
            }

            w.WriteEndObject();
            w.WriteString("hash", Hash);
            w.WriteString("image", Image);
            w.WriteStartArray("inputs");
            foreach (var input in Inputs.OrderBy(i => i.Name, StringComparer.Ordinal))
            {
                w.WriteStartObject();
                w.WriteString("digest", input.Digest);
                if (input.Entry is { } entry)
                {
                    w.WritePropertyName("entry");
                    CanonicalJson.Write(w, entry);
                }

                if (input.LineHashes is { } hashes)
                {
                    w.WriteStartArray("lineHashes");
                    foreach (var h in hashes)
                    {
                        w.WriteStringValue(h);
                    }

                    w.WriteEndArray();
                }

                if (input.Lines is { } lines)
                {
                    w.WriteNumber("lines", lines);
                }

                w.WriteString("name", input.Name);
                if (input.Path is { } path)
                {
                    w.WriteString("path", path);
                }

                if (input.Size is { } size)
                {
                    w.WriteNumber("size", size);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteString("kind", IO.JsonText.EnumName(Kind));
            if (Parent is not null)
            {
                w.WriteStartObject("parent");
                w.WriteString("hash", ParentHash);
                w.WriteString("name", Parent);
                w.WriteEndObject();
            }

            w.WriteString("schema", Schema);
            w.WriteString("scheme", Scheme);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The record as plain data (dictionaries and lists): what <see cref="ToJson"/> writes, in canonical form.</summary>
    internal SortedDictionary<string, object?> AsData()
    {
        var root = new SortedDictionary<string, object?>(StringComparer.Ordinal)
        {
            ["schema"] = Schema,
            ["image"] = Image,
            ["kind"] = IO.JsonText.EnumName(Kind),
            ["hash"] = Hash,
            ["scheme"] = Scheme,
            ["inputs"] = Inputs.OrderBy(i => i.Name, StringComparer.Ordinal).Select(Input).ToList(),
            ["buildArgs"] = BuildArgs.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal),
        };
        if (Parent is not null)
        {
            root["parent"] = new SortedDictionary<string, object?>(StringComparer.Ordinal) { ["name"] = Parent, ["hash"] = ParentHash };
        }

        return root;
    }

    public static string DigestOf(byte[] json) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(json));

    /// <summary>
    /// Whether the record is what it says: its inputs combine to its hash (the same function the hash was made with).
    /// Null when it is, else why not.
    /// </summary>
    public string? Inconsistency()
    {
        var combined = FamilyHasher.Combine(Inputs.Select(i => new HashInput(i.Name, i.Digest)));
        return combined == Hash ? null : $"its inputs combine to {combined}, not to its hash {Hash}";
    }

    /// <summary>Reads a record; a record of another schema or a malformed one is an <see cref="InputsRecordException"/>.</summary>
    public static InputsRecord Parse(byte[] json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            var schema = root.TryGetProperty("schema", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            if (schema != Schema)
            {
                throw new InputsRecordException($"its schema is {schema ?? "missing"}, which this Kiln does not read (it reads {Schema})");
            }

            string Text(JsonElement e, string name) => e.GetProperty(name).GetString() ?? throw new InputsRecordException($"'{name}' is null");
            string? Optional(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            var kind = Text(root, "kind") switch
            {
                "family" => ImageKind.Family,
                "service" => ImageKind.Service,
                var other => throw new InputsRecordException($"kind '{other}' is neither family nor service"),
            };
            var parent = root.TryGetProperty("parent", out var p) && p.ValueKind == JsonValueKind.Object ? p : (JsonElement?)null;
            var inputs = root.GetProperty("inputs").EnumerateArray().Select(i => new RecordedInput(Text(i, "name"), Text(i, "digest"))
            {
                Path = Optional(i, "path"),
                Size = i.TryGetProperty("size", out var size) ? size.GetInt64() : null,
                Lines = i.TryGetProperty("lines", out var lines) ? lines.GetInt32() : null,
                LineHashes = i.TryGetProperty("lineHashes", out var hashes) ? hashes.EnumerateArray().Select(h => h.GetString() ?? string.Empty).ToList() : null,
                Entry = i.TryGetProperty("entry", out var entry) ? entry.Clone() : null,
            }).ToList();
            var args = root.TryGetProperty("buildArgs", out var a) && a.ValueKind == JsonValueKind.Object
                ? a.EnumerateObject().ToDictionary(x => x.Name, x => x.Value.GetString() ?? string.Empty, StringComparer.Ordinal)
                : new Dictionary<string, string>(StringComparer.Ordinal);
            return new InputsRecord(Text(root, "image"), kind, Text(root, "hash"), Text(root, "scheme"),
                parent is { } pe ? Optional(pe, "name") : null, parent is { } ph ? Optional(ph, "hash") : null, inputs, args);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InputsRecordException($"it is not a readable inputs record ({ex.Message.Split('\n')[0]})", ex);
        }
    }

    private static SortedDictionary<string, object?> Input(RecordedInput input)
    {
        var o = new SortedDictionary<string, object?>(StringComparer.Ordinal) { ["name"] = input.Name, ["digest"] = input.Digest };
        if (input.Path is { } path)
        {
            o["path"] = path;
        }

        if (input.Size is { } size)
        {
            o["size"] = size;
        }

        if (input.Lines is { } lines)
        {
            o["lines"] = lines;
        }

        if (input.LineHashes is { } hashes)
        {
            o["lineHashes"] = hashes;
        }

        if (input.Entry is { } entry)
        {
            o["entry"] = entry;
        }

        return o;
    }
}

/// <summary>A record and its canonical bytes, made once: the bytes are what is labelled, written and pushed.</summary>
public sealed record InputsDocument(InputsRecord Record, byte[] Json)
{
    public string Digest { get; } = InputsRecord.DigestOf(Json);

    /// <summary>
    /// Every file was read whole and every entry has its values: a record made while a file changed under the run
    /// (recorded by digest alone) is not whole, and is never reused for its hash.
    /// </summary>
    public bool Whole => Record.Inputs.All(i => (i.Path is null || i.Size is not null) && (i.Name is not ("catalog-entry" or "fleet-entry") || i.Entry is not null));

    public static InputsDocument Of(InputsRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new InputsDocument(record, record.ToJson());
    }

    /// <summary>The record's file name in a content-addressed store: sha256-&lt;hex&gt;.json.</summary>
    public static string StoreName(string digest)
    {
        ArgumentNullException.ThrowIfNull(digest);
        return digest.Replace(':', '-') + ".json";
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Record.Image} {Record.Hash} {Digest}");
}

public sealed class InputsRecordException : Exception
{
    public InputsRecordException()
    {
    }

    public InputsRecordException(string message)
        : base(message)
    {
    }

    public InputsRecordException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
