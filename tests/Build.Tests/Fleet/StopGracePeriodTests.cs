using Build.Catalog;
using Build.Deploy;
using Build.Fleet;
using Build.Hashing;

namespace Build.Tests.Fleet;

/// <summary>'stop_grace_period': a fleet key kept by name (one row of the service key table), rendered into the Compose entry.</summary>
[TestFixture]
[Category("Unit")]
public sealed class StopGracePeriodTests
{
    private const string Service = "  A:\n    machines: [mainpc]\n    family: cpu\n    entrypoint: a/app.py\n    health: { port: 8000 }\n";

    private static ResolvedFleet Resolve(string extra) => FleetValidator.Resolve(FleetFixture.Parse(Service + extra), FleetFixture.SmallCatalog());

    private static string Compose(string extra) =>
        ComposeRenderer.Render(Resolve(extra), "mainpc", new ComposeOptions("r", _ => "h", new Dictionary<string, string>(), true, true)).File.Content;

    [Test]
    public void Stop_grace_period_goes_into_the_services_compose_entry()
    {
        FleetLoader.StopGracePeriod.In(Resolve("    stop_grace_period: 1m30s\n").Get("A").Service.Settings).ShouldBe("1m30s");

        Compose("    stop_grace_period: 1m30s\n").ShouldContain("\n    stop_grace_period: 1m30s\n");
        Compose(string.Empty).ShouldNotContain("stop_grace_period");
    }

    [Test]
    public void Stop_grace_period_is_hashed_only_when_set()
    {
        string Entry(string extra) => CanonicalJson.Serialize(ServiceHasher.Entry(FleetFixture.Parse(Service + extra).Get("A")));

        Entry(string.Empty).ShouldNotContain("stop_grace_period");
        Entry("    stop_grace_period: 30s\n").ShouldContain("\"settings\":{\"stop_grace_period\":\"30s\"}");
        Entry("    stop_grace_period: 30s\n").ShouldNotBe(Entry("    stop_grace_period: 1m\n"));
    }

    [TestCase("soon")]
    [TestCase("30")]
    [TestCase("1.5s")]
    public void A_bad_stop_grace_period_is_an_error_at_its_line_naming_the_service_and_the_fix(string value)
    {
        var e = Should.Throw<InputException>(() => FleetFixture.Parse(Service + $"    stop_grace_period: \"{value}\"\n")).Errors.ShouldHaveSingleItem();

        e.Where!.File.ShouldBe("docker/fleet.yaml");
        e.Where.Line.ShouldBe(FleetFixture.LineOf(FleetFixture.FleetYaml(Service + $"    stop_grace_period: \"{value}\"\n"), "stop_grace_period"));
        e.Subject.ShouldBe("A");
        e.SubjectKind.ShouldBe("service");
        e.Message.ShouldBe($"'stop_grace_period' must be a duration, not '{value}'.");
        e.Fix.ShouldBe("Write e.g. 30s, 500ms, 2m (Docker and Compose read the same form).");
    }
}
