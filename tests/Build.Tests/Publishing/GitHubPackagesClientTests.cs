using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Build.Publishing;
using Build.Tests.Infra;
using Octokit;
using Octokit.Internal;
using PackageVersion = Build.Publishing.PackageVersion;

namespace Build.Tests.Publishing;

/// <summary>
/// The Packages read-back through Octokit, against a loopback server that answers as the REST API (2022-11-28) does:
/// JSON bodies, 404 for the wrong owner kind, Link headers for pages, {"message": …} on errors.
/// </summary>
[TestFixture]
[Category("Unit")]
public sealed class GitHubPackagesClientTests
{
    private const string Token = "ghs_canaryToken123";

    [Test]
    public async Task An_organisation_package_is_read_with_one_request_carrying_the_token()
    {
        using var api = new LoopbackApi(_ => Json(200, Versions((4123456789L, "sha256:aaa", ["cpu-py311-abc", "cpu-py311-latest"]))));

        var versions = await Client(api).ListVersionsAsync("kiln-org", "web");

        versions.Count.ShouldBe(1);
        versions[0].ShouldBe(new PackageVersion(
            4123456789L,
            "sha256:aaa",
            "https://github.com/orgs/kiln-org/packages/container/web/4123456789",
            versions[0].Tags,
            new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 11, 21, 9, 0, 0, TimeSpan.Zero)));
        versions[0].Tags.ShouldBe(["cpu-py311-abc", "cpu-py311-latest"]);
        var request = api.Requests.ShouldHaveSingleItem();
        request.Path.ShouldBe("/orgs/kiln-org/packages/container/web/versions?state=active&per_page=100");
        request.Authorization.ShouldBe("Bearer " + Token);
        request.UserAgent.ShouldStartWith("kiln");
    }

    [Test]
    public async Task A_404_for_the_organisation_falls_back_to_the_user()
    {
        using var api = new LoopbackApi(r => r.Path.StartsWith("/orgs/", StringComparison.Ordinal)
            ? NotFound()
            : Json(200, Versions((7, "sha256:bbb", ["t1"]))));

        var versions = await Client(api).ListVersionsAsync("octo", "web");

        versions.Select(v => (v.Id, v.Name)).ShouldBe([(7L, "sha256:bbb")]);
        api.Requests.Select(r => r.Path).ShouldBe([
            "/orgs/octo/packages/container/web/versions?state=active&per_page=100",
            "/users/octo/packages/container/web/versions?state=active&per_page=100",
        ]);
    }

    [Test]
    public async Task Every_page_is_read_by_following_Link_next()
    {
        LoopbackApi? self = null;
        using var api = new LoopbackApi(r =>
        {
            if (r.Path.Contains("page=2", StringComparison.Ordinal))
            {
                return Json(200, Versions((2, "sha256:second", [])));
            }

            var next = $"http://127.0.0.1:{self!.Port}/orgs/octo/packages/container/web/versions?state=active&per_page=100&page=2";
            return Json(200, Versions((1, "sha256:first", ["a"])), ("Link", $"<{next}>; rel=\"next\", <{next}>; rel=\"last\""));
        });
        self = api;

        var versions = await Client(api).ListVersionsAsync("octo", "web");

        versions.Select(v => v.Name).ShouldBe(["sha256:first", "sha256:second"]);
        versions[1].Tags.ShouldBeEmpty();
        api.Requests.Select(r => r.Path).ShouldBe([
            "/orgs/octo/packages/container/web/versions?state=active&per_page=100",
            "/orgs/octo/packages/container/web/versions?state=active&per_page=100&page=2",
        ]);
    }

    [Test]
    public async Task A_nested_package_name_travels_as_one_escaped_path_segment()
    {
        using var api = new LoopbackApi(r => r.Path.Contains("/ai-base%2Fcpu/", StringComparison.Ordinal)
            ? Json(200, Versions((9_000_000_001L, "sha256:ccc", ["cpu-py311-latest"])))
            : NotFound());

        var versions = await Client(api).ListVersionsAsync("octo", "ai-base/cpu");

        versions.ShouldHaveSingleItem().Id.ShouldBe(9_000_000_001L);
        api.Requests.ShouldHaveSingleItem().Path.ShouldBe("/orgs/octo/packages/container/ai-base%2Fcpu/versions?state=active&per_page=100");
    }

    [Test]
    public async Task Version_ids_beyond_32_bits_survive()
    {
        using var api = new LoopbackApi(_ => Json(200, Versions((long.MaxValue, "sha256:max", []), (2_147_483_648L, "sha256:int-plus-one", []))));

        var versions = await Client(api).ListVersionsAsync("octo", "web");

        versions.Select(v => v.Id).ShouldBe([long.MaxValue, 2_147_483_648L]);
    }

    [Test]
    public void An_auth_failure_names_the_owner_and_the_package()
    {
        using var api = new LoopbackApi(_ => Json(401, """{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"}"""));

        var ex = Should.Throw<PublishException>(() => Client(api).ListVersionsAsync("octo", "ai-base/cpu"));

        ex.Message.ShouldBe("GitHub Packages: listing the versions of container package 'ai-base/cpu' of 'octo' was refused (HTTP 401: Bad credentials). The token is missing, expired or wrong.");
        ex.Message.ShouldNotContain(Token);
        api.Requests.Count.ShouldBe(1);
    }

    [Test]
    public void A_package_found_neither_for_the_organisation_nor_for_the_user_is_named()
    {
        using var api = new LoopbackApi(_ => NotFound());

        var ex = Should.Throw<PublishException>(() => Client(api).ListVersionsAsync("octo", "ai-base/cpu"));

        ex.Message.ShouldBe("GitHub Packages: no container package 'ai-base/cpu' of 'octo', neither as an organisation's nor as a user's package (HTTP 404; users/octo/packages/container/ai-base%2Fcpu/versions was not found). Check the owner and package name, and that the token can read packages (read:packages).");
        api.Requests.Count.ShouldBe(2);
    }

    [Test]
    public void A_403_says_which_permission_the_token_lacks()
    {
        using var api = new LoopbackApi(_ => Json(403, """{"message":"Resource not accessible by integration"}"""));

        var ex = Should.Throw<PublishException>(() => Client(api).ListVersionsAsync("octo", "web"));

        ex.Message.ShouldBe("GitHub Packages: listing the versions of container package 'web' of 'octo' failed (HTTP 403: Resource not accessible by integration). The token needs read:packages (GITHUB_TOKEN: `permissions: packages: read`).");
    }

    [Test]
    public async Task The_factory_keeps_the_loopback_root_and_sends_the_token_as_bearer()
    {
        using var api = new LoopbackApi(_ => Json(200, "[]"));

        var versions = await GitHubPackagesClient.Create(new Uri($"http://127.0.0.1:{api.Port}/"), Token, TimeSpan.FromSeconds(30)).ListVersionsAsync("octo", "web");

        versions.ShouldBeEmpty();
        var request = api.Requests.ShouldHaveSingleItem();
        request.Path.ShouldBe("/orgs/octo/packages/container/web/versions?state=active&per_page=100");
        request.Authorization.ShouldBe("Bearer " + Token);
    }

    [Test]
    public async Task An_enterprise_api_base_path_is_kept()
    {
        using var api = new LoopbackApi(_ => Json(200, "[]"));

        await GitHubPackagesClient.Create(new Uri($"http://127.0.0.1:{api.Port}/api/v3/"), Token, TimeSpan.FromSeconds(30)).ListVersionsAsync("octo", "web");

        api.Requests.ShouldHaveSingleItem().Path.ShouldBe("/api/v3/orgs/octo/packages/container/web/versions?state=active&per_page=100");
    }

    private static GitHubPackagesClient Client(LoopbackApi api) =>
        new(new GitHubClient(new Connection(
            new ProductHeaderValue("kiln"),
            new Uri($"http://127.0.0.1:{api.Port}/"),
            new InMemoryCredentialStore(new Credentials(Token, AuthenticationType.Bearer)))));

    private static string Versions(params (long Id, string Name, string[] Tags)[] versions) =>
        "[" + string.Join(',', versions.Select(v => $$$"""
            {"id":{{{v.Id}}},"name":"{{{v.Name}}}","url":"https://api.github.com/orgs/kiln-org/packages/container/web/versions/{{{v.Id}}}",
             "package_html_url":"https://github.com/orgs/kiln-org/packages/container/package/web",
             "html_url":"https://github.com/orgs/kiln-org/packages/container/web/{{{v.Id}}}",
             "license":null,"description":null,"created_at":"2026-11-20T10:00:00Z","updated_at":"2026-11-21T09:00:00Z",
             "metadata":{"package_type":"container","container":{"tags":{{{Tags(v.Tags)}}}}} }
            """)) + "]";

    private static string Tags(string[] tags) => "[" + string.Join(',', tags.Select(t => $"\"{t}\"")) + "]";

    private static Reply NotFound() => Json(404, """{"message":"Not Found","documentation_url":"https://docs.github.com/rest/packages/packages","status":"404"}""");

    private static Reply Json(int status, string body, params (string Name, string Value)[] headers) => new(status, body, headers);

    private sealed record Reply(int Status, string Body, (string Name, string Value)[] Headers);

    private sealed record Seen(string Path, string? Authorization, string? UserAgent);

    /// <summary>An HTTP server on a free loopback port that records each request (raw path, so %2F stays visible) and answers from a function.</summary>
    private sealed class LoopbackApi : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly ConcurrentQueue<Seen> _requests = new();
        private readonly Task _loop;

        public LoopbackApi(Func<Seen, Reply> answer)
        {
            Port = TestRegistry.FreePort();
            _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
            _listener.Start();
            _loop = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    HttpListenerContext ctx;
                    try
                    {
                        ctx = await _listener.GetContextAsync();
                    }
                    catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                    {
                        return;
                    }

                    var seen = new Seen(ctx.Request.RawUrl!, ctx.Request.Headers["Authorization"], ctx.Request.UserAgent);
                    _requests.Enqueue(seen);
                    var reply = answer(seen);
                    ctx.Response.StatusCode = reply.Status;
                    ctx.Response.ContentType = "application/json; charset=utf-8";
                    foreach (var (name, value) in reply.Headers)
                    {
                        ctx.Response.AddHeader(name, value);
                    }

                    var bytes = Encoding.UTF8.GetBytes(reply.Body);
                    await ctx.Response.OutputStream.WriteAsync(bytes);
                    ctx.Response.Close();
                }
            });
        }

        public int Port { get; }

        public IReadOnlyList<Seen> Requests => [.. _requests];

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            _loop.Wait();
        }
    }
}
