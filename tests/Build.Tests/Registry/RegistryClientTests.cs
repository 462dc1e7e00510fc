using System.Diagnostics;
using System.Net;
using Build.Registry;
using RichardSzalay.MockHttp;

namespace Build.Tests.Registry;

[TestFixture]
[Category("Unit")]
public sealed class RegistryClientTests
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private static readonly ImageName Repo = ImageName.ParseRepository("registry.example:5000/kiln/demo");

    private static OciRegistryClient Client(MockHttpMessageHandler mock, Func<string, RegistryCredential?>? credentials = null, int retries = 2) =>
        new(new RegistryClientOptions { MaxRetries = retries, BaseDelay = TimeSpan.FromMilliseconds(1), AttemptTimeout = TimeSpan.FromSeconds(5), Credentials = credentials ?? (_ => null) }, mock);

    private static HttpResponseMessage Manifest(string digest = Digest)
    {
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent([]) };
        response.Headers.Add("Docker-Content-Digest", digest);
        response.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/vnd.oci.image.index.v1+json");
        return response;
    }

    [Test]
    public async Task Head_asks_for_all_four_manifest_types_and_returns_the_digest_header()
    {
        using var mock = new MockHttpMessageHandler();
        mock.Expect(HttpMethod.Head, "https://registry.example:5000/v2/kiln/demo/manifests/cpu-abc")
            .With(r => r.Headers.Accept.Select(a => a.MediaType).Order(StringComparer.Ordinal).SequenceEqual(new[]
            {
                "application/vnd.docker.distribution.manifest.list.v2+json", "application/vnd.docker.distribution.manifest.v2+json",
                "application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
            }))
            .Respond(_ => Manifest());
        using var client = Client(mock);

        var info = await client.HeadManifestAsync(Repo, "cpu-abc");

        info.ShouldNotBeNull().Digest.ShouldBe(Digest);
        info.MediaType.ShouldBe("application/vnd.oci.image.index.v1+json");
        mock.VerifyNoOutstandingExpectation();
    }

    [Test]
    public async Task A_missing_manifest_is_null_not_an_error()
    {
        using var mock = new MockHttpMessageHandler();
        mock.When("*").Respond(HttpStatusCode.NotFound, "application/json", """{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}""");
        using var client = Client(mock);

        (await client.HeadManifestAsync(Repo, "nope")).ShouldBeNull();
    }

    [Test]
    public async Task Registry_errors_name_registry_repository_reference_and_code()
    {
        using var mock = new MockHttpMessageHandler();
        mock.When("*").Respond(HttpStatusCode.Forbidden, "application/json", """{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}""");
        using var client = Client(mock);

        var ex = await Should.ThrowAsync<RegistryException>(() => client.GetManifestAsync(Repo, "cpu-abc"));

        ex.Message.ShouldBe("registry registry.example:5000, repository kiln/demo, reference cpu-abc: DENIED: requested access to the resource is denied (HTTP 403)");
        ex.Code.ShouldBe("DENIED");
    }

    [Test]
    public async Task A_bearer_challenge_fetches_a_token_with_basic_credentials_and_retries()
    {
        using var mock = new MockHttpMessageHandler();
        var challenged = mock.Expect(HttpMethod.Head, "https://registry.example:5000/v2/kiln/demo/manifests/t")
            .Respond(_ =>
            {
                var r = new HttpResponseMessage(HttpStatusCode.Unauthorized);
                r.Headers.WwwAuthenticate.ParseAdd("Bearer realm=\"https://auth.example/token\",service=\"registry.example\",scope=\"repository:kiln/demo:pull\"");
                return r;
            });
        mock.Expect(HttpMethod.Get, "https://auth.example/token")
            .WithExactQueryString("service=registry.example&scope=repository%3Akiln%2Fdemo%3Apull")
            .WithHeaders("Authorization", "Basic " + Convert.ToBase64String("bot:s3cret"u8.ToArray()))
            .Respond("application/json", """{"token":"tok-123","expires_in":300}""");
        mock.Expect(HttpMethod.Head, "https://registry.example:5000/v2/kiln/demo/manifests/t")
            .WithHeaders("Authorization", "Bearer tok-123")
            .Respond(_ => Manifest());
        using var client = Client(mock, _ => new RegistryCredential("bot", "s3cret"));

        (await client.HeadManifestAsync(Repo, "t)".TrimEnd(')'))).ShouldNotBeNull().Digest.ShouldBe(Digest);
        mock.VerifyNoOutstandingExpectation();
        mock.GetMatchCount(challenged).ShouldBe(1);
    }

    [Test]
    public async Task An_anonymous_bearer_challenge_works_without_credentials()
    {
        using var mock = new MockHttpMessageHandler();
        mock.Expect(HttpMethod.Head, "*").Respond(_ =>
        {
            var r = new HttpResponseMessage(HttpStatusCode.Unauthorized);
            r.Headers.WwwAuthenticate.ParseAdd("Bearer realm=\"https://ghcr.io/token\",service=\"ghcr.io\"");
            return r;
        });
        mock.Expect(HttpMethod.Get, "https://ghcr.io/token").With(r => r.Headers.Authorization is null).Respond("application/json", """{"access_token":"anon"}""");
        mock.Expect(HttpMethod.Head, "*").WithHeaders("Authorization", "Bearer anon").Respond(_ => Manifest());
        using var client = Client(mock);

        (await client.HeadManifestAsync(ImageName.ParseRepository("ghcr.io/o/ai-base"), "x")).ShouldNotBeNull();
        mock.VerifyNoOutstandingExpectation();
    }

    [Test]
    public async Task A_basic_challenge_without_credentials_says_how_to_provide_them()
    {
        using var mock = new MockHttpMessageHandler();
        mock.When("*").Respond(_ =>
        {
            var r = new HttpResponseMessage(HttpStatusCode.Unauthorized);
            r.Headers.WwwAuthenticate.ParseAdd("Basic realm=\"Registry\"");
            return r;
        });
        using var client = Client(mock);

        var ex = await Should.ThrowAsync<RegistryException>(() => client.HeadManifestAsync(Repo, "x"));

        ex.Code.ShouldBe("UNAUTHORIZED");
        ex.Message.ShouldContain("KILN_REGISTRY_USER/KILN_REGISTRY_TOKEN");
    }

    [Test]
    public async Task Tags_follow_link_headers_page_by_page()
    {
        using var mock = new MockHttpMessageHandler();
        mock.Expect("https://registry.example:5000/v2/kiln/demo/tags/list?n=2").Respond(_ =>
        {
            var r = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("""{"name":"kiln/demo","tags":["a","b"]}""") };
            r.Headers.Add("Link", "</v2/kiln/demo/tags/list?n=2&last=b>; rel=\"next\"");
            return r;
        });
        mock.Expect("https://registry.example:5000/v2/kiln/demo/tags/list?n=2&last=b").Respond(_ =>
        {
            var r = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("""{"name":"kiln/demo","tags":["c"]}""") };
            r.Headers.Add("Link", "<https://registry.example:5000/v2/kiln/demo/tags/list?n=2&last=c>; rel=\"next\"");
            return r;
        });
        mock.Expect("https://registry.example:5000/v2/kiln/demo/tags/list?n=2&last=c").Respond("application/json", """{"name":"kiln/demo","tags":[]}""");
        using var client = Client(mock);

        var tags = await client.ListTagsAsync(Repo, pageSize: 2).ToListAsync();

        tags.ShouldBe(["a", "b", "c"]);
        mock.VerifyNoOutstandingExpectation();
    }

    [Test]
    public async Task A_429_is_retried_after_the_registrys_Retry_After()
    {
        using var mock = new MockHttpMessageHandler();
        mock.Expect("*").Respond(_ =>
        {
            var r = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
            r.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(1));
            return r;
        });
        mock.Expect("*").Respond(_ => Manifest());
        using var client = Client(mock);
        var watch = Stopwatch.StartNew();

        (await client.HeadManifestAsync(Repo, "x")).ShouldNotBeNull();

        watch.Elapsed.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(0.95));
    }

    [Test]
    public async Task Prepare_settles_the_token_once_and_the_probes_that_follow_reuse_it()
    {
        using var mock = new MockHttpMessageHandler();
        mock.Expect(HttpMethod.Get, "https://ghcr.io/v2/o/ai-base/tags/list?n=1").Respond(_ =>
        {
            var r = new HttpResponseMessage(HttpStatusCode.Unauthorized);
            r.Headers.WwwAuthenticate.ParseAdd("Bearer realm=\"https://ghcr.io/token\",service=\"ghcr.io\"");
            return r;
        });
        var token = mock.Expect(HttpMethod.Get, "https://ghcr.io/token").Respond("application/json", """{"token":"tok"}""");
        mock.Expect(HttpMethod.Get, "https://ghcr.io/v2/o/ai-base/tags/list?n=1").WithHeaders("Authorization", "Bearer tok").Respond("application/json", """{"name":"o/ai-base","tags":["a"]}""");
        mock.Expect(HttpMethod.Head, "https://ghcr.io/v2/o/ai-base/manifests/cpu-abc").WithHeaders("Authorization", "Bearer tok").Respond(_ => Manifest());
        using var client = Client(mock);
        var repo = ImageName.ParseRepository("ghcr.io/o/ai-base");

        await client.PrepareAsync(repo);
        (await client.HeadManifestAsync(repo, "cpu-abc")).ShouldNotBeNull();

        mock.VerifyNoOutstandingExpectation();
        mock.GetMatchCount(token).ShouldBe(1);
    }

    [Test]
    public async Task Prepare_makes_one_attempt_and_never_throws()
    {
        using var mock = new MockHttpMessageHandler();
        var calls = mock.When("*").Respond(HttpStatusCode.ServiceUnavailable);
        using var client = Client(mock, retries: 3);

        await client.PrepareAsync(Repo);

        mock.GetMatchCount(calls).ShouldBe(1);
    }

    [Test]
    public async Task Server_errors_are_retried_a_bounded_number_of_times_then_reported()
    {
        using var mock = new MockHttpMessageHandler();
        var calls = mock.When("*").Respond(HttpStatusCode.ServiceUnavailable);
        using var client = Client(mock, retries: 2);

        var ex = await Should.ThrowAsync<RegistryException>(() => client.HeadManifestAsync(Repo, "x"));

        mock.GetMatchCount(calls).ShouldBe(3);
        ex.Status.ShouldBe(HttpStatusCode.ServiceUnavailable);
    }

    [Test]
    public async Task A_manifest_whose_bytes_do_not_match_its_digest_is_rejected()
    {
        using var mock = new MockHttpMessageHandler();
        mock.When("*").Respond(_ =>
        {
            var r = Manifest();
            r.Content = new StringContent("{\"schemaVersion\":2}");
            r.Headers.Remove("Docker-Content-Digest");
            r.Headers.Add("Docker-Content-Digest", Digest);
            return r;
        });
        using var client = Client(mock);

        (await Should.ThrowAsync<RegistryException>(() => client.GetManifestAsync(Repo, "x"))).Code.ShouldBe("DIGEST_INVALID");
    }

    [Test]
    public void Loopback_registries_use_plain_http_and_others_https()
    {
        using var client = new OciRegistryClient();

        client.BaseUri(ImageName.ParseRepository("127.0.0.1:5000/k")).ToString().ShouldBe("http://127.0.0.1:5000/v2/k/");
        client.BaseUri(ImageName.ParseRepository("localhost:5000/k")).Scheme.ShouldBe("http");
        client.BaseUri(ImageName.ParseRepository("ghcr.io/o/k")).ToString().ShouldBe("https://ghcr.io/v2/o/k/");
    }
}

[TestFixture]
[Category("Unit")]
public sealed class RegistryCredentialTests
{
    [Test]
    public void A_credential_never_prints_its_secret()
    {
        var credential = new RegistryCredential("bot", "ghp_canary_123");

        credential.ToString().ShouldBe("bot:[REDACTED]");
        $"{credential}".ShouldNotContain("ghp_canary_123");
        new { credential }.ToString()!.ShouldNotContain("ghp_canary_123");
    }

    [Test]
    public void Kiln_variables_win_then_GITHUB_TOKEN_for_ghcr_then_docker_config()
    {
        using var dir = new Infra.TempDir();
        var config = dir.Write("config.json", """{"auths":{"https://index.docker.io/v1/":{"auth":"ZHVzZXI6ZHBhc3M="},"127.0.0.1:5000":{"auth":"bG9jYWw6cHc="}}}""");
        var env = new Dictionary<string, string?> { ["GITHUB_TOKEN"] = "gh-token", ["GITHUB_ACTOR"] = "octo" };
        var source = RegistryCredentials.FromEnvironment(n => env.GetValueOrDefault(n), config);

        source("ghcr.io").ShouldBe(new RegistryCredential("octo", "gh-token"));
        source(ImageName.DockerHub).ShouldBe(new RegistryCredential("duser", "dpass"));
        source("127.0.0.1:5000").ShouldBe(new RegistryCredential("local", "pw"));
        source("quay.io").ShouldBeNull();

        env["KILN_REGISTRY_TOKEN"] = "kiln-token";
        source("quay.io").ShouldBe(new RegistryCredential("kiln", "kiln-token"));
    }
}
