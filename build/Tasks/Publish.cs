using Build.Gates;
using Build.Hashing;
using Build.Host;
using Build.IO;
using Build.Publishing;
using Build.Registry;
using Build.Reports;
using Cake.Common.Build;
using Cake.Core;
using Cake.Core.Diagnostics;

namespace Build.Tasks;

[TaskName("Publish")]
[TaskDescription("Pushes each image (family, or service into <registry>-services) that every gate passed for its very digest: <name>-<hash> with its inputs record beside it (an OCI artifact, the referrers tag sha256-<hex> and <name>-<hash>.inputs), the date tag, then -latest only when every gate passed for every image (and this run is not one shard of several); then ghcr-status.json/.md. --exclusive resumes from an earlier run's artifacts, with the same digest checks.")]
[TaskArgument("--registry=local", "Publish to the loopback test registry (tests/infra/up.sh starts it): try the whole chain without credentials.")]
[TaskArgument("--shard=NAME", "This run is one shard of a sharded workflow: push hash and date tags only; Promote moves -latest once every shard passed.")]
public sealed class Publish(Services.Registries registries, KilnEnvironment environment, Services.RunOutput output, Tools.IProcessRunner processes) : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var gates = GateRegistry.All;
        var (bake, reports) = Inputs(context, gates);
        var ledger = new GateLedger(gates, reports);
        var tags = bake.Families.ToDictionary(f => f.Name, f => TagsOf(f.Tag, f.Name, f.Hash, context.DateTag), StringComparer.Ordinal);
        var registry = ImageName.ParseRepository(bake.Families.Count > 0 ? tags[bake.Families[0].Name].Repository : context.Repository);

        PublishReport report;
        using (var scope = DockerConfigScope.Create(context.Paths.Work, DockerConfigScope.UserConfigDirectory(environment.Lookup)))
        {
            if (registries.Credential(registry.Registry) is { } credential)
            {
                if (context.IsGitHubActions)
                {
                    context.GitHubActions().Commands.SetSecret(credential.Secret);
                }

                DockerLogin.Login(registry.Registry, credential, scope.Environment, processes);
                context.Log.Information($"Logged in to {registry.Registry} as {credential.Username} (password from stdin, into this run's Docker config).");
            }

            try
            {
                // Each pushed image's inputs record goes with it: this run's, or (resuming) the one artifacts/inputs kept.
                var store = new Explain.LocalInputStore(context.Root, context.Paths);
                Explain.InputsDocument? Inputs(string image) => context.Results.Inputs.GetValueOrDefault(image) ?? store.Artifact(image);
                var publisher = new Publisher(registries.Client, line => context.Log.Information(line), processes, dockerEnvironment: scope.Environment, inputs: Inputs);
                report = publisher.Publish(context.Stamp, $"{registry.Registry}/{registry.Repository}", bake, tags, ledger, context.Argument(ArgumentNames.Shard), references => Buildx.DockerEngine.LocalImages(references, processes, context.Env.Lookup));
            }
            catch (Exception ex) when (ex is PublishException or RegistryException)
            {
                context.Results.AddFailure(ex.Message);
                throw new CakeException(1, ex.Message + " Nothing moved to -latest; re-run Publish when the registry is back: it pushes only what is missing.");
            }
        }

        context.Results.Set(report);
        AtomicFile.WriteAllText(context.Paths.Publish, report.ToJson());
        var status = ReadStatus(context, report);
        AtomicFile.WriteAllText(context.Paths.GhcrStatusJson, status.ToJson());
        AtomicFile.WriteAllText(context.Paths.GhcrStatusMarkdown, status.Markdown());
        output.Write(TextTable.Render(["Image", "Decision", "Why", "Why built", "Tags"], report.Families.Select(f => (IReadOnlyList<string>)[f.Family, f.Decision, f.Why, f.Cause ?? "-", string.Join(' ', f.Tags.Select(t => $"{Catalog.ImageReference.Split(t.Tag).Tag}({t.Action})"))])));
        context.Log.Information(report.LatestMoved ? "Every gate passed: -latest moved." : report.Why);

        var refused = report.Families.Where(f => f.Decision == "not-pushed").ToList();
        if (refused.Count > 0 || (!report.LatestMoved && report.Shard is null) || context.Results.Failures.Count > 0)
        {
            var message = refused.Count > 0
                ? $"Publish refused {string.Join("; ", refused.Select(f => $"{f.Family}: {f.Why}"))}."
                : $"Publish: {report.Why}.";
            if (context.Plan.Facts.WritesSummary)
            {
                context.Results.AddFailure(message);
                return;
            }

            throw new CakeException(1, string.Join(" ", context.Results.Failures.Append(message).Distinct()));
        }
    }

    /// <summary>This run's bake and gate reports; with --exclusive (no bake in this run) an earlier run's, from artifacts.</summary>
    private static (Buildx.BakeResult Bake, IReadOnlyDictionary<string, IGateReport> Reports) Inputs(BuildContext context, IReadOnlyList<IGate> gates)
    {
        if (context.Results.Bake is { } bake)
        {
            return (bake, context.Results.Gates);
        }

        try
        {
            var (resumed, reports, notes) = PublishResume.Read(context.Paths, context.Options.Catalog, gates);
            context.Log.Information($"Resuming from {Path.GetRelativePath(context.Root, context.Paths.BakeSummary)} (run {resumed.Run.Id}): every image must have a verdict for its digest.{(notes.Count > 0 ? " " + string.Join("; ", notes) + "." : string.Empty)}");
            return (resumed, reports);
        }
        catch (PublishException ex)
        {
            throw new CakeException(1, ex.Message);
        }
    }

    /// <summary>The tags of a family whose immutable tag is <paramref name="immutable"/> (its repository is the bake's).</summary>
    private static ImageTags TagsOf(string immutable, string family, string hash, string date) =>
        new(Catalog.ImageReference.Split(immutable).Name, family, hash, date);

    private GhcrStatus ReadStatus(BuildContext context, PublishReport report)
    {
        var families = new List<ImageStatus>();
        var api = "not asked (the registry is not ghcr.io)";
        // One GitHub package per repository: the families' and the services' (<registry>-services).
        var versions = new Dictionary<string, IReadOnlyList<PackageVersion>>(StringComparer.Ordinal);
        var repositories = report.Families.Select(f => f.Repository ?? report.Registry).Append(report.Registry).Distinct(StringComparer.Ordinal).ToList();
        if (ImageName.ParseRepository(report.Registry).Registry == "ghcr.io")
        {
            var token = environment.Get("GITHUB_TOKEN") ?? environment.Get("KILN_REGISTRY_TOKEN");
            if (string.IsNullOrEmpty(token))
            {
                api = "not asked (no GITHUB_TOKEN)";
            }
            else
            {
                try
                {
                    var apiBase = new Uri((environment.Get("GITHUB_API_URL") ?? "https://api.github.com").TrimEnd('/') + "/");
                    var client = GitHubPackagesClient.Create(apiBase, token, TimeSpan.FromSeconds(30));
                    foreach (var repository in repositories)
                    {
                        var repo = ImageName.ParseRepository(repository);
                        var owner = repo.Repository.Split('/')[0];
                        versions[repository] = client.ListVersionsAsync(owner, repo.Repository[(owner.Length + 1)..]).GetAwaiter().GetResult();
                    }

                    api = $"{versions.Values.Sum(v => v.Count)} versions";
                }
                catch (Exception ex) when (ex is PublishException or HttpRequestException or TaskCanceledException)
                {
                    api = $"failed: {ex.Message}";
                }
            }
        }

        foreach (var family in report.Families)
        {
            var repository = family.Repository ?? report.Registry;
            var tags = new ImageTags(repository, family.Family, family.Hash, context.DateTag);
            var read = tags.All.Select(t => RegistryStatusReader.ReadAsync(registries.Client, t).GetAwaiter().GetResult()).ToList();
            var digest = read[0].Digest;
            var version = versions.GetValueOrDefault(repository)?.FirstOrDefault(v => v.Name == digest);
            families.Add(new ImageStatus(family.Family, read, version is null ? null : new PackageStatus(version.Id, version.HtmlUrl, version.Tags, version.CreatedAt, version.UpdatedAt)));
        }

        return new GhcrStatus(1, report.Registry, api, families);
    }
}
