using System.Collections.Concurrent;
using Build.Host;
using Cake.Core;
using Cake.Core.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Build.Tests.Host;

/// <summary>Records what tasks did; injected into task constructors, so it also proves constructor injection.</summary>
public sealed class Recorder
{
    public ConcurrentQueue<string> Events { get; } = new();

    public IDictionary<string, object?> Seen { get; } = new ConcurrentDictionary<string, object?>();

    public void Add(string e) => Events.Enqueue(e);
}

public sealed class RecordingLog : ICakeLog
{
    private readonly ConcurrentQueue<string> _lines = new();

    public Verbosity Verbosity { get; set; } = Verbosity.Diagnostic;

    public string Text => string.Join('\n', _lines);

    public void Write(Verbosity verbosity, LogLevel level, string format, params object[] args) =>
        _lines.Enqueue($"{level}: {(args.Length == 0 ? format : string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args))}");
}

/// <summary>Cake's environment as the host sees it, with some variables given by the test.</summary>
public sealed class OverlaidEnvironment(ICakeEnvironment inner, IReadOnlyDictionary<string, string> variables) : ICakeEnvironment
{
    public Cake.Core.IO.DirectoryPath WorkingDirectory
    {
        get => inner.WorkingDirectory;
        set => inner.WorkingDirectory = value;
    }

    public Cake.Core.IO.DirectoryPath UserHomeDirectory => inner.UserHomeDirectory;

    public Cake.Core.IO.DirectoryPath ApplicationRoot => inner.ApplicationRoot;

    public ICakePlatform Platform => inner.Platform;

    public ICakeRuntime Runtime => inner.Runtime;

    public Cake.Core.IO.DirectoryPath GetSpecialPath(Cake.Core.IO.SpecialPath path) => inner.GetSpecialPath(path);

    public string GetEnvironmentVariable(string variable) =>
        variables.TryGetValue(variable, out var value) ? value : inner.GetEnvironmentVariable(variable);

    public IDictionary<string, string> GetEnvironmentVariables()
    {
        var all = new Dictionary<string, string>(inner.GetEnvironmentVariables(), StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in variables)
        {
            all[name] = value;
        }

        return all;
    }
}

/// <summary>A real host run (no fakes of Cake's engine), as Frosting's own CakeHostFixture does.</summary>
public sealed class HostFixture
{
    public HostFixture()
    {
        Host = new CakeHost(entryAssembly: null)
            .ConfigureServices(s =>
            {
                s.AddSingleton(Recorder);
                s.AddSingleton<ICakeLog>(Log);
            });
    }

    public CakeHost Host { get; }

    public Recorder Recorder { get; } = new();

    public RecordingLog Log { get; } = new();

    public HostFixture With<T>()
        where T : IFrostingTask
    {
        Host.AddTask<T>();
        return this;
    }

    /// <summary>Cake's environment with <paramref name="variables"/> over the process's, so nothing process-wide is set.</summary>
    public HostFixture WithEnvironment(IReadOnlyDictionary<string, string> variables)
    {
        Host.ConfigureServices(s => s.AddSingleton<ICakeEnvironment>(sp =>
            new OverlaidEnvironment(new CakeEnvironment(sp.GetRequiredService<ICakePlatform>(), sp.GetRequiredService<ICakeRuntime>()), variables)));
        return this;
    }

    public int Run(params string[] args)
    {
        // Cake sets the process's current directory from --working; put it back for the next test.
        var cwd = Environment.CurrentDirectory;
        try
        {
            return Host.Run([.. args, "--no-report"]);
        }
        finally
        {
            Environment.CurrentDirectory = cwd;
            TestContext.Out.WriteLine(Log.Text);
        }
    }
}
