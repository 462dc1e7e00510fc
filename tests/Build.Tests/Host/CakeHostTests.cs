using Build.Host;

namespace Build.Tests.Host;

[TestFixture]
[Category("Unit")]
[NonParallelizable] // the host sets Cake's working directory, which is process-wide
public sealed class CakeHostTests
{
    private static HostFixture All() => new HostFixture()
        .With<TaskA>().With<TaskB>().With<TaskC>().With<BeforeC>();

    [Test]
    public void Runs_dependencies_first_and_dependees_before_their_target()
    {
        var f = All();

        f.Run("--target=C").ShouldBe(0);

        f.Recorder.Events.ShouldBe(["A", "B", "BeforeC", "C"]);
    }

    [Test]
    public void Exclusive_runs_only_the_target()
    {
        var f = All();

        f.Run("--target", "C", "--exclusive").ShouldBe(0);

        f.Recorder.Events.ShouldBe(["C"]);
    }

    [Test]
    public void Repeated_targets_run_in_one_graph_without_repeating_shared_dependencies()
    {
        var f = All();

        f.Run("-t", "B", "-t", "C").ShouldBe(0);

        f.Recorder.Events.Count(e => e == "A").ShouldBe(1);
        f.Recorder.Events.ShouldContain("C");
    }

    [Test]
    public void Dry_run_runs_no_task_body()
    {
        var f = All();

        f.Run("--target=C", "--dryrun").ShouldBe(0);

        f.Recorder.Events.ShouldBeEmpty();
    }

    [Test]
    public void Tree_and_description_run_no_task_body()
    {
        All().Run("--tree").ShouldBe(0);
        var f = All();
        f.Run("--description").ShouldBe(0);
        f.Recorder.Events.ShouldBeEmpty();
    }

    [Test]
    public void ShouldRun_false_skips_the_body_and_logs_the_reason_computed_by_ShouldRun()
    {
        var f = new HostFixture().With<SkippedTask>();

        f.Run("--target=Skipped").ShouldBe(0);

        f.Recorder.Events.ShouldBeEmpty();
        f.Log.Text.ShouldContain("Skipping Skipped: no Docker engine in this test (computed in ShouldRun)");
    }

    [Test]
    public void A_skipped_dependency_does_not_stop_its_dependent()
    {
        var f = new HostFixture().With<SkippedTask>().With<AfterSkipped>();

        f.Run("--target=AfterSkipped").ShouldBe(0);

        f.Recorder.Events.ShouldBe(["AfterSkipped"]);
    }

    [Test]
    public void A_failing_task_calls_OnError_then_Finally_and_still_exits_non_zero()
    {
        var f = new HostFixture().With<FailingTask>();

        var code = f.Run("--target=Fails");

        code.ShouldBe(1);
        f.Recorder.Events.ShouldBe(["Fails ran", "OnError: boom", "Finally"]);
    }

    [Test]
    public void A_CakeException_keeps_its_exit_code_through_Cakes_report_exception()
    {
        var f = new HostFixture().With<ExitCodeTask>();

        f.Run("--target=ExitCode").ShouldBe(3);
        f.Log.Text.ShouldContain("policy gate failed");
    }

    [Test]
    public void ContinueOnError_lets_dependents_run()
    {
        var f = new HostFixture().With<TolerantTask>().With<AfterTolerant>();

        f.Run("--target=AfterTolerant").ShouldBe(0);

        f.Recorder.Events.ShouldBe(["Tolerant ran", "AfterTolerant"]);
    }

    [Test]
    public void A_task_without_a_body_is_a_delegating_task_that_still_runs_its_dependencies()
    {
        var f = new HostFixture().With<TaskA>().With<DelegatingTask>();

        f.Run("--target=Delegating").ShouldBe(0);

        f.Recorder.Events.ShouldBe(["A"]);
    }

    [Test]
    public void Unknown_target_exits_2_and_names_the_valid_targets()
    {
        var f = All();

        f.Run("--target=Nope").ShouldBe(DefaultCommand.UnknownTargetExitCode);

        f.Log.Text.ShouldContain("Unknown target 'Nope'. Valid targets: A, B, BeforeC, C");
        f.Recorder.Events.ShouldBeEmpty();
    }

    [Test]
    public void Target_names_match_case_insensitively()
    {
        var f = All();

        f.Run("--target=c", "-e").ShouldBe(0);

        f.Recorder.Events.ShouldBe(["C"]);
    }

    [Test]
    public void A_non_public_task_is_an_error_not_a_silent_skip()
    {
        var f = new HostFixture().With<TaskA>();
        f.Host.AddTask(typeof(HiddenTask));

        f.Run("--target=A").ShouldNotBe(0);

        f.Log.Text.ShouldContain("is not public");
        f.Recorder.Events.ShouldBeEmpty();
    }

    [Test]
    public void A_task_for_another_context_is_an_error_naming_both_types()
    {
        var f = new HostFixture().With<TaskA>().With<WrongContextTask>();

        f.Run("--target=A").ShouldNotBe(0);

        f.Log.Text.ShouldContain("runs on context 'OtherContext', but the host's context is 'FrostingContext'");
    }

    [Test]
    public void Lifetimes_wrap_the_run_and_each_task()
    {
        var f = new HostFixture().With<TaskA>().With<TaskB>();
        f.Host.UseLifetime<RecordingLifetime>().UseTaskLifetime<RecordingTaskLifetime>();

        f.Run("--target=B").ShouldBe(0);

        f.Recorder.Events.ShouldBe(["Setup", "TaskSetup:A", "A", "TaskTeardown:A", "TaskSetup:B", "B", "TaskTeardown:B", "Teardown"]);
    }

    [Test]
    public void Version_prints_and_runs_nothing()
    {
        var f = All();

        f.Run("--version").ShouldBe(0);

        f.Recorder.Events.ShouldBeEmpty();
    }
}
