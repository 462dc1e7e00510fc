using Build.Host;
using Build.IO;
using Build.Publishing;
using Build.Reports;
using Cake.Core;
using Cake.Core.Diagnostics;

namespace Build.Tasks;

[TaskName("Promote")]
[TaskDescription("The sharded workflow's last step: reads every shard's publish.json, checks that every gate of every shard passed and that each family's <family>-<hash> in the registry is the digest its shard reported, then moves every -latest; one failure anywhere and nothing moves (promote.json/.md).")]
[TaskArgument("--shards=DIR,DIR", "The shards' artifacts folders (each holds the publish.json of one --shard run).")]
[TaskArgument("--expect-shards=a,b", "The shards the workflow ran: one that left no publish.json fails the promotion.")]
public sealed class Promote(Services.Registries registries, Services.RunOutput output, Tools.IProcessRunner processes) : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var dirs = context.Arguments.HasArgument(ArgumentNames.Shards)
            ? context.Arguments.GetArguments(ArgumentNames.Shards).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList()
            : [];
        if (dirs.Count == 0)
        {
            throw new CakeException(2, "Promote needs --shards=DIR,DIR: the artifacts folders of the shard runs (each with its publish.json).");
        }

        var shards = new List<(string, PublishReport)>();
        foreach (var dir in dirs)
        {
            var path = new ArtifactLayout(Path.GetFullPath(dir, context.Root)).Publish;
            if (!File.Exists(path))
            {
                throw new CakeException(1, $"Shard folder {dir} has no publish.json: that shard did not get to Publish, so nothing is promoted.");
            }

            shards.Add((Path.GetRelativePath(context.Root, path), PublishReport.FromJson(File.ReadAllText(path))));
        }

        var publisher = new Publisher(registries.Client, line => context.Log.Information(line), processes);
        var expected = context.Arguments.HasArgument(ArgumentNames.ExpectShards)
            ? context.Arguments.GetArguments(ArgumentNames.ExpectShards).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList()
            : null;
        var report = Promoter.Promote(context.Stamp, shards, registries.Client, publisher, expected);
        AtomicFile.WriteAllText(context.Paths.Promote, report.ToJson());
        AtomicFile.WriteAllText(Path.ChangeExtension(context.Paths.Promote, ".md"), report.Markdown());
        output.Write(TextTable.Render(["Shard", "Result", "Problems"], report.Shards.Select(s => (IReadOnlyList<string>)[s.Shard, s.Passed ? "passed" : "FAILED", string.Join("; ", s.Problems)])));
        if (context.Env.Get("GITHUB_STEP_SUMMARY") is { Length: > 0 } step)
        {
            File.AppendAllText(step, report.Markdown());
        }

        if (!report.Moved)
        {
            throw new CakeException(1, $"Promote: no -latest moved: {report.Why}.");
        }

        context.Log.Information($"Promote: -latest moved for {report.Families.Count} images.");
    }
}
