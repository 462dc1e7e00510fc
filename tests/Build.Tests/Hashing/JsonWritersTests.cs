using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Build.Buildx;
using Build.Catalog;
using Build.Hashing;
using Build.Tests.Infra;

namespace Build.Tests.Hashing;

/// <summary>
/// The hand-written JSON writers (kept off JsonSerializer for start-up time) must write exactly what the serializer
/// would: these tests hold them to it, byte for byte, so a field added to a record and not to its writer fails here.
/// </summary>
[TestFixture]
[Category("Unit")]
public sealed class JsonWritersTests
{
    private static readonly JsonSerializerOptions SortedReference = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    };

    /// <summary>What CanonicalJson was before it wrote JSON itself: the serializer's output with every object's keys sorted.</summary>
    private static string SerializerThenSort(object? value)
    {
        static JsonNode? Sort(JsonNode? node) => node switch
        {
            JsonObject o => new JsonObject(o.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, Sort(kv.Value?.DeepClone())))),
            JsonArray a => new JsonArray(a.Select(e => Sort(e?.DeepClone())).ToArray()),
            _ => node?.DeepClone(),
        };

        return Sort(JsonSerializer.SerializeToNode(value, SortedReference))?.ToJsonString(SortedReference) ?? "null";
    }

    private static IEnumerable<Build.Catalog.Catalog> Catalogs()
    {
        var env = new Dictionary<string, string> { ["KILN_DEMO_BASE"] = "127.0.0.1:5000/kiln/busybox:1.36@sha256:" + new string('a', 64) };
        yield return CatalogLoader.Load("docker/families.yaml", new CatalogLoadOptions(TestInfra.RepoRoot, _ => null, Strict: false)).Catalog;
        yield return CatalogLoader.Load("examples/mini/families.yaml", new CatalogLoadOptions(TestInfra.RepoRoot, n => env.GetValueOrDefault(n), Strict: false)).Catalog;
    }

    [Test]
    public void Canonical_json_of_every_catalog_entry_is_the_serializers_output_with_sorted_keys()
    {
        var compared = 0;
        foreach (var catalog in Catalogs())
        {
            foreach (var family in catalog.Families)
            {
                var entry = CatalogEntry.Of(catalog, family);
                CanonicalJson.Serialize(entry).ShouldBe(SerializerThenSort(entry), $"{catalog.File}: {family.Name}");
                compared++;
            }
        }

        compared.ShouldBeGreaterThan(15);
    }

    [Test]
    public void Canonical_json_sorts_dictionary_keys_and_nested_objects_and_escapes_like_the_serializer()
    {
        var value = new
        {
            zeta = new Dictionary<string, string> { ["b"] = "2", ["a"] = "1", ["Ä"] = "ü \"quoted\" <tag> + & \\ \n" },
            alpha = new object?[] { 1, -7L, true, null, "x", new { y = 2, x = 1 } },
            Mixed = PythonKind.Pixi,
            numbers = new Dictionary<int, string> { [10] = "ten", [9] = "nine" },
        };

        CanonicalJson.Serialize(value).ShouldBe(SerializerThenSort(value));
        CanonicalJson.Serialize(value).ShouldStartWith("{\"alpha\":[1,-7,true,null,\"x\",{\"x\":1,\"y\":2}],\"mixed\":1,");
    }

    [Test]
    public void Canonical_json_refuses_fractional_numbers()
    {
        Should.Throw<NotSupportedException>(() => CanonicalJson.Serialize(new { seconds = 1.5 }));
    }

    [Test]
    public void Hashes_json_is_the_serializers_output_byte_for_byte()
    {
        var report = new HashReport(1, "examples/mini/families.yaml", "127.0.0.1:5000/kiln/demo", "20261121",
        [
            new ImageHashEntry("demo-root", "0123456789ab", null, "demo", "demo-root",
                [new HashInput("base", "127.0.0.1:5000/x@sha256:" + new string('b', 64)), new HashInput("file:files/ü +<x>.txt", "sha256:" + new string('c', 64))],
                new ImageTags("127.0.0.1:5000/kiln/demo", "demo-root", "0123456789ab", "20261121"), Existence.Present, null, "sha256:" + new string('d', 64)),
            new ImageHashEntry("cuda12.3-x", "ba9876543210", "demo-root", string.Empty, "cuda12_3-x", [], new ImageTags("127.0.0.1:5000/kiln/demo", "cuda12.3-x", "ba9876543210", "20261121"), Existence.Unknown,
                "unreachable after 2 attempts: Connection refused (127.0.0.1:1) \"quoted\" 'single'", null, "sha256:" + new string('e', 64)),
            new ImageHashEntry("leaf", "aaaaaaaaaaaa", "cuda12.3-x", "g", "leaf", [], new ImageTags("127.0.0.1:5000/kiln/demo", "leaf", "aaaaaaaaaaaa", "20261121"), Existence.Absent, null, null),
        ]);

        report.ToJson().ShouldBe(JsonSerializer.Serialize(report, HashReport.Json) + "\n");
        // Reading derives each image's tags from its kind, name and hash and the report's registry and date.
        HashReport.FromJson(report.ToJson()).ToJson().ShouldBe(report.ToJson());
        HashReport.FromJson(report.ToJson()).Families[1].Tags.ShouldBe(report.Families[1].Tags);
    }

    [Test]
    public void Bake_summary_json_is_the_serializers_output_byte_for_byte()
    {
        var result = new BakeResult(BakeResult.CurrentSchema, new Build.Gates.RunStamp("0123abcd", "2026-12-01T08:00:00Z", "examples/mini/families.yaml"), false, 123.4, "local",
        [
            new ImageOutcome("a", Outcome.Built, "changed (no image for this hash)", "0123456789ab", "r:a-0123456789ab", "sha256:" + new string('a', 64), 12.0, 9, 3, []),
            new ImageOutcome("b", Outcome.Reused, "r:b-x is in the local image store", "x", "r:b-x", null, 0, 0, 0, [], Build.Gates.ImageOrigin.Local),
            new ImageOutcome("c", Outcome.Failed, "changed", "y", "r:c-y", null, 0.1, 4, 0, ["ERROR: process \"/bin/sh -c exit 3\" did not complete successfully: exit code: 3", "<second> & +"]),
            new ImageOutcome("d", Outcome.NotBuilt, "parent failed", "z", "r:d-z", null, 1e-5, 0, 0, []),
        ]) { Phases = [new Build.Services.Phase("start-up", 84.2), new Build.Services.Phase("bake process", 512, 96.5)] };

        result.ToJson().ShouldBe(JsonSerializer.Serialize(result, BakeResult.Json) + "\n");
        BakeResult.FromJson(result.ToJson()).ToJson().ShouldBe(result.ToJson());
    }
}
