using System.Text;
using System.Text.RegularExpressions;
using Build.Catalog;
using Build.Dockerfiles;

namespace Build.Buildx;

/// <summary>
/// Writes docker-bake.hcl for a catalog: one target per family (stage runtime) and one -artifacts target per family
/// with an export stage; with a fleet, one target per service whose 'family' context is its family's target (one
/// graph: a family builds before its services, once); groups per family group plus default, artifacts and services;
/// tags, cache and base images from variables, so the file also works with plain `docker buildx bake` from the
/// repository root.
/// </summary>
public static class BakeFileRenderer
{
    public static string Render(Catalog.Catalog catalog, Fleet.ResolvedFleet? fleet = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var services = fleet?.Services.OrderBy(s => s.Name, StringComparer.Ordinal).ToList() ?? [];
        var sb = new StringBuilder(DockerfileRenderer.GeneratedHeader(catalog.File));
        sb.Append($"# Run from the repository root, e.g.  docker buildx bake -f {catalog.BakeFilePath} --print\n");
        sb.Append("# Kiln sets the variables below (hashes, date tag, cache) and, for a family whose image already exists,\n");
        sb.Append("# binds its children's 'parent' context (and its services' 'family' context) to that image by digest\n");
        sb.Append("# instead of building it again.\n\n");

        Variable(sb, "REGISTRY", catalog.Registry, "Registry and repository of every tag.");
        Variable(sb, "DATE_TAG", string.Empty, "yyyymmdd: adds <family>-<DATE_TAG> tags when set.");
        Variable(sb, "CACHE", string.Empty, "Cache backend: \"\" (none), \"gha\", \"local\" (CACHE_DIR) or \"registry\" (CACHE_REF).");
        Variable(sb, "CACHE_DIR", ".kiln/cache", "Local cache folder read by cache-from.");
        Variable(sb, "CACHE_EXPORT_DIR", ".kiln/cache", "Where cache-to writes <scope>-new (a fresh folder: BuildKit never prunes one, moby/buildkit#1896); Kiln swaps it into CACHE_DIR.");
        Variable(sb, "CACHE_REF", string.Empty, "Registry cache repository; each family uses the tag <family>.");
        Variable(sb, "DIST_DIR", "artifacts/dist", "Where -artifacts targets write export-stage files.");
        foreach (var (name, value) in BaseVariables(catalog))
        {
            Variable(sb, name, value, "Base image (set in the environment to override).");
        }

        foreach (var family in catalog.Families)
        {
            Variable(sb, family.HashVariable, "dev", $"Content hash of {family.Name} (ComputeHash).");
        }

        foreach (var service in services)
        {
            Variable(sb, Fleet.ServiceImages.HashVariable(service.Name), "dev", $"Content hash of service {service.Name} (ComputeHash).");
        }

        if (services.Count > 0)
        {
            Variable(sb, CodeDirVariable, DefaultCodeDir, "Where Kiln stages each service's code (its import closure and files) as the named context 'code'.");
        }

        sb.Append(Hashing.ImageTags.HclTagsFunction());
        if (services.Count > 0)
        {
            sb.Append(Hashing.ImageTags.HclServiceTagsFunction());
        }

        sb.Append("function \"cache_from\" {\n  params = [scope]\n");
        sb.Append("  result = CACHE == \"gha\" ? [\"type=gha,scope=${scope}\"] : CACHE == \"local\" ? [\"type=local,src=${CACHE_DIR}/${scope}\"] : CACHE == \"registry\" ? [\"type=registry,ref=${CACHE_REF}:${scope}\"] : []\n}\n\n");
        sb.Append("function \"cache_to\" {\n  params = [scope]\n");
        sb.Append("  result = CACHE == \"gha\" ? [\"type=gha,scope=${scope},mode=max\"] : CACHE == \"local\" ? [\"type=local,dest=${CACHE_EXPORT_DIR}/${scope}-new,mode=max\"] : CACHE == \"registry\" ? [\"type=registry,ref=${CACHE_REF}:${scope},mode=max\"] : []\n}\n\n");

        Group(sb, "default", catalog.Families.Select(f => f.BakeTarget));
        foreach (var group in catalog.Families.GroupBy(f => GroupName(f.Group)).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            // A group named like a target would shadow it (bake: the group wins).
            // "services" is taken only where there are services (the fleet validator refuses the clash).
            if (group.Key != "default" && group.Key != "artifacts" && (services.Count == 0 || group.Key != Fleet.ServiceImages.Group) && catalog.Families.All(f => f.BakeTarget != group.Key))
            {
                Group(sb, group.Key, group.Select(f => f.BakeTarget));
            }
        }

        var exporters = catalog.Families.Where(f => f.HasExport).ToList();
        if (exporters.Count > 0)
        {
            Group(sb, "artifacts", exporters.Select(ArtifactsTarget));
        }

        if (services.Count > 0)
        {
            Group(sb, Fleet.ServiceImages.Group, services.Select(s => Fleet.ServiceImages.BakeTarget(s.Name)));
        }

        foreach (var family in catalog.Families)
        {
            Target(sb, catalog, family, artifacts: false);
            if (family.HasExport)
            {
                Target(sb, catalog, family, artifacts: true);
            }
        }

        foreach (var service in services)
        {
            ServiceTarget(sb, catalog, fleet!, service);
        }

        return sb.ToString().TrimEnd('\n') + "\n";
    }

    /// <summary>The bake value of a family's 'parent' context: the parent's target, or its base image.</summary>
    public static string ParentContextValue(Catalog.Catalog catalog, Family family)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(family);
        return family.Parent is { } parent ? $"target:{catalog.Get(parent).BakeTarget}" : "docker-image://" + BaseExpression(family.BaseTemplate!);
    }

    public static string ArtifactsTarget(Family family)
    {
        ArgumentNullException.ThrowIfNull(family);
        return family.BakeTarget + "-artifacts";
    }

    /// <summary>The bake variable naming the folder of staged service code (one sub-folder per service).</summary>
    public const string CodeDirVariable = "KILN_CODE_DIR";

    /// <summary>Where the staged code lives, relative to the repository root (bake runs there).</summary>
    public const string DefaultCodeDir = ".kiln/code";

    /// <summary>Groups Kiln itself writes (services only with a fleet): a service of that name would be shadowed by the group.</summary>
    public static readonly IReadOnlyList<string> ReservedGroups = ["default", "artifacts", Fleet.ServiceImages.Group];

    public static string GroupName(string group) => NamePattern.BakeName(group);

    /// <summary>${NAME:-default} in a catalog base becomes a bake variable NAME (the environment overrides it).</summary>
    internal static IEnumerable<(string Name, string Default)> BaseVariables(Catalog.Catalog catalog) =>
        catalog.Families
            .Where(f => f.BaseTemplate is not null)
            .SelectMany(f => ImageReference.EnvironmentReference().Matches(f.BaseTemplate!))
            .Select(m => (m.Groups["name"].Value, m.Groups["default"].Value))
            .DistinctBy(v => v.Item1)
            .OrderBy(v => v.Item1, StringComparer.Ordinal);

    private static string BaseExpression(string template) => ImageReference.EnvironmentReference().Replace(template, m => "${" + m.Groups["name"].Value + "}");

    /// <summary>The HCL literal for the parent context: literal text escaped, ${NAME} kept as a bake variable.</summary>
    private static string ParentContextLiteral(Catalog.Catalog catalog, Family family)
    {
        if (family.Parent is not null)
        {
            return Quote(ParentContextValue(catalog, family));
        }

        var template = family.BaseTemplate!;
        var sb = new StringBuilder("\"docker-image://");
        var last = 0;
        foreach (Match m in ImageReference.EnvironmentReference().Matches(template))
        {
            sb.Append(Quote(template[last..m.Index])[1..^1]).Append("${").Append(m.Groups["name"].Value).Append('}');
            last = m.Index + m.Length;
        }

        return sb.Append(Quote(template[last..])[1..^1]).Append('"').ToString();
    }

    private static void Target(StringBuilder sb, Catalog.Catalog catalog, Family family, bool artifacts)
    {
        var name = artifacts ? ArtifactsTarget(family) : family.BakeTarget;
        sb.Append($"target \"{name}\" {{\n");
        var description = artifacts ? $"Export-stage files of {family.Name}" : family.Description ?? family.Name;
        sb.Append($"  description = {Quote(description)}\n");
        sb.Append("  context = \".\"\n");
        sb.Append($"  dockerfile = {Quote(catalog.DockerfilePath(family.Name))}\n");
        sb.Append($"  target = \"{(artifacts ? "export" : "runtime")}\"\n");
        sb.Append("  contexts = {\n");
        sb.Append($"    {DockerfileRenderer.ParentContext} = {ParentContextLiteral(catalog, family)}\n");
        if (family.Python is { Kind: PythonKind.Pixi } && catalog.Pixi.ToolsImage is { } tools)
        {
            sb.Append($"    pixi-tools = {Quote("docker-image://" + tools)}\n");
        }

        sb.Append("  }\n");
        sb.Append($"  platforms = [{string.Join(", ", catalog.Platforms.Select(Quote))}]\n");
        if (FamilyReader.ShmSize.In(family.Settings) is { } shm)
        {
            // Both targets run the family's build steps (the artifacts one its builder stage).
            sb.Append($"  shm-size = {Quote(shm)}\n");
        }

        if (artifacts)
        {
            sb.Append($"  output = [\"type=local,dest=${{DIST_DIR}}/{family.Name}\"]\n");
            sb.Append($"  cache-from = cache_from(\"{family.Name}\")\n");
        }
        else
        {
            sb.Append($"  tags = tags(\"{family.Name}\", {family.HashVariable})\n");
            sb.Append("  labels = {\n");
            var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var (k, v) in catalog.Labels)
            {
                labels[k] = v;
            }

            foreach (var (k, v) in family.Labels)
            {
                labels[k] = v;
            }

            labels["org.opencontainers.image.title"] = family.Name;
            if (family.Description is { } d)
            {
                labels["org.opencontainers.image.description"] = d;
            }

            labels["org.opencontainers.image.version"] = "${" + family.HashVariable + "}";
            labels["dev.kiln.family"] = family.Name;
            labels["dev.kiln.group"] = family.Group;
            if (family.Parent is { } parent)
            {
                labels["dev.kiln.parent"] = parent;
            }

            if (family.Gpu is { } gpu)
            {
                labels["dev.kiln.gpu.variant"] = gpu.Name;
                labels["dev.kiln.gpu.arch-list"] = string.Join(';', gpu.ArchList);
            }

            foreach (var (k, v) in labels)
            {
                sb.Append($"    {Quote(k)} = {QuoteTemplate(v)}\n");
            }

            sb.Append("  }\n");
            sb.Append($"  cache-from = cache_from(\"{family.Name}\")\n");
            sb.Append($"  cache-to = cache_to(\"{family.Name}\")\n");
        }

        sb.Append("}\n\n");
    }

    /// <summary>
    /// A service target: built from the fleet's source_root (bake reads 'dockerfile' relative to the context), FROM
    /// the named context 'family', which is the family's target here and an image by digest when Kiln reuses it.
    /// </summary>
    private static void ServiceTarget(StringBuilder sb, Catalog.Catalog catalog, Fleet.ResolvedFleet fleet, Fleet.ResolvedService service)
    {
        var context = fleet.Fleet.SourceRoot.Replace('\\', '/').TrimEnd('/');
        var dockerfile = Path.GetRelativePath(context, Fleet.ServiceDockerfileRenderer.DockerfilePath(catalog, service.Name)).Replace('\\', '/');
        var variable = Fleet.ServiceImages.HashVariable(service.Name);
        sb.Append($"target \"{Fleet.ServiceImages.BakeTarget(service.Name)}\" {{\n");
        sb.Append($"  description = {Quote($"Service {service.Name} on {string.Join(", ", service.Service.Machines)} (family {service.Family.Name})")}\n");
        sb.Append($"  context = {Quote(context.Length == 0 ? "." : context)}\n");
        sb.Append($"  dockerfile = {Quote(dockerfile)}\n");
        sb.Append("  target = \"runtime\"\n");
        sb.Append("  contexts = {\n");
        sb.Append($"    {Fleet.ServiceDockerfileRenderer.FamilyContext} = {Quote("target:" + service.Family.BakeTarget)}\n");
        sb.Append($"    {Fleet.ServiceDockerfileRenderer.CodeContext} = \"${{{CodeDirVariable}}}/{service.Name}\"\n");
        sb.Append("  }\n");
        sb.Append($"  platforms = [{string.Join(", ", catalog.Platforms.Select(Quote))}]\n");
        sb.Append($"  tags = service_tags({Quote(service.Name)}, {variable})\n");
        sb.Append("  labels = {\n");
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["org.opencontainers.image.title"] = service.Name,
            ["org.opencontainers.image.version"] = "${" + variable + "}",
            ["dev.kiln.service"] = service.Name,
            ["dev.kiln.family"] = service.Family.Name,
            ["dev.kiln.machines"] = string.Join(',', service.Service.Machines),
        };
        foreach (var (k, v) in catalog.Labels)
        {
            labels.TryAdd(k, v);
        }

        foreach (var (k, v) in labels)
        {
            sb.Append($"    {Quote(k)} = {QuoteTemplate(v)}\n");
        }

        sb.Append("  }\n");
        sb.Append($"  cache-from = cache_from({Quote(service.Name)})\n");
        sb.Append($"  cache-to = cache_to({Quote(service.Name)})\n");
        sb.Append("}\n\n");
    }

    private static void Variable(StringBuilder sb, string name, string value, string comment)
    {
        sb.Append("# ").Append(comment).Append('\n');
        sb.Append($"variable \"{name}\" {{\n  default = {Quote(value)}\n}}\n\n");
    }

    private static void Group(StringBuilder sb, string name, IEnumerable<string> targets) =>
        sb.Append($"group {Quote(name)} {{\n  targets = [{string.Join(", ", targets.Select(Quote))}]\n}}\n\n");

    /// <summary>An HCL string literal; '${' and '%{' are escaped so catalog text is never a template.</summary>
    private static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal).Replace("${", "$${", StringComparison.Ordinal).Replace("%{", "%%{", StringComparison.Ordinal) + "\"";

    /// <summary>An HCL string whose ${...} interpolations Kiln put there on purpose are kept (but text is escaped).</summary>
    private static string QuoteTemplate(string value) =>
        value.StartsWith("${", StringComparison.Ordinal) && value.EndsWith('}') && !value[2..^1].Contains('$', StringComparison.Ordinal)
            ? "\"" + value + "\""
            : Quote(value);
}
