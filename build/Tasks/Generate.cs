using Build.Generation;
using Build.Host;
using Cake.Core;
using Cake.Core.Diagnostics;

namespace Build.Tasks;

[TaskName("Generate")]
[TaskDescription("Writes each family's Dockerfile (+ .dockerignore) and the bake file from the catalog. --check writes nothing and fails with a diff on drift.")]
[TaskArgument("--check", "Write nothing; exit non-zero with a unified diff when committed files differ from the catalog.")]
public sealed class Generate : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Flag(ArgumentNames.Check))
        {
            Check(context);
            return;
        }

        var root = context.Root;
        var plan = context.GeneratedFiles;
        var changes = Generator.Compare(root, context.Catalog, plan);
        Generator.Apply(root, plan, changes);
        foreach (var change in changes.Where(c => c.Kind != ChangeKind.Unchanged))
        {
            context.Log.Information($"{change.Kind.ToString().ToLowerInvariant(),-8} {change.Path}");
        }

        context.Log.Information(
            $"Generated {context.Catalog.Families.Count} families from {context.Catalog.File}: " +
            string.Join(", ", Enum.GetValues<ChangeKind>().Select(k => $"{changes.Count(c => c.Kind == k)} {k.ToString().ToLowerInvariant()}")));
    }

    /// <summary>The drift check CI runs: nothing is written; a diff says exactly what Generate would change.</summary>
    internal static void Check(BuildContext context)
    {
        var plan = context.GeneratedFiles;
        var drift = Generator.Compare(context.Root, context.Catalog, plan).Where(c => c.Kind != ChangeKind.Unchanged).ToList();
        if (drift.Count == 0)
        {
            context.Log.Information($"Generated files are up to date with {context.Catalog.File} ({plan.Count} files).");
            return;
        }

        foreach (var change in drift)
        {
            Console.Out.Write(change.Diff);
        }

        throw new CakeException(1,
            $"{drift.Count} generated file(s) differ from {context.Catalog.File}: {string.Join(", ", drift.Select(d => $"{d.Path} ({d.Kind.ToString().ToLowerInvariant()})"))}. " +
            $"Run ./build.sh --target=Generate --catalog={context.Options.Catalog} and commit the result.");
    }
}

[TaskName("GenerateCheck")]
[TaskDescription("Fails with a unified diff when the committed Dockerfiles or bake file differ from what the catalog produces (writes nothing).")]
public sealed class GenerateCheck : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context) => Generate.Check(context);
}
