using Build.Catalog.Yaml;

namespace Build.Catalog;

/// <summary>The keys of one family as they are read; <see cref="Finish"/> checks how they fit together.</summary>
internal sealed class FamilyDraft(CatalogScope scope, string name, IReadOnlyDictionary<string, string> axes, YScalar keyNode)
{
    public NodeReader R => scope.R;

    public string FamilyName { get; } = name;

    public string? Description { get; set; }

    public string? Group { get; set; }

    public string? Parent { get; set; }

    public YNode? ParentNode { get; set; }

    public string? BaseText { get; set; }

    public YNode? BaseNode { get; set; }

    public List<string> Apt { get; set; } = [];

    public PythonSpec? Python { get; set; }

    public YNode? PythonNode { get; set; }

    public List<CopySpec> Copy { get; set; } = [];

    public List<string> BuilderRun { get; set; } = [];

    public List<string> Run { get; set; } = [];

    public List<(YNode Node, EnvVar Var)> Env { get; set; } = [];

    public UserSpec? User { get; set; }

    public bool? Tini { get; set; }

    public List<int> Ports { get; set; } = [];

    public HealthSpec? Health { get; set; }

    public SortedDictionary<string, string> Labels { get; set; } = new(StringComparer.Ordinal);

    public List<string> Export { get; set; } = [];

    public YNode? ExportNode { get; set; }

    public string? Machine { get; set; }

    public YNode? MachineNode { get; set; }

    public IReadOnlyList<string>? Cmd { get; set; }

    public string? Workdir { get; set; }

    public List<string> Provides { get; set; } = [];

    public SortedDictionary<string, object> Settings { get; } = new(StringComparer.Ordinal);

    /// <summary>Axis placeholders replaced; a {name} that is no axis is an error (it would be written literally).</summary>
    public string Sub(YNode node, string text) =>
        NamePattern.Placeholder().Replace(text, m =>
        {
            if (axes.TryGetValue(m.Groups[1].Value, out var v))
            {
                return v;
            }

            var known = axes.Count == 0 ? "this family has no axes" : $"its axes: {string.Join(", ", axes.Keys.Order(StringComparer.Ordinal))}";
            R.Error(node, FamilyName, $"'{m.Value}' names no axis of this family ({known}).", "Fix the placeholder, add the axis under 'matrix:' (or 'gpu:' for {gpu}), or in a shell command write the braces another way (e.g. '{ print }').");
            return m.Value;
        });

    /// <summary>A single-line value with placeholders replaced.</summary>
    public string? Text(YNode node, string key)
    {
        var s = R.AsScalar(node, $"'{key}'", FamilyName, $"{key}: value");
        return s is null || !SingleLine(node, key, s) ? null : Sub(node, s);
    }

    public string? Name(YNode node, string key)
    {
        var s = Text(node, key);
        if (s is not null && !NamePattern.IsFamilyName(s))
        {
            R.Error(node, FamilyName, $"'{key}' is '{s}', which is not a valid name.", "Use lowercase letters, digits, '.', '_' or '-', starting with a letter or digit.");
            return null;
        }

        return s;
    }

    public List<string>? List(YNode node, string key)
    {
        var items = R.ItemsOf(node, key, FamilyName);
        if (items is null)
        {
            return null;
        }

        var result = new List<string>();
        foreach (var (item, value) in items)
        {
            if (SingleLine(item, key, value))
            {
                result.Add(Sub(item, value));
            }
        }

        return result;
    }

    /// <summary>run / builder.run: one command per item. A '|' block would merge several commands into one RUN line.</summary>
    public List<string> Commands(YNode node, string key)
    {
        var result = new List<string>();
        foreach (var (item, value) in R.ItemsOf(node, key, FamilyName) ?? [])
        {
            if (value.Contains('\n', StringComparison.Ordinal) || value.Contains('\r', StringComparison.Ordinal))
            {
                R.Error(item, FamilyName, $"A '{key}' entry spans several lines, so its commands would be merged into one.", "Write one command per list item, or fold the lines into one command with '>-'.");
                continue;
            }

            if (value.Trim().Length == 0)
            {
                R.Error(item, FamilyName, $"A '{key}' entry is empty.", "Remove it, or write the command.");
                continue;
            }

            result.Add(Sub(item, value));
        }

        return result;
    }

    private bool SingleLine(YNode node, string key, string value)
    {
        if (value.Contains('\n', StringComparison.Ordinal) || value.Contains('\r', StringComparison.Ordinal))
        {
            R.Error(node, FamilyName, $"'{key}' contains a line break, which the generated Dockerfile cannot hold.", "Write it on one line (a '>-' block folds lines into one).");
            return false;
        }

        return true;
    }

    public List<string> Packages(YNode node)
    {
        var result = new List<string>();
        foreach (var (item, value) in R.ItemsOf(node, "apt", FamilyName) ?? [])
        {
            if (!FamilyReader.AptPattern().IsMatch(value))
            {
                R.Error(item, FamilyName, $"'{value.ReplaceLineEndings(" ")}' is not a Debian package name.", "Write one package per item (e.g. 'apt: [curl, ca-certificates]'), optionally pinned as name=version.");
                continue;
            }

            result.Add(Sub(item, value));
        }

        return [.. result.Distinct(StringComparer.Ordinal)];
    }

    public List<(YNode, EnvVar)> ReadEnv(YNode node)
    {
        var result = new List<(YNode, EnvVar)>();
        foreach (var (key, envName, valueNode, value) in R.PairsOf(node, "env", FamilyName))
        {
            if (!NamePattern.IsEnvName(envName))
            {
                R.Error(key, FamilyName, $"'{envName}' is not a valid environment variable name.", "Use letters, digits and '_', not starting with a digit (e.g. OMP_NUM_THREADS).");
                continue;
            }

            if (value.Contains('\n', StringComparison.Ordinal) || value.Contains('\r', StringComparison.Ordinal))
            {
                R.Error(valueNode, FamilyName, $"The value of '{envName}' contains a line break, which a Dockerfile ENV cannot hold.", "Write it on one line.");
                continue;
            }

            result.Add((valueNode, new EnvVar(envName, Sub(valueNode, value))));
        }

        return result;
    }

    public SortedDictionary<string, string> ReadLabels(YNode node)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, labelName, valueNode, value) in R.PairsOf(node, "labels", FamilyName))
        {
            if (labelName.Length == 0 || labelName.Any(c => char.IsWhiteSpace(c) || c is '"' or '=') )
            {
                R.Error(key, FamilyName, $"'{labelName}' is not a valid label name.", "Use a reverse-DNS name such as org.opencontainers.image.title.");
                continue;
            }

            if (SingleLine(valueNode, labelName, value))
            {
                result[labelName] = Sub(valueNode, value);
            }
        }

        return result;
    }

    public List<int> ReadPorts(YNode node)
    {
        var result = new List<int>();
        foreach (var (item, s) in R.ItemsOf(node, "ports", FamilyName) ?? [])
        {
            if (int.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) && v is >= 1 and <= 65535)
            {
                result.Add(v);
            }
            else
            {
                R.Error(item, FamilyName, $"'ports' has '{s}'. Ports must be between 1 and 65535.", "Use numbers from 1 to 65535.");
            }
        }

        return [.. result.Distinct().Order()];
    }

    public string? ReadWorkdir(YNode node)
    {
        var s = Text(node, "workdir");
        if (s is not null && !s.StartsWith('/'))
        {
            R.Error(node, FamilyName, $"'workdir' is '{s}', not an absolute path.", "Start it with '/', e.g. /opt/app.");
            return null;
        }

        return s;
    }

    public IReadOnlyList<string>? ReadCmd(YNode node)
    {
        if (node is YScalar)
        {
            return Text(node, "cmd") is { } one ? ["/bin/sh", "-c", one] : null;
        }

        return List(node, "cmd");
    }

    public List<string> ReadProvides(YNode node)
    {
        var result = new List<string>();
        foreach (var (item, value) in R.ItemsOf(node, "provides", FamilyName) ?? [])
        {
            if (!FamilyReader.ProvidesValues.Contains(value))
            {
                R.Error(item, FamilyName, $"'{value}' is not something a family can provide.{Suggest.DidYouMean(value, FamilyReader.ProvidesValues)}", $"Use some of: {string.Join(", ", FamilyReader.ProvidesValues)}.");
                continue;
            }

            result.Add(value);
        }

        return result;
    }

    public List<string> ReadBuilder(YNode node)
    {
        if (R.AsMapping(node, "'builder'", FamilyName, "builder: { run: [\"command\", …] }") is not { } builder)
        {
            return [];
        }

        R.CheckKeys(builder, ["run"], FamilyName, "builder");
        return builder["run"] is { } run ? Commands(run, "builder.run") : [];
    }

    public PythonSpec? ReadPython(YNode node)
    {
        if (R.AsMapping(node, "'python'", FamilyName, "python: { pixi: <environment> }' or 'python: { requirements: path/to/requirements.lock }") is not { } m)
        {
            return null;
        }

        R.CheckKeys(m, ["pixi", "requirements", "sources"], FamilyName, "python");
        var env = m["pixi"] is { } p ? Text(p, "pixi") : null;
        var req = m["requirements"] is { } q ? Text(q, "requirements") : null;
        if ((env is null) == (req is null))
        {
            if (!m.Has("pixi") && !m.Has("requirements") || m.Has("pixi") && m.Has("requirements"))
            {
                R.Error(m, FamilyName, "'python' needs exactly one of 'pixi' (an environment name) or 'requirements' (a hashed lock file).", "Keep one of them.");
            }

            return null;
        }

        if (env is not null)
        {
            if (m["sources"] is { } s)
            {
                R.Error(s, FamilyName, "'sources' goes with 'requirements', not with a pixi environment.", "Add the packages to the pixi environment instead, or switch to 'requirements:'.");
                return null;
            }

            return scope.PixiChecks.Check(R, m["pixi"]!, FamilyName, env) ? new PythonSpec(PythonKind.Pixi, env, null) : null;
        }

        var reqNode = m["requirements"]!;
        if (!scope.CheckPath(reqNode, FamilyName, req!, "requirements lock"))
        {
            return null;
        }

        if (!File.Exists(Path.Combine(scope.Options.RepoRoot, req!)))
        {
            R.Error(reqNode, FamilyName, $"The requirements lock '{req}' is a folder, not a file.", "Name the lock file itself, e.g. requirements/cpu.lock.");
            return null;
        }

        List<string>? sources = null;
        if (m["sources"] is { } sourcesNode)
        {
            sources = [];
            foreach (var (item, value) in R.ItemsOf(sourcesNode, "sources", FamilyName) ?? [])
            {
                var dir = Sub(item, value).TrimEnd('/');
                if (!scope.CheckPath(item, FamilyName, dir, "Python source"))
                {
                    continue;
                }

                var full = Path.Combine(scope.Options.RepoRoot, dir);
                if (!Directory.Exists(full) || !(File.Exists(Path.Combine(full, "pyproject.toml")) || File.Exists(Path.Combine(full, "setup.py"))))
                {
                    R.Error(item, FamilyName, $"The Python source '{dir}' is not a package directory (no pyproject.toml or setup.py).", "Name the folder that holds the package's pyproject.toml.");
                    continue;
                }

                sources.Add(dir);
            }

            if (sources.Count == 0 && sourcesNode is YSequence { Items.Count: 0 })
            {
                R.Error(sourcesNode, FamilyName, "'sources' lists no package directories.", "List them, or remove 'sources:'.");
            }
        }

        return scope.CheckRequirementsLock(req!, FamilyName) ? new PythonSpec(PythonKind.Requirements, null, req, sources) : null;
    }

    public List<CopySpec> ReadCopy(YNode node)
    {
        var result = new List<CopySpec>();
        if (node is not YSequence seq)
        {
            R.Error(node, FamilyName, $"'copy' must be a list, not {node.TypeName}.", "Write 'copy: [{ src: path/in/repo, dest: /path/in/image }]'.");
            return result;
        }

        foreach (var item in seq.Items)
        {
            if (R.AsMapping(item, "Each 'copy' item", FamilyName, "{ src: path/in/repo, dest: /path/in/image, mode: \"0755\" }") is not { } m)
            {
                continue;
            }

            R.CheckKeys(m, ["src", "dest", "mode"], FamilyName, "copy item");
            var src = m["src"] is { } s ? Text(s, "src") : null;
            var dest = m["dest"] is { } t ? Text(t, "dest") : null;
            var mode = m["mode"] is { } o ? Text(o, "mode") : null;
            if (src is null || dest is null)
            {
                if (!m.Has("src") || !m.Has("dest"))
                {
                    R.Error(m, FamilyName, "A 'copy' item needs 'src' and 'dest'.", "Add the missing one.");
                }

                continue;
            }

            if (!dest.StartsWith('/'))
            {
                R.Error(m["dest"], FamilyName, $"Copy destination '{dest}' must be an absolute path in the image.", "Start it with '/'.");
                continue;
            }

            if (mode is not null && !FamilyReader.ModePattern().IsMatch(mode))
            {
                R.Error(m["mode"], FamilyName, $"'{mode}' is not an octal file mode.", "Write e.g. \"0755\" (quoted).");
                continue;
            }

            if (scope.CheckPath(m["src"]!, FamilyName, src, "copy source"))
            {
                result.Add(new CopySpec(src.TrimEnd('/'), dest, mode));
            }
        }

        return result;
    }

    public HealthSpec? ReadHealth(YNode node)
    {
        if (R.AsMapping(node, "'healthcheck'", FamilyName, "healthcheck: { tcp: 8080 }' or '{ http: { port: 8080, path: /health } }' or '{ cmd: [..] }") is not { } m)
        {
            return null;
        }

        R.CheckKeys(m, ["tcp", "http", "cmd", "interval", "timeout", "start_period", "retries"], FamilyName, "healthcheck");
        var kinds = new[] { "tcp", "http", "cmd" }.Where(m.Has).ToList();
        if (kinds.Count != 1)
        {
            R.Error(m, FamilyName, "A healthcheck needs exactly one of 'tcp', 'http' or 'cmd'.", "Keep one of them.");
            return null;
        }

        var defaults = scope.Defaults;
        var interval = CatalogReader.Duration(R, m, "interval", FamilyName) ?? defaults.Interval;
        var timeout = CatalogReader.Duration(R, m, "timeout", FamilyName) ?? defaults.Timeout;
        var start = CatalogReader.Duration(R, m, "start_period", FamilyName) ?? defaults.StartPeriod;
        var retries = R.Int(m, "retries", FamilyName, 1, 100) ?? defaults.Retries;
        switch (kinds[0])
        {
            case "tcp":
                var port = R.Int(m, "tcp", FamilyName, 1, 65535, "Ports must be between 1 and 65535.");
                return port is null ? null : new HealthSpec(HealthKind.Tcp, port, null, null, interval, timeout, start, retries);
            case "http":
                if (R.Mapping(m, "http", FamilyName, "http: { port: 8080, path: /health }") is not { } http)
                {
                    return null;
                }

                R.CheckKeys(http, ["port", "path"], FamilyName, "healthcheck.http");
                var hp = R.Int(http, "port", FamilyName, 1, 65535, "Ports must be between 1 and 65535.");
                if (hp is null && !http.Has("port"))
                {
                    R.Error(http, FamilyName, "An http healthcheck needs a 'port'.", "Write 'http: { port: 8080, path: /health }'.");
                }

                var path = http["path"] is { } pn ? Text(pn, "path") : "/";
                if (path is not null && !path.StartsWith('/'))
                {
                    R.Error(http["path"], FamilyName, $"HTTP health path '{path}' must start with '/'.", "Write e.g. /health.");
                    return null;
                }

                return hp is null || path is null ? null : new HealthSpec(HealthKind.Http, hp, path, null, interval, timeout, start, retries);
            default:
                var cmdNode = m["cmd"]!;
                var cmd = cmdNode is YScalar ? (Text(cmdNode, "cmd") is { } one ? [one] : null) : List(cmdNode, "cmd");
                if (cmd is { Count: 0 })
                {
                    R.Error(cmdNode, FamilyName, "The healthcheck 'cmd' is empty.", "Write the command, e.g. 'cmd: [curl, -f, http://localhost:8080/]'.");
                }

                return cmd is null or { Count: 0 } ? null : new HealthSpec(HealthKind.Command, null, null, cmd, interval, timeout, start, retries);
        }
    }

    /// <summary>How the keys fit together, machine and GPU defaults, and the family itself.</summary>
    public Family? Finish(bool unknownKeys)
    {
        string? resolvedBase = null;
        if (Parent is not null && BaseText is not null)
        {
            R.Error(BaseNode, FamilyName, "A family has either a 'parent' (another family) or a 'base' (a pinned image), not both.", "Remove one of them.");
        }
        else if (Parent is null && BaseText is null)
        {
            if (!unknownKeys && ParentNode is null && BaseNode is null)
            {
                R.Error(keyNode, FamilyName, "A family needs a 'parent' (another family) or a 'base' (an image pinned by digest).", "Add e.g. 'base: python:3.11-slim@sha256:…' or 'parent: cpu-py311'.");
            }
        }
        else if (BaseText is not null)
        {
            resolvedBase = scope.CheckImage(BaseNode!, FamilyName, BaseText);
        }

        var export = Export;
        if (Python is { Kind: PythonKind.Pixi })
        {
            // pixi-pack's tarball is what a pixi family exports: the export stage ships the packed environment, nothing else.
            export = [.. export.Append("environment.tar.gz").Distinct(StringComparer.Ordinal)];
            if (scope.Pixi.ToolsImage is null)
            {
                R.Error(PythonNode, FamilyName, "A pixi family needs an image with pixi, pixi-pack and pixi-unpack for its builder stage.", "Set 'pixi: { tools_image: name:tag@sha256:… }' at the top of the catalog.");
            }
        }

        else if (Python is { Kind: PythonKind.Requirements, Sources.Count: > 0 })
        {
            // A family built from local sources packs the environment it installed, as a pixi family does.
            export = [.. export.Append("environment.tar.gz").Distinct(StringComparer.Ordinal)];
        }

        foreach (var e in export.Where(e => e.Contains('/', StringComparison.Ordinal) || e is "." or ".." || e.Length == 0))
        {
            R.Error(ExportNode, FamilyName, $"Export '{e}' must be a plain file name.", "The builder writes it to /kiln/export/<name>; list just the name, e.g. environment.tar.gz.");
        }

        if (export.Count > 0 && BuilderRun.Count == 0 && Python is not { Kind: PythonKind.Pixi } && PythonNode is null && !unknownKeys)
        {
            R.Error(ExportNode, FamilyName, "This family exports files but has no builder to produce them.", "Add 'builder: { run: [...] }' that writes them to /kiln/export/, or a pixi environment (which exports environment.tar.gz).");
        }

        GpuVariant? gpu = null;
        var env = new Dictionary<string, EnvVar>(StringComparer.Ordinal);
        var machine = Machine;
        if (axes.TryGetValue("gpu", out var gpuName) && scope.GpuArchs.TryGetValue(gpuName, out var arch))
        {
            gpu = new GpuVariant(arch.Name, arch.ArchList);
            machine ??= arch.Machine;
        }

        if (machine is not null)
        {
            if (scope.Machines.TryGetValue(machine, out var m))
            {
                foreach (var e in m.Env)
                {
                    env[e.Name] = e;
                }
            }
            else if (MachineNode is not null)
            {
                R.Error(MachineNode, FamilyName, $"Machine '{machine}' is not defined under 'machines:'.{Suggest.DidYouMean(machine, scope.Machines.Keys)}", "Define it or fix the name.");
            }
        }

        if (gpu is not null)
        {
            var a = scope.GpuArchs[gpu.Name];
            foreach (var e in a.Env)
            {
                env[e.Name] = e;
            }

            env["TORCH_CUDA_ARCH_LIST"] = new("TORCH_CUDA_ARCH_LIST", a.TorchArchList);
            env["KILN_GPU_ARCH_LIST"] = new("KILN_GPU_ARCH_LIST", a.TorchArchList);
            env["KILN_GPU_VARIANT"] = new("KILN_GPU_VARIANT", a.Name);
        }

        foreach (var (_, e) in Env)
        {
            env[e.Name] = e;
        }

        return new Family(
            Name: FamilyName,
            Group: Group ?? string.Empty,
            Parent: Parent,
            Base: resolvedBase,
            BaseTemplate: BaseText,
            Description: Description,
            Apt: Apt,
            Python: Python,
            Copy: Copy,
            BuilderRun: BuilderRun,
            Run: Run,
            Env: env.Values.OrderBy(e => e.Name, StringComparer.Ordinal).ToList(),
            User: User ?? (Parent is null ? scope.Defaults.User : null),
            Tini: Tini ?? (Parent is null ? scope.Defaults.Tini : null),
            Ports: Ports,
            Health: Health,
            Labels: Labels,
            Export: export.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
            Gpu: gpu,
            Machine: machine,
            Cmd: Cmd,
            Workdir: Workdir,
            Axes: new SortedDictionary<string, string>(axes.ToDictionary(kv => kv.Key, kv => kv.Value), StringComparer.Ordinal),
            Source: R.At(keyNode))
        {
            Provides = Provides,
            Settings = Settings,
        };
    }
}
