using System.Reflection;
using Build.Host;
using Cake.Core;

namespace Build.Tasks;

[TaskName("Default")]
[TaskDescription("Lists the targets with their descriptions and the arguments each accepts.")]
public sealed class Default(Services.RunOutput output) : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        output.Write(Render());
    }

    internal static string Render()
    {
        var tasks = typeof(Default).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false, IsPublic: true } && typeof(IFrostingTask).IsAssignableFrom(t))
            .Select(t => (Name: t.GetCustomAttribute<TaskNameAttribute>()?.Name ?? t.Name,
                Description: t.GetCustomAttribute<TaskDescriptionAttribute>()?.Description ?? string.Empty,
                Arguments: t.GetCustomAttributes<TaskArgumentAttribute>().ToList()))
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .ToList();
        var width = tasks.Max(t => t.Name.Length) + 2;
        var sb = new System.Text.StringBuilder();
        sb.AppendLine("Kiln: builds families of container images with docker buildx bake.");
        sb.AppendLine("Usage: ./build.sh --target=<Target> [--argument=value ...]");
        sb.AppendLine();
        sb.AppendLine("Targets:");
        foreach (var task in tasks)
        {
            sb.Append("  ").Append(task.Name.PadRight(width)).AppendLine(task.Description);
            foreach (var argument in task.Arguments)
            {
                sb.Append(' ', width + 4).Append(argument.Name).Append("  ").AppendLine(argument.Description);
            }
        }

        sb.AppendLine();
        sb.AppendLine("Arguments every target shares:");
        foreach (var (name, description) in KilnOptions.Documented)
        {
            sb.Append("  ").Append(name.PadRight(24)).AppendLine(description);
        }

        sb.AppendLine();
        sb.AppendLine("Host options: --tree, --description, --dryrun, --exclusive, --verbosity=<level>, --no-report, --version, --help.");
        return sb.ToString();
    }
}
