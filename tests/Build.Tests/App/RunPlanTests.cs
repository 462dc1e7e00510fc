using Build.Fleet;
using Build.Tests.Fleet;
using Cake.Core;

namespace Build.Tests.App;

[TestFixture]
[Category("Unit")]
public sealed class RunPlanTests
{
    private static readonly KilnOptions Defaults = new("examples/demo/families.yaml", null, [], BuildMode.Local, "artifacts", false);

    private static RunPlan Plan(KilnOptions options, string? machine, params string[] tasks)
    {
        var catalog = FleetFixture.DemoCatalog();
        return new RunPlan(RunFacts.Of(tasks), options, machine, new RunSources(() => catalog, () => FleetValidator.Resolve(FleetFixture.DemoFleet(), catalog), ".", _ => null));
    }

    [Test]
    public void The_facts_come_from_the_planned_task_names_whatever_their_case()
    {
        var ci = RunFacts.Of(["GenerateCheck", "Bake", "cvescan", "SizeGate", "Publish", "ci"]);
        ci.WritesSummary.ShouldBeTrue();
        ci.PublishesLater.ShouldBeTrue();
        ci.Bakes.ShouldBeTrue();
        ci.IsDemo.ShouldBeFalse();
        ci.Gates.Select(g => g.Task).ShouldBe(["CveScan", "SizeGate"], ignoreOrder: true);

        var down = RunFacts.Of(["Down"]);
        down.TargetsMachine.ShouldBeTrue();
        down.Deploys.ShouldBeFalse();
        down.Gates.ShouldBeEmpty();
        RunFacts.Of(["Publish"]).WritesSummary.ShouldBeFalse();
        RunFacts.Of(["Publish"]).PublishesLater.ShouldBeTrue();
        RunFacts.Of(["Lock"]).Locks.ShouldBeTrue();
        RunFacts.Of(["Demo"]).IsDemo.ShouldBeTrue();
    }

    [Test]
    public void Deploy_with_only_a_machine_takes_that_machines_services_and_their_families()
    {
        var plan = Plan(Defaults, "pc2", "Deploy");

        plan.OneMachine.ShouldBe("pc2");
        plan.SelectedServices.ShouldNotBeEmpty();
        plan.SelectedServices.ShouldAllBe(s => s.Service.Machines.Contains("pc2"));
        plan.SelectedFamilies.Select(f => f.Name).ShouldBe(plan.SelectedServices.Select(s => s.Family.Name));
        Plan(Defaults with { Families = ["cpu"] }, "pc2", "Deploy").OneMachine.ShouldBeNull();
        Plan(Defaults, "pc2", "Bake").OneMachine.ShouldBeNull();
    }

    [Test]
    public void Lock_builds_the_families_of_the_services_it_names_but_not_the_services()
    {
        var plan = Plan(Defaults with { Services = ["hello"] }, null, "Lock");

        plan.SelectedServices.ShouldBeEmpty();
        plan.NamedServices.Select(s => s.Name).ShouldBe(["hello"]);
        plan.SelectedFamilies.ShouldBe([plan.NamedServices[0].Family]);
    }

    [Test]
    public void Unknown_families_and_services_fail_with_exit_code_2_when_first_asked_for_and_again_after()
    {
        var plan = Plan(Defaults with { Families = ["nope"] }, null, "Bake");
        Should.Throw<CakeException>(() => plan.SelectedFamilies).ExitCode.ShouldBe(2);
        Should.Throw<CakeException>(() => plan.SelectedFamilies).Message.ShouldContain("--families names 'nope'");

        var services = Plan(Defaults with { Services = ["helo"] }, null, "Bake");
        Should.Throw<CakeException>(() => services.SelectedServices).Message.ShouldContain("--services names 'helo'");
    }

    [Test]
    public void Nothing_is_read_until_a_part_that_needs_it_is_asked_for()
    {
        var reads = 0;
        var plan = new RunPlan(RunFacts.Of(["Deploy"]), Defaults with { Registry = "ghcr.io/acme/kiln" }, "mainpc", new RunSources(
            () => { reads++; throw new CakeException(1, "catalog"); }, () => { reads++; return null; }, ".", _ => null));

        plan.Facts.Deploys.ShouldBeTrue();
        plan.Repository.ShouldBe("ghcr.io/acme/kiln");
        reads.ShouldBe(0);
        Should.Throw<CakeException>(() => plan.SelectedFamilies).Message.ShouldBe("catalog");
    }
}
