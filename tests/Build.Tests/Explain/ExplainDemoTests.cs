using System.Text.Json;
using Build.Explain;
using Build.Registry;
using Build.Tests.Infra;
using Build.Tests.Registry;
using Build.Tools;

namespace Build.Tests.Explain;

/// <summary>
/// Explain on the Debian demo (examples/demo), built and published for real in CI mode (the engine and the loopback
/// registry of tests/infra/up.sh): every published image carries its inputs record, and each edit is explained from
/// the registry — also from a fresh copy with no .kiln/ and none of the repository's images in the local store.
/// </summary>
[TestFixture]
[Category("Integration")]
[NonParallelizable]
public sealed class ExplainDemoTests
{
    private const string Catalog = "examples/demo/families.yaml";
    private const string HelloApp = "examples/demo/apps/hello/app.py";
    private const string WebServer = "examples/demo/files/web/server.py";
    private const string Fleet = "examples/demo/fleet.yaml";

    private DebianDemoTests.DebianRepo _repo = null!;
    private JsonDocument _hashes = null!;

    private string ServicesRepository => _repo.Registry + "-services";

    [OneTimeSetUp]
    public void PublishTheDemoInCiMode()
    {
        _repo = new DebianDemoTests.DebianRepo();
        Init(_repo.Root);
        var (code, output) = Kiln(_repo.Root, "--target=Publish", "--cve-scanner=none", "--mode=ci");
        code.ShouldBe(0, output);
        _hashes = JsonDocument.Parse(File.ReadAllText(_repo.Full("artifacts/hashes.json")));
    }

    [OneTimeTearDown]
    public void Cleanup()
    {
        _hashes?.Dispose();
        _repo?.Dispose();
    }

    [Test]
    [Order(1)]
    public async Task Each_published_image_carries_its_inputs_record_read_back_over_plain_HTTP_and_with_curl()
    {
        var hash = Hash("hello");
        var json = File.ReadAllBytes(_repo.Full("artifacts/inputs/hello.json"));
        var record = InputsRecord.Parse(json);
        var digest = InputsRecord.DigestOf(json);
        record.Hash.ShouldBe(hash, "the record describes the hash ComputeHash made, and is no input of it");
        record.Inconsistency().ShouldBeNull();
        record.Get($"file:hello/app.py").ShouldNotBeNull().Path.ShouldBe(HelloApp);
        record.Get("fleet-entry")!.Entry.ShouldNotBeNull();

        // The repository's own client, over plain HTTP.
        using var client = new OciRegistryClient();
        var repository = ImageName.ParseRepository(ServicesRepository);
        var image = (await client.HeadManifestAsync(repository, $"hello-{hash}")).ShouldNotBeNull().Digest;
        (await client.GetReferrersAsync(repository, image)).ShouldBeNull("Distribution 2.8 has no referrers API");
        var referrers = (await client.GetManifestAsync(repository, InputsArtifact.ReferrersTag(image))).ShouldNotBeNull();
        referrers.Info.MediaType.ShouldBe(InputsArtifact.IndexMediaType);
        var artifact = InputsArtifact.Referrers(referrers.Bytes).ShouldHaveSingleItem();
        var manifest = (await client.GetManifestAsync(repository, artifact)).ShouldNotBeNull();
        using (var m = manifest.Parse())
        {
            m.RootElement.GetProperty("artifactType").GetString().ShouldBe(InputsRecord.MediaType);
            m.RootElement.GetProperty("config").GetProperty("mediaType").GetString().ShouldBe(InputsArtifact.EmptyMediaType);
            m.RootElement.GetProperty("config").GetProperty("size").GetInt32().ShouldBe(2);
            m.RootElement.GetProperty("layers").EnumerateArray().Single().GetProperty("digest").GetString().ShouldBe(digest);
            m.RootElement.GetProperty("subject").GetProperty("digest").GetString().ShouldBe(image);
        }

        (await client.GetBlobAsync(repository, digest)).ShouldBe(json, "the record in the registry is the file beside hashes.json, byte for byte");
        (await client.HeadManifestAsync(repository, $"hello-{hash}.inputs")).ShouldNotBeNull().Digest.ShouldBe(artifact, "found by hash too");
        (await ConfigLabel(client, repository, image)).ShouldBe(digest, "the image's label is the record's digest");

        // curl, an independent client: the referrers tag, the artifact, the record's bytes, and the 404 of the API.
        var path = $"http://{TestInfra.Registry}/v2/{repository.Repository}";
        using (var index = JsonDocument.Parse(Curl($"{path}/manifests/{InputsArtifact.ReferrersTag(image)}", "application/vnd.oci.image.index.v1+json")))
        {
            var entry = index.RootElement.GetProperty("manifests").EnumerateArray().Single();
            entry.GetProperty("digest").GetString().ShouldBe(artifact);
            entry.GetProperty("artifactType").GetString().ShouldBe(InputsRecord.MediaType);
        }

        using (var byHash = JsonDocument.Parse(Curl($"{path}/manifests/hello-{hash}.inputs", "application/vnd.oci.image.manifest.v1+json")))
        {
            byHash.RootElement.GetProperty("subject").GetProperty("digest").GetString().ShouldBe(image);
        }

        using (var blob = new TempDir("kiln-explain-curl-"))
        {
            var file = Path.Combine(blob.Path, "record.json");
            TestInfra.Run(new CommandLine("curl").Add("-sf", "-o", file, $"{path}/blobs/{digest}"));
            File.ReadAllBytes(file).ShouldBe(json);
        }

        TestInfra.Run(new CommandLine("curl").Add("-s", "-o", "/dev/null", "-w", "%{http_code}", $"{path}/referrers/{image}")).StandardOutput.Trim().ShouldBe("404");

        // Nothing changed since the publish: every image is explained as unchanged.
        var (code, output) = Kiln(_repo.Root, "--target=Explain");
        code.ShouldBe(0, output);
        output.ShouldContain("Explain against -latest: 15 images (9 families, 6 services): 0 changed, 0 rebuilt because of a parent or family, 0 cannot be told, 15 unchanged.");
    }

    [Test]
    [Order(2)]
    public void Editing_one_services_file_names_that_file_with_its_line_counts_for_that_service_only()
    {
        Edited(_repo.Root, EditHello, () =>
        {
            var (images, text) = Explain(_repo.Root);

            Changed(images).ShouldBe(["hello"]);
            var change = images["hello"].GetProperty("changes").EnumerateArray().Single();
            change.GetProperty("path").GetString().ShouldBe(HelloApp);
            (change.GetProperty("added").GetInt32(), change.GetProperty("removed").GetInt32()).ShouldBe((2, 1));
            text.ShouldContain($"\nhello (service): changed since hello-latest ({Hash("hello")} → ");
            text.ShouldContain($"  {HelloApp}: modified, +2 −1 lines\n");
            images.Values.Where(i => i.GetProperty("name").GetString() != "hello").ShouldAllBe(i => i.GetProperty("status").GetString() == "unchanged");
        });
    }

    [Test]
    [Order(3)]
    public void Editing_a_familys_file_names_it_for_the_family_and_cascades_to_exactly_its_services()
    {
        Edited(_repo.Root, root => File.AppendAllText(Path.Combine(root, WebServer), "# edited by a test\n"), () =>
        {
            var (images, text) = Explain(_repo.Root);

            Changed(images).ShouldBe(["demo-web-py311"]);
            images["demo-web-py311"].GetProperty("why").GetString().ShouldBe($"{WebServer}: modified, +1 −0 lines");
            images.Values.Where(i => i.GetProperty("status").GetString() == "cascaded").Select(i => i.GetProperty("name").GetString()).ShouldBe(["web"]);
            images["web"].GetProperty("cause").GetString().ShouldBe("demo-web-py311");
            images["web"].GetProperty("why").GetString().ShouldBe($"its family demo-web-py311 changed ({WebServer})");
            text.ShouldContain($"\ndemo-web-py311 (family): changed since demo-web-py311-latest ({Hash("demo-web-py311")} → ");
            text.ShouldContain($"  {WebServer}: modified, +1 −0 lines\n  → rebuilt with it: web\n");
        });
    }

    [Test]
    [Order(4)]
    public void A_changed_fleet_env_value_is_named_with_its_old_and_new_values()
    {
        Edited(_repo.Root, EditWebEnv, () =>
        {
            var (images, text) = Explain(_repo.Root);

            Changed(images).ShouldBe(["web"]);
            images["web"].GetProperty("why").GetString().ShouldBe("env.HELLO_ADDRESS: \"hello:17001\" → \"hello:17002\" (and 1 more)");
            text.ShouldContain("  env.HELLO_ADDRESS: \"hello:17001\" → \"hello:17002\"\n  Dockerfile examples/demo/services/web/Dockerfile: modified, +1 −1 lines\n");
        });
    }

    [Test]
    [Order(5)]
    public void A_changed_base_digest_is_the_base_line_and_cascades_to_everything_on_it()
    {
        var published = TestInfra.Get("KILN_DEBIAN_BASE");
        var other = published[..published.LastIndexOf(':')] + ":" + new string('0', 64);

        var (images, text) = Explain(_repo.Root, other);

        Changed(images).ShouldBe(["demo-devcontainer-slim", "demo-devcontainer-tools", "demo-py311"]);
        images["demo-py311"].GetProperty("why").GetString().ShouldBe($"base: {published} → {other}");
        images.Values.Where(i => i.GetProperty("status").GetString() == "cascaded").ShouldAllBe(i => i.GetProperty("cause").GetString() == "demo-py311");
        images.Values.Count(i => i.GetProperty("status").GetString() == "cascaded").ShouldBe(12, "the six families and six services on demo-py311");
        images["hello"].GetProperty("why").GetString().ShouldBe("its family demo-py311 changed (base)");
        images["demo-gpu-ada-vision-py311"].GetProperty("why").GetString().ShouldBe("its parent demo-gpu-ada-py311 changed (demo-py311: base)");
        text.ShouldContain($"  base: {published} → {other}\n");
        text.ShouldContain(", … (6 families) and 6 services on 5 families\n");
    }

    [Test]
    [Order(6)]
    public void A_fresh_copy_without_kiln_state_or_local_images_gives_the_same_answers_from_the_registry()
    {
        void EditAll(string root)
        {
            EditHello(root);
            File.AppendAllText(Path.Combine(root, WebServer), "# edited by a test\n");
            EditWebEnv(root);
        }

        string here;
        using (Edit(_repo.Root, EditAll))
        {
            here = Answers(_repo.Root);
        }

        TestInfra.RemoveLocalTags(_repo.Registry + ":");
        TestInfra.RemoveLocalTags(ServicesRepository + ":");
        using var fresh = new DebianDemoTests.DebianRepo();
        Directory.Exists(fresh.Full(".kiln")).ShouldBeFalse();
        EditAll(fresh.Root);

        var there = Answers(fresh.Root);

        there.ShouldBe(here);
        there.ShouldContain("\"hello\":\"changed:");
        there.ShouldContain("\"web\":\"changed:env.HELLO_ADDRESS: \\\"hello:17001\\\" → \\\"hello:17002\\\" (and 1 more)\"");
        // Explain keeps only the records it read, by digest and by the image digest they belong to.
        Directory.EnumerateFileSystemEntries(fresh.Full(".kiln")).ShouldBe([fresh.Full(".kiln/inputs")]);
        Directory.EnumerateFiles(fresh.Full(".kiln/inputs"), "*", SearchOption.AllDirectories).ShouldAllBe(f => Path.GetFileName(f).StartsWith("sha256-", StringComparison.Ordinal));

        // Each image's status and why, as one comparable text; the records came from the registry in both copies.
        string Answers(string root)
        {
            var (images, _) = Explain(root);
            images.Values.ShouldAllBe(i => i.GetProperty("reference").GetProperty("source").GetString() == "registry");
            return "{" + string.Join(",", images.Values.Select(i => $"\"{i.GetProperty("name").GetString()}\":{JsonSerializer.Serialize(i.GetProperty("status").GetString() + ":" + i.GetProperty("why").GetString(), new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping })}")) + "}";
        }
    }

    [Test]
    [Order(7)]
    public async Task A_reference_without_a_record_a_deleted_tag_and_an_unreachable_registry_each_give_a_one_line_reason()
    {
        // An image published before Kiln recorded inputs: the busybox base under a date tag of hello.
        using var client = new OciRegistryClient();
        var repository = ImageName.ParseRepository(ServicesRepository);
        await RegistryIntegrationTests.CopyImageAsync(client, ImageName.Parse(TestInfra.BaseImage), repository, "hello-20200101");
        var old = (await client.HeadManifestAsync(repository, "hello-20200101")).ShouldNotBeNull().Digest;

        var (images, text) = Explain(_repo.Root, null, "--services=hello", "--against=20200101");
        images["hello"].GetProperty("status").GetString().ShouldBe("unknown");
        images["hello"].GetProperty("why").GetString().ShouldBe($"hello-20200101 ({old[..19]}…) has no inputs record: it was published before Kiln recorded inputs");
        images["demo-py311"].GetProperty("why").GetString().ShouldBe($"demo-py311-20200101 is in neither {_repo.Registry} nor the local store (deleted, or never published)");
        text.ShouldContain($"\n  hello: hello-20200101 ({old[..19]}…) has no inputs record: it was published before Kiln recorded inputs\n");

        // The same tag deleted from the registry.
        using (var http = new HttpClient())
        {
            using var delete = await http.DeleteAsync(new Uri($"http://{TestInfra.Registry}/v2/{repository.Repository}/manifests/{old}"));
            delete.IsSuccessStatusCode.ShouldBeTrue(delete.StatusCode.ToString());
        }

        (images, text) = Explain(_repo.Root, null, "--services=hello", "--against=20200101");
        images["hello"].GetProperty("why").GetString().ShouldBe($"hello-20200101 is in neither {ServicesRepository} nor the local store (deleted, or never published)");

        // A registry that does not answer (a closed loopback port; the shared registry keeps running).
        var port = TestRegistry.FreePort();
        var (code, output) = KilnApp.RunWith(_repo.Root, Environment(), "--target=Explain", $"--catalog={Catalog}", $"--registry=127.0.0.1:{port}/kiln/explain", "--mode=local");
        code.ShouldBe(0, output);
        output.ShouldContain($"Explain against -latest: 15 images (9 families, 6 services): 0 changed, 0 rebuilt because of a parent or family, 15 cannot be told, 0 unchanged.");
        var line = output.Split('\n').Where(l => l.Contains("is unreachable", StringComparison.Ordinal)).ShouldHaveSingleItem(output);
        line.ShouldStartWith("  15 images (");
        line.ShouldEndWith($"): the registry 127.0.0.1:{port} is unreachable (Connection refused (127.0.0.1:{port})) and the local store has no <image>-latest");
    }

    [Test]
    [Order(8)]
    public void Bake_and_Publish_give_each_build_its_root_cause_and_the_next_Explain_compares_with_the_new_latest()
    {
        using var edit = Edit(_repo.Root, EditHello);

        var (code, output) = Kiln(_repo.Root, "--target=Bake", "--mode=local", "--explain");
        code.ShouldBe(0, output);
        output.ShouldContain($"  {HelloApp}: modified, +2 −1 lines\n");
        output.ShouldMatch($@"hello\s+built\s+changed: {System.Text.RegularExpressions.Regex.Escape(HelloApp)}: modified, \+2 −1 lines\s+[0-9a-f]{{12}}");
        using (var summary = JsonDocument.Parse(File.ReadAllText(_repo.Full("artifacts/bake-summary.json"))))
        {
            var why = summary.RootElement.GetProperty("families").EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f => f.GetProperty("why").GetString());
            why["hello"].ShouldBe($"changed: {HelloApp}: modified, +2 −1 lines");
            // The fresh-copy test took this repository's images out of the local store: the registry has them.
            why["demo-py311"].ShouldBe($"{_repo.Registry}:demo-py311-{Hash("demo-py311")} is in the registry");
        }

        (code, output) = Kiln(_repo.Root, "--target=CI", "--cve-scanner=none", "--mode=ci");
        code.ShouldBe(0, output);
        output.ShouldMatch($@"hello\s+pushed\s+built and passed every gate\s+changed: {System.Text.RegularExpressions.Regex.Escape(HelloApp)}: modified, \+2 −1 lines");
        File.ReadAllText(_repo.Full("artifacts/summary.md")).ShouldContain($"| hello | built | changed: {HelloApp}: modified, +2 −1 lines |");
        using (var publish = JsonDocument.Parse(File.ReadAllText(_repo.Full("artifacts/publish.json"))))
        {
            var hello = publish.RootElement.GetProperty("families").EnumerateArray().Single(f => f.GetProperty("family").GetString() == "hello");
            hello.GetProperty("cause").GetString().ShouldBe($"changed: {HelloApp}: modified, +2 −1 lines");
            hello.GetProperty("inputs").GetProperty("hashTag").GetString().ShouldEndWith(".inputs");
        }

        // hello-latest is the edited image now: nothing to explain.
        var (images, _) = Explain(_repo.Root);
        images.Values.ShouldAllBe(i => i.GetProperty("status").GetString() == "unchanged");
    }

    private static void Init(string root)
    {
        TestInfra.Run(new CommandLine("git").Add("init", "-q"), root);
        TestInfra.Run(new CommandLine("git").Add("-c", "user.email=t@kiln", "-c", "user.name=t", "add", "-A"), root);
        TestInfra.Run(new CommandLine("git").Add("-c", "user.email=t@kiln", "-c", "user.name=t", "commit", "-qm", "demo"), root);
    }

    private static void EditHello(string root)
    {
        var path = Path.Combine(root, HelloApp);
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"17001\"", "\"17011\"", StringComparison.Ordinal) + "# edited by a test\n");
    }

    private static void EditWebEnv(string root)
    {
        var path = Path.Combine(root, Fleet);
        File.WriteAllText(path, File.ReadAllText(path).Replace("HELLO_ADDRESS: \"hello:17001\"", "HELLO_ADDRESS: \"hello:17002\"", StringComparison.Ordinal));
    }

    private static Dictionary<string, string?> Environment(string? debianBase = null) => new() { ["KILN_DEBIAN_BASE"] = debianBase ?? TestInfra.Get("KILN_DEBIAN_BASE") };

    private (int Code, string Output) Kiln(string root, params string[] args) =>
        KilnApp.RunWith(root, Environment(), [.. args, $"--catalog={Catalog}", $"--registry={_repo.Registry}"]);

    /// <summary>Explain --format=json (and the text form): each image's JSON by name.</summary>
    private (Dictionary<string, JsonElement> Images, string Text) Explain(string root, string? debianBase = null, params string[] args)
    {
        var common = new[] { "--target=Explain", $"--catalog={Catalog}", $"--registry={_repo.Registry}", "--mode=local" };
        var (code, output) = KilnApp.RunWith(root, Environment(debianBase), [.. common, .. args, "--format=json"]);
        code.ShouldBe(0, output);
        var start = output.IndexOf("\n{\n", StringComparison.Ordinal);
        var end = output.IndexOf("\n}\n", start, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(output[(start + 1)..(end + 2)]);
        var images = doc.RootElement.GetProperty("images").EnumerateArray().ToDictionary(i => i.GetProperty("name").GetString()!, i => i.Clone(), StringComparer.Ordinal);
        var (textCode, text) = KilnApp.RunWith(root, Environment(debianBase), [.. common, .. args]);
        textCode.ShouldBe(0, text);
        return (images, text);
    }

    private static string[] Changed(Dictionary<string, JsonElement> images) =>
        images.Values.Where(i => i.GetProperty("status").GetString() == "changed").Select(i => i.GetProperty("name").GetString()!).Order(StringComparer.Ordinal).ToArray();

    private string Hash(string image) =>
        _hashes.RootElement.GetProperty("families").EnumerateArray().Single(f => f.GetProperty("name").GetString() == image).GetProperty("hash").GetString()!;

    private static void Edited(string root, Action<string> edit, Action check)
    {
        using (Edit(root, edit))
        {
            check();
        }
    }

    /// <summary>Applies an edit to the copy and puts every file it touched back when disposed.</summary>
    private static IDisposable Edit(string root, Action<string> edit)
    {
        var files = new[] { HelloApp, WebServer, Fleet }.ToDictionary(f => f, f => File.ReadAllText(Path.Combine(root, f)));
        edit(root);
        return new Restore(() =>
        {
            foreach (var (file, text) in files)
            {
                File.WriteAllText(Path.Combine(root, file), text);
            }
        });
    }

    private static string Curl(string url, string accept) =>
        TestInfra.Run(new CommandLine("curl").Add("-sf", "-H", $"Accept: {accept}", url)).StandardOutput;

    /// <summary>The image's config label, through the index to its first manifest when it is one.</summary>
    private static async Task<string?> ConfigLabel(OciRegistryClient client, ImageName repository, string digest)
    {
        var manifest = (await client.GetManifestAsync(repository, digest)).ShouldNotBeNull();
        using var doc = manifest.Parse();
        if (doc.RootElement.TryGetProperty("manifests", out var manifests))
        {
            return await ConfigLabel(client, repository, manifests[0].GetProperty("digest").GetString()!);
        }

        using var config = JsonDocument.Parse(await client.GetBlobAsync(repository, doc.RootElement.GetProperty("config").GetProperty("digest").GetString()!));
        return config.RootElement.GetProperty("config").GetProperty("Labels").GetProperty(InputsRecord.Label).GetString();
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }
}
