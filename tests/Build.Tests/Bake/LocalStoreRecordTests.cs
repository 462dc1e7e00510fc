using Build.Buildx;
using Build.Tests.Infra;
using Build.Tools;

namespace Build.Tests.Bake;

[TestFixture]
[Category("Unit")]
public sealed class LocalStoreRecordTests
{
    private static readonly EngineEvent Mark = new(100, "image", "tag", "sha256:aa", "r/x:a-1");
    private static readonly LocalStoreRecord Record = new(Mark, new Dictionary<string, string> { ["r/x:a-1"] = "sha256:aa", ["r/x:b-2"] = "sha256:bb" });

    private static EngineEvent Image(long time, string action, string? name) => new(time, "image", action, "sha256:cc", name);

    [Test]
    public void The_record_holds_while_the_engine_still_has_its_watermark_and_nothing_since_touched_an_image()
    {
        var trusted = LocalStoreRecord.Trusted(Record, [Image(90, "pull", "r/y:z"), Mark, new(110, "container", "start", "c1", "web"), Image(120, "pull", "other/z:1")]);

        trusted.ShouldNotBeNull().Keys.Order(StringComparer.Ordinal).ShouldBe(["r/x:a-1", "r/x:b-2"]);
    }

    [Test]
    public void A_reference_another_event_names_since_is_asked_again()
    {
        // Untagged, pulled or loaded: the record cannot say what the reference holds now.
        LocalStoreRecord.Trusted(Record, [Mark, Image(110, "untag", "r/x:a-1")]).ShouldNotBeNull().Keys.ShouldBe(["r/x:b-2"]);
        LocalStoreRecord.Trusted(Record, [Mark, Image(110, "pull", "r/x:b-2")]).ShouldNotBeNull().Keys.ShouldBe(["r/x:a-1"]);
        LocalStoreRecord.Trusted(Record, [Mark, Image(110, "load", "r/x:b-2")]).ShouldNotBeNull().Keys.ShouldBe(["r/x:a-1"]);
    }

    [Test]
    public void A_tag_event_since_says_which_image_the_reference_names_now()
    {
        // A build naming its image (the hash tag and today's date tag) is a tag event carrying the image's ID.
        var trusted = LocalStoreRecord.Trusted(Record, [Mark, Image(110, "tag", "r/x:b-2"), Image(120, "tag", "r/x:b-20261202"), Image(130, "untag", "r/x:gone")]).ShouldNotBeNull();

        trusted.ShouldBe(new Dictionary<string, string> { ["r/x:a-1"] = "sha256:aa", ["r/x:b-2"] = "sha256:cc", ["r/x:b-20261202"] = "sha256:cc" });
        LocalStoreRecord.Trusted(Record, [Mark, Image(110, "tag", "r/x:b-2"), Image(120, "untag", "r/x:b-2")]).ShouldNotBeNull().Keys.ShouldBe(["r/x:a-1"]);
        LocalStoreRecord.Trusted(Record, [Mark, new(110, "image", "tag", "not-a-digest", "r/x:b-2")]).ShouldNotBeNull().Keys.ShouldBe(["r/x:a-1"]);
    }

    [TestCase("delete")]
    [TestCase("prune")]
    public void A_deletion_or_prune_since_means_nothing_is_vouched_for(string action) =>
        LocalStoreRecord.Trusted(Record, [Mark, Image(110, action, "sha256:cc")]).ShouldBeNull();

    [Test]
    public void Without_the_watermark_in_the_buffer_nothing_is_vouched_for()
    {
        // Rolled out of the engine's buffer, a restarted engine, or another engine: the events since are not all known.
        LocalStoreRecord.Trusted(Record, [Image(110, "tag", "r/y:z")]).ShouldBeNull();
        LocalStoreRecord.Trusted(Record, []).ShouldBeNull();
        LocalStoreRecord.Trusted(Record, [Mark with { TimeNano = 101 }]).ShouldBeNull();
        LocalStoreRecord.Trusted(null, [Mark]).ShouldBeNull();
    }

    [Test]
    public void A_record_reads_back_as_written_and_a_broken_one_reads_as_none()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, ".kiln", "local-store.json");

        Record.Write(path);
        var read = LocalStoreRecord.Read(path).ShouldNotBeNull();

        read.Watermark.ShouldBe(Mark);
        read.Images.ShouldBe(Record.Images);
        File.WriteAllText(path, "{ \"schema\": 1, \"watermark\": ");
        LocalStoreRecord.Read(path).ShouldBeNull();
        File.WriteAllText(path, "{ \"schema\": 99, \"watermark\": {}, \"images\": {} }");
        LocalStoreRecord.Read(path).ShouldBeNull();
        LocalStoreRecord.Read(Path.Combine(dir.Path, "none.json")).ShouldBeNull();
    }
}

/// <summary>The record against the real engine: its event stream vouches for what the last lookup found, and a removal is seen.</summary>
[TestFixture]
[Category("Integration")]
[NonParallelizable]
public sealed class LocalStoreRecordEngineTests
{
    [Test]
    public void The_next_lookup_asks_only_about_what_the_record_cannot_vouch_for_and_sees_a_tag_and_a_removal()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "local-store.json");
        var repository = $"{TestInfra.Registry}/{TestInfra.UniqueRepository("store")}";
        string[] tags = [$"{repository}:a", $"{repository}:b", $"{repository}:c"];
        var absent = $"{repository}:absent";
        TestInfra.Run(new CommandLine("docker").Add("pull", "-q", TestInfra.BaseImage)).Succeeded.ShouldBeTrue();
        foreach (var tag in tags[..2])
        {
            TestInfra.Run(new CommandLine("docker").Add("tag", TestInfra.BaseImage, tag)).Succeeded.ShouldBeTrue();
        }

        try
        {
            var first = DockerEngine.LocalImages([.. tags[..2], absent], path, RealProcesses.Runner);
            first.Asked.ShouldBe(3);
            first.Found.Keys.Order(StringComparer.Ordinal).ShouldBe(tags[..2]);
            File.Exists(path).ShouldBeTrue();

            var second = DockerEngine.LocalImages([.. tags[..2], absent], path, RealProcesses.Runner);
            second.Asked.ShouldBe(1, "the record vouches for the two found, the absent one is asked again");
            second.Found.ShouldBe(first.Found);

            // A tag made since is vouched for by its tag event, with the image the engine itself names.
            TestInfra.Run(new CommandLine("docker").Add("tag", TestInfra.BaseImage, tags[2])).Succeeded.ShouldBeTrue();
            var tagged = DockerEngine.LocalImages([.. tags, absent], path, RealProcesses.Runner);
            tagged.Asked.ShouldBe(1, "c was seen being tagged; only the absent one is asked");
            tagged.Found[tags[2]].ShouldBe(DockerEngine.LocalImages([tags[2]], RealProcesses.Runner)[tags[2]]);
            tagged.Known.Keys.ShouldContain(tags[2]);

            TestInfra.Run(new CommandLine("docker").Add("rmi", tags[0])).Succeeded.ShouldBeTrue();
            var third = DockerEngine.LocalImages([.. tags, absent], path, RealProcesses.Runner);
            third.Found.Keys.Order(StringComparer.Ordinal).ToList().ShouldBe(tags[1..].ToList(), "the engine's untag event is seen: the removed tag is not taken from the record");
            third.Asked.ShouldBeGreaterThanOrEqualTo(2);
        }
        finally
        {
            foreach (var tag in tags.Where(t => TestInfra.Run(new CommandLine("docker").Add("image", "ls", "-q", t)).StandardOutput.Trim().Length > 0))
            {
                TestInfra.Run(new CommandLine("docker").Add("rmi", tag));
            }
        }
    }
}
