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

public sealed record FamilyHashEntry(
    string Name,
    string Hash,
    string? Parent,
    string Group,
    string BakeTarget,
    IReadOnlyList<HashInput> Inputs,
    IReadOnlyList<string> Tags,
    Existence Exists,
    string? ExistsDetail,
    string? Digest);

/// <summary>artifacts/hashes.json: per family its hash, parent, inputs with digests, tags and registry presence.</summary>
public sealed record HashReport(int SchemaVersion, string Catalog, string Registry, string Date, IReadOnlyList<FamilyHashEntry> Families)
{
    public const int CurrentSchema = 1;

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public FamilyHashEntry Get(string family) => Families.First(f => f.Name == family);

    public string ToJson() => JsonSerializer.Serialize(this, Json) + "\n";

    public static HashReport FromJson(string json) => JsonSerializer.Deserialize<HashReport>(json, Json) ?? throw new JsonException("hashes.json is empty.");

    public static IReadOnlyList<string> TagsFor(string registry, string family, string hash, string date) =>
        [$"{registry}:{family}-{hash}", $"{registry}:{family}-{date}", $"{registry}:{family}-latest"];
}
