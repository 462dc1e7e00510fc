using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Build.Registry;
using Build.Tests.Infra;
using Build.Tools;

namespace Build.Tests.Registry;

/// <summary>The registry client against real registries on loopback (Debian's docker-registry, distribution 2.8).</summary>
[TestFixture]
[Category("Integration")]
public sealed class RegistryIntegrationTests
{
    private static ImageName Base => ImageName.Parse(TestInfra.BaseImage);

    private static OciRegistryClient Client(Func<string, RegistryCredential?>? credentials = null, int retries = 2, double attemptSeconds = 5) =>
        new(new RegistryClientOptions { MaxRetries = retries, BaseDelay = TimeSpan.FromMilliseconds(100), AttemptTimeout = TimeSpan.FromSeconds(attemptSeconds), Credentials = credentials ?? (_ => null) });

    [Test]
    public async Task Existence_and_digest_resolution_match_what_was_pushed()
    {
        using var client = Client();
        var repository = Base with { Tag = null, Digest = null };

        var info = await client.HeadManifestAsync(repository, Base.Tag!);

        info.ShouldNotBeNull().Digest.ShouldBe(Base.Digest);
        (await client.ManifestExistsAsync(repository, "no-such-tag")).ShouldBeFalse();
        var manifest = await client.GetManifestAsync(repository, Base.Digest!);
        manifest.ShouldNotBeNull().Info.Digest.ShouldBe(Base.Digest);
        using var doc = manifest.Parse();
        doc.RootElement.GetProperty("schemaVersion").GetInt32().ShouldBe(2);
    }

    [Test]
    public async Task Tag_listing_follows_more_than_one_page()
    {
        using var client = Client();
        var repository = ImageName.ParseRepository($"{TestInfra.Registry}/{TestInfra.UniqueRepository("tags")}");
        await CopyImageAsync(client, Base, repository, Enumerable.Range(0, 7).Select(i => $"t{i}").ToArray());

        var tags = await client.ListTagsAsync(repository, pageSize: 3).ToListAsync();

        tags.Order(StringComparer.Ordinal).ShouldBe(["t0", "t1", "t2", "t3", "t4", "t5", "t6"]);
    }

    [Test]
    public async Task A_registry_with_htpasswd_auth_needs_credentials_and_accepts_them()
    {
        using var registry = await TestRegistry.StartAsync("kiln-bot", "canary-Pa55word", Path.Combine(TestInfra.Get("KILN_INFRA_STATE"), "registry-data"));
        var repository = ImageName.ParseRepository($"127.0.0.1:{registry.Port}/{Base.Repository}");

        using (var anonymous = Client())
        {
            var ex = await Should.ThrowAsync<RegistryException>(() => anonymous.HeadManifestAsync(repository, Base.Tag!));
            ex.Code.ShouldBe("UNAUTHORIZED");
            ex.Message.ShouldContain($"registry 127.0.0.1:{registry.Port}, repository {Base.Repository}, reference {Base.Tag}");
        }

        using (var wrong = Client(_ => new RegistryCredential("kiln-bot", "wrong")))
        {
            (await Should.ThrowAsync<RegistryException>(() => wrong.HeadManifestAsync(repository, Base.Tag!))).Status.ShouldBe(HttpStatusCode.Unauthorized);
        }

        using var authorized = Client(_ => new RegistryCredential("kiln-bot", "canary-Pa55word"));
        (await authorized.HeadManifestAsync(repository, Base.Tag!)).ShouldNotBeNull().Digest.ShouldBe(Base.Digest);
    }

    [Test]
    public async Task A_stopped_registry_fails_clearly_after_bounded_retries()
    {
        var port = FreePort();
        using var client = Client(retries: 2, attemptSeconds: 2);
        var watch = Stopwatch.StartNew();

        var ex = await Should.ThrowAsync<RegistryException>(() => client.HeadManifestAsync(ImageName.ParseRepository($"127.0.0.1:{port}/kiln/demo"), "x"));

        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10));
        ex.Unreachable.ShouldBeTrue();
        ex.Message.ShouldStartWith($"registry 127.0.0.1:{port}, repository kiln/demo, reference x: unreachable after 3 attempts: ");
    }

    [Test]
    public async Task A_429_with_Retry_After_from_a_loopback_stub_is_waited_out()
    {
        var port = FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var requests = 0;
        var serve = Task.Run(async () =>
        {
            for (var i = 0; i < 2; i++)
            {
                var ctx = await listener.GetContextAsync();
                requests++;
                if (i == 0)
                {
                    ctx.Response.StatusCode = 429;
                    ctx.Response.AddHeader("Retry-After", "1");
                }
                else
                {
                    ctx.Response.StatusCode = 200;
                    ctx.Response.AddHeader("Docker-Content-Digest", Base.Digest!);
                    ctx.Response.ContentType = "application/vnd.oci.image.manifest.v1+json";
                }

                ctx.Response.Close();
            }
        });
        using var client = Client();
        var watch = Stopwatch.StartNew();

        var info = await client.HeadManifestAsync(ImageName.ParseRepository($"127.0.0.1:{port}/kiln/demo"), "x");

        await serve;
        info.ShouldNotBeNull().Digest.ShouldBe(Base.Digest);
        requests.ShouldBe(2);
        watch.Elapsed.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(0.95));
    }

    /// <summary>Copies a manifest (same registry, blobs mounted by the registry) under new tags with the distribution API.</summary>
    internal static async Task CopyImageAsync(OciRegistryClient client, ImageName source, ImageName target, params string[] tags)
    {
        var manifest = await client.GetManifestAsync(source with { Tag = null, Digest = null }, source.Reference) ?? throw new InvalidOperationException("source missing");
        using var http = new HttpClient { BaseAddress = new Uri($"http://{target.Registry}/v2/") };
        using var doc = manifest.Parse();
        var blobs = new List<string> { doc.RootElement.GetProperty("config").GetProperty("digest").GetString()! };
        blobs.AddRange(doc.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("digest").GetString()!));
        foreach (var blob in blobs)
        {
            using var mount = await http.PostAsync(new Uri($"{target.Repository}/blobs/uploads/?mount={blob}&from={source.Repository}", UriKind.Relative), null);
            mount.StatusCode.ShouldBe(HttpStatusCode.Created, $"mounting {blob}");
        }

        foreach (var tag in tags)
        {
            using var content = new ByteArrayContent(manifest.Bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue(manifest.Info.MediaType);
            using var put = await http.PutAsync(new Uri($"{target.Repository}/manifests/{tag}", UriKind.Relative), content);
            put.StatusCode.ShouldBe(HttpStatusCode.Created);
        }
    }

    internal static int FreePort() => TestRegistry.FreePort();
}
