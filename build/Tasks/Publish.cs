using Build.Buildx;
using Build.Host;
using Build.IO;
using Build.Publishing;
using Build.Registry;
using Build.Reports;
using Cake.Core;
using Cake.Core.Diagnostics;

namespace Build.Tasks;

[TaskName("Publish")]
[TaskDescription("Pushes families built in this run that passed every gate: <family>-<hash>, the date tag, then -latest only when every gate passed everywhere; then ghcr-status.json/.md.")]
[TaskArgument("--registry=local", "Publish to the loopback test registry (tests/infra/up.sh starts it): try the whole chain without credentials.")]
public sealed class Publish : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var artifacts = context.ArtifactsDirectory.FullPath;
        var bake = context.LoadBakeResult();
        var gates = GateVerdicts.Read(artifacts);
        var repository = context.RegistryRepository;
        if (context.Credentials(repository.Registry) is { } credential)
        {
            if (context.IsGitHubActions)
            {
                Console.Out.WriteLine(GitHubActions.Mask(credential.Secret));
            }

            DockerLogin.Login(repository.Registry, credential, new Dictionary<string, string?>(), (c, o) => Tools.ProcessRunner.Run(c, o));
            context.Log.Information($"Logged in to {repository.Registry} as {credential.Username} (password from stdin).");
        }

        var tags = context.Hashes.Families.ToDictionary(f => f.Name, f => f.Tags, StringComparer.Ordinal);
        PublishReport report;
        try
        {
            report = new Publisher(context.RegistryClient, line => context.Log.Information(line)).Publish(context.RegistryText, bake, tags, gates);
        }
        catch (PublishException ex)
        {
            context.Failures.Add(ex.Message);
            throw new CakeException(1, ex.Message + " Nothing moved to -latest; re-run Publish when the registry is back: it pushes only what is missing.");
        }

        AtomicFile.WriteAllText(Path.Combine(artifacts, "publish.json"), report.ToJson());
        var status = ReadStatus(context, report);
        AtomicFile.WriteAllText(Path.Combine(artifacts, "ghcr-status.json"), status.ToJson());
        AtomicFile.WriteAllText(Path.Combine(artifacts, "ghcr-status.md"), status.Markdown());
        Console.Out.Write(TextTable.Render(["Family", "Decision", "Why", "Tags"], report.Families.Select(f => (IReadOnlyList<string>)[f.Family, f.Decision, f.Why, string.Join(' ', f.Tags.Select(t => $"{t.Tag[(t.Tag.LastIndexOf(':') + 1)..]}({t.Action})"))])));
        context.Log.Information(report.LatestMoved ? "Every gate passed: -latest moved." : report.Why);
        if (!report.LatestMoved && !context.DeferFailures)
        {
            throw new CakeException(1, $"Publish: {report.Why}.");
        }
    }

    private static GhcrStatus ReadStatus(BuildContext context, PublishReport report)
    {
        var families = new List<FamilyStatus>();
        var api = "not asked (the registry is not ghcr.io)";
        IReadOnlyList<PackageVersion> versions = [];
        var repo = context.RegistryRepository;
        if (repo.Registry == "ghcr.io")
        {
            var token = Environment.GetEnvironmentVariable("GITHUB_TOKEN") ?? Environment.GetEnvironmentVariable("KILN_REGISTRY_TOKEN");
            if (string.IsNullOrEmpty(token))
            {
                api = "not asked (no GITHUB_TOKEN)";
            }
            else
            {
                try
                {
                    var owner = repo.Repository.Split('/')[0];
                    var package = repo.Repository[(owner.Length + 1)..];
                    var apiBase = new Uri((Environment.GetEnvironmentVariable("GITHUB_API_URL") ?? "https://api.github.com").TrimEnd('/') + "/");
                    versions = GitHubPackagesClient.Create(apiBase, token, TimeSpan.FromSeconds(30)).ListVersionsAsync(owner, package).GetAwaiter().GetResult();
                    api = $"{versions.Count} versions";
                }
                catch (Exception ex) when (ex is PublishException or HttpRequestException or TaskCanceledException)
                {
                    api = $"failed: {ex.Message}";
                }
            }
        }

        foreach (var family in report.Families)
        {
            var entry = context.Hashes.Get(family.Family);
            var tags = entry.Tags.Select(t => RegistryStatusReader.ReadAsync(context.RegistryClient, t).GetAwaiter().GetResult()).ToList();
            var digest = tags[0].Digest;
            var version = versions.FirstOrDefault(v => v.Name == digest);
            families.Add(new FamilyStatus(family.Family, tags, version is null ? null : new PackageStatus(version.Id, version.HtmlUrl, version.Tags, version.CreatedAt, version.UpdatedAt)));
        }

        return new GhcrStatus(1, context.RegistryText, api, families);
    }
}
