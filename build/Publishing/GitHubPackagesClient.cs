using System.Net;
using Octokit;
using Octokit.Internal;

namespace Build.Publishing;

/// <summary>One version of a GitHub Packages container package: for containers the name is the manifest digest.</summary>
public sealed record PackageVersion(long Id, string Name, string? HtmlUrl, IReadOnlyList<string> Tags, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>
/// Lists a container package's versions through Octokit: the owner is tried as an organisation, then as a user
/// (GitHub answers 404 for the kind the owner is not); every page is read.
/// </summary>
public sealed class GitHubPackagesClient(IGitHubClient github)
{
    /// <summary>
    /// A client on <paramref name="apiBase"/> as given: <see cref="Connection"/> keeps the address, whereas
    /// GitHubClient(product, uri) would append /api/v3/ to any host but github.com (the GHES path).
    /// </summary>
    public static GitHubPackagesClient Create(Uri apiBase, string token, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(apiBase);
        ArgumentException.ThrowIfNullOrEmpty(token);
        var connection = new Connection(new ProductHeaderValue("kiln"), apiBase, new InMemoryCredentialStore(new Credentials(token, AuthenticationType.Bearer)));
        connection.SetRequestTimeout(timeout);
        return new GitHubPackagesClient(new GitHubClient(connection));
    }

    /// <summary>Octokit takes no cancellation token here: a cancelled caller stops waiting, the request runs out on its own time-out.</summary>
    public async Task<IReadOnlyList<PackageVersion>> ListVersionsAsync(string owner, string packageName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentException.ThrowIfNullOrEmpty(packageName);
        var versions = github.Packages.PackageVersions;

        // Octokit puts the name into the path unescaped; a nested name ("ai-base/cpu") must travel as one segment.
        var name = Uri.EscapeDataString(packageName);
        var options = new ApiOptions { PageSize = 100 };
        var what = $"container package '{packageName}' of '{owner}'";
        try
        {
            IReadOnlyList<Octokit.PackageVersion> found;
            try
            {
                found = await versions.GetAllForOrg(owner, PackageType.Container, name, PackageVersionState.Active, options).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (NotFoundException)
            {
                found = await versions.GetAllForUser(owner, PackageType.Container, name, PackageVersionState.Active, options).WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            return [.. found.Select(Map)];
        }
        catch (NotFoundException ex)
        {
            throw new PublishException($"GitHub Packages: no {what}, neither as an organisation's nor as a user's package (HTTP 404; {ex.Message.TrimEnd('.')}). Check the owner and package name, and that the token can read packages (read:packages).");
        }
        catch (AuthorizationException ex)
        {
            throw new PublishException($"GitHub Packages: listing the versions of {what} was refused (HTTP {(int)ex.StatusCode}: {ex.Message}). The token is missing, expired or wrong.");
        }
        catch (ApiException ex)
        {
            var scope = ex.StatusCode == HttpStatusCode.Forbidden ? " The token needs read:packages (GITHUB_TOKEN: `permissions: packages: read`)." : string.Empty;
            throw new PublishException($"GitHub Packages: listing the versions of {what} failed (HTTP {(int)ex.StatusCode}: {ex.Message}).{scope}");
        }
        catch (HttpRequestException ex)
        {
            throw new PublishException($"GitHub Packages: listing the versions of {what} failed: {ex.Message}");
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PublishException($"GitHub Packages: listing the versions of {what} timed out: {ex.Message}");
        }
    }

    private static PackageVersion Map(Octokit.PackageVersion v) =>
        new(v.Id, v.Name, v.HtmlUrl, v.Metadata?.Container?.Tags ?? [], Utc(v.CreatedAt), Utc(v.UpdatedAt));

    // The API sends UTC ("…Z"); Octokit's DateTime may come back local or unspecified depending on its deserializer.
    private static DateTimeOffset Utc(DateTime value) => value.Kind switch
    {
        DateTimeKind.Local => new DateTimeOffset(value.ToUniversalTime(), TimeSpan.Zero),
        _ => new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Utc), TimeSpan.Zero),
    };
}
