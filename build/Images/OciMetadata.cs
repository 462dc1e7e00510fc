using System.Text.Json;
using System.Text.Json.Serialization;

namespace Build.Images;

public sealed record MeasuredImage(
    string Name,
    string Hash,
    string? Parent,
    string Outcome,
    IReadOnlyList<string> Tags,
    string Digest,
    string ManifestDigest,
    string ConfigDigest,
    string Platform,
    long CompressedSize,
    long? UncompressedSize,
    int LayerCount,
    string? Created,
    IReadOnlyDictionary<string, string> Labels,
    string MeasuredFrom,
    IReadOnlyList<ExportedFile> Exports,
    Hashing.ImageKind Kind = Hashing.ImageKind.Family);

public sealed record ExportedFile(string Path, long Size, string Sha256);

/// <summary>artifacts/oci-metadata.json: per family, what its image is and how big.</summary>
public sealed record OciMetadata(int SchemaVersion, string Registry, IReadOnlyList<MeasuredImage> Families)
{
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public MeasuredImage Get(string family) => Families.First(f => f.Name == family);

    public string ToJson() => JsonSerializer.Serialize(this, Json) + "\n";

    public static OciMetadata FromJson(string json) => JsonSerializer.Deserialize<OciMetadata>(json, Json) ?? throw new JsonException("empty oci-metadata.json");
}
