using Build.Host;
using Build.Hashing;
using Build.Reports;

namespace Build.Tasks;

[TaskName("Matrix")]
[TaskDescription("Prints the GitHub Actions matrix: one shard per independent family tree with the services on it, families in dependency order (also to $GITHUB_OUTPUT as matrix=).")]
public sealed class Matrix(Services.RunOutput output) : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var json = Render(context.Catalog, context.Fleet);
        output.WriteLine(json);
        if (context.Env.Get("GITHUB_OUTPUT") is { Length: > 0 } githubOutput)
        {
            File.AppendAllText(githubOutput, GitHubActions.OutputRecord("matrix", json));
        }
    }

    /// <summary>
    /// Trees share nothing, so each is one shard (one bake: parents build before children inside it), with the
    /// services on its families (--families selects them too). A shard reuses anything another shard already
    /// published, by hash.
    /// </summary>
    internal static string Render(Catalog.Catalog catalog, Fleet.ResolvedFleet? fleet = null)
    {
        var graph = catalog.Graph;
        var shards = graph.Trees
            .Select(tree => new
            {
                shard = tree.Root.Group.Length > 0 && graph.Roots.Count(r => r.Group == tree.Root.Group) == 1 ? tree.Root.Group : tree.Root.Name,
                root = tree.Root.Name,
                families = string.Join(',', tree.Families.Select(f => f.Name)),
                // "none", not empty: the value is meant for --services=, where an empty list is a usage error.
                services = (fleet?.Services ?? []).Where(s => tree.Families.Any(f => f.Name == s.Family.Name)).Select(s => s.Name).ToList() is { Count: > 0 } on ? string.Join(',', on) : "none",
            })
            .ToList();
        return CanonicalJson.Serialize(new { include = shards });
    }
}
