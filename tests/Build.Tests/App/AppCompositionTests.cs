using Build.Host;
using Build.Services;
using Build.Tasks;

namespace Build.Tests.App;

[TestFixture]
[Category("Unit")]
[NonParallelizable]
public sealed class AppCompositionTests
{
    [Test]
    public void Every_task_of_the_app_registers_on_its_context_and_the_tree_prints()
    {
        var host = new CakeHost(entryAssembly: null)
            .AddAssembly(typeof(BuildContext).Assembly)
            .UseContext<BuildContext>()
            .UseLifetime<BuildLifetime>()
            .UseKilnServices();

        var tasks = host.DiscoverTasks();

        tasks.ShouldContain(typeof(Default));
        tasks.ShouldContain(typeof(Test));
        var cwd = Environment.CurrentDirectory;
        try
        {
            host.Run(["--tree", $"--working={Infra.TestInfra.RepoRoot}"]).ShouldBe(0);
        }
        finally
        {
            Environment.CurrentDirectory = cwd;
        }
    }

    [Test]
    public void No_report_leaves_out_the_summary_table_and_the_report_is_there_without_it()
    {
        var quiet = Infra.KilnApp.Run(Infra.TestInfra.RepoRoot, "--target=Default").Output;
        quiet.ShouldNotContain("Duration", customMessage: "KilnApp passes --no-report");

        var cwd = Environment.CurrentDirectory;
        using var capture = new StringWriter();
        try
        {
            var console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings { Out = new Spectre.Console.AnsiConsoleOutput(capture) });
            new CakeHost(entryAssembly: null)
                .ConfigureServices(s =>
                {
                    Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton<Spectre.Console.IAnsiConsole>(s, console);
                    Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton(s, new RunOutput(capture, capture));
                })
                .AddAssembly(typeof(BuildContext).Assembly).UseContext<BuildContext>().UseLifetime<BuildLifetime>().UseKilnServices()
                .Run(["--target=Default", $"--working={Infra.TestInfra.RepoRoot}"]).ShouldBe(0);
        }
        finally
        {
            Environment.CurrentDirectory = cwd;
        }

        capture.ToString().ShouldContain("Duration");
    }

    [Test]
    public void PrePush_is_the_same_gate_as_CI_before_building()
    {
        var dependencies = typeof(PrePush).GetCustomAttributes(typeof(IsDependentOnAttribute), false).Cast<IsDependentOnAttribute>().Select(a => a.Task).ToList();

        dependencies.ShouldBe([typeof(GenerateCheck), typeof(Lint), typeof(Test), typeof(BakePrint)]);
    }

    [Test]
    public void The_default_target_lists_every_task_with_its_arguments_and_the_shared_arguments()
    {
        var text = Default.Render();

        text.ShouldContain("Default ");
        text.ShouldContain("Test ");
        text.ShouldContain("--filter=EXPR");
        foreach (var (name, _) in KilnOptions.Documented)
        {
            text.ShouldContain(name);
        }
    }
}
