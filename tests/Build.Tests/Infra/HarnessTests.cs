using System.Net.Http.Headers;
using System.Text.Json;
using Build.Tools;

namespace Build.Tests.Infra;

[TestFixture]
[Category("Integration")]
public sealed class HarnessTests
{
    private const string ManifestTypes =
        "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, " +
        "application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json";

    [Test]
    public async Task Bake_builds_a_two_stage_image_from_the_base_pushes_it_and_the_registry_serves_its_manifest()
    {
        using var dir = new TempDir();
        var repository = TestInfra.UniqueRepository("harness");
        var tag = $"{TestInfra.Registry}/{repository}:v1";
        // No "# syntax=" line: it would pull the frontend from Docker Hub.
        dir.Write("Dockerfile", """
            FROM base AS builder
            RUN echo "built by the harness test" > /greeting

            FROM base AS runtime
            COPY --from=builder /greeting /greeting
            CMD ["cat", "/greeting"]
            """);
        dir.Write("docker-bake.json", JsonSerializer.Serialize(new
        {
            target = new Dictionary<string, object>
            {
                ["app"] = new Dictionary<string, object>
                {
                    ["context"] = ".",
                    ["dockerfile"] = "Dockerfile",
                    ["target"] = "runtime",
                    ["contexts"] = new Dictionary<string, string> { ["base"] = $"docker-image://{TestInfra.BaseImage}" },
                    ["tags"] = new[] { tag },
                    ["output"] = new[] { "type=registry" },
                    ["attest"] = new[] { "type=provenance,disabled=true" },
                },
            },
        }));

        var print = TestInfra.Run(new CommandLine("docker").Add("buildx", "bake", "-f", "docker-bake.json", "--print", "app"), dir.Path);
        using (var plan = JsonDocument.Parse(print.StandardOutput))
        {
            plan.RootElement.GetProperty("target").GetProperty("app").GetProperty("tags")[0].GetString().ShouldBe(tag);
        }

        TestInfra.Run(new CommandLine("docker").Add("buildx", "bake", "-f", "docker-bake.json", "--metadata-file", "metadata.json", "--progress=plain", "app"), dir.Path);
        TestInfra.RemoveLocalTags(tag); // pushed: the local copy is not needed

        using var metadata = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir.Path, "metadata.json")));
        var builtDigest = metadata.RootElement.GetProperty("app").GetProperty("containerimage.digest").GetString();
        builtDigest.ShouldNotBeNull().ShouldStartWith("sha256:");

        using var http = new HttpClient { BaseAddress = new Uri($"http://{TestInfra.Registry}/") };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"v2/{repository}/manifests/v1");
        request.Headers.Accept.ParseAdd(ManifestTypes);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        response.Headers.GetValues("Docker-Content-Digest").Single().ShouldBe(builtDigest);

        using var manifest = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = manifest.RootElement;
        root.GetProperty("schemaVersion").GetInt32().ShouldBe(2);
        // The runtime stage is the base's layers plus one COPY layer.
        root.GetProperty("layers").GetArrayLength().ShouldBeGreaterThanOrEqualTo(2);
        var configDigest = root.GetProperty("config").GetProperty("digest").GetString();
        metadata.RootElement.GetProperty("app").GetProperty("containerimage.config.digest").GetString().ShouldBe(configDigest);

        using var config = await http.GetAsync(new Uri($"v2/{repository}/blobs/{configDigest}", UriKind.Relative));
        config.EnsureSuccessStatusCode();
        using var configJson = JsonDocument.Parse(await config.Content.ReadAsStringAsync());
        configJson.RootElement.GetProperty("config").GetProperty("Cmd")[1].GetString().ShouldBe("/greeting");
    }
}
