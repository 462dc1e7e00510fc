using Build.Host;
using Build.Hashing;
using Build.Reports;

namespace Build.Tasks;

[TaskName("Matrix")]
[TaskDescription("Prints the GitHub Actions matrix: one shard per independent family tree, families in dependency order (also to $GITHUB_OUTPUT as matrix=).")]
public sealed class Matrix : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var json = Render(context.Catalog);
        Console.Out.WriteLine(json);
        if (context.Env.Get("GITHUB_OUTPUT") is { Length: > 0 } output)
        {
            File.AppendAllText(output, GitHubActions.OutputRecord("matrix", json));
        }
    }

    /// <summary>
    /// Trees share nothing, so each is one shard (one bake: parents build before children inside it). A shard
    /// selected by --families reuses anything another shard already published, by hash.
    /// </summary>
    internal static string Render(Catalog.Catalog catalog)
    {
        var shards = catalog.Families.Where(f => f.IsRoot)
            .Select(root => new
            {
                shard = root.Group.Length > 0 && catalog.Families.Count(f => f.IsRoot && f.Group == root.Group) == 1 ? root.Group : root.Name,
                root = root.Name,
                families = string.Join(',', catalog.Families.Where(f => catalog.Lineage(f)[0].Name == root.Name).Select(f => f.Name)),
            })
            .ToList();
        return CanonicalJson.Serialize(new { include = shards });
    }
}
