using Build.Host;

namespace Build.Tests.Host;

[TestFixture]
[Category("Unit")]
[NonParallelizable]
public sealed class ArgumentTests
{
    private static List<string>? Seen(HostFixture f, string name) => (List<string>?)f.Recorder.Seen[name];

    [Test]
    public void Unknown_switches_reach_the_context_case_insensitively_with_repeated_values_kept()
    {
        var f = new HostFixture().With<ArgsTask>();

        f.Run("--target=Args", "--Name=Bob", "--multi=a", "--multi=b", "--flag", "--families=cpu,web").ShouldBe(0);

        Seen(f, "name").ShouldBe(["Bob"]);
        Seen(f, "multi").ShouldBe(["a", "b"]);
        Seen(f, "flag").ShouldNotBeNull().ShouldHaveSingleItem().ShouldBe("true");
        Seen(f, "families").ShouldBe(["cpu,web"]);
    }

    [Test]
    public void The_target_is_readable_as_an_argument()
    {
        var f = new HostFixture().With<ArgsTask>();

        f.Run("-t", "Args").ShouldBe(0);

        Seen(f, "target").ShouldBe(["Args"]);
    }

    [Test]
    public void Values_with_equals_signs_and_spaces_survive()
    {
        var f = new HostFixture().With<ArgsTask>();

        f.Run("--target=Args", "--name=a=b c").ShouldBe(0);

        Seen(f, "name").ShouldBe(["a=b c"]);
    }

    [Test]
    public void Configuration_precedence_is_environment_then_cake_config_then_arguments_as_in_Cake()
    {
        var dir = Directory.CreateTempSubdirectory("kiln-host-").FullName;
        var env = new Dictionary<string, string> { ["CAKE_KILN_VALUE"] = "from-env" };
        try
        {
            var e = new HostFixture().With<ArgsTask>().WithEnvironment(env);
            e.Run("--target=Args", $"--working={dir}").ShouldBe(0);
            e.Recorder.Seen["config"].ShouldBe("from-env");

            File.WriteAllText(Path.Combine(dir, "cake.config"), "[Kiln]\nValue=from-file\n");
            var f = new HostFixture().With<ArgsTask>().WithEnvironment(env);
            f.Run("--target=Args", $"--working={dir}").ShouldBe(0);
            f.Recorder.Seen["config"].ShouldBe("from-file");

            var h = new HostFixture().With<ArgsTask>().WithEnvironment(env);
            h.Run("--target=Args", $"--working={dir}", "--kiln_value=from-args").ShouldBe(0);
            h.Recorder.Seen["config"].ShouldBe("from-args");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void UseCakeSetting_is_the_lowest_precedence_configuration()
    {
        var f = new HostFixture().With<ArgsTask>();
        f.Host.UseCakeSetting("Kiln_Value", "from-host");

        f.Run("--target=Args").ShouldBe(0);

        f.Recorder.Seen["config"].ShouldBe("from-host");
    }

    [Test]
    public void A_missing_working_directory_is_a_clear_error()
    {
        var f = new HostFixture().With<ArgsTask>();

        f.Run("--target=Args", "--working=/nonexistent/kiln").ShouldNotBe(0);

        f.Log.Text.ShouldContain("The working directory '/nonexistent/kiln' does not exist.");
    }
}
