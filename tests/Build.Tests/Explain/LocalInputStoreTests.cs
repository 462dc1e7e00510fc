using Build.Explain;
using Build.Tests.Infra;
using Build.Tools;

namespace Build.Tests.Explain;

/// <summary>The labels of local images, as the why of a build reads them: from this machine's links first, the engine after.</summary>
[TestFixture]
[Category("Unit")]
public sealed class LocalInputStoreTests
{
    private const string Latest = "127.0.0.1:5999/kiln/x-services:hello-latest";
    private const string Dated = "127.0.0.1:5999/kiln/x-services:hello-20261202";
    private static readonly string Image = "sha256:" + new string('b', 64);

    /// <summary>No engine socket: the docker CLI is what answers, and the recorder stands in for it.</summary>
    private static string? NoSocket(string name) => name == "DOCKER_HOST" ? "tcp://127.0.0.1:1" : null;

    private static (LocalInputStore Store, InputsDocument Document) Kept(TempDir dir)
    {
        var store = new LocalInputStore(dir.Path, new IO.ArtifactLayout(Path.Combine(dir.Path, "artifacts")), NoSocket);
        var document = ReferenceReaderTests.Record();
        store.Write([document]);
        return (store, document);
    }

    /// <summary>The engine's answers: which image a reference names, and an image's ID with its label.</summary>
    private static RecordingProcessRunner Engine(string label) => new((command, _) =>
        command.Arguments[3].Value.StartsWith("{{.Id}}{{range", StringComparison.Ordinal) ? RecordingProcessRunner.Exit(stdout: $"{Image} {Latest}\n")
        : RecordingProcessRunner.Exit(stdout: $"{Image} {label}\n"));

    [Test]
    public void A_reference_the_run_knows_names_an_image_linked_to_its_record_and_the_engine_is_not_asked()
    {
        using var dir = new TempDir();
        var (store, document) = Kept(dir);
        store.Link(Image, document.Digest);
        var processes = new RecordingProcessRunner();

        var labels = store.Reader(processes, new Dictionary<string, string> { [Dated] = Image }).Labels([Dated]);

        labels.ShouldBe(new Dictionary<string, string> { [Dated] = document.Digest });
        processes.Calls.ShouldBeEmpty();
        store.OfImage(Image).ShouldBe(document.Json);
    }

    [Test]
    public void Another_reference_asks_which_image_it_names_and_only_an_image_without_a_link_is_inspected_once()
    {
        using var dir = new TempDir();
        var (store, document) = Kept(dir);
        var first = Engine(document.Digest);

        store.Reader(first).Labels([Latest]).ShouldBe(new Dictionary<string, string> { [Latest] = document.Digest });
        first.CommandLines.ShouldBe(
        [
            $"docker image inspect --format '{{{{.Id}}}}{{{{range .RepoTags}}}} {{{{.}}}}{{{{end}}}}' {Latest}",
            $"docker image inspect --format '{{{{.Id}}}} {{{{index .Config.Labels \"dev.kiln.inputs-digest\"}}}}' {Latest}",
        ]);

        // What the inspect told is linked: the next read asks only which image the tag names.
        var second = Engine(document.Digest);
        store.Reader(second).Labels([Latest]).ShouldBe(new Dictionary<string, string> { [Latest] = document.Digest });
        second.CommandLines.ShouldBe([first.CommandLines[0]]);
    }

    [Test]
    public void Only_a_record_kept_here_is_linked_and_only_by_digests()
    {
        using var dir = new TempDir();
        var (store, document) = Kept(dir);
        var unknown = "sha256:" + new string('c', 64);

        store.Link(Image, unknown);
        store.Link("sha256:../../etc", document.Digest);
        store.Link(Image[..^1] + "X", document.Digest);

        store.OfImage(Image).ShouldBeNull();
        Directory.Exists(Path.Combine(store.KeptRoot, "images")).ShouldBeFalse();
        store.Link(Image, document.Digest);
        store.OfImage(Image).ShouldBe(document.Json);
    }

    [Test]
    public void An_image_whose_inspect_shows_no_record_kept_here_is_not_linked()
    {
        using var dir = new TempDir();
        var (store, _) = Kept(dir);
        var elsewhere = "sha256:" + new string('d', 64);

        store.Reader(Engine(elsewhere)).Labels([Latest]).ShouldBe(new Dictionary<string, string> { [Latest] = elsewhere });

        store.OfImage(Image).ShouldBeNull();
    }

    [Test]
    public void A_whole_record_is_found_again_by_its_image_and_hash_and_checked()
    {
        using var dir = new TempDir();
        var (store, document) = Kept(dir);

        var found = store.Recorded("hello", document.Record.Hash).ShouldNotBeNull();

        found.Json.ShouldBe(document.Json);
        store.Recorded("hello", new string('0', 12)).ShouldBeNull();
        store.Recorded("other", document.Record.Hash).ShouldBeNull();
        store.Recorded("../x", document.Record.Hash).ShouldBeNull();
        File.WriteAllText(Path.Combine(store.KeptRoot, InputsDocument.StoreName(document.Digest)), "{}");
        store.Recorded("hello", document.Record.Hash).ShouldBeNull("a kept file that is not the record its link names");
    }

    [Test]
    public void A_record_made_while_a_file_changed_is_kept_but_not_reused_for_its_hash()
    {
        using var dir = new TempDir();
        var store = new LocalInputStore(dir.Path, new IO.ArtifactLayout(Path.Combine(dir.Path, "artifacts")), NoSocket);
        var whole = ReferenceReaderTests.Record();
        // The recorder leaves a file whose bytes no longer match the hashed digest with its digest alone: no size.
        var partial = InputsDocument.Of(whole.Record with { Inputs = [.. whole.Record.Inputs.Select(i => i.IsFile ? i with { Path = "apps/a.py" } : i)] });

        partial.Whole.ShouldBeFalse();
        store.Write([partial]);

        store.Recorded("hello", partial.Record.Hash).ShouldBeNull();
        store.Find(partial.Digest).ShouldBe(partial.Json);
    }
}

