using System.Text;
using System.Text.Json.Nodes;
using Build.Publishing;
using Build.Registry;
using Build.Tests.Infra;
using Build.Tools;

namespace Build.Tests.Publishing;

/// <summary>The per-run DOCKER_CONFIG and the login command that writes into it.</summary>
[TestFixture]
[Category("Unit")]
public sealed class DockerConfigScopeTests
{
    [Test]
    public void A_scope_is_an_owner_only_folder_under_the_scratch_folder_with_a_credential_free_config()
    {
        using var tmp = new TempDir("kiln-scope-");
        var scratch = Path.Combine(tmp.Path, "artifacts", ".work");

        string directory;
        using (var scope = DockerConfigScope.Create(scratch, userConfigDirectory: null))
        {
            directory = scope.Directory;
            Path.GetDirectoryName(directory).ShouldBe(scratch);
            Path.GetFileName(directory).ShouldStartWith($"docker-config-{Environment.ProcessId}-");
            scope.Environment.ShouldBe(new Dictionary<string, string?> { ["DOCKER_CONFIG"] = directory });
            File.ReadAllText(Path.Combine(directory, "config.json")).ShouldBe("{\n  \"auths\": {}\n}\n");
            File.GetUnixFileMode(directory).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Directory.GetFileSystemEntries(directory).Select(Path.GetFileName).ShouldBe(["config.json"]);
        }

        Directory.Exists(directory).ShouldBeFalse();
        Directory.Exists(scratch).ShouldBeTrue("the scratch folder belongs to the run, not to the scope");
    }

    [Test]
    public void Only_the_context_and_proxies_of_the_users_config_are_kept_never_a_credential_or_a_credential_store()
    {
        var user = JsonNode.Parse("""
            {"auths":{"ghcr.io":{"auth":"Ym90OnNlY3JldA=="}},"credsStore":"desktop","credHelpers":{"ghcr.io":"pass"},
             "currentContext":"remote","proxies":{"default":{"httpProxy":"http://proxy:3128"}},"psFormat":"table"}
            """)!.AsObject();

        DockerConfigScope.RenderConfig(user).ShouldBe("""
            {
              "auths": {},
              "currentContext": "remote",
              "proxies": {
                "default": {
                  "httpProxy": "http://proxy:3128"
                }
              }
            }

            """);
    }

    [Test]
    public void The_users_plugins_and_contexts_stay_reachable_and_survive_the_scope()
    {
        using var tmp = new TempDir("kiln-scope-");
        var user = Path.Combine(tmp.Path, "home", ".docker");
        var plugin = Path.Combine(user, "cli-plugins", "docker-buildx");
        Directory.CreateDirectory(Path.GetDirectoryName(plugin)!);
        File.WriteAllText(plugin, "#!/bin/sh\n");
        Directory.CreateDirectory(Path.Combine(user, "contexts", "meta"));
        File.WriteAllText(Path.Combine(user, "config.json"), """{"auths":{"ghcr.io":{"auth":"Ym90OnNlY3JldA=="}},"currentContext":"remote"}""");

        string directory;
        using (var scope = DockerConfigScope.Create(Path.Combine(tmp.Path, ".work"), user))
        {
            directory = scope.Directory;
            new DirectoryInfo(Path.Combine(directory, "cli-plugins")).LinkTarget.ShouldBe(Path.Combine(user, "cli-plugins"));
            new DirectoryInfo(Path.Combine(directory, "contexts")).LinkTarget.ShouldBe(Path.Combine(user, "contexts"));
            File.Exists(Path.Combine(directory, "cli-plugins", "docker-buildx")).ShouldBeTrue();
            File.ReadAllText(Path.Combine(directory, "config.json")).ShouldBe("{\n  \"auths\": {},\n  \"currentContext\": \"remote\"\n}\n");
        }

        Directory.Exists(directory).ShouldBeFalse();
        File.ReadAllText(plugin).ShouldBe("#!/bin/sh\n", "deleting the scope unlinks the user's plugins, never deletes them");
        Directory.Exists(Path.Combine(user, "contexts", "meta")).ShouldBeTrue();
        File.ReadAllText(Path.Combine(user, "config.json")).ShouldContain("Ym90OnNlY3JldA==", customMessage: "the user's own file is not touched");
    }

    [Test]
    public void A_user_without_plugins_gets_no_dangling_link()
    {
        using var tmp = new TempDir("kiln-scope-");

        using var scope = DockerConfigScope.Create(Path.Combine(tmp.Path, ".work"), Path.Combine(tmp.Path, "no-such-home", ".docker"));

        Directory.GetFileSystemEntries(scope.Directory).Select(Path.GetFileName).ShouldBe(["config.json"]);
    }

    [Test]
    public void A_folder_left_by_a_run_that_was_killed_is_removed_by_the_next_run_and_a_live_runs_is_kept()
    {
        using var tmp = new TempDir("kiln-scope-");
        var scratch = Path.Combine(tmp.Path, ".work");
        var dead = Path.Combine(scratch, $"docker-config-{int.MaxValue}-0123456789ab");
        var live = Path.Combine(scratch, $"docker-config-{Environment.ProcessId}-0123456789ab");
        Directory.CreateDirectory(dead);
        File.WriteAllText(Path.Combine(dead, "config.json"), """{"auths":{"r":{"auth":"Ym90OmNhbmFyeQ=="}}}""");
        Directory.CreateDirectory(live);

        using var scope = DockerConfigScope.Create(scratch, null);

        Directory.Exists(dead).ShouldBeFalse();
        Directory.Exists(live).ShouldBeTrue();
    }

    [Test]
    public void Apply_adds_DOCKER_CONFIG_to_the_callers_options_and_keeps_the_rest()
    {
        using var tmp = new TempDir("kiln-scope-");
        using var scope = DockerConfigScope.Create(Path.Combine(tmp.Path, ".work"), null);

        var options = scope.Apply(new ProcessOptions { Timeout = TimeSpan.FromMinutes(30), Environment = new Dictionary<string, string?> { ["NO_COLOR"] = "1", ["DOCKER_CONFIG"] = "/elsewhere" } });

        options.Timeout.ShouldBe(TimeSpan.FromMinutes(30));
        options.Environment.ShouldBe(new Dictionary<string, string?> { ["NO_COLOR"] = "1", ["DOCKER_CONFIG"] = scope.Directory }, ignoreOrder: true);
        scope.Apply(null).Environment.ShouldBe(scope.Environment);
    }

    [Test]
    public void The_users_config_folder_is_DOCKER_CONFIG_else_home_dot_docker()
    {
        DockerConfigScope.UserConfigDirectory(n => n switch { "DOCKER_CONFIG" => "/cfg", "HOME" => "/home/u", _ => null }).ShouldBe("/cfg");
        DockerConfigScope.UserConfigDirectory(n => n == "HOME" ? "/home/u" : null).ShouldBe("/home/u/.docker");
        DockerConfigScope.UserConfigDirectory(_ => null).ShouldBeNull();
    }

    [Test]
    public void The_login_command_carries_no_secret_and_its_options_carry_the_scope()
    {
        var credential = new RegistryCredential("bot", "s3cret-token");
        var environment = new Dictionary<string, string?> { ["DOCKER_CONFIG"] = "/run/artifacts/.work/docker-config-1-abc" };

        DockerLogin.Command("ghcr.io", credential).Render().ShouldBe("docker login ghcr.io --username bot --password-stdin");
        var options = DockerLogin.Options(credential, environment);
        options.ShouldBe(new ProcessOptions { StandardInput = "s3cret-token", Environment = environment, Timeout = TimeSpan.FromMinutes(2) });
    }

    [Test]
    public void Login_runs_in_the_scope_and_a_failure_names_registry_and_user_without_the_secret()
    {
        var credential = new RegistryCredential("bot", "s3cret-token");
        var environment = new Dictionary<string, string?> { ["DOCKER_CONFIG"] = "/scope" };
        var processes = new RecordingProcessRunner((_, _) => RecordingProcessRunner.Exit(0, "Login Succeeded\n"));

        DockerLogin.Login("ghcr.io", credential, environment, processes);
        var ex = Should.Throw<PublishException>(() => DockerLogin.Login("ghcr.io", credential, environment, new RecordingProcessRunner((_, _) =>
            RecordingProcessRunner.Exit(1, stderr: "Error response from daemon: s3cret-token Ym90OnMzY3JldC10b2tlbg== unauthorized\n"))));

        var calls = processes.Calls;
        calls.ShouldHaveSingleItem().Rendered.ShouldBe("docker login ghcr.io --username bot --password-stdin");
        calls[0].Options.Environment.ShouldBeSameAs(environment);
        ex.Message.ShouldBe("docker login ghcr.io as bot failed: Error response from daemon: [REDACTED] [REDACTED] unauthorized");
    }
}

/// <summary>
/// A real `docker login` into a scope against an htpasswd-protected loopback registry, with a canary token: the push
/// works through the scope, and afterwards the token is nowhere on disk or in what docker printed.
/// </summary>
[TestFixture]
[Category("Integration")]
public sealed class DockerConfigScopeIntegrationTests
{
    private const string User = "bot";

    [Test]
    public async Task Login_tag_and_push_work_through_the_scope_and_the_token_is_gone_afterwards()
    {
        var canary = $"kiln-canary-{Guid.NewGuid():N}";
        using var registry = await TestRegistry.StartAsync(User, canary);
        using var tmp = new TempDir("kiln-scope-it-");
        var scratch = Path.Combine(tmp.Path, "artifacts", ".work");
        var output = new StringBuilder();
        var target = $"127.0.0.1:{registry.Port}/kiln/scope-test:canary";
        string directory;

        using (var scope = DockerConfigScope.Create(scratch, UserConfigDirectory))
        {
            directory = scope.Directory;
            DockerLogin.Login($"127.0.0.1:{registry.Port}", new RegistryCredential(User, canary), scope.Environment, new RecordingProcessRunner((c, o) => Run(c, o, output)));
            File.ReadAllText(Path.Combine(directory, "config.json")).ShouldContain(Base64(canary), customMessage: "the login must land in the scope, or the checks below prove nothing");

            Run(new CommandLine("docker").Add("pull", "--quiet", TestInfra.BaseImage), scope.Apply(null), output).Succeeded.ShouldBeTrue(output.ToString());
            Run(new CommandLine("docker").Add("tag", TestInfra.BaseImage, target), scope.Apply(null), output).Succeeded.ShouldBeTrue(output.ToString());
            var push = Run(new CommandLine("docker").Add("push", "--quiet", target), scope.Apply(new ProcessOptions { Timeout = TimeSpan.FromMinutes(5) }), output);
            push.Succeeded.ShouldBeTrue(output.ToString());
        }

        using var authorized = new OciRegistryClient(new RegistryClientOptions { Credentials = _ => new RegistryCredential(User, canary) });
        (await authorized.HeadManifestAsync(ImageName.ParseRepository($"127.0.0.1:{registry.Port}/kiln/scope-test"), "canary")).ShouldNotBeNull("the push reached the protected registry");
        Directory.Exists(directory).ShouldBeFalse();
        ShouldBeNowhere(canary, scratch, output.ToString());
        var unscoped = RealProcesses.Runner.Run(new CommandLine("docker").Add("push", "--quiet", target), new ProcessOptions { Timeout = TimeSpan.FromMinutes(2) });
        unscoped.Succeeded.ShouldBeFalse("without the scope the machine holds no credential for the registry");
        unscoped.StandardError.ShouldContain("no basic auth credentials");
    }

    [Test]
    public async Task A_failed_login_leaves_nothing_behind()
    {
        var right = $"kiln-canary-{Guid.NewGuid():N}";
        var wrong = $"kiln-canary-wrong-{Guid.NewGuid():N}";
        using var registry = await TestRegistry.StartAsync(User, right);
        using var tmp = new TempDir("kiln-scope-it-");
        var scratch = Path.Combine(tmp.Path, "artifacts", ".work");
        var output = new StringBuilder();
        string directory;
        PublishException failure;

        using (var scope = DockerConfigScope.Create(scratch, UserConfigDirectory))
        {
            directory = scope.Directory;
            failure = Should.Throw<PublishException>(() => DockerLogin.Login($"127.0.0.1:{registry.Port}", new RegistryCredential(User, wrong), scope.Environment, new RecordingProcessRunner((c, o) => Run(c, o, output))));
        }

        failure.Message.ShouldStartWith($"docker login 127.0.0.1:{registry.Port} as {User} failed: ");
        Directory.Exists(directory).ShouldBeFalse();
        ShouldBeNowhere(wrong, scratch, output.ToString() + failure.Message);
        ShouldBeNowhere(right, scratch, output.ToString() + failure.Message);
    }

    private static string? UserConfigDirectory => DockerConfigScope.UserConfigDirectory(Environment.GetEnvironmentVariable);

    private static string Base64(string token) => new RegistryCredential(User, token).BasicHeaderValue;

    private static ProcessResult Run(CommandLine command, ProcessOptions? options, StringBuilder output)
    {
        var result = RealProcesses.Runner.Run(command, options);
        output.Append(command.Render()).Append('\n').Append(result.StandardOutput).Append(result.StandardError);
        return result;
    }

    private static void ShouldBeNowhere(string token, string scratch, string output)
    {
        foreach (var secret in new[] { token, Base64(token) })
        {
            output.ShouldNotContain(secret);
            foreach (var file in Directory.GetFiles(scratch, "*", SearchOption.AllDirectories))
            {
                File.ReadAllText(file).ShouldNotContain(secret, customMessage: file);
            }

            var userConfig = UserConfigDirectory is { } user ? Path.Combine(user, "config.json") : null;
            if (userConfig is not null && File.Exists(userConfig))
            {
                File.ReadAllText(userConfig).ShouldNotContain(secret, customMessage: userConfig);
            }
        }
    }
}
