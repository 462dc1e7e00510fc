using Cake.Common.Build;
using Cake.Common.Build.GitHubActions.Data;
using Cake.Core;
using Cake.Core.Diagnostics;

namespace Build;

/// <summary>When a failure stops the run at once, and when it is recorded so that Publish and the summary still run.</summary>
public static class FailurePolicy
{
    /// <summary>
    /// A gate's failure. When this run goes on to Publish (or CI), it is recorded: Publish refuses exactly what it
    /// blocks and the run fails at its end with every failure listed. Otherwise it is thrown at once.
    /// </summary>
    public static void Fail(this BuildContext context, string message)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.Plan.Facts.PublishesLater)
        {
            throw new CakeException(1, message);
        }

        context.Results.AddFailure(message);
        context.Log.Error(message);
        if (context.IsGitHubActions)
        {
            context.GitHubActions().Commands.Error(message, new GitHubActionsAnnotation { Title = "Kiln" });
        }
    }
}
