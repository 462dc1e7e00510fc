using Build.Host;
using Cake.Core;
using Cake.Core.Diagnostics;

namespace Build;

public sealed class BuildLifetime : FrostingLifetime<BuildContext>
{
    public override void Setup(BuildContext context, ISetupContext info)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Log.Verbose($"Kiln: mode={context.Options.Mode}, catalog={context.Options.Catalog}, artifacts={context.Options.Artifacts}");
    }

    public override void Teardown(BuildContext context, ITeardownContext info)
    {
    }
}

/// <summary>In GitHub Actions each task is a collapsible log group.</summary>
public sealed class BuildTaskLifetime : FrostingTaskLifetime<BuildContext>
{
    public override void Setup(BuildContext context, ITaskSetupContext info)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(info);
        if (context.IsGitHubActions)
        {
            Console.Out.WriteLine($"::group::{info.Task.Name}");
        }
    }

    public override void Teardown(BuildContext context, ITaskTeardownContext info)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.IsGitHubActions)
        {
            Console.Out.WriteLine("::endgroup::");
        }
    }
}
