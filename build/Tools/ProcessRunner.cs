using System.Diagnostics;
using System.Text;

namespace Build.Tools;

public sealed record ProcessOptions
{
    public string? WorkingDirectory { get; init; }

    /// <summary>Added to (or, with a null value, removed from) the inherited environment.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>Written to the process's stdin, then closed: how secrets reach `docker login --password-stdin`.</summary>
    public string? StandardInput { get; init; }

    /// <summary>Writes the process's stdin as a stream (large inputs, e.g. an image archive for `docker load`), then it is closed.</summary>
    public Action<Stream>? WriteStandardInput { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromHours(2);

    public Action<string>? OnStandardOutput { get; init; }

    public Action<string>? OnStandardError { get; init; }
}

public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError, TimeSpan Duration, bool TimedOut)
{
    public bool Succeeded => ExitCode == 0 && !TimedOut;
}

/// <summary>
/// Runs one process: the seam every tool invocation (docker, buildx, compose, trivy, grype, pip, git, stat) goes
/// through, so a test can give the app a fake that records the whole command line and answers for the tool.
/// </summary>
public interface IProcessRunner
{
    Task<ProcessResult> RunAsync(CommandLine command, ProcessOptions? options = null, CancellationToken cancellationToken = default);
}

public static class ProcessRunnerExtensions
{
    public static ProcessResult Run(this IProcessRunner runner, CommandLine command, ProcessOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(runner);
        return runner.RunAsync(command, options).GetAwaiter().GetResult();
    }
}

/// <summary>
/// Starts a process without a shell, streams and captures its output, kills the whole tree on time-out. A child
/// starts from the run's inherited environment (<see cref="KilnEnvironment.Inherited"/>) plus what its caller adds.
/// </summary>
public sealed class ProcessRunner(KilnEnvironment environment) : IProcessRunner
{
    public async Task<ProcessResult> RunAsync(CommandLine command, ProcessOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        options ??= new ProcessOptions();
        var psi = new ProcessStartInfo(command.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (options.WorkingDirectory is not null)
        {
            psi.WorkingDirectory = options.WorkingDirectory;
        }

        foreach (var argument in command.Arguments)
        {
            psi.ArgumentList.Add(argument.Value);
        }

        psi.Environment.Clear();
        foreach (var (name, value) in environment.Inherited())
        {
            psi.Environment[name] = value;
        }

        foreach (var (name, value) in options.Environment)
        {
            if (value is null)
            {
                psi.Environment.Remove(name);
            }
            else
            {
                psi.Environment[name] = value;
            }
        }

        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        using var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Collect(e.Data, stdout, options.OnStandardOutput);
        process.ErrorDataReceived += (_, e) => Collect(e.Data, stderr, options.OnStandardError);

        var watch = Stopwatch.StartNew();
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw ToolNotFoundException.For(command.FileName, ex);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (options.StandardInput is not null)
        {
            await process.StandardInput.WriteAsync(options.StandardInput).ConfigureAwait(false);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout);
        if (options.WriteStandardInput is { } write)
        {
            // A process that stops reading must not hang the writer past the time-out: killing it breaks the pipe.
            using var kill = timeout.Token.Register(() => Kill(process));
            try
            {
                await process.StandardInput.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                var stdin = process.StandardInput.BaseStream;
                await Task.Run(() => write(stdin), CancellationToken.None).ConfigureAwait(false);
            }
            catch (IOException)
            {
                // The process closed its stdin early (it failed); its exit code and stderr say why.
            }
        }

        try
        {
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // Same: a broken pipe on close means the process is already gone.
        }

        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            timedOut = !cancellationToken.IsCancellationRequested;
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }

        // The parameterless wait drains the asynchronous output readers.
        process.WaitForExit();
        return new ProcessResult(process.ExitCode, stdout.ToString(), stderr.ToString(), watch.Elapsed, timedOut);
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    private static void Collect(string? line, StringBuilder sink, Action<string>? echo)
    {
        if (line is null)
        {
            return;
        }

        lock (sink)
        {
            sink.Append(line).Append('\n');
        }

        echo?.Invoke(line);
    }
}

public sealed class ToolNotFoundException : Exception
{
    public ToolNotFoundException()
    {
    }

    public ToolNotFoundException(string message)
        : base(message)
    {
    }

    public ToolNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public static ToolNotFoundException For(string tool, Exception innerException) =>
        new($"'{tool}' was not found on PATH. Install it (on Debian, tests/infra/up.sh installs Docker with buildx) or add it to PATH.", innerException);
}
