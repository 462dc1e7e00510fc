using Build.Dockerfiles;
using Build.Tests.Catalog;

namespace Build.Tests.Generation;

/// <summary>A COPY with a file mode must not leave the directories it creates with that mode.</summary>
[TestFixture]
[Category("Unit")]
public sealed class CopyModeTests
{
    [Test]
    public void A_mode_without_execute_bits_gets_its_parent_directories_made_first()
    {
        using var repo = new CatalogRepo();
        var c = repo.Load(
            $"families:\n  root:\n    base: x:1@{CatalogRepo.Digest}\n    copy:\n" +
            "      - { src: files/motd, dest: /opt/app/conf/motd, mode: \"0644\" }\n" +
            "      - { src: files/motd, dest: /opt/app/conf/other, mode: \"600\" }\n" +
            "      - { src: files/motd, dest: /usr/local/bin/tool, mode: \"0755\" }\n" +
            "      - { src: files/motd, dest: /srv/motd }\n").Catalog;

        var text = DockerfileRenderer.Render(c, c.Get("root"));

        text.ShouldContain("RUN mkdir -p /opt/app/conf\nCOPY --chmod=0644 --link \"files/motd\" \"/opt/app/conf/motd\"\nCOPY --chmod=0600 --link");
        text.ShouldNotContain("/usr/local/bin\nCOPY", Case.Sensitive, "0755 keeps new directories searchable");
        text.ShouldNotContain("mkdir -p /srv", Case.Sensitive, "without a mode BuildKit makes directories 0755");
    }
}
