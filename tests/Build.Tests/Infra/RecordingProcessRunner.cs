using Build.Tools;

namespace Build.Tests;

/// <summary>One process the app asked for: the whole command line, and its options (stdin, environment, directory, time-out).</summary>
public sealed record ProcessCall(CommandLine Command, ProcessOptions Options)
{
    /// <summary>The command as a person would type it (secrets redacted): what tests assert whole.</summary>
    public string Rendered => Command.Render();

    /// <summary>The argv exactly as the process would get it (secrets not redacted).</summary>
    public IReadOnlyList<string> Argv => [Command.FileName, .. Command.Arguments.Select(a => a.Value)];
}

/// <summary>
/// A fake <see cref="IProcessRunner"/>: records every call and answers with <paramref name="respond"/> (default: exit 0,
/// no output), as Cake's ToolFixture tests do: settings in, the whole command line out. Its answer's output is also
/// streamed to the caller's line callbacks, as the real runner does.
/// </summary>
public sealed class RecordingProcessRunner(Func<CommandLine, ProcessOptions, ProcessResult>? respond = null) : IProcessRunner
{
    private readonly List<ProcessCall> _calls = [];

    public IReadOnlyList<ProcessCall> Calls
    {
        get
        {
            lock (_calls)
            {
                return [.. _calls];
            }
        }
    }

    public IReadOnlyList<string> CommandLines => Calls.Select(c => c.Rendered).ToList();

    public static ProcessResult Exit(int code = 0, string stdout = "", string stderr = "") => new(code, stdout, stderr, TimeSpan.Zero, TimedOut: false);

    public Task<ProcessResult> RunAsync(CommandLine command, ProcessOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        options ??= new ProcessOptions();
        lock (_calls)
        {
            _calls.Add(new ProcessCall(command, options));
        }

        var result = respond?.Invoke(command, options) ?? Exit();
        foreach (var line in Lines(result.StandardOutput))
        {
            options.OnStandardOutput?.Invoke(line);
        }

        foreach (var line in Lines(result.StandardError))
        {
            options.OnStandardError?.Invoke(line);
        }

        return Task.FromResult(result);
    }

    private static IEnumerable<string> Lines(string text) => text.Length == 0 ? [] : text.TrimEnd('\n').Split('\n');
}

/// <summary>The real runner, for tests that run real tools (docker, git, bash) themselves, on the process's environment.</summary>
public static class RealProcesses
{
    public static IProcessRunner Runner { get; } = new ProcessRunner(new KilnEnvironment());
}
