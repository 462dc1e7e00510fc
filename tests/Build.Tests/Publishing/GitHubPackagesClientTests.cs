using System.Net;
using Build.Publishing;
using Build.Tests.Registry;

namespace Build.Tests.Publishing;

/// <summary>The Packages API client against a loopback server that speaks the documented JSON (REST 2022-11-28).</summary>
[TestFixture]
[Category("Unit")]
public sealed class GitHubPackagesClientTests
{
    [Test]
    public async Task Lists_container_versions_across_pages_with_64_bit_ids_falling_back_from_org_to_user()
    {
        var port = RegistryIntegrationTests.FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var seen = new List<(string Path, string? Auth, string? Version, string? Accept)>();
        var server = Task.Run(async () =>
        {
            for (var i = 0; i < 3; i++)
            {
                var ctx = await listener.GetContextAsync();
                var path = ctx.Request.Url!.PathAndQuery;
                seen.Add((path, ctx.Request.Headers["Authorization"], ctx.Request.Headers["X-GitHub-Api-Version"], ctx.Request.Headers["Accept"]));
                string body;
                if (path.StartsWith("/orgs/", StringComparison.Ordinal))
                {
                    ctx.Response.StatusCode = 404;
                    body = """{"message":"Not Found","documentation_url":"https://docs.github.com/rest/packages/packages"}""";
                }
                else if (!path.Contains("page=2", StringComparison.Ordinal))
                {
                    ctx.Response.AddHeader("Link", $"<http://127.0.0.1:{port}/users/octo/packages/container/ai-base%2Fcpu/versions?per_page=100&state=active&page=2>; rel=\"next\", <http://127.0.0.1:{port}/users/octo/packages/container/ai-base%2Fcpu/versions?per_page=100&state=active&page=2>; rel=\"last\"");
                    body = """
                        [{"id":4123456789,"name":"sha256:aaa","url":"https://api.github.com/users/octo/packages/container/ai-base%2Fcpu/versions/4123456789",
                          "package_html_url":"https://github.com/users/octo/packages/container/package/ai-base%2Fcpu","html_url":"https://github.com/users/octo/packages/container/ai-base%2Fcpu/4123456789",
                          "license":null,"description":null,"created_at":"2026-11-20T10:00:00Z","updated_at":"2026-11-21T09:00:00Z",
                          "metadata":{"package_type":"container","container":{"tags":["cpu-py311-abc","cpu-py311-latest"]}}}]
                        """;
                }
                else
                {
                    body = """[{"id":7,"name":"sha256:bbb","url":"u","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","metadata":{"package_type":"container","container":{"tags":[]}}}]""";
                }

                var bytes = System.Text.Encoding.UTF8.GetBytes(body);
                ctx.Response.ContentType = "application/json";
                await ctx.Response.OutputStream.WriteAsync(bytes);
                ctx.Response.Close();
            }
        });
        using var http = new HttpClient();

        var versions = await new GitHubPackagesClient(http, new Uri($"http://127.0.0.1:{port}/"), "ghs_token").ListVersionsAsync("octo", "ai-base/cpu");

        await server;
        versions.Count.ShouldBe(2);
        versions[0].Id.ShouldBe(4123456789L);
        versions[0].Name.ShouldBe("sha256:aaa");
        versions[0].Tags.ShouldBe(["cpu-py311-abc", "cpu-py311-latest"]);
        versions[0].HtmlUrl.ShouldBe("https://github.com/users/octo/packages/container/ai-base%2Fcpu/4123456789");
        versions[0].UpdatedAt.ShouldBe(new DateTimeOffset(2026, 11, 21, 9, 0, 0, TimeSpan.Zero));
        versions[1].Tags.ShouldBeEmpty();
        seen[0].Path.ShouldBe("/orgs/octo/packages/container/ai-base%2Fcpu/versions?per_page=100&state=active");
        seen[1].Path.ShouldStartWith("/users/octo/packages/container/ai-base%2Fcpu/versions");
        seen.ShouldAllBe(s => s.Auth == "Bearer ghs_token" && s.Version == "2022-11-28" && s.Accept == "application/vnd.github+json");
    }

    [Test]
    public void Link_headers_yield_the_next_page_only()
    {
        GitHubPackagesClient.NextLink("<https://api.github.com/x?page=2>; rel=\"next\", <https://api.github.com/x?page=9>; rel=\"last\"")!.ToString().ShouldBe("https://api.github.com/x?page=2");
        GitHubPackagesClient.NextLink("<https://api.github.com/x?page=1>; rel=\"prev\"").ShouldBeNull();
    }
}
