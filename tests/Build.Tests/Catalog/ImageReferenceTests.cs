using Build.Catalog;
using Build.Registry;

namespace Build.Tests.Catalog;

/// <summary>Kiln's one image-reference parser: the catalog's validated reference and the registry's view of it.</summary>
[TestFixture]
[Category("Unit")]
public sealed class ImageReferenceTests
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [TestCase("python:3.11-slim", "registry-1.docker.io", "library/python", "3.11-slim", null)]
    [TestCase("nvidia/cuda:12.3.2-runtime-ubuntu22.04", "registry-1.docker.io", "nvidia/cuda", "12.3.2-runtime-ubuntu22.04", null)]
    [TestCase("ghcr.io/o/ai-base:cpu-abc", "ghcr.io", "o/ai-base", "cpu-abc", null)]
    [TestCase("127.0.0.1:5000/kiln/busybox:1.36@sha256:ab", "127.0.0.1:5000", "kiln/busybox", "1.36", "sha256:ab")]
    [TestCase("localhost/x", "localhost", "x", null, null)]
    [TestCase("docker.io/library/ubuntu", "registry-1.docker.io", "library/ubuntu", null, null)]
    [TestCase("index.docker.io/ubuntu", "registry-1.docker.io", "library/ubuntu", null, null)]
    [TestCase("host:5000", "registry-1.docker.io", "library/host", "5000", null)]
    public void Image_names_split_into_registry_repository_tag_and_digest(string text, string registry, string repository, string? tag, string? digest) =>
        ImageName.Parse(text).ShouldBe(new ImageName(registry, repository, tag, digest));

    [Test]
    public void The_registry_view_needs_a_reference()
    {
        Should.Throw<ArgumentException>(() => ImageName.Parse(" "));
        ImageName.ParseRepository("127.0.0.1:5000/kiln/x:tag@" + Digest).ShouldBe(new ImageName("127.0.0.1:5000", "kiln/x", null, null));
    }

    [TestCase("python:3.11-slim@" + Digest, "python", "3.11-slim", Digest, null, "python")]
    [TestCase(" 127.0.0.1:5000/kiln/busybox:1.36 ", "127.0.0.1:5000/kiln/busybox", "1.36", null, "127.0.0.1:5000", "kiln/busybox")]
    [TestCase("localhost/x", "localhost/x", null, null, "localhost", "x")]
    [TestCase("nvidia/cuda", "nvidia/cuda", null, null, null, "nvidia/cuda")]
    public void A_reference_keeps_its_name_as_written(string text, string name, string? tag, string? digest, string? host, string path)
    {
        var (reference, error) = ImageReference.Parse(text);

        error.ShouldBeNull();
        reference.ShouldBe(new ImageReference(name, tag, digest));
        reference!.Host.ShouldBe(host);
        reference.Path.ShouldBe(path);
        ImageReference.Split(text).ShouldBe(reference);
    }

    [TestCase("python:3.11-slim@sha256:abc", "'sha256:abc' is not a valid digest: expected sha256: followed by 64 lowercase hex characters.")]
    [TestCase("python:-bad", "'-bad' is not a valid tag.")]
    [TestCase("Python:3.11", "'Python' is not a valid image name (lowercase, optional registry host[:port]/).")]
    [TestCase("${REDIS_IMAGE}", "'${REDIS_IMAGE}' is not a valid image name (lowercase, optional registry host[:port]/).")]
    [TestCase("", "'' is not a valid image name (lowercase, optional registry host[:port]/).")]
    public void An_invalid_reference_is_one_sentence(string text, string message)
    {
        var (reference, error) = ImageReference.Parse(text);

        reference.ShouldBeNull();
        error.ShouldBe(message);
    }

    [TestCase("python:3.11@sha256:ab", "", "python:3.11", "")]
    [TestCase("${BASE:-127.0.0.1:5000/kiln/busybox:1.36@sha256:ab}", "${BASE:-", "127.0.0.1:5000/kiln/busybox:1.36", "}")]
    [TestCase("${REG:-a.b:5000}/python:3.11", "${REG:-", "a.b:5000", "}/python:3.11")]
    [TestCase("${BASE}", "", "${BASE}", "")]
    public void UpdateDigests_resolves_the_name_and_tag_the_split_finds(string text, string prefix, string nameAndTag, string suffix) =>
        DigestPinner.Split(text).ShouldBe((prefix, nameAndTag, suffix));

    [Test]
    public void Validation_judges_what_the_split_found_digest_first()
    {
        // A bad digest is named before a bad tag or name, as the loader always reported it.
        ImageReference.Parse("Bad:-tag@sha256:x").Error.ShouldBe("'sha256:x' is not a valid digest: expected sha256: followed by 64 lowercase hex characters.");
        ImageReference.Parse("Bad:-tag").Error.ShouldBe("'-tag' is not a valid tag.");
        ImageReference.Split("Bad:-tag@sha256:x").ShouldBe(new ImageReference("Bad", "-tag", "sha256:x"));
    }
}
