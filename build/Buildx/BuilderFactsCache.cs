using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Build.Buildx;

/// <summary>
/// The builder check (`docker buildx inspect` and `docker info`: two CLI processes, ~130 ms waited on every build)
/// answered from <c>.kiln/builder-facts.json</c> while nothing it depends on changed: the engine (its ID, version
/// and storage driver, asked over the socket), the selected builder (--builder, BUILDX_BUILDER, buildx's
/// <c>current</c> and <c>instances</c>), the docker CLI's config and context, and the buildx plugin binary itself.
/// Anything else — or an engine reached without the socket — runs the real check.
/// </summary>
public static class BuilderFactsCache
{
    /// <summary>Where the docker CLI looks for plugins (besides the config directory's cli-plugins).</summary>
    public static readonly IReadOnlyList<string> PluginDirectories =
        ["/usr/local/lib/docker/cli-plugins", "/usr/local/libexec/docker/cli-plugins", "/usr/lib/docker/cli-plugins", "/usr/libexec/docker/cli-plugins"];

    private static readonly string[] Variables = ["BUILDX_BUILDER", "BUILDX_CONFIG", "DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG", "HOME"];

    /// <summary>The facts the key stands for: one line each, in a fixed order (tested: any change changes the key).</summary>
    public static IReadOnlyList<string> Inputs(string? builder, string engine, Func<string, string?> environment, Func<string, string?> readFile, Func<string, string?> stat, Func<string, IEnumerable<string>> list)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(readFile);
        ArgumentNullException.ThrowIfNull(stat);
        ArgumentNullException.ThrowIfNull(list);
        var config = environment("DOCKER_CONFIG") is { Length: > 0 } d ? d : Path.Combine(environment("HOME") ?? "/", ".docker");
        var buildx = environment("BUILDX_CONFIG") is { Length: > 0 } b ? b : Path.Combine(config, "buildx");
        var lines = new List<string> { "builder=" + builder, "engine=" + engine };
        lines.AddRange(Variables.Select(v => $"env {v}={environment(v)}"));
        lines.Add("config.json=" + Digest(readFile(Path.Combine(config, "config.json"))));
        lines.Add("buildx/current=" + Digest(readFile(Path.Combine(buildx, "current"))));
        lines.AddRange(list(Path.Combine(buildx, "instances")).Order(StringComparer.Ordinal).Select(i => $"instance {Path.GetFileName(i)} {stat(i)} {Digest(readFile(i))}"));
        lines.AddRange(PluginDirectories.Prepend(Path.Combine(config, "cli-plugins")).Select(dir => Path.Combine(dir, "docker-buildx")).Select(p => $"plugin {p} {stat(p)}"));
        return lines;
    }

    public static string Key(IReadOnlyList<string> inputs) => Digest(string.Join('\n', inputs))!;

    /// <summary>The remembered facts for <paramref name="key"/>, else <paramref name="check"/>'s (remembered for next time).</summary>
    public static BuilderFacts GetOrCheck(string cacheFile, string? key, Func<BuilderFacts> check)
    {
        ArgumentNullException.ThrowIfNull(check);
        if (key is not null && Read(cacheFile, key) is { } cached)
        {
            return cached;
        }

        var facts = check();
        if (key is not null)
        {
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(cacheFile)!);
                IO.AtomicFile.WriteAllText(cacheFile, JsonSerializer.Serialize(new Entry(key, facts.EngineVersion, facts.BuildxVersion.ToString(), facts.Builder, facts.Driver, facts.ContainerdStore)) + "\n");
            }
            catch (IOException)
            {
                // A read-only checkout only loses the shortcut.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return facts;
    }

    /// <summary>This process's key: null when the engine is not reached over its socket (then nothing is remembered).</summary>
    public static string? KeyForEnvironment(string? builder, Func<string, string?>? environment = null)
    {
        var engine = DockerEngine.TryApi(e => e.IdentityAsync(), environment);
        if (engine is null)
        {
            return null;
        }

        return Key(Inputs(
            builder,
            engine,
            environment ?? KilnEnvironment.Process,
            p => File.Exists(p) ? File.ReadAllText(p) : null,
            p => File.Exists(p) ? $"{new FileInfo(p).Length}:{File.GetLastWriteTimeUtc(p).Ticks}" : null,
            d => Directory.Exists(d) ? Directory.EnumerateFiles(d) : []));
    }

    private static BuilderFacts? Read(string cacheFile, string key)
    {
        try
        {
            var entry = File.Exists(cacheFile) ? JsonSerializer.Deserialize<Entry>(File.ReadAllText(cacheFile)) : null;
            return entry is not null && entry.Key == key && Version.TryParse(entry.Buildx, out var buildx)
                ? new BuilderFacts(entry.Engine, buildx, entry.Builder, entry.Driver, entry.Containerd)
                : null;
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? Digest(string? text) => text is null ? null : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private sealed record Entry(string Key, string Engine, string Buildx, string Builder, string Driver, bool Containerd);
}
