using Build.Services;

namespace Build.Tests.Services;

/// <summary>Each phase says how long it took and when it began, counted from the run's start.</summary>
[TestFixture]
[Category("Unit")]
public sealed class RunClockTests
{
    [Test]
    public void A_phase_begins_where_the_run_had_got_to_and_a_phase_beside_it_overlaps()
    {
        var clock = new RunClock(DateTime.Now.AddMilliseconds(-500));

        clock.RecordStartUp();
        var beside = Task.Run(() => clock.Time("beside", () => Thread.Sleep(60)));
        clock.Time("waited", () => Thread.Sleep(30));
        beside.Wait();

        var phases = clock.Phases.ToDictionary(p => p.Name);
        phases["start-up"].Start.ShouldBe(0);
        phases["start-up"].Milliseconds.ShouldBeGreaterThanOrEqualTo(500);
        phases["waited"].Start.ShouldBeGreaterThanOrEqualTo(phases["start-up"].Milliseconds - 1);
        phases["beside"].Start.ShouldBeLessThan(phases["waited"].Start + phases["waited"].Milliseconds, "they ran at the same time");
    }
}
