using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Build.Publishing;

public sealed record PackageVersionContainer([property: JsonPropertyName("tags")] IReadOnlyList<string> Tags);

public sealed record PackageVersionMetadata(
    [property: JsonPropertyName("package_type")] string PackageType,
    [property: JsonPropertyName("container")] PackageVersionContainer? Container);

/// <summary>A GitHub Packages container version (REST API 2022-11-28). Ids exceed 2^31: long, as Octokit should have.</summary>
public sealed record PackageVersion(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("package_html_url")] string? PackageHtmlUrl,
    [property: JsonPropertyName("html_url")] string? HtmlUrl,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("updated_at")] DateTimeOffset UpdatedAt,
    [property: JsonPropertyName("metadata")] PackageVersionMetadata? Metadata)
{
    public IReadOnlyList<string> Tags => Metadata?.Container?.Tags ?? [];
}

/// <summary>
/// The few GitHub Packages calls Kiln needs (Octokit is not obtainable here): list a container package's versions,
/// following Link rel="next"; the owner is tried as an organisation, then as a user.
/// </summary>
public sealed partial class GitHubPackagesClient(HttpClient http, Uri apiBase, string token)
{
    public async Task<IReadOnlyList<PackageVersion>> ListVersionsAsync(string owner, string packageName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(packageName);
        foreach (var kind in new[] { "orgs", "users" })
        {
            var url = new Uri(apiBase, $"{kind}/{Uri.EscapeDataString(owner)}/packages/container/{Uri.EscapeDataString(packageName)}/versions?per_page=100&state=active");
            var versions = new List<PackageVersion>();
            Uri? next = url;
            var found = true;
            while (next is not null)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, next);
                request.Headers.Accept.ParseAdd("application/vnd.github+json");
                request.Headers.Add("X-GitHub-Api-Version", "2022-11-28");
                request.Headers.UserAgent.ParseAdd("kiln/1.0");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.NotFound && kind == "orgs" && versions.Count == 0)
                {
                    found = false;
                    break;
                }

                var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    var message = TryMessage(body) ?? response.ReasonPhrase;
                    throw new PublishException($"GitHub Packages API {next.GetLeftPart(UriPartial.Path)}: HTTP {(int)response.StatusCode}: {message}");
                }

                versions.AddRange(JsonSerializer.Deserialize<List<PackageVersion>>(body) ?? []);
                next = response.Headers.TryGetValues("Link", out var links) ? NextLink(string.Join(',', links)) : null;
            }

            if (found)
            {
                return versions;
            }
        }

        return [];
    }

    internal static Uri? NextLink(string header)
    {
        var m = NextPattern().Match(header);
        return m.Success ? new Uri(m.Groups[1].Value) : null;
    }

    private static string? TryMessage(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.TryGetProperty("message", out var m) ? m.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [GeneratedRegex("""<([^>]+)>\s*;\s*rel="next"(?:,|$)""")]
    private static partial Regex NextPattern();
}
