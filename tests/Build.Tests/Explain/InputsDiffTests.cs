using System.Text;
using System.Text.Json;
using Build.Explain;
using Build.Hashing;
using Build.Tests.Catalog;

namespace Build.Tests.Explain;

/// <summary>Inputs records, their diff (line counts without the old text, entry fields, bases, schemes) and the cascade.</summary>
[TestFixture]
[Category("Unit")]
public sealed class InputsDiffTests
{
    private const string Base1 = "127.0.0.1:5000/kiln/debian:bookworm@sha256:86f3c65676b28b8da81c34509e14c55785ada9a12d0c45c50aab4aa92de75ca4";
    private const string Base2 = "127.0.0.1:5000/kiln/debian:bookworm@sha256:0000c65676b28b8da81c34509e14c55785ada9a12d0c45c50aab4aa92de75ca4";

    private static RecordedInput Text(string name, string path, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var lines = TextLines.Of(bytes)!;
        return new RecordedInput(name, InputsRecord.DigestOf(bytes)) { Path = path, Size = bytes.Length, Lines = lines.Count, LineHashes = lines.Hashes };
    }

    private static RecordedInput Entry(string name, object entry)
    {
        var bytes = CanonicalJson.Bytes(entry);
        using var doc = JsonDocument.Parse(bytes);
        return new RecordedInput(name, InputsRecord.DigestOf(bytes)) { Entry = doc.RootElement.Clone() };
    }

    /// <summary>A record whose hash is what its inputs combine to, as the hasher makes it.</summary>
    private static InputsRecord Record(string image, ImageKind kind, string? parent, string? parentHash, params RecordedInput[] inputs)
    {
        var scheme = kind == ImageKind.Service ? "kiln-service-hash/2" : "kiln-family-hash/2";
        var all = inputs.Append(new RecordedInput("scheme", scheme)).ToList();
        if (parentHash is not null)
        {
            all.Add(new RecordedInput(kind == ImageKind.Service ? "family" : "parent", parentHash));
        }

        all = all.DistinctBy(i => i.Name).OrderBy(i => i.Name, StringComparer.Ordinal).ToList();
        return new InputsRecord(image, kind, FamilyHasher.Combine(all.Select(i => new HashInput(i.Name, i.Digest))), scheme, parent, parentHash, all, new Dictionary<string, string>());
    }

    private static ReferenceLookup Found(InputsRecord r) => ReferenceLookup.Found(r.Image, $"{r.Image}-latest", r, "sha256:" + new string('a', 64), "registry");

    [Test]
    public void Text_lines_are_counted_and_hashed_and_binary_or_big_files_are_not()
    {
        TextLines.Of("a\nb\n"u8).ShouldNotBeNull().Count.ShouldBe(2);
        TextLines.Of("a\nb"u8).ShouldNotBeNull().Count.ShouldBe(2, "a last line without a newline is a line");
        TextLines.Of("a\n\nb\n"u8)!.Hashes.Count.ShouldBe(3);
        TextLines.Of("x\n"u8)!.Hashes[0].ShouldBe(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("x"u8))[..8]);
        TextLines.Of(""u8)!.Count.ShouldBe(0);
        TextLines.Of([0x61, 0x00, 0x62]).ShouldBeNull("a NUL byte: binary");
        TextLines.Of([0xff, 0xfe, 0x61]).ShouldBeNull("not UTF-8");
        TextLines.Of(new byte[TextLines.MaxBytes + 1].AsSpan().ToArray().Select(_ => (byte)'a').ToArray()).ShouldBeNull("over 64 KiB");
    }

    [TestCase("a b c", "a b c", 0, 0)]
    [TestCase("a b c", "a b c d", 1, 0)]
    [TestCase("a b c", "x a b c", 1, 0)]
    [TestCase("a b c", "a c", 0, 1)]
    [TestCase("a b c", "a x c", 1, 1)]
    [TestCase("a b c d e f", "a c b d f e", 2, 2)]
    [TestCase("", "a b", 2, 0)]
    [TestCase("a b", "", 0, 2)]
    [TestCase("a a a b", "a b b b", 2, 2)]
    public void Line_counts_are_a_unified_diffs(string before, string after, int added, int removed)
    {
        string[] Lines(string s) => s.Split(' ', StringSplitOptions.RemoveEmptyEntries);

        LineDiff.Count(Lines(before), Lines(after)).ShouldBe(new LineCounts(added, removed));
    }

    [Test]
    public void A_rewrite_past_the_edit_limit_is_counted_as_lines_on_one_side_only()
    {
        var before = Enumerable.Range(0, 3000).Select(i => $"o{i}").ToList();
        var after = Enumerable.Range(0, 2500).Select(i => $"n{i}").Concat(before.Take(10)).ToList();

        LineDiff.Count(before, after).ShouldBe(new LineCounts(2500, 2990));
    }

    [Test]
    public void A_record_is_canonical_json_that_reads_back_to_the_same_bytes_and_checks_its_own_hash()
    {
        var record = Record("hello", ImageKind.Service, "demo-py311", "b0450a8bec7c",
            Text("file:hello/app.py", "examples/demo/apps/hello/app.py", "import os\nprint(1)\n"),
            Entry("fleet-entry", new SortedDictionary<string, object?> { ["env"] = new[] { new { name = "X", value = "a" } }, ["name"] = "hello" }));
        var json = record.ToJson();

        Encoding.UTF8.GetString(json).ShouldStartWith("{\"buildArgs\":{},\"hash\":\"" + record.Hash + "\",\"image\":\"hello\",\"inputs\":[");
        Encoding.UTF8.GetString(json).ShouldNotContain("\n");
        json.ShouldBe(CanonicalJson.Bytes(record.AsData()), "the hand-written keys are in canonical order");
        (record with { Parent = null, ParentHash = null, BuildArgs = new Dictionary<string, string> { ["B"] = "2", ["A"] = "1" } }).ToJson()
            .ShouldBe(CanonicalJson.Bytes((record with { Parent = null, ParentHash = null, BuildArgs = new Dictionary<string, string> { ["B"] = "2", ["A"] = "1" } }).AsData()));
        var read = InputsRecord.Parse(json);
        read.ToJson().ShouldBe(json);
        read.Inconsistency().ShouldBeNull();
        read.Get("file:hello/app.py")!.Lines.ShouldBe(2);
        read.Parent.ShouldBe("demo-py311");
        (read with { Hash = "000000000000" }).Inconsistency().ShouldBe($"its inputs combine to {record.Hash}, not to its hash 000000000000");

        Should.Throw<InputsRecordException>(() => InputsRecord.Parse("{\"schema\":\"kiln-build-inputs/9\"}"u8.ToArray())).Message.ShouldContain("kiln-build-inputs/9");
        Should.Throw<InputsRecordException>(() => InputsRecord.Parse("not json"u8.ToArray())).Message.ShouldStartWith("it is not a readable inputs record");
    }

    [Test]
    public void A_modified_file_has_line_counts_and_added_and_removed_files_are_named()
    {
        var before = Record("hello", ImageKind.Service, "f", "p1",
            Text("file:hello/app.py", "apps/hello/app.py", "a\nb\nc\n"),
            Text("file:common/old.py", "apps/common/old.py", "x\n"));
        var after = Record("hello", ImageKind.Service, "f", "p1",
            Text("file:hello/app.py", "apps/hello/app.py", "a\nB\nc\nd\n"),
            Text("file:common/new.py", "apps/common/new.py", "y\nz\n"));

        var diff = InputsDiff.Compare(before, after);

        diff.ParentChanged.ShouldBeFalse();
        diff.Own.Select(c => c.Describe()).ShouldBe(
        [
            "apps/common/new.py: added (2 lines)",
            "apps/common/old.py: removed",
            "apps/hello/app.py: modified, +2 −1 lines",
        ]);
    }

    [Test]
    public void An_entry_field_an_env_value_a_base_and_a_scheme_are_named_with_old_and_new_values_root_causes_first()
    {
        var before = Record("web", ImageKind.Family, null, null,
            Entry("catalog-entry", new SortedDictionary<string, object?> { ["env"] = new SortedDictionary<string, string> { ["X"] = "a" }, ["apt"] = new[] { "curl" } }),
            new RecordedInput("base", Base1),
            Text("dockerfile", "docker/families/web/Dockerfile", "FROM parent\nENV X=a\n"));
        var after = Record("web", ImageKind.Family, null, null,
            Entry("catalog-entry", new SortedDictionary<string, object?> { ["env"] = new SortedDictionary<string, string> { ["X"] = "b", ["Y"] = "1" }, ["apt"] = new[] { "curl", "git" } }),
            new RecordedInput("base", Base2),
            Text("dockerfile", "docker/families/web/Dockerfile", "FROM parent\nENV X=b Y=1\n"));

        InputsDiff.Compare(before, after).Own.Select(c => c.Describe()).ShouldBe(
        [
            "apt: [\"curl\"] → [\"curl\",\"git\"]",
            "env.X: \"a\" → \"b\"",
            "env.Y: (unset) → \"1\"",
            $"base: {Base1} → {Base2}",
            "Dockerfile docker/families/web/Dockerfile: modified, +1 −1 lines",
        ]);

        var oldScheme = before with { Scheme = "kiln-family-hash/1", Inputs = [.. before.Inputs.Where(i => i.Name != "scheme"), new RecordedInput("scheme", "kiln-family-hash/1")] };
        InputsDiff.Compare(oldScheme, before).Own.Single().Describe().ShouldBe("hash scheme: kiln-family-hash/1 → kiln-family-hash/2");
    }

    [Test]
    public void A_fleet_entrys_env_list_is_read_by_variable_name()
    {
        object Service(string address) => new SortedDictionary<string, object?>
        {
            ["env"] = new[] { new SortedDictionary<string, string> { ["name"] = "HELLO_ADDRESS", ["value"] = address }, new SortedDictionary<string, string> { ["name"] = "Z", ["value"] = "1" } },
            ["ports"] = new[] { 17080 },
        };

        var change = InputsDiff.Compare(Record("web", ImageKind.Service, "f", "p", Entry("fleet-entry", Service("hello:17001"))), Record("web", ImageKind.Service, "f", "p", Entry("fleet-entry", Service("hello:17002"))))
            .Own.ShouldHaveSingleItem();

        change.Describe().ShouldBe("env.HELLO_ADDRESS: \"hello:17001\" → \"hello:17002\"");
        change.Kind.ShouldBe(ChangeKind.EntryField);
    }

    [Test]
    public void A_reference_entry_without_values_is_reported_by_digest_never_guessed()
    {
        var before = Record("web", ImageKind.Service, "f", "p", new RecordedInput("fleet-entry", "sha256:" + new string('1', 64)));
        var after = Record("web", ImageKind.Service, "f", "p", Entry("fleet-entry", new { name = "web" }));

        InputsDiff.Compare(before, after).Own.Single().Describe().ShouldStartWith("fleet entry: changed (sha256:111111111111… → sha256:");
    }

    [Test]
    public void An_image_whose_own_inputs_are_unchanged_was_rebuilt_because_of_the_nearest_ancestor_that_changed()
    {
        var app = Text("file:x.py", "apps/x.py", "print()\n");
        RecordedInput Server(string text) => Text("file:files/web/server.py", "files/web/server.py", text);
        var root = Record("py", ImageKind.Family, null, null, new RecordedInput("base", Base1));
        var webOld = Record("web-fam", ImageKind.Family, "py", root.Hash, Server("a\n"));
        var webNew = Record("web-fam", ImageKind.Family, "py", root.Hash, Server("a\nb\n"));
        var leafOld = Record("web-leaf", ImageKind.Family, "web-fam", webOld.Hash);
        var leafNew = Record("web-leaf", ImageKind.Family, "web-fam", webNew.Hash);
        var svcOld = Record("web", ImageKind.Service, "web-leaf", leafOld.Hash, app);
        var svcNew = Record("web", ImageKind.Service, "web-leaf", leafNew.Hash, app);
        var otherSvc = Record("hello", ImageKind.Service, "py", root.Hash, app);

        var report = Explainer.Explain("latest", [root, webNew, leafNew, svcNew, otherSvc], new[] { root, webOld, leafOld, svcOld, otherSvc }.ToDictionary(r => r.Image, Found));

        report.Get("py").Status.ShouldBe(ExplainStatus.Unchanged);
        report.Get("hello").Status.ShouldBe(ExplainStatus.Unchanged);
        report.Get("web-fam").Status.ShouldBe(ExplainStatus.Changed);
        report.Get("web-fam").Why.ShouldBe("files/web/server.py: modified, +1 −0 lines");
        report.Get("web-leaf").Why.ShouldBe("its parent web-fam changed (files/web/server.py)");
        report.Get("web").Status.ShouldBe(ExplainStatus.Cascaded);
        report.Get("web").Cause.ShouldBe("web-fam");
        report.Get("web").Why.ShouldBe("its family web-leaf changed (web-fam: files/web/server.py)");

        var text = ExplainOutput.Text(report);
        text.ShouldStartWith("Explain against latest: 5 images (3 families, 2 services): 1 changed, 2 rebuilt because of a parent or family, 0 cannot be told, 2 unchanged.\n");
        text.ShouldContain($"\nweb-fam (family): changed since web-fam-latest ({webOld.Hash} → {webNew.Hash}, record from the registry)\n  files/web/server.py: modified, +1 −0 lines\n  → rebuilt with it: web-leaf and web\n");
        text.ShouldEndWith("\nUnchanged: py, hello.\n");
    }

    [Test]
    public void A_build_reads_a_parents_reference_only_where_it_is_the_why()
    {
        var app = Text("file:x.py", "apps/x.py", "print()\n");
        var famOld = Record("web-fam", ImageKind.Family, null, null, new RecordedInput("base", Base1));
        var famNew = Record("web-fam", ImageKind.Family, null, null, new RecordedInput("base", Base2));
        var cascaded = (Old: Record("web", ImageKind.Service, "web-fam", famOld.Hash, app), New: Record("web", ImageKind.Service, "web-fam", famNew.Hash, app));
        var edited = (Old: Record("hello", ImageKind.Service, "web-fam", famOld.Hash, app), New: Record("hello", ImageKind.Service, "web-fam", famOld.Hash, Text("file:x.py", "apps/x.py", "print(1)\n")));
        var both = (Old: Record("api", ImageKind.Service, "other-fam", "p1", app), New: Record("api", ImageKind.Service, "other-fam", "p2", Text("file:x.py", "apps/x.py", "print(2)\n")));
        var references = new[] { cascaded.Old, edited.Old, both.Old }.ToDictionary(r => r.Image, Found);
        references["lost"] = ReferenceLookup.Missing("lost", "lost-latest", "gone");

        // Only the service whose own inputs are its reference's needs its family's; one that changed itself (even
        // with a new family too) and one without a reference need nothing more.
        Explainer.ParentsToRead([cascaded.New, edited.New, both.New, Record("lost", ImageKind.Service, "third-fam", "p", app)], references).ShouldBe(["web-fam"]);
        references["web-fam"] = Found(famOld);
        Explainer.ParentsToRead([cascaded.New], references).ShouldBeEmpty("a parent read already is not read again");
        Explainer.ParentsToRead([famNew], references).ShouldBeEmpty("a family without a parent");
    }

    [Test]
    public void A_cascade_collapses_to_counts_and_a_reference_that_cannot_be_read_is_its_reason_alone()
    {
        ImageExplanation Cascaded(string name, ImageKind kind, string parent) =>
            new(name, kind, parent, "h", ExplainStatus.Cascaded, "x", ReferenceLookup.Missing(name, "t", "r"), [], "cpu-py311");

        var services = Enumerable.Range(0, 33).Select(i => Cascaded($"svc-{i:00}", ImageKind.Service, "cpu-py311")).ToList();
        ExplainOutput.Collapse(services).ShouldBe("33 services on cpu-py311");
        ExplainOutput.Collapse([.. services, Cascaded("other", ImageKind.Service, "cpu-web")]).ShouldBe("34 services on 2 families");
        ExplainOutput.Collapse([Cascaded("a", ImageKind.Family, "r"), Cascaded("b", ImageKind.Family, "r"), Cascaded("c", ImageKind.Family, "r"), Cascaded("d", ImageKind.Family, "r"), Cascaded("e", ImageKind.Family, "r"), .. services])
            .ShouldBe("a, b, c, … (5 families) and 33 services on cpu-py311");
        ExplainOutput.Collapse([Cascaded("hello", ImageKind.Service, "cpu"), Cascaded("heartbeat", ImageKind.Service, "cpu")]).ShouldBe("hello, heartbeat");

        var current = Enumerable.Range(0, 5).Select(i => Record($"s{i}", ImageKind.Service, "f", "p")).ToList();
        var unreachable = current.ToDictionary(r => r.Image, r => ReferenceLookup.Missing(r.Image, $"{r.Image}-latest", $"the registry 127.0.0.1:1 is unreachable (Connection refused) and the local store has no {r.Image}-latest", "the registry 127.0.0.1:1 is unreachable (Connection refused) and the local store has no such image"));
        var report = Explainer.Explain("latest", current, unreachable);

        report.Images.ShouldAllBe(i => i.Status == ExplainStatus.Unknown && i.Changes.Count == 0);
        report.Get("s0").Why.ShouldBe("the registry 127.0.0.1:1 is unreachable (Connection refused) and the local store has no s0-latest");
        ExplainOutput.Text(report).ShouldContain("\nCannot tell:\n  5 images (s0, s1, s2, …): the registry 127.0.0.1:1 is unreachable (Connection refused) and the local store has no such image\n");
    }

    [Test]
    public void The_json_output_lists_every_image_with_its_changes()
    {
        var before = Record("hello", ImageKind.Service, "f", "p", Text("file:hello/app.py", "apps/hello/app.py", "a\n"));
        var after = Record("hello", ImageKind.Service, "f", "p", Text("file:hello/app.py", "apps/hello/app.py", "a\nb\n"));

        using var doc = JsonDocument.Parse(ExplainOutput.Json(Explainer.Explain("latest", [after], new Dictionary<string, ReferenceLookup> { ["hello"] = Found(before) })));

        var image = doc.RootElement.GetProperty("images")[0];
        image.GetProperty("status").GetString().ShouldBe("changed");
        image.GetProperty("reference").GetProperty("hash").GetString().ShouldBe(before.Hash);
        var change = image.GetProperty("changes")[0];
        change.GetProperty("kind").GetString().ShouldBe("file-modified");
        change.GetProperty("path").GetString().ShouldBe("apps/hello/app.py");
        change.GetProperty("added").GetInt32().ShouldBe(1);
        change.GetProperty("removed").GetInt32().ShouldBe(0);
        doc.RootElement.GetProperty("summary").GetProperty("changed").GetInt32().ShouldBe(1);
    }

    [Test]
    public void The_recorder_keeps_the_hashed_names_and_digests_and_adds_paths_lines_and_entry_values()
    {
        using var repo = new CatalogRepo();
        var catalog = repo.Load($$"""
            families:
              root:
                base: "x:1@{{CatalogRepo.Digest}}"
                copy: [{ src: files/motd, dest: /etc/motd }]
                env: { A: "1" }
            """).Catalog;
        var generated = Build.Generation.Generator.Plan(catalog, null);
        var hash = new FamilyHasher(repo.Root, generated: generated).Compute(catalog).Single();
        var entry = new ImageHashEntry("root", hash.Hash, null, "g", "root", hash.Inputs, new ImageTags("r", "root", hash.Hash, "20260101"), Existence.Unknown, null, null);

        var record = new InputsRecorder(repo.Root, catalog, null, generated).Record(entry);

        record.Hash.ShouldBe(hash.Hash, "the record is not an input: the hash is the hasher's");
        record.Inconsistency().ShouldBeNull();
        record.Inputs.Select(i => (i.Name, i.Digest)).ShouldBe(hash.Inputs.Select(i => (i.Name, i.Digest)));
        var motd = record.Get("file:files/motd")!;
        (motd.Path, motd.Size, motd.Lines).ShouldBe(("files/motd", 6L, 1));
        record.Get("dockerfile")!.Path.ShouldBe("docker/families/root/Dockerfile");
        record.Get("dockerfile")!.Lines.ShouldNotBeNull().ShouldBeGreaterThan(3);
        record.Get("catalog-entry")!.Entry.ShouldNotBeNull().GetProperty("env").GetProperty("A").GetString().ShouldBe("1");
        record.Scheme.ShouldBe(FamilyHasher.Scheme);
        InputsDocument.Of(record).Json.ShouldBe(InputsDocument.Of(new InputsRecorder(repo.Root, catalog, null, generated).Record(entry)).Json, "the same hash gives the same bytes");

        // Kept by a run, the record is read for its hash by the next instead of made again from the files.
        var store = new LocalInputStore(repo.Root, new Build.IO.ArtifactLayout(Path.Combine(repo.Root, "artifacts")));
        var made = new InputsRecorder(repo.Root, catalog, null, generated).RecordAll([entry]).ShouldHaveSingleItem();
        made.Whole.ShouldBeTrue();
        store.Write([made]);
        File.Delete(Path.Combine(repo.Root, "files", "motd"));
        var read = new InputsRecorder(repo.Root, catalog, null, generated).RecordAll([entry], store.Recorded).ShouldHaveSingleItem();
        read.Json.ShouldBe(made.Json);
        new InputsRecorder(repo.Root, catalog, null, generated).RecordAll([entry]).ShouldHaveSingleItem().Record.Get("file:files/motd")!.Size.ShouldBeNull("made again, the file is gone");
    }
}

/// <summary>The artifact that carries a record: its manifest, the referrers tag's index and the tags' names.</summary>
[TestFixture]
[Category("Unit")]
public sealed class InputsArtifactTests
{
    private static InputsDocument Document()
    {
        var inputs = new List<RecordedInput> { new("scheme", "kiln-service-hash/2") };
        return InputsDocument.Of(new InputsRecord("hello", ImageKind.Service, FamilyHasher.Combine(inputs.Select(i => new HashInput(i.Name, i.Digest))), "kiln-service-hash/2", null, null, inputs, new Dictionary<string, string>()));
    }

    [Test]
    public void The_manifest_is_an_artifact_of_the_empty_config_and_one_layer_with_the_image_as_subject()
    {
        var document = Document();
        var subject = new Build.Registry.ManifestInfo("sha256:" + new string('b', 64), "application/vnd.oci.image.index.v1+json", 856);

        var bytes = InputsArtifact.Manifest(document, subject);

        InputsArtifact.Manifest(document, subject).ShouldBe(bytes, "nothing of the moment goes in: the same image and record, the same digest");
        using var doc = JsonDocument.Parse(bytes);
        var root = doc.RootElement;
        root.GetProperty("mediaType").GetString().ShouldBe("application/vnd.oci.image.manifest.v1+json");
        root.GetProperty("artifactType").GetString().ShouldBe("application/vnd.kiln.build-inputs.v1+json");
        root.GetProperty("config").GetProperty("mediaType").GetString().ShouldBe("application/vnd.oci.empty.v1+json");
        root.GetProperty("config").GetProperty("digest").GetString().ShouldBe("sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
        root.GetProperty("layers").EnumerateArray().Single().GetProperty("digest").GetString().ShouldBe(document.Digest);
        root.GetProperty("subject").GetProperty("size").GetInt64().ShouldBe(856);
        Encoding.UTF8.GetString(bytes).ShouldContain("v1+json", Case.Sensitive, "media types keep their '+'");
        InputsArtifact.RecordLayer(bytes).ShouldBe(document.Digest);
        InputsArtifact.Subject(bytes).ShouldBe(subject.Digest);
    }

    [Test]
    public void The_referrers_tag_index_keeps_other_referrers_and_lists_the_record_once()
    {
        var document = Document();
        var other = """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:cccc","size":5,"artifactType":"application/vnd.dev.sbom"}]}"""u8.ToArray();

        var once = InputsArtifact.Index(other, "sha256:aaaa", 700, document);
        var twice = InputsArtifact.Index(once, "sha256:aaaa", 700, document);

        twice.ShouldBe(once);
        InputsArtifact.Referrers(once).ShouldBe(["sha256:aaaa"], "only inputs records, not the SBOM");
        using var doc = JsonDocument.Parse(once);
        doc.RootElement.GetProperty("manifests").GetArrayLength().ShouldBe(2);
        InputsArtifact.Index(null, "sha256:aaaa", 700, document).ShouldBe(InputsArtifact.Index("""{"manifests":[]}"""u8.ToArray(), "sha256:aaaa", 700, document));
    }

    [Test]
    public void The_tags_are_the_referrers_fallback_and_the_hash()
    {
        InputsArtifact.ReferrersTag("sha256:" + new string('a', 64)).ShouldBe("sha256-" + new string('a', 64));
        InputsArtifact.ReferrersTag("sha512:" + new string('a', 128)).ShouldBe("sha512-" + new string('a', 64), "the hex is cut to 64 characters");
        Build.Hashing.ImageTags.InputsTagOf("hello", "a33db80c7e60").ShouldBe("hello-a33db80c7e60.inputs");
        ExplainAgainst.Parse(null).Tags("hello").ShouldBe(["hello-latest"]);
        ExplainAgainst.Parse("20260101").Tags("hello").ShouldBe(["hello-20260101"]);
        ExplainAgainst.Parse("a33db80c7e60").Tags("hello").ShouldBe(["hello-a33db80c7e60.inputs", "hello-a33db80c7e60"]);
        ExplainAgainst.ForBake("20260101").Tags("hello").ShouldBe(["hello-latest", "hello-20260101"]);
        Should.Throw<ArgumentException>(() => ExplainAgainst.Parse("yesterday")).Message.ShouldStartWith("--against=yesterday is not a reference");
    }
}
