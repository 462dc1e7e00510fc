using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Build.Tools;

namespace Build.Buildx;

/// <summary>
/// The two questions every Bake run asks the engine — is it there, which of these tags does it hold — answered over
/// the engine's API socket: one in-process round trip per question instead of a docker CLI process (~20–60 ms each,
/// and `docker image inspect a b c` asks one by one). When the engine is reached any other way (tcp://, ssh://, a
/// docker context) or the socket is not there, the docker CLI answers instead, with its own error messages.
/// </summary>
public sealed class DockerEngine : IDisposable
{
    private readonly HttpClient _http;

    private DockerEngine(string socketPath)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        _http = new HttpClient(handler) { BaseAddress = new Uri("http://docker/"), Timeout = TimeSpan.FromSeconds(15) };
    }

    /// <summary>
    /// The engine's unix socket when the docker CLI would use it too: DOCKER_HOST unset or unix://, and no docker
    /// context other than "default" (DOCKER_CONTEXT or the config's currentContext). Null otherwise.
    /// </summary>
    public static string? ResolveSocket(Func<string, string?> environment, Func<string, string?> readFile)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(readFile);
        if (environment("DOCKER_HOST") is { Length: > 0 } host)
        {
            return host.StartsWith("unix://", StringComparison.Ordinal) ? host["unix://".Length..] : null;
        }

        if (environment("DOCKER_CONTEXT") is { Length: > 0 } context && context != "default")
        {
            return null;
        }

        var configDirectory = environment("DOCKER_CONFIG") is { Length: > 0 } d ? d : Path.Combine(environment("HOME") ?? "/", ".docker");
        if (readFile(Path.Combine(configDirectory, "config.json")) is { } config)
        {
            try
            {
                using var doc = JsonDocument.Parse(config);
                if (doc.RootElement.ValueKind == JsonValueKind.Object &&
                    doc.RootElement.TryGetProperty("currentContext", out var current) &&
                    current.GetString() is { Length: > 0 } name && name != "default")
                {
                    return null;
                }
            }
            catch (JsonException)
            {
                // The CLI reports a broken config itself.
                return null;
            }
        }

        return "/var/run/docker.sock";
    }

    /// <summary>
    /// An API client for <paramref name="environment"/> (the process's when null), or null when the CLI must answer
    /// (see <see cref="ResolveSocket"/>).
    /// </summary>
    public static DockerEngine? ForEnvironment(Func<string, string?>? environment = null)
    {
        var socket = ResolveSocket(environment ?? KilnEnvironment.Process, p => File.Exists(p) ? File.ReadAllText(p) : null);
        return socket is not null && File.Exists(socket) ? new DockerEngine(socket) : null;
    }

    /// <summary>The variables that choose the engine the docker CLI talks to, and its configuration.</summary>
    private static readonly string[] EngineVariables = ["DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"];

    /// <summary>
    /// What a docker CLI child is given so that it reaches the engine the API client resolved from
    /// <paramref name="environment"/>; nothing when null (the child inherits the process's environment).
    /// </summary>
    public static IReadOnlyDictionary<string, string?> CliEnvironment(Func<string, string?>? environment) =>
        environment is null ? new Dictionary<string, string?>() : EngineVariables.ToDictionary(name => name, environment, StringComparer.Ordinal);

    /// <summary>The engine's version (GET /version).</summary>
    public async Task<string> VersionAsync(CancellationToken cancellationToken = default)
    {
        using var response = await _http.GetAsync(new Uri("version", UriKind.Relative), cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        return doc.RootElement.GetProperty("Version").GetString() ?? throw new InvalidDataException("GET /version has no Version.");
    }

    /// <summary>Who the engine is (GET /info: its ID, version and storage driver status), as one line.</summary>
    public async Task<string> IdentityAsync(CancellationToken cancellationToken = default)
    {
        using var response = await _http.GetAsync(new Uri("info", UriKind.Relative), cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        var root = doc.RootElement;
        string Text(string name) => root.TryGetProperty(name, out var v) ? v.ToString() : string.Empty;
        return $"{Text("ID")} {Text("ServerVersion")} {Text("Driver")} {Text("DriverStatus")}";
    }

    /// <summary>The image ID each reference names in the engine's store; references it does not hold are left out.</summary>
    public async Task<IReadOnlyDictionary<string, string>> ImageIdsAsync(IEnumerable<string> references, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(references);
        var found = await Task.WhenAll(references.Distinct(StringComparer.Ordinal).Select(async reference =>
        {
            // The engine routes /images/{name:.*}/…: a reference's '/' and ':' go in the path as they are. The
            // history's newest entry carries the image ID, and with the containerd store it costs the engine a third
            // of an inspect, which also sums every layer's size (measured: 10 against 30 ms per image).
            using var history = await GetImageJsonAsync($"images/{reference}/history", cancellationToken).ConfigureAwait(false);
            if (history is null)
            {
                return (reference, Id: (string?)null);
            }

            if (history.RootElement.ValueKind == JsonValueKind.Array && history.RootElement.GetArrayLength() > 0
                && history.RootElement[0].TryGetProperty("Id", out var top) && top.GetString() is { } id && id.StartsWith("sha256:", StringComparison.Ordinal))
            {
                return (reference, Id: id);
            }

            using var inspect = await GetImageJsonAsync($"images/{reference}/json", cancellationToken).ConfigureAwait(false);
            return (reference, Id: inspect?.RootElement.GetProperty("Id").GetString());
        })).ConfigureAwait(false);
        return found.Where(f => f.Id is not null).ToDictionary(f => f.reference, f => f.Id!, StringComparer.Ordinal);
    }

    /// <summary>
    /// The image events the engine still holds in memory from <paramref name="sinceNano"/> (0: all of them) up to
    /// <paramref name="until"/>, oldest first: with both bounds GET /events answers from that buffer and ends instead
    /// of streaming on. The buffer is one sequence for every kind of event, so an image event found in it proves that
    /// every image event since is there too.
    /// </summary>
    public async Task<IReadOnlyList<EngineEvent>> ImageEventsAsync(long sinceNano, DateTimeOffset until, CancellationToken cancellationToken = default)
    {
        var since = sinceNano == 0 ? "0" : $"{sinceNano / 1_000_000_000}.{sinceNano % 1_000_000_000:D9}";
        var seconds = (until.ToUnixTimeMilliseconds() / 1000.0).ToString("0.000", System.Globalization.CultureInfo.InvariantCulture);
        using var response = await _http.GetAsync(new Uri($"events?since={since}&until={seconds}&filters=%7B%22type%22%3A%5B%22image%22%5D%7D", UriKind.Relative), cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var events = new List<EngineEvent>();
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { AllowMultipleValues = true });
        while (reader.Read())
        {
            using var doc = JsonDocument.ParseValue(ref reader);
            var e = doc.RootElement;
            var actor = e.TryGetProperty("Actor", out var a) ? a : default;
            var name = actor.ValueKind == JsonValueKind.Object && actor.TryGetProperty("Attributes", out var attributes)
                && attributes.ValueKind == JsonValueKind.Object && attributes.TryGetProperty("name", out var n) ? n.GetString() : null;
            events.Add(new EngineEvent(
                e.TryGetProperty("timeNano", out var t) ? t.GetInt64() : 0,
                e.TryGetProperty("Type", out var type) ? type.GetString() ?? string.Empty : string.Empty,
                e.TryGetProperty("Action", out var action) ? action.GetString() ?? string.Empty : string.Empty,
                actor.ValueKind == JsonValueKind.Object && actor.TryGetProperty("ID", out var id) ? id.GetString() ?? string.Empty : string.Empty,
                name));
        }

        return events;
    }

    /// <summary>
    /// One label of each image the store holds ("" when the image has no such label), with the ID of the image that
    /// answered (one response: a tag that moves meanwhile cannot pair one image's ID with another's label); the
    /// references it does not hold are left out.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, ImageLabel>> ImageLabelsAsync(IEnumerable<string> references, string label, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(references);
        var found = await Task.WhenAll(references.Distinct(StringComparer.Ordinal).Select(async reference =>
        {
            using var inspect = await GetImageJsonAsync($"images/{reference}/json", cancellationToken).ConfigureAwait(false);
            if (inspect is null)
            {
                return (reference, Value: (ImageLabel?)null);
            }

            var root = inspect.RootElement;
            var value = root.TryGetProperty("Config", out var config) && config.ValueKind == JsonValueKind.Object
                && config.TryGetProperty("Labels", out var labels) && labels.ValueKind == JsonValueKind.Object
                && labels.TryGetProperty(label, out var v) ? v.GetString() ?? string.Empty : string.Empty;
            return (reference, Value: (ImageLabel?)new ImageLabel(root.TryGetProperty("Id", out var id) ? id.GetString() ?? string.Empty : string.Empty, value));
        })).ConfigureAwait(false);
        return found.Where(f => f.Value is not null).ToDictionary(f => f.reference, f => f.Value!, StringComparer.Ordinal);
    }

    /// <summary>
    /// <see cref="ImageLabelsAsync"/> over the socket when the API answers, else `docker image inspect` per reference.
    /// Never throws: no engine means no local images.
    /// </summary>
    public static IReadOnlyDictionary<string, ImageLabel> LocalLabels(IReadOnlyList<string> references, string label, IProcessRunner processes, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(references);
        ArgumentNullException.ThrowIfNull(processes);
        if (references.Count == 0)
        {
            return new Dictionary<string, ImageLabel>();
        }

        if (TryApi(engine => engine.ImageLabelsAsync(references, label), environment) is { } answered)
        {
            return answered;
        }

        var found = new Dictionary<string, ImageLabel>(StringComparer.Ordinal);
        try
        {
            foreach (var reference in references.Distinct(StringComparer.Ordinal))
            {
                var inspect = processes.Run(
                    new CommandLine("docker").Add("image", "inspect", "--format", $"{{{{.Id}}}} {{{{index .Config.Labels \"{label}\"}}}}", reference),
                    new ProcessOptions { Timeout = TimeSpan.FromSeconds(30), Environment = CliEnvironment(environment) });
                if (inspect.Succeeded && inspect.StandardOutput.Trim() is var line && line.IndexOf(' ', StringComparison.Ordinal) is var space and > 0)
                {
                    var value = line[(space + 1)..].Trim();
                    found[reference] = new ImageLabel(line[..space], value == "<no value>" ? string.Empty : value);
                }
            }
        }
        catch (ToolNotFoundException)
        {
            // No docker CLI: nothing is local.
        }

        return found;
    }

    /// <summary>GET an image endpoint: its JSON, or null when the engine does not hold the image (404).</summary>
    private async Task<JsonDocument?> GetImageJsonAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri(path, UriKind.Relative), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
    }

    public void Dispose() => _http.Dispose();

    /// <summary>
    /// Asks the engine's API when this environment reaches it over a socket; null when it does not, or when the
    /// request fails — the caller then runs the docker CLI, which has the engine's own words for what is wrong.
    /// </summary>
    public static T? TryApi<T>(Func<DockerEngine, Task<T>> ask, Func<string, string?>? environment = null)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(ask);
        using var engine = ForEnvironment(environment);
        if (engine is null)
        {
            return null;
        }

        try
        {
            return ask(engine).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or InvalidOperationException or KeyNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// <see cref="LocalImages(IReadOnlyList{string}, IProcessRunner, Func{string, string})"/>, asking the store only about what the record at
    /// <paramref name="recordPath"/> cannot vouch for (see <see cref="LocalStoreRecord"/>), and recording this answer for
    /// the next run.
    /// </summary>
    public static LocalStoreView LocalImages(IReadOnlyList<string> references, string recordPath, IProcessRunner processes, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(references);
        var answer = references.Count == 0 ? null : TryApi(async engine =>
        {
            // Only the events from the last run's watermark on: usually a handful, where the whole buffer is 256
            // events of ~1 KB (image events carry every label).
            var record = LocalStoreRecord.Read(recordPath);
            var events = await engine.ImageEventsAsync(record?.Watermark.TimeNano ?? 0, DateTimeOffset.UtcNow).ConfigureAwait(false);
            var trusted = LocalStoreRecord.Trusted(record, events) ?? new Dictionary<string, string>();
            var unknown = references.Where(r => !trusted.ContainsKey(r)).ToList();
            var known = new Dictionary<string, string>(trusted, StringComparer.Ordinal);
            foreach (var (reference, id) in unknown.Count == 0 ? new Dictionary<string, string>() : await engine.ImageIdsAsync(unknown).ConfigureAwait(false))
            {
                known[reference] = id;
            }

            if (events.Count > 0)
            {
                try
                {
                    new LocalStoreRecord(events[^1], known).Write(recordPath);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // Without a record the next run asks the store about every image: slower, never wrong.
                }
            }

            var wanted = references.ToHashSet(StringComparer.Ordinal);
            return new LocalStoreView(known.Where(kv => wanted.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal), known, unknown.Count);
        }, environment);
        if (answer is not null)
        {
            return answer;
        }

        var found = LocalImages(references, processes, environment);
        return new LocalStoreView(found, found, references.Count);
    }

    /// <summary>
    /// Which of <paramref name="references"/> the local store holds (reference → image ID): the API when it answers,
    /// else one `docker image inspect`. Never throws: a missing engine means "none", and Bake's engine check says why.
    /// </summary>
    /// <param name="references">The image references to look for.</param>
    /// <param name="processes">Runs the docker CLI when the API does not answer.</param>
    /// <param name="environment">Where the engine is looked for (the process's environment when null).</param>
    public static IReadOnlyDictionary<string, string> LocalImages(IReadOnlyList<string> references, IProcessRunner processes, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(references);
        ArgumentNullException.ThrowIfNull(processes);
        if (references.Count == 0)
        {
            return new Dictionary<string, string>();
        }

        if (TryApi(engine => engine.ImageIdsAsync(references), environment) is { } answered)
        {
            return answered;
        }

        try
        {
            var inspect = processes.Run(
                new CommandLine("docker").Add("image", "inspect", "--format", "{{.Id}}{{range .RepoTags}} {{.}}{{end}}").Add([.. references]),
                new ProcessOptions { Timeout = TimeSpan.FromSeconds(60), Environment = CliEnvironment(environment) });
            var found = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var line in inspect.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = line.Split(' ');
                foreach (var tag in parts.Skip(1).Where(references.Contains))
                {
                    found[tag] = parts[0];
                }
            }

            return found;
        }
        catch (ToolNotFoundException)
        {
            return new Dictionary<string, string>();
        }
    }
}
