using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Build.Explain;
using Build.Hashing;
using Build.Registry;

namespace Build.Tests.Explain;

/// <summary>Where a reference's record is looked for, and what is said when there is none, against a registry in memory.</summary>
[TestFixture]
[Category("Unit")]
public sealed class ReferenceReaderTests
{
    private static readonly ImageName Repository = ImageName.ParseRepository("127.0.0.1:5999/kiln/x-services");

    private static string Sha(byte[] bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));

    internal static InputsDocument Record(string image = "hello", string file = "1")
    {
        var inputs = new List<RecordedInput> { new("scheme", "kiln-service-hash/2"), new("file:a.py", "sha256:" + string.Concat(Enumerable.Repeat(file, 64))) };
        return InputsDocument.Of(new InputsRecord(image, ImageKind.Service, FamilyHasher.Combine(inputs.Select(i => new HashInput(i.Name, i.Digest))), "kiln-service-hash/2", null, null, inputs, new Dictionary<string, string>()));
    }

    /// <summary>A registry without the referrers API: manifests by tag and digest, blobs by digest.</summary>
    private sealed class MemoryRegistry : HttpMessageHandler
    {
        public Dictionary<string, (byte[] Bytes, string MediaType)> Manifests { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, byte[]> Blobs { get; } = new(StringComparer.Ordinal);

        public List<string> Asked { get; } = [];

        /// <summary>An image whose config carries <paramref name="label"/> (or none), under a tag.</summary>
        public string Image(string tag, string? label)
        {
            var config = Encoding.UTF8.GetBytes(label is null ? "{\"config\":{}}" : $"{{\"config\":{{\"Labels\":{{\"{InputsRecord.Label}\":\"{label}\"}}}}}}");
            Blobs[Sha(config)] = config;
            var manifest = Encoding.UTF8.GetBytes($"{{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{{\"digest\":\"{Sha(config)}\",\"size\":{config.Length}}},\"layers\":[]}}");
            return Put(tag, manifest, "application/vnd.oci.image.manifest.v1+json");
        }

        /// <summary>What Publish does: the artifact, the referrers tag and the hash tag.</summary>
        public void Attach(string imageDigest, InputsDocument document)
        {
            Blobs[document.Digest] = document.Json;
            var artifact = InputsArtifact.Manifest(document, new ManifestInfo(imageDigest, "application/vnd.oci.image.manifest.v1+json", 100));
            var digest = Put(null, artifact, InputsArtifact.ManifestMediaType);
            Put(InputsArtifact.ReferrersTag(imageDigest), InputsArtifact.Index(null, digest, artifact.Length, document), InputsArtifact.IndexMediaType);
            Put(Build.Hashing.ImageTags.InputsTagOf(document.Record.Image, document.Record.Hash), artifact, InputsArtifact.ManifestMediaType);
        }

        private string Put(string? tag, byte[] bytes, string mediaType)
        {
            var digest = Sha(bytes);
            Manifests[digest] = (bytes, mediaType);
            if (tag is not null)
            {
                Manifests[tag] = (bytes, mediaType);
            }

            return digest;
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.AbsolutePath[$"/v2/{Repository.Repository}/".Length..];
            lock (Asked)
            {
                Asked.Add($"{request.Method} {path}");
            }

            HttpResponseMessage Found(byte[] bytes, string mediaType)
            {
                var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(request.Method == HttpMethod.Head ? [] : bytes) };
                response.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
                response.Headers.Add("Docker-Content-Digest", Sha(bytes));
                return response;
            }

            var parts = path.Split('/', 2);
            var answer = parts[0] switch
            {
                "manifests" when Manifests.TryGetValue(parts[1], out var m) => Found(m.Bytes, m.MediaType),
                "blobs" when Blobs.TryGetValue(parts[1], out var b) => Found(b, "application/octet-stream"),
                _ => new HttpResponseMessage(HttpStatusCode.NotFound) { Content = new StringContent("404 page not found") },
            };
            return Task.FromResult(answer);
        }
    }

    private static IReadOnlyDictionary<string, ReferenceLookup> Read(MemoryRegistry registry, ReferenceRequest request, LocalInputs? local = null)
    {
        using var client = new OciRegistryClient(new RegistryClientOptions { MaxRetries = 0 }, registry);
        return new ReferenceReader(client, local ?? LocalInputs.None).ReadAsync([request]).GetAwaiter().GetResult();
    }

    [Test]
    public void A_published_record_is_found_through_the_referrers_tag_when_the_api_answers_404()
    {
        var registry = new MemoryRegistry();
        var document = Record();
        var image = registry.Image("hello-latest", document.Digest);
        registry.Attach(image, document);

        var found = Read(registry, new ReferenceRequest("hello", Repository, ["hello-latest"]))["hello"];

        found.Record.ShouldNotBeNull().Hash.ShouldBe(document.Record.Hash);
        (found.Tag, found.Digest, found.Source).ShouldBe(("hello-latest", image, "registry"));
        registry.Asked.ShouldContain($"GET referrers/{image}");
        registry.Asked.ShouldContain($"GET manifests/{InputsArtifact.ReferrersTag(image)}");
    }

    [Test]
    public void A_record_read_once_is_kept_by_its_image_digest_and_the_next_read_asks_only_where_the_tag_points()
    {
        var registry = new MemoryRegistry();
        var document = Record();
        var image = registry.Image("hello-latest", document.Digest);
        registry.Attach(image, document);
        using var dir = new Infra.TempDir();
        var store = new LocalInputStore(dir.Path, new IO.ArtifactLayout(Path.Combine(dir.Path, "artifacts")));

        Read(registry, new ReferenceRequest("hello", Repository, ["hello-latest"]), store.Reader(RealProcesses.Runner))["hello"].Record.ShouldNotBeNull();
        registry.Asked.Clear();
        var again = Read(registry, new ReferenceRequest("hello", Repository, ["hello-latest"]), store.Reader(RealProcesses.Runner))["hello"];

        again.Record.ShouldNotBeNull().Hash.ShouldBe(document.Record.Hash);
        (again.Tag, again.Digest).ShouldBe(("hello-latest", image));
        registry.Asked.Distinct().ShouldBe(["HEAD manifests/hello-latest"], "the tag may move; the record of the image it names does not");
        store.OfImage(image).ShouldBe(document.Json);

        // The tag moved to an image this machine has not read: the registry is asked again.
        var next = Record("hello", "2");
        var moved = registry.Image("hello-latest", next.Digest);
        registry.Attach(moved, next);
        registry.Asked.Clear();
        Read(registry, new ReferenceRequest("hello", Repository, ["hello-latest"]), store.Reader(RealProcesses.Runner))["hello"].Digest.ShouldBe(moved);
        registry.Asked.ShouldContain($"GET blobs/{next.Digest}");
    }

    [TestCase("sha256:../../../etc/passwd")]
    [TestCase("sha256:ABCDEF")]
    [TestCase("md5:0123")]
    public void A_digest_that_is_not_a_sha256_never_becomes_a_path(string digest)
    {
        using var dir = new Infra.TempDir();
        var store = new LocalInputStore(dir.Path, new IO.ArtifactLayout(Path.Combine(dir.Path, "artifacts")));

        store.Remember(digest, Record().Json);

        store.OfImage(digest).ShouldBeNull();
        store.Find(digest).ShouldBeNull();
        Directory.Exists(store.KeptRoot).ShouldBeFalse();
    }

    [Test]
    public void A_hash_reference_reads_the_record_by_its_inputs_tag_even_when_the_image_tags_are_gone()
    {
        var registry = new MemoryRegistry();
        var document = Record();
        registry.Attach("sha256:" + new string('9', 64), document);

        var found = Read(registry, new ReferenceRequest("hello", Repository, ExplainAgainst.Parse(document.Record.Hash).Tags("hello")))["hello"];

        found.Record.ShouldNotBeNull().Hash.ShouldBe(document.Record.Hash);
        found.Tag.ShouldBe($"hello-{document.Record.Hash}.inputs");
    }

    [Test]
    public void An_image_without_a_record_says_it_was_published_before_records_and_a_label_alone_leads_to_the_blob()
    {
        var registry = new MemoryRegistry();
        var old = registry.Image("hello-20200101", null);
        var document = Record();
        var labelled = registry.Image("hello-20200102", document.Digest);

        var none = Read(registry, new ReferenceRequest("hello", Repository, ["hello-20200101"]))["hello"];
        none.Record.ShouldBeNull();
        none.Reason.ShouldBe($"hello-20200101 ({old[..19]}…) has no inputs record: it was published before Kiln recorded inputs");

        Read(registry, new ReferenceRequest("hello", Repository, ["hello-20200102"]))["hello"].Reason
            .ShouldBe($"hello-20200102 ({labelled[..19]}…) is labelled with inputs {document.Digest[..19]}…, but neither the registry nor this machine holds that record");
        var kept = Read(registry, new ReferenceRequest("hello", Repository, ["hello-20200102"]), new LocalInputs(_ => new Dictionary<string, string>(), d => d == document.Digest ? document.Json : null))["hello"];
        kept.Record.ShouldNotBeNull("this machine kept the record the label names");

        registry.Blobs[document.Digest] = document.Json;
        var byLabel = Read(registry, new ReferenceRequest("hello", Repository, ["hello-20200102"]))["hello"];
        byLabel.Record.ShouldNotBeNull();
        byLabel.Source.ShouldBe("registry (by the image's label)");
    }

    [Test]
    public void Bake_falls_back_to_the_date_tag_and_then_to_the_local_store_and_a_record_of_another_image_is_refused()
    {
        var registry = new MemoryRegistry();
        var document = Record();
        registry.Attach(registry.Image("hello-20260101", document.Digest), document);

        var dated = Read(registry, new ReferenceRequest("hello", Repository, ExplainAgainst.ForBake("20260101").Tags("hello")))["hello"];
        dated.Tag.ShouldBe("hello-20260101");
        dated.Record.ShouldNotBeNull();

        var local = new LocalInputs(refs => refs.Where(r => r.EndsWith(":web-latest", StringComparison.Ordinal)).ToDictionary(r => r, _ => document.Digest), d => d == document.Digest ? document.Json : null);
        var wrong = Read(registry, new ReferenceRequest("web", Repository, ["web-latest"]), local)["web"];
        wrong.Record.ShouldBeNull("the record the local label names describes hello, not web");
        wrong.Reason.ShouldBe("web-latest is in neither 127.0.0.1:5999/kiln/x-services nor the local store (deleted, or never published); the inputs record found for web-latest describes hello, not web");

        var unlabelled = new LocalInputs(refs => refs.ToDictionary(r => r, _ => string.Empty), _ => null);
        Read(registry, new ReferenceRequest("web", Repository, ["web-latest"]), unlabelled)["web"].Reason
            .ShouldEndWith("; the local web-latest has no inputs label: it was built before Kiln recorded inputs");
    }
}
