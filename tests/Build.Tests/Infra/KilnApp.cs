using Build.Host;
using Build.Services;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Build.Tests.Infra;

/// <summary>Runs the real Kiln app (the same host, context and tasks as ./build.sh) in-process.</summary>
public static class KilnApp
{
    private static readonly object Gate = new();

    public static (int ExitCode, string Output) Run(string workingDirectory, params string[] args) => RunWith(workingDirectory, null, args);

    /// <summary>Runs the app with <paramref name="environment"/> over the process's: the host is given it, nothing is mutated.</summary>
    public static (int ExitCode, string Output) RunWith(string workingDirectory, Dictionary<string, string?>? environment, params string[] args) =>
        Run(workingDirectory, environment, null, args);

    /// <summary>Runs the app with every process it starts going to <paramref name="processes"/> (a fake records them).</summary>
    public static (int ExitCode, string Output) RunWithProcesses(string workingDirectory, Build.Tools.IProcessRunner processes, params string[] args) =>
        Run(workingDirectory, null, processes, args);

    private static (int ExitCode, string Output) Run(string workingDirectory, Dictionary<string, string?>? environment, Build.Tools.IProcessRunner? processes, string[] args)
    {
        // The host sets the process's current directory and prints its epilogue to Console: one run at a time.
        lock (Gate)
        {
            var cwd = Environment.CurrentDirectory;
            var stdout = Console.Out;
            var stderr = Console.Error;
            var capture = new StringWriter();
            Console.SetOut(capture);
            Console.SetError(capture);
            try
            {
                // Cake logs through Spectre's IAnsiConsole; the static one still points at the process's stdout.
                var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(capture), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
                var code = new CakeHost(entryAssembly: null)
                    .ConfigureServices(s =>
                    {
                        s.AddSingleton<IAnsiConsole>(console).AddSingleton(new RunOutput(capture, capture));
                        if (processes is not null)
                        {
                            s.AddSingleton(processes);
                        }
                    })
                    .AddAssembly(typeof(BuildContext).Assembly)
                    .UseContext<BuildContext>()
                    .UseLifetime<BuildLifetime>()
                    .UseTaskLifetime<BuildTaskLifetime>()
                    .UseKilnServices(new KilnEnvironment(environment))
                    .Run([.. args, $"--working={workingDirectory}", "--no-report"]);
                // Cake's console colours the arguments of log lines; tests read the text.
                return (code, System.Text.RegularExpressions.Regex.Replace(capture.ToString(), @"\x1b\[[0-9;]*m", string.Empty));
            }
            finally
            {
                Console.SetOut(stdout);
                Console.SetError(stderr);
                Environment.CurrentDirectory = cwd;
                TestContext.Out.WriteLine(capture.ToString());
            }
        }
    }
}

/// <summary>A copy of the repository's demo catalog in a temporary repository, so tests can generate and edit freely.</summary>
public sealed class DemoRepo : IDisposable
{
    public DemoRepo()
    {
        Root = Directory.CreateTempSubdirectory("kiln-demo-").FullName;
        Copy(Path.Combine(TestInfra.RepoRoot, "examples", "mini"), Path.Combine(Root, "examples", "mini"));
        File.Copy(Path.Combine(TestInfra.RepoRoot, "pixi.toml"), Path.Combine(Root, "pixi.toml"));
        Repository = TestInfra.UniqueRepository("demo");
    }

    public string Root { get; }

    /// <summary>A repository path of its own in the test registry.</summary>
    public string Repository { get; }

    public string Registry => $"{TestInfra.Registry}/{Repository}";

    public const string Catalog = "examples/mini/families.yaml";

    public string Full(string relative) => System.IO.Path.Combine(Root, relative);

    public void Dispose()
    {
        TestInfra.RemoveLocalTags(Registry + ":");
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, System.IO.Path.Combine(to, System.IO.Path.GetFileName(file)));
        }

        foreach (var dir in Directory.GetDirectories(from))
        {
            Copy(dir, System.IO.Path.Combine(to, System.IO.Path.GetFileName(dir)));
        }
    }
}
