using Build.Host;
using Build.Tools;
using Cake.Core;
using Cake.Core.Diagnostics;

namespace Build.Tasks;

[TaskName("BakePrint")]
[TaskDescription("docker buildx bake --print of the catalog's bake file: the bake definition parses and resolves.")]
public sealed class BakePrint(IProcessRunner processes) : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var print = processes.Run(new CommandLine("docker").Add("buildx", "bake", "-f", context.Catalog.BakeFilePath, "--print", "default"), new ProcessOptions { WorkingDirectory = context.Root, Environment = Lint.Variables(context) });
        if (!print.Succeeded)
        {
            throw new CakeException(1, $"docker buildx bake --print failed: {print.StandardError.Trim()}");
        }

        context.Log.Information($"{context.Catalog.BakeFilePath} resolves ({context.Catalog.Families.Count} targets).");
    }
}

/// <summary>The canonical local gate : what CI checks before building, runnable before every push.</summary>
[TaskName("PrePush")]
[IsDependentOn(typeof(GenerateCheck))]
[IsDependentOn(typeof(Lint))]
[IsDependentOn(typeof(Test))]
[IsDependentOn(typeof(BakePrint))]
[TaskDescription("The local gate before a push: GenerateCheck, Lint, Test and bake --print (pixi run prepush runs the same).")]
public sealed class PrePush : FrostingTask<BuildContext>;
