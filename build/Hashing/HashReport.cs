using System.Text.Json;
using System.Text.Json.Serialization;

namespace Build.Hashing;

/// <summary>Whether &lt;family&gt;-&lt;hash&gt; is already in the registry.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Existence>))]
public enum Existence
{
    [JsonStringEnumMemberName("present")]
    Present,
    [JsonStringEnumMemberName("absent")]
    Absent,
    [JsonStringEnumMemberName("unknown")]
    Unknown,
}

/// <summary>What an image of the run is: a base family of the catalog, or a service of the fleet on one.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ImageKind>))]
public enum ImageKind
{
    [JsonStringEnumMemberName("family")]
    Family,
    [JsonStringEnumMemberName("service")]
    Service,
}

/// <summary>
/// One image of the run: a family, or a service (its Parent is its family, its Group "services", its tags in the
/// services repository). Names are unique across both (the fleet validator refuses a service named like a family).
/// </summary>
public sealed record ImageHashEntry(
    string Name,
    string Hash,
    string? Parent,
    string Group,
    string BakeTarget,
    IReadOnlyList<HashInput> Inputs,
    [property: JsonConverter(typeof(ImageTagsJson))] ImageTags Tags,
    Existence Exists,
    string? ExistsDetail,
    string? Digest,
    string? LocalImage = null,
    ImageKind Kind = ImageKind.Family)
{
    [JsonIgnore]
    public bool IsService => Kind == ImageKind.Service;

    /// <summary>The bake variable that carries this image's hash (HASH_… for a family, SERVICE_HASH_… for a service).</summary>
    [JsonIgnore]
    public string HashVariable => IsService ? Fleet.ServiceImages.HashVariable(Name) : Catalog.Family.HashVariableFor(Name);
}

/// <summary>
/// artifacts/hashes.json: per image (families, then the selected services) its kind, hash, parent, inputs with
/// digests, tags and registry presence.
/// </summary>
public sealed record HashReport(int SchemaVersion, string Catalog, string Registry, string Date, IReadOnlyList<ImageHashEntry> Families)
{
    public const int CurrentSchema = 1;

    public static JsonSerializerOptions Json => global::Build.IO.JsonText.ReportOptions;

    public ImageHashEntry Get(string family) => Families.First(f => f.Name == family);

    /// <summary>The service images of the run (after every family).</summary>
    [JsonIgnore]
    public IReadOnlyList<ImageHashEntry> Services => Families.Where(f => f.IsService).ToList();

    /// <summary>The same bytes as JsonSerializer.Serialize(this, Json) + "\n" (tested), without its start-up cost.</summary>
    public string ToJson() => IO.JsonText.Write(w =>
    {
        w.WriteStartObject();
        w.WriteNumber("schemaVersion", SchemaVersion);
        w.WriteString("catalog", Catalog);
        w.WriteString("registry", Registry);
        w.WriteString("date", Date);
        w.WriteStartArray("families");
        foreach (var f in Families)
        {
            w.WriteStartObject();
            w.WriteString("name", f.Name);
            w.WriteString("hash", f.Hash);
            w.WriteString("parent", f.Parent);
            w.WriteString("group", f.Group);
            w.WriteString("bakeTarget", f.BakeTarget);
            w.WriteStartArray("inputs");
            foreach (var input in f.Inputs)
            {
                w.WriteStartObject();
                w.WriteString("name", input.Name);
                w.WriteString("digest", input.Digest);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            IO.JsonText.WriteStrings(w, "tags", f.Tags.All);
            w.WriteString("exists", IO.JsonText.EnumName(f.Exists));
            w.WriteString("existsDetail", f.ExistsDetail);
            w.WriteString("digest", f.Digest);
            w.WriteString("localImage", f.LocalImage);
            w.WriteString("kind", IO.JsonText.EnumName(f.Kind));
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    });

    /// <summary>Reads hashes.json; each image's tags are derived from its kind, name and hash and the report's registry and date.</summary>
    public static HashReport FromJson(string json)
    {
        var read = JsonSerializer.Deserialize<HashReport>(json, Json) ?? throw new JsonException("hashes.json is empty.");
        return read with { Families = read.Families.Select(f => f with { Tags = ImageTags.For(f.Kind, read.Registry, f.Name, f.Hash, read.Date) }).ToList() };
    }

}

/// <summary>
/// hashes.json keeps the tags as a list of references (hash, date, latest) for its readers; Kiln never reads them
/// back: <see cref="HashReport.FromJson"/> derives them from the structured fields, so nothing splits a tag.
/// </summary>
internal sealed class ImageTagsJson : JsonConverter<ImageTags>
{
    public override ImageTags Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var tags = JsonSerializer.Deserialize<List<string>>(ref reader, options) ?? throw new JsonException("tags must be a list.");
        return tags.Count == 3
            ? new ImageTags(string.Empty, string.Empty, string.Empty, string.Empty)
            : throw new JsonException("tags must list the hash, date and latest tags.");
    }

    public override void Write(Utf8JsonWriter writer, ImageTags value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value.All, options);
}
