using System.Text.Json;
namespace Build.Buildx;

/// <summary>One entry of the engine's event stream: enough to recognise it again and to know what it did to which tag.</summary>
public sealed record EngineEvent(long TimeNano, string Type, string Action, string Id, string? Name);

/// <summary>One label of a local image, and that image's ID.</summary>
public sealed record ImageLabel(string ImageId, string Value);

/// <summary>
/// What one lookup learnt of the engine's local store before anything was built.
/// </summary>
/// <param name="Found">The references asked about that the store holds (reference → image ID).</param>
/// <param name="Known">Every reference the store is known to hold: those, and what the last run's record and the
/// engine's events since vouch for (other images' date and -latest tags among them).</param>
/// <param name="Asked">How many references the store itself was asked about.</param>
public sealed record LocalStoreView(IReadOnlyDictionary<string, string> Found, IReadOnlyDictionary<string, string> Known, int Asked)
{
    public static LocalStoreView None { get; } = new(new Dictionary<string, string>(), new Dictionary<string, string>(), 0);
}

/// <summary>
/// Which image references the engine's local store held when the last run looked (those it asked about, and those
/// the engine's events showed being tagged), and the newest engine event at that moment (the watermark). The engine keeps its most recent events in memory; when that buffer
/// still holds the watermark, every event since is in it, so the record can be checked against them instead of asking
/// the store about each image again — on the fleet that is 93 lookups for a one-service edit. Whenever the events
/// cannot prove the record (the watermark rolled out of the buffer, the engine restarted or is another engine, an
/// image was deleted or pruned), the store is asked about every image, as without a record.
/// </summary>
public sealed record LocalStoreRecord(EngineEvent Watermark, IReadOnlyDictionary<string, string> Images)
{
    private const int Schema = 1;

    /// <summary>Actions that remove images without naming the tag they took (an image ID, or many at once).</summary>
    private static readonly HashSet<string> Removals = new(StringComparer.Ordinal) { "delete", "prune" };

    /// <summary>
    /// The references known to be in the store now (reference → image ID), or null when the events since the
    /// watermark do not prove it: the recorded ones, and each reference a tag event since names, with the image that
    /// event gave it (a tag event says what the tag holds from then on). A reference any other event names since
    /// (untagged, pulled, loaded) is left out, so it is asked about again.
    /// </summary>
    public static IReadOnlyDictionary<string, string>? Trusted(LocalStoreRecord? record, IReadOnlyList<EngineEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (record is null)
        {
            return null;
        }

        var at = -1;
        for (var i = events.Count - 1; i >= 0; i--)
        {
            if (events[i] == record.Watermark)
            {
                at = i;
                break;
            }
        }

        if (at < 0)
        {
            return null;
        }

        var trusted = new Dictionary<string, string>(record.Images, StringComparer.Ordinal);
        foreach (var e in events.Skip(at + 1).Where(e => e.Type == "image"))
        {
            if (Removals.Contains(e.Action))
            {
                return null;
            }

            if (e.Name is { } name && e.Action == "tag" && e.Id.StartsWith("sha256:", StringComparison.Ordinal))
            {
                trusted[name] = e.Id;
            }
            else if (e.Name is { } other)
            {
                trusted.Remove(other);
            }
        }

        return trusted;
    }

    public static LocalStoreRecord? Read(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = doc.RootElement;
            if (root.GetProperty("schema").GetInt32() != Schema)
            {
                return null;
            }

            var w = root.GetProperty("watermark");
            var watermark = new EngineEvent(w.GetProperty("timeNano").GetInt64(), w.GetProperty("type").GetString()!, w.GetProperty("action").GetString()!,
                w.GetProperty("id").GetString()!, w.GetProperty("name").GetString());
            var images = root.GetProperty("images").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
            return new LocalStoreRecord(watermark, images);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            // No record, or one this version cannot read: the store is asked about every image.
            return null;
        }
    }

    public void Write(string path)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("schema", Schema);
            w.WriteStartObject("watermark");
            w.WriteNumber("timeNano", Watermark.TimeNano);
            w.WriteString("type", Watermark.Type);
            w.WriteString("action", Watermark.Action);
            w.WriteString("id", Watermark.Id);
            w.WriteString("name", Watermark.Name);
            w.WriteEndObject();
            w.WriteStartObject("images");
            foreach (var (reference, id) in Images.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                w.WriteString(reference, id);
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        // A record lost to a crash only means the next run asks the store about every image.
        Build.IO.AtomicFile.WriteUnsynced(path, buffer.ToArray());
    }
}
