using Build.Host;
using Cake.Core;

#pragma warning disable CA1812, CA1852 // instantiated by the host through reflection

namespace Build.Tests.Host;

[TaskName("A")]
public sealed class TaskA(Recorder recorder) : FrostingTask<FrostingContext>
{
    public override void Run(FrostingContext context) => recorder.Add("A");
}

[TaskName("B")]
[IsDependentOn(typeof(TaskA))]
public sealed class TaskB(Recorder recorder) : FrostingTask<FrostingContext>
{
    public override void Run(FrostingContext context) => recorder.Add("B");
}

[TaskName("C")]
[IsDependentOn(typeof(TaskB))]
[TaskDescription("Depends on B, which depends on A.")]
public sealed class TaskC(Recorder recorder) : AsyncFrostingTask<FrostingContext>
{
    public override async Task RunAsync(FrostingContext context)
    {
        await Task.Yield();
        recorder.Add("C");
    }
}

[TaskName("BeforeC")]
[IsDependeeOf(typeof(TaskC))]
public sealed class BeforeC(Recorder recorder) : FrostingTask<FrostingContext>
{
    public override void Run(FrostingContext context) => recorder.Add("BeforeC");
}

[TaskName("Skipped")]
public sealed class SkippedTask(Recorder recorder) : FrostingTask<FrostingContext>
{
    private string _reason = string.Empty;

    public override string SkippedMessage => _reason;

    public override bool ShouldRun(FrostingContext context)
    {
        _reason = "no Docker engine in this test (computed in ShouldRun)";
        return false;
    }

    public override void Run(FrostingContext context) => recorder.Add("Skipped ran");
}

[TaskName("AfterSkipped")]
[IsDependentOn(typeof(SkippedTask))]
public sealed class AfterSkipped(Recorder recorder) : FrostingTask<FrostingContext>
{
    public override void Run(FrostingContext context) => recorder.Add("AfterSkipped");
}

[TaskName("Fails")]
public sealed class FailingTask(Recorder recorder) : FrostingTask<FrostingContext>
{
    public override void Run(FrostingContext context)
    {
        recorder.Add("Fails ran");
        throw new InvalidOperationException("boom");
    }

    public override void OnError(Exception exception, FrostingContext context) =>
        recorder.Add($"OnError: {exception.Message}");

    public override void Finally(FrostingContext context) => recorder.Add("Finally");
}

[TaskName("ExitCode")]
public sealed class ExitCodeTask : FrostingTask<FrostingContext>
{
    public override void Run(FrostingContext context) => throw new CakeException(3, "policy gate failed");
}

[TaskName("Tolerant")]
[ContinueOnError]
public sealed class TolerantTask(Recorder recorder) : FrostingTask<FrostingContext>
{
    public override void Run(FrostingContext context)
    {
        recorder.Add("Tolerant ran");
        throw new InvalidOperationException("tolerated");
    }
}

[TaskName("AfterTolerant")]
[IsDependentOn(typeof(TolerantTask))]
public sealed class AfterTolerant(Recorder recorder) : FrostingTask<FrostingContext>
{
    public override void Run(FrostingContext context) => recorder.Add("AfterTolerant");
}

[TaskName("Args")]
public sealed class ArgsTask(Recorder recorder) : FrostingTask<FrostingContext>
{
    public override void Run(FrostingContext context)
    {
        foreach (var name in new[] { "target", "name", "multi", "flag", "empty", "families", "kiln_value" })
        {
            recorder.Seen[name] = context.Arguments.HasArgument(name) ? context.Arguments.GetArguments(name).ToList() : null;
        }

        recorder.Seen["config"] = context.Configuration.GetValue("Kiln_Value");
    }
}

[TaskName("Delegating")]
[IsDependentOn(typeof(TaskA))]
public sealed class DelegatingTask : FrostingTask<FrostingContext>;

internal sealed class HiddenTask : FrostingTask<FrostingContext>;

public sealed class OtherContext(ICakeContext context) : FrostingContext(context);

public sealed class WrongContextTask : FrostingTask<OtherContext>;

public sealed class RecordingLifetime(Recorder recorder) : FrostingLifetime<FrostingContext>
{
    public override void Setup(FrostingContext context, ISetupContext info) => recorder.Add("Setup");

    public override void Teardown(FrostingContext context, ITeardownContext info) => recorder.Add("Teardown");
}

public sealed class RecordingTaskLifetime(Recorder recorder) : FrostingTaskLifetime<FrostingContext>
{
    public override void Setup(FrostingContext context, ITaskSetupContext info) => recorder.Add($"TaskSetup:{info.Task.Name}");

    public override void Teardown(FrostingContext context, ITaskTeardownContext info) => recorder.Add($"TaskTeardown:{info.Task.Name}");
}
