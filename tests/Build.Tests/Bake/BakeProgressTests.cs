using Build.Buildx;

namespace Build.Tests.Bake;

[TestFixture]
[Category("Unit")]
public sealed class BakeProgressTests
{
    private static readonly PlannedImage[] Plan =
    [
        new("demo-root", "demo-root", "a", ImageAction.Build, "changed", "r:demo-root-a", null, false),
        new("demo-cpu", "demo-cpu", "b", ImageAction.Build, "changed", "r:demo-cpu-b", null, false),
        new("demo-web", "demo-web", "c", ImageAction.Build, "changed", "r:demo-web-c", null, false),
    ];

    [Test]
    public void Plain_buildkit_progress_becomes_queued_building_step_n_of_m_done_and_failed()
    {
        var parser = new ProgressParser();
        foreach (var line in new[]
        {
            "#5 [demo-root base 1/4] FROM parent",
            "#5 CACHED",
            "#6 [demo-root runtime 4/4] COPY --link motd /etc/motd",
            "#6 DONE 0.4s",
            "#7 [demo-cpu runtime 2/6] RUN mkdir -p /opt/app",
            "#7 DONE 1.2s",
        })
        {
            parser.Feed(line);
        }

        BakeProgress.Rows(Plan, parser.Targets, finished: false, succeeded: false).Select(r => $"{r.Family}: {r.Describe()}, {r.Cached} cached, {r.Seconds:0.0}s").ShouldBe(
        [
            "demo-root: done, 1 cached, 0.4s",
            "demo-cpu: building step 2 of 6, 0 cached, 1.2s",
            "demo-web: queued, 0 cached, 0.0s",
        ]);

        parser.Feed("#8 [demo-web runtime 3/5] RUN false");
        parser.Feed("#8 ERROR: process \"/bin/sh -c false\" did not complete successfully: exit code: 1");
        BakeProgress.Rows(Plan, parser.Targets, finished: true, succeeded: false).Select(r => r.State).ShouldBe([ImageState.Failed, ImageState.Failed, ImageState.Failed]);
        BakeProgress.Rows(Plan.Take(2).ToList(), parser.Targets, finished: true, succeeded: true).Select(r => r.Describe()).ShouldBe(["done", "done"]);
    }

    [Test]
    public void The_live_table_is_drawn_with_every_family_and_its_state()
    {
        var output = new StringWriter();
        var console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings { Out = new Spectre.Console.AnsiConsoleOutput(output), Ansi = Spectre.Console.AnsiSupport.No, ColorSystem = Spectre.Console.ColorSystemSupport.NoColors, Interactive = Spectre.Console.InteractionSupport.No });
        var parser = new ProgressParser();
        parser.Feed("#7 [demo-cpu runtime 2/6] RUN mkdir -p /opt/app");

        BakeProgress.Live(console, Plan, () => parser.Targets, Task.FromResult(true));

        var text = output.ToString();
        text.ShouldContain("demo-root");
        text.ShouldContain("demo-web");
        text.ShouldContain("done");
        text.ShouldNotContain("queued", customMessage: "the last frame shows the finished bake");
    }
}
