using Build.Fleet;
using Build.Host;
using Cake.Core;

namespace Build.Tasks;

[TaskName("Deps")]
[TaskDescription("Prints what each selected service's image takes in of the fleet's code: every file with its bytes and the import chain that pulls it in, and every third-party import with where it is imported and what installs it. Needs the fleet's code, not Docker.")]
[TaskArgument("--format=text|json", "json: the same as a JSON document for tools (schemaVersion 1).")]
public sealed class Deps(Services.RunOutput output) : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var fleet = context.Fleet ?? throw new CakeException(2, $"Deps needs a fleet beside {context.Catalog.File} ({context.Catalog.Directory}/fleet.yaml).");
        var json = context.Argument(ArgumentNames.Format) switch
        {
            null or "text" => false,
            "json" => true,
            var other => throw new CakeException(2, $"--format={other}: use --format=text or --format=json."),
        };
        var services = context.Plan.NamedServices;
        var missing = FleetValidator.RequireSources(fleet, Path.Combine(context.Root, fleet.Fleet.SourceRoot), f => FleetFamilies.LockedPackages(fleet.Catalog, f, context.Root), services.Select(s => s.Name).ToList());
        var code = ServiceCodeReader.Read(fleet, context.Root, services);
        var modules = code.ToDictionary(c => c.Service, c => c.FamilyModules, StringComparer.Ordinal);
        IReadOnlySet<string> FamilyModules(ResolvedService s) => modules[s.Name];
        output.Write(json ? DepsReport.Json(fleet, code, FamilyModules) : DepsReport.Text(fleet, code, FamilyModules));
        var errors = missing.Concat(code.SelectMany(c => c.Errors)).ToList();
        if (errors.Count > 0)
        {
            throw new CakeException(1, $"{errors.Count} problem(s) with the services' code:\n  {string.Join("\n  ", errors.Select(e => e.ToString()))}");
        }
    }
}
