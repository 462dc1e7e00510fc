using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Build.Registry;

public sealed record RegistryClientOptions
{
    /// <summary>Retries after the first attempt, for 429, 5xx, connection failures and per-attempt time-outs.</summary>
    public int MaxRetries { get; init; } = 3;

    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Each attempt's bound; an unreachable registry costs at most (MaxRetries + 1) of these plus backoff.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest Retry-After that is honoured as given; longer waits are capped to this.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(30);

    public Func<string, RegistryCredential?> Credentials { get; init; } = _ => null;

    /// <summary>Registries (host:port) spoken to over plain HTTP besides loopback ones.</summary>
    public IReadOnlySet<string> InsecureRegistries { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
}

/// <summary>What HEAD or GET of a manifest says: its digest, media type and size.</summary>
public sealed record ManifestInfo(string Digest, string MediaType, long Size);

/// <summary>What a manifest PUT stored: its digest, and whether the registry indexes its subject (OCI-Subject).</summary>
public sealed record ManifestPut(string Digest, bool ReferrersApi);

public sealed record ManifestContent(ManifestInfo Info, byte[] Bytes)
{
    public JsonDocument Parse() => JsonDocument.Parse(Bytes);
}

/// <summary>
/// A small OCI distribution client (no registry SDK is obtainable here): manifests with all four manifest media
/// types, tags with Link pagination, blobs, the bearer-token challenge flow, retries with backoff and Retry-After.
/// </summary>
public sealed partial class OciRegistryClient : IDisposable
{
    public const string ManifestAccept =
        "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, " +
        "application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json";

    private readonly HttpClient _http;
    private readonly RegistryClientOptions _options;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly ResiliencePipeline<HttpResponseMessage> _oneShot;
    private readonly ConcurrentDictionary<string, AuthenticationHeaderValue> _auth = new(StringComparer.Ordinal);

    public OciRegistryClient(RegistryClientOptions? options = null, HttpMessageHandler? handler = null)
    {
        _options = options ?? new RegistryClientOptions();
        _http = new HttpClient(handler ?? new SocketsHttpHandler { ConnectTimeout = _options.AttemptTimeout, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("kiln/1.0");
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>();
        if (_options.MaxRetries > 0)
        {
            pipeline.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = _options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _options.BaseDelay,
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutRejectedException>()
                    .HandleResult(r => r.StatusCode == HttpStatusCode.TooManyRequests || (int)r.StatusCode >= 500),
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result)),
                OnRetry = args =>
                {
                    args.Outcome.Result?.Dispose();
                    return ValueTask.CompletedTask;
                },
            });
        }

        _pipeline = pipeline.AddTimeout(_options.AttemptTimeout).Build();
        _oneShot = new ResiliencePipelineBuilder<HttpResponseMessage>().AddTimeout(_options.AttemptTimeout).Build();
    }

    public void Dispose() => _http.Dispose();

    /// <summary>
    /// Opens the connection and settles authentication (token fetch or basic) for pulling from this repository, so the
    /// requests that matter start on a warm connection; run it while there is other work to do. Never throws: the
    /// real requests report whatever is wrong.
    /// </summary>
    public async Task PrepareAsync(ImageName repository, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        try
        {
            // One attempt, no retries: when the registry is down, the real requests' retries are the only wait.
            using var response = await SendAsync(repository, null, HttpMethod.Get, "tags/list?n=1", "application/json", cancellationToken, retry: false).ConfigureAwait(false);
        }
        catch (RegistryException)
        {
            // Reported by the requests that follow.
        }
    }

    /// <summary>HEAD of a manifest: its digest (Docker-Content-Digest), or null when the registry does not have it.</summary>
    public async Task<ManifestInfo?> HeadManifestAsync(ImageName repository, string reference, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        using var response = await SendAsync(repository, reference, HttpMethod.Head, $"manifests/{reference}", ManifestAccept, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        await EnsureSuccessAsync(response, repository, reference, cancellationToken).ConfigureAwait(false);
        var digest = DigestHeader(response);
        if (digest is null)
        {
            // Older registries may omit the header on HEAD; the digest of the body is the truth.
            var content = await GetManifestAsync(repository, reference, cancellationToken).ConfigureAwait(false);
            return content?.Info;
        }

        return new ManifestInfo(digest, MediaType(response), response.Content.Headers.ContentLength ?? 0);
    }

    public async Task<bool> ManifestExistsAsync(ImageName repository, string reference, CancellationToken cancellationToken = default) =>
        await HeadManifestAsync(repository, reference, cancellationToken).ConfigureAwait(false) is not null;

    /// <summary>GET of a manifest or index with its bytes; null on 404. The digest is verified against the body.</summary>
    public async Task<ManifestContent?> GetManifestAsync(ImageName repository, string reference, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        using var response = await SendAsync(repository, reference, HttpMethod.Get, $"manifests/{reference}", ManifestAccept, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        await EnsureSuccessAsync(response, repository, reference, cancellationToken).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var computed = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
        var header = DigestHeader(response);
        if (header is not null && header.StartsWith("sha256:", StringComparison.Ordinal) && header != computed)
        {
            throw new RegistryException(repository.Registry, repository.Repository, reference, response.StatusCode, "DIGEST_INVALID", $"the manifest's bytes hash to {computed}, not to the Docker-Content-Digest {header}");
        }

        return new ManifestContent(new ManifestInfo(header ?? computed, MediaType(response), bytes.LongLength), bytes);
    }

    /// <summary>
    /// Points <paramref name="tag"/> at the manifest <paramref name="digest"/> of the same repository: the manifest's
    /// own bytes are PUT under the new tag, so the tag names exactly that digest (no local image, no re-push of blobs).
    /// </summary>
    public async Task<string> TagManifestAsync(ImageName repository, string digest, string tag, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        var manifest = await GetManifestAsync(repository, digest, cancellationToken).ConfigureAwait(false)
            ?? throw new RegistryException(repository.Registry, repository.Repository, digest, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN", "the manifest to tag is not in the repository");
        using var response = await SendAsync(repository, tag, HttpMethod.Put, $"manifests/{tag}", ManifestAccept, cancellationToken, content: () => Content(manifest.Bytes, manifest.Info.MediaType)).ConfigureAwait(false);
        await EnsureSuccessAsync(response, repository, tag, cancellationToken).ConfigureAwait(false);
        var written = DigestHeader(response) ?? manifest.Info.Digest;
        if (written != digest)
        {
            throw new RegistryException(repository.Registry, repository.Repository, tag, response.StatusCode, "DIGEST_INVALID", $"the registry stored {written} under the tag, not {digest}");
        }

        return written;
    }

    /// <summary>
    /// PUTs a manifest (or index) under a tag or its own digest and returns the digest the registry stored it as.
    /// <see cref="ManifestPut.ReferrersApi"/>: the registry answered with OCI-Subject, so it indexes the manifest's
    /// subject itself and no referrers tag is needed.
    /// </summary>
    public async Task<ManifestPut> PutManifestAsync(ImageName repository, string reference, byte[] bytes, string mediaType, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(bytes);
        using var response = await SendAsync(repository, reference, HttpMethod.Put, $"manifests/{reference}", ManifestAccept, cancellationToken, content: () => Content(bytes, mediaType)).ConfigureAwait(false);
        await EnsureSuccessAsync(response, repository, reference, cancellationToken).ConfigureAwait(false);
        var computed = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
        var written = DigestHeader(response) ?? computed;
        if (written != computed)
        {
            throw new RegistryException(repository.Registry, repository.Repository, reference, response.StatusCode, "DIGEST_INVALID", $"the registry stored {written}, not {computed}");
        }

        return new ManifestPut(written, response.Headers.Contains("OCI-Subject"));
    }

    /// <summary>Whether the repository holds a blob (HEAD).</summary>
    public async Task<bool> BlobExistsAsync(ImageName repository, string digest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        using var response = await SendAsync(repository, digest, HttpMethod.Head, $"blobs/{digest}", "*/*", cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        await EnsureSuccessAsync(response, repository, digest, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Uploads a small blob in one request (POST for an upload session, then PUT of the bytes with their digest);
    /// nothing is sent when the repository already has it. Returns the blob's digest.
    /// </summary>
    public async Task<string> PutBlobAsync(ImageName repository, byte[] bytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(bytes);
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (await BlobExistsAsync(repository, digest, cancellationToken).ConfigureAwait(false))
        {
            return digest;
        }

        string location;
        using (var start = await SendAsync(repository, digest, HttpMethod.Post, "blobs/uploads/", "*/*", cancellationToken).ConfigureAwait(false))
        {
            await EnsureSuccessAsync(start, repository, digest, cancellationToken).ConfigureAwait(false);
            location = start.Headers.Location?.OriginalString
                ?? throw new RegistryException(repository.Registry, repository.Repository, digest, start.StatusCode, "BLOB_UPLOAD_INVALID", "the registry started an upload without a Location");
        }

        var target = location + (location.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "digest=" + Uri.EscapeDataString(digest);
        using var put = await SendAsync(repository, digest, HttpMethod.Put, target, "*/*", cancellationToken, content: () => Content(bytes, "application/octet-stream")).ConfigureAwait(false);
        await EnsureSuccessAsync(put, repository, digest, cancellationToken).ConfigureAwait(false);
        return digest;
    }

    /// <summary>
    /// The referrers API's index for a manifest (filtered by artifact type when given), or null when the registry has
    /// no such API (it answers 404: Distribution 2.8 does) — then the referrers tag is where to look.
    /// </summary>
    public async Task<byte[]?> GetReferrersAsync(ImageName repository, string digest, string? artifactType = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        var path = $"referrers/{digest}" + (artifactType is null ? string.Empty : "?artifactType=" + Uri.EscapeDataString(artifactType));
        using var response = await SendAsync(repository, digest, HttpMethod.Get, path, "application/vnd.oci.image.index.v1+json", cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed or HttpStatusCode.BadRequest)
        {
            return null;
        }

        await EnsureSuccessAsync(response, repository, digest, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<byte[]> GetBlobAsync(ImageName repository, string digest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        using var response = await SendAsync(repository, digest, HttpMethod.Get, $"blobs/{digest}", "*/*", cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, repository, digest, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every tag of a repository, following the registry's Link headers (RFC 5988) page by page.</summary>
    public async IAsyncEnumerable<string> ListTagsAsync(ImageName repository, int pageSize = 100, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        string? path = $"tags/list?n={pageSize}";
        while (path is not null)
        {
            using var response = await SendAsync(repository, null, HttpMethod.Get, path, "application/json", cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                yield break;
            }

            await EnsureSuccessAsync(response, repository, null, cancellationToken).ConfigureAwait(false);
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            if (doc.RootElement.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Array)
            {
                foreach (var tag in tags.EnumerateArray())
                {
                    yield return tag.GetString()!;
                }
            }

            path = NextLink(response, repository);
        }
    }

    /// <summary>The path of the next page from a Link: &lt;/v2/name/tags/list?n=2&amp;last=b&gt;; rel="next" header.</summary>
    internal static string? NextLink(HttpResponseMessage response, ImageName repository)
    {
        if (!response.Headers.TryGetValues("Link", out var links))
        {
            return null;
        }

        foreach (var link in links)
        {
            var m = LinkPattern().Match(link);
            if (m.Success)
            {
                var target = m.Groups[1].Value;
                var prefix = $"/v2/{repository.Repository}/";
                // On Unix "/v2/…" parses as an absolute file:// URI (losing the query), so rooted paths go first.
                var pathAndQuery = target.StartsWith('/') ? target : Uri.TryCreate(target, UriKind.Absolute, out var abs) ? abs.PathAndQuery : target;
                return pathAndQuery.StartsWith(prefix, StringComparison.Ordinal) ? pathAndQuery[prefix.Length..] : null;
            }
        }

        return null;
    }

    public Uri BaseUri(ImageName repository)
    {
        ArgumentNullException.ThrowIfNull(repository);
        var plain = repository.IsLoopback || _options.InsecureRegistries.Contains(repository.Registry);
        return new Uri($"{(plain ? "http" : "https")}://{repository.Registry}/v2/{repository.Repository}/");
    }

    private async Task<HttpResponseMessage> SendAsync(ImageName repository, string? reference, HttpMethod method, string path, string accept, CancellationToken cancellationToken, bool retry = true, Func<HttpContent>? content = null)
    {
        var writes = method == HttpMethod.Put || method == HttpMethod.Post;
        var scope = $"repository:{repository.Repository}:{(writes ? "pull,push" : "pull")}";
        var uri = new Uri(BaseUri(repository), path);
        var key = repository.Registry + " " + scope;
        var response = await SendWithRetriesAsync(() => Request(method, uri, accept, _auth.GetValueOrDefault(key), content), repository, reference, cancellationToken, retry).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized || response.Headers.WwwAuthenticate.Count == 0)
        {
            return response;
        }

        var challenge = response.Headers.WwwAuthenticate.First();
        response.Dispose();
        var credential = _options.Credentials(repository.Registry);
        AuthenticationHeaderValue header;
        if (string.Equals(challenge.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase))
        {
            var token = await FetchTokenAsync(repository, reference, ParseChallenge(challenge.Parameter ?? string.Empty), scope, credential, cancellationToken, retry).ConfigureAwait(false);
            header = new AuthenticationHeaderValue("Bearer", token);
        }
        else if (string.Equals(challenge.Scheme, "Basic", StringComparison.OrdinalIgnoreCase) && credential is not null)
        {
            header = new AuthenticationHeaderValue("Basic", credential.BasicHeaderValue);
        }
        else
        {
            throw new RegistryException(repository.Registry, repository.Repository, reference, HttpStatusCode.Unauthorized, "UNAUTHORIZED",
                "the registry asks for credentials and none are configured: set KILN_REGISTRY_USER/KILN_REGISTRY_TOKEN (or GITHUB_TOKEN for ghcr.io), or `docker login`");
        }

        _auth[key] = header;
        return await SendWithRetriesAsync(() => Request(method, uri, accept, header, content), repository, reference, cancellationToken, retry).ConfigureAwait(false);
    }

    private async Task<string> FetchTokenAsync(ImageName repository, string? reference, IReadOnlyDictionary<string, string> challenge, string scope, RegistryCredential? credential, CancellationToken cancellationToken, bool retry)
    {
        if (!challenge.TryGetValue("realm", out var realm))
        {
            throw new RegistryException(repository.Registry, repository.Repository, reference, HttpStatusCode.Unauthorized, "UNAUTHORIZED", "the Bearer challenge has no realm");
        }

        var query = new List<string>();
        if (challenge.TryGetValue("service", out var service))
        {
            query.Add("service=" + Uri.EscapeDataString(service));
        }

        query.Add("scope=" + Uri.EscapeDataString(challenge.TryGetValue("scope", out var s) ? s : scope));
        var tokenUri = new Uri(realm + (realm.Contains('?', StringComparison.Ordinal) ? "&" : "?") + string.Join('&', query));
        using var response = await SendWithRetriesAsync(
            () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Get, tokenUri);
                if (credential is not null)
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Basic", credential.BasicHeaderValue);
                }

                return request;
            },
            repository,
            reference,
            cancellationToken,
            retry).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var (code, message) = RegistryException.ParseErrorBody(body);
            throw new RegistryException(repository.Registry, repository.Repository, reference, response.StatusCode, code ?? (response.StatusCode == HttpStatusCode.Forbidden ? "DENIED" : "UNAUTHORIZED"),
                $"the token service {tokenUri.GetLeftPart(UriPartial.Path)} refused: {message ?? response.ReasonPhrase}");
        }

        using var doc = JsonDocument.Parse(body);
        foreach (var name in new[] { "token", "access_token" })
        {
            if (doc.RootElement.TryGetProperty(name, out var t) && t.GetString() is { Length: > 0 } token)
            {
                return token;
            }
        }

        throw new RegistryException(repository.Registry, repository.Repository, reference, response.StatusCode, "UNAUTHORIZED", "the token service answered without a token");
    }

    private async Task<HttpResponseMessage> SendWithRetriesAsync(Func<HttpRequestMessage> request, ImageName repository, string? reference, CancellationToken cancellationToken, bool retry = true)
    {
        try
        {
            return await (retry ? _pipeline : _oneShot).ExecuteAsync(
                async ct =>
                {
                    using var message = request();
                    return await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException)
        {
            var why = ex is TimeoutRejectedException ? $"no answer within {_options.AttemptTimeout.TotalSeconds:0.#} s" : ex.Message;
            throw new RegistryException(repository.Registry, repository.Repository, reference, null, null,
                $"unreachable after {_options.MaxRetries + 1} attempts: {why}", ex);
        }
    }

    private static HttpRequestMessage Request(HttpMethod method, Uri uri, string accept, AuthenticationHeaderValue? auth, Func<HttpContent>? content = null)
    {
        var request = new HttpRequestMessage(method, uri);
        request.Headers.Accept.ParseAdd(accept);
        request.Headers.Authorization = auth;
        // A new body per attempt: a retried request must not reuse a content already sent.
        request.Content = content?.Invoke();
        return request;
    }

    private static ByteArrayContent Content(byte[] bytes, string mediaType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return content;
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, ImageName repository, string? reference, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var body = response.Content is null ? string.Empty : await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var (code, message) = RegistryException.ParseErrorBody(body);
        code ??= response.StatusCode switch
        {
            HttpStatusCode.Unauthorized => "UNAUTHORIZED",
            HttpStatusCode.Forbidden => "DENIED",
            HttpStatusCode.TooManyRequests => "TOOMANYREQUESTS",
            HttpStatusCode.NotFound => "NAME_UNKNOWN",
            _ => null,
        };
        throw new RegistryException(repository.Registry, repository.Repository, reference, response.StatusCode, code, message ?? response.ReasonPhrase ?? "request failed");
    }

    private TimeSpan? RetryAfter(HttpResponseMessage? response)
    {
        var retryAfter = response?.Headers.RetryAfter;
        if (retryAfter is null)
        {
            return null;
        }

        var wait = retryAfter.Delta ?? (retryAfter.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        return wait is null ? null : TimeSpan.FromTicks(Math.Clamp(wait.Value.Ticks, 0, _options.MaxRetryAfter.Ticks));
    }

    private static string? DigestHeader(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Docker-Content-Digest", out var values) ? values.FirstOrDefault() : null;

    private static string MediaType(HttpResponseMessage response) => response.Content.Headers.ContentType?.MediaType ?? string.Empty;

    /// <summary>Parses realm="…",service="…",scope="…" (commas inside quotes belong to the value).</summary>
    internal static IReadOnlyDictionary<string, string> ParseChallenge(string parameter)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (Match m in ChallengePattern().Matches(parameter))
        {
            result[m.Groups["key"].Value] = m.Groups["quoted"].Success ? m.Groups["quoted"].Value : m.Groups["bare"].Value;
        }

        return result;
    }

    [GeneratedRegex("""(?<key>[A-Za-z_]+)=(?:"(?<quoted>[^"]*)"|(?<bare>[^,\s]*))""")]
    private static partial Regex ChallengePattern();

    [GeneratedRegex("""<([^>]+)>\s*;\s*rel="?next"?""")]
    private static partial Regex LinkPattern();
}
