using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Build.Hashing;

/// <summary>JSON with sorted keys, no whitespace and one escaping rule: the same data always gives the same bytes.</summary>
public static class CanonicalJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = false,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    };

    public static string Serialize(object? value)
    {
        var node = JsonSerializer.SerializeToNode(value, Options);
        return Sort(node)?.ToJsonString(Options) ?? "null";
    }

    public static byte[] Bytes(object? value) => Encoding.UTF8.GetBytes(Serialize(value));

    private static JsonNode? Sort(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, Sort(kv.Value?.DeepClone())))),
        JsonArray a => new JsonArray(a.Select(e => Sort(e?.DeepClone())).ToArray()),
        _ => node?.DeepClone(),
    };
}
