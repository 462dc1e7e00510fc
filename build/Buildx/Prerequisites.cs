using System.Text.Json;
using Build.Tools;

namespace Build.Buildx;

/// <summary>What the engine and builder can do, checked before anything is built, with errors that say what to do.</summary>
public sealed record BuilderFacts(string EngineVersion, Version BuildxVersion, string Builder, string Driver, bool ContainerdStore)
{
    /// <summary>Multiple exporters and OCI output need buildx 0.13 (and BuildKit 0.13).</summary>
    public static readonly Version MinimumBuildx = new(0, 13, 0);

    /// <summary>Can it export OCI tarballs and caches? The docker driver only with the containerd image store.</summary>
    public bool CanExportOci => Driver != "docker" || ContainerdStore;

    /// <summary>bake --allow (filesystem entitlements) exists since buildx 0.17.</summary>
    public bool HasEntitlements => BuildxVersion >= new Version(0, 17, 0);
}

public sealed class PrerequisiteException(string message) : Exception(message)
{
    public PrerequisiteException()
        : this("A prerequisite is missing.")
    {
    }

    public PrerequisiteException(string message, Exception inner)
        : this(message + " " + inner.Message)
    {
    }
}

public static class Prerequisites
{
    /// <summary>Only the engine (one fast call): enough when nothing needs building.</summary>
    /// <param name="processes">Runs the docker CLI when the engine's API does not answer.</param>
    /// <param name="environment">Where the engine is looked for (the process's environment when null).</param>
    /// <param name="askApi">False: the CLI alone answers (tests give it a fake).</param>
    public static string CheckEngine(IProcessRunner processes, Func<string, string?>? environment = null, bool askApi = true)
    {
        if (askApi && DockerEngine.TryApi(engine => engine.VersionAsync(), environment) is { } answered)
        {
            return answered;
        }

        var run = Cli(processes, environment);
        ProcessResult version;
        try
        {
            version = run(new CommandLine("docker").Add("version", "--format", "{{.Server.Version}}"));
        }
        catch (ToolNotFoundException)
        {
            throw new PrerequisiteException("The docker CLI is not installed. Install Docker with buildx >= 0.13 (on Debian: tests/infra/up.sh).");
        }

        if (!version.Succeeded || version.StandardOutput.Trim().Length == 0)
        {
            throw new PrerequisiteException($"No Docker engine answers ({FirstLine(version.StandardError)}). Start Docker, or on Debian run tests/infra/up.sh.");
        }

        return version.StandardOutput.Trim();
    }

    /// <summary>The docker CLI's plugins (buildx's version without running it) and the engine's storage driver, in one call.</summary>
    public static readonly CommandLine InfoCommand = new CommandLine("docker").Add("info", "--format", "{{json .ClientInfo.Plugins}}\n{{json .DriverStatus}}");

    /// <param name="engineVersion">The engine's version when it was already asked (else it is asked here).</param>
    public static BuilderFacts Check(string? builder, IProcessRunner processes, string? engineVersion = null, Func<string, string?>? environment = null, bool askApi = true)
    {
        var run = Cli(processes, environment);
        // Independent CLI calls: together they cost one call's time.
        var inspectTask = Task.Run(() => run(new CommandLine("docker").Add("buildx", "inspect").AddIf(builder is not null, builder ?? string.Empty)));
        var infoTask = Task.Run(() => run(InfoCommand));
        var engine = engineVersion ?? CheckEngine(processes, environment, askApi);
        var info = infoTask.GetAwaiter().GetResult();
        var lines = info.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var buildx = lines.Length > 0 ? BuildxPlugin(lines[0]) : null;
        var match = System.Text.RegularExpressions.Regex.Match(buildx ?? string.Empty, @"^v?(\d+)\.(\d+)\.(\d+)");
        if (!info.Succeeded || !match.Success)
        {
            throw new PrerequisiteException($"docker buildx is not installed. Kiln needs buildx >= {BuilderFacts.MinimumBuildx} (install the docker-buildx plugin; on Debian tests/infra/up.sh does).");
        }

        var buildxVersion = new Version(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(match.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture));
        if (buildxVersion < BuilderFacts.MinimumBuildx)
        {
            throw new PrerequisiteException($"docker buildx {buildxVersion} is older than {BuilderFacts.MinimumBuildx}, the oldest Kiln supports (it needs several exporters per build). Upgrade the docker-buildx plugin.");
        }

        var inspect = inspectTask.GetAwaiter().GetResult();
        if (!inspect.Succeeded)
        {
            throw new PrerequisiteException($"Builder '{builder ?? "default"}' is not usable: {FirstLine(inspect.StandardError)}. List builders with `docker buildx ls`.");
        }

        var driver = System.Text.RegularExpressions.Regex.Match(inspect.StandardOutput, @"Driver:\s+(\S+)").Groups[1].Value;
        var name = System.Text.RegularExpressions.Regex.Match(inspect.StandardOutput, @"Name:\s+(\S+)").Groups[1].Value;
        var containerd = false;
        if (driver == "docker")
        {
            containerd = lines.Length > 1 && lines[1].Contains("io.containerd.snapshotter", StringComparison.Ordinal);
        }

        var facts = new BuilderFacts(engine, buildxVersion, name, driver, containerd);
        if (!facts.CanExportOci)
        {
            throw new PrerequisiteException(
                $"Builder '{facts.Builder}' uses the docker driver with the classic image store, which cannot export OCI images or caches. " +
                "Turn on the containerd image store ({\"features\":{\"containerd-snapshotter\":true}} in daemon.json) or use a docker-container builder (--builder=NAME).");
        }

        return facts;
    }

    /// <summary>buildx's version from the CLI's plugin list (null when it is missing or broken).</summary>
    private static string? BuildxPlugin(string pluginsJson)
    {
        try
        {
            using var doc = JsonDocument.Parse(pluginsJson);
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            foreach (var plugin in doc.RootElement.EnumerateArray())
            {
                if (plugin.TryGetProperty("Name", out var name) && name.GetString() == "buildx")
                {
                    var broken = plugin.TryGetProperty("Err", out var err) && err.ValueKind != JsonValueKind.Null;
                    return !broken && plugin.TryGetProperty("Version", out var version) ? version.GetString() : null;
                }
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }

    private static Func<CommandLine, ProcessResult> Cli(IProcessRunner processes, Func<string, string?>? environment) =>
        c => processes.Run(c, new ProcessOptions { Timeout = TimeSpan.FromSeconds(30), Environment = DockerEngine.CliEnvironment(environment) });

    private static string FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "no output";
}

/// <summary>Git facts for OCI labels, from the git CLI (Cake.Git is not obtainable here); null outside a checkout.</summary>
public sealed record GitFacts(string Revision, DateTimeOffset CommitTime, string? Source)
{
    public static GitFacts? Read(string directory, IProcessRunner processes)
    {
        ArgumentNullException.ThrowIfNull(processes);
        ProcessResult Git(params string[] args) => processes.Run(new CommandLine("git").Add(["-C", directory, .. args]), new ProcessOptions { Timeout = TimeSpan.FromSeconds(20) });
        try
        {
            var head = Git("rev-parse", "HEAD");
            if (!head.Succeeded)
            {
                return null;
            }

            var time = Git("log", "-1", "--format=%ct");
            var remote = Git("config", "--get", "remote.origin.url");
            return new GitFacts(
                head.StandardOutput.Trim(),
                DateTimeOffset.FromUnixTimeSeconds(long.Parse(time.StandardOutput.Trim(), System.Globalization.CultureInfo.InvariantCulture)),
                remote.Succeeded ? HttpsSource(remote.StandardOutput.Trim()) : null);
        }
        catch (ToolNotFoundException)
        {
            return null;
        }
    }

    /// <summary>git@github.com:o/r.git and https://token@github.com/o/r.git both become https://github.com/o/r.</summary>
    public static string HttpsSource(string remote)
    {
        ArgumentNullException.ThrowIfNull(remote);
        var url = remote.Trim();
        var scp = System.Text.RegularExpressions.Regex.Match(url, @"^[\w.-]+@([\w.-]+):(.+)$");
        if (scp.Success)
        {
            url = $"https://{scp.Groups[1].Value}/{scp.Groups[2].Value}";
        }

        if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" or "ssh")
        {
            url = $"https://{uri.Host}{uri.AbsolutePath}";
        }

        return url.EndsWith(".git", StringComparison.Ordinal) ? url[..^4] : url;
    }
}
