using Build.Testing;
using Build.Tools;

namespace Build.Tests.Infra;

/// <summary>
/// The engine and registry brought up by tests/infra/up.sh. Integration tests fail (never skip) without them:
/// a missing harness must not look like a green run.
/// </summary>
public static class TestInfra
{
    private static readonly Lazy<IReadOnlyDictionary<string, string>> Values = new(Load);

    public static string RepoRoot { get; } = FindRepoRoot();

    public static string Registry => Get("KILN_TEST_REGISTRY");

    public static string BaseImage => Get("KILN_TEST_BASE");

    public static string Get(string name) =>
        Values.Value.TryGetValue(name, out var v) && v.Length > 0
            ? v
            : throw new InvalidOperationException(
                $"{name} is not set. Integration tests need a Docker engine and a loopback registry: run `eval \"$(tests/infra/up.sh)\"` or `./build.sh --target=Test`.");

    /// <summary>Runs a command, failing the test with its output when it fails.</summary>
    public static ProcessResult Run(CommandLine command, string? workingDirectory = null, IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        var result = RealProcesses.Runner.Run(command, new ProcessOptions
        {
            WorkingDirectory = workingDirectory,
            Environment = environment ?? new Dictionary<string, string?>(),
            Timeout = timeout ?? TimeSpan.FromMinutes(5),
        });
        if (!result.Succeeded)
        {
            Assert.Fail($"`{command.Render()}` exited {result.ExitCode}{(result.TimedOut ? " (timed out)" : string.Empty)}.\nstdout:\n{result.StandardOutput}\nstderr:\n{result.StandardError}");
        }

        return result;
    }

    /// <summary>
    /// Untags every local image whose reference starts with <paramref name="prefix"/>: a suite that leaves thousands of
    /// tags behind slows every later image lookup on the machine (the containerd store inspects image by image).
    /// </summary>
    public static void RemoveLocalTags(string prefix)
    {
        // The engine matches a reference filter before it measures an image: listing only the images under the prefix
        // takes under a second, where listing the shared engine's hundreds of images took 10 to 30 s per call. A glob
        // '*' does not cross '/', so one pattern per depth below the prefix; the StartsWith below stays the rule.
        var patterns = prefix.EndsWith(':')
            ? [prefix + "*"]
            : Enumerable.Range(0, 5).Select(depth => prefix + string.Concat(Enumerable.Repeat("*/", depth)) + "*").ToArray();
        var command = new CommandLine("docker").Add("image", "ls", "--format", "{{.Repository}}:{{.Tag}}");
        var list = Run(prefix.IndexOfAny(['*', '?', '[', '\\']) < 0 ? command.Add([.. patterns.SelectMany(p => new[] { "--filter", "reference=" + p })]) : command);
        var tags = list.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(t => t.StartsWith(prefix, StringComparison.Ordinal) && !t.EndsWith(":<none>", StringComparison.Ordinal))
            .ToList();
        foreach (var chunk in tags.Chunk(100))
        {
            Run(new CommandLine("docker").Add(["rmi", "--force", .. chunk]));
        }
    }

    /// <summary>A unique repository path in the test registry, so tests never see each other's tags.</summary>
    public static string UniqueRepository(string prefix) => $"kiln-test/{prefix}-{Guid.NewGuid():N}"[..Math.Min(60, prefix.Length + 10 + 32)].ToLowerInvariant();

    private static IReadOnlyDictionary<string, string> Load()
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var envFile = Path.Combine(RepoRoot, "tests", "infra", ".env");
        if (File.Exists(envFile))
        {
            foreach (var (k, v) in InfraEnvironment.Parse(File.ReadAllText(envFile)))
            {
                values[k] = v;
            }
        }

        // The environment wins over the file: `eval "$(up.sh)"` in this shell is the most recent truth.
        foreach (var name in new[] { "KILN_TEST_REGISTRY", "KILN_TEST_BASE", "KILN_DEMO_BASE", "KILN_DEBIAN_BASE", "KILN_COMPOSE", "KILN_INFRA_STATE", "KILN_ACTIONLINT" })
        {
            if (Environment.GetEnvironmentVariable(name) is { Length: > 0 } v)
            {
                values[name] = v;
            }
        }

        return values;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Kiln.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Kiln.slnx not found above the test assembly.");
    }
}

/// <summary>Copies of repository folders for tests that run the app on a tree of their own.</summary>
public static class TestTree
{
    public static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var dir in Directory.GetDirectories(from))
        {
            Copy(dir, Path.Combine(to, Path.GetFileName(dir)));
        }
    }
}

/// <summary>A temporary directory deleted at dispose.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir(string prefix = "kiln-") => Path = Directory.CreateTempSubdirectory(prefix).FullName;

    public string Path { get; }

    public string Write(string relative, string content)
    {
        var full = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        return full;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a build may still hold a file for a moment.
        }
    }
}
