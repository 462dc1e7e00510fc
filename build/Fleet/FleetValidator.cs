using System.Globalization;
using Build.Catalog;

namespace Build.Fleet;

/// <summary>A service with its catalog family resolved (through an alias or by name).</summary>
public sealed record ResolvedService(FleetService Service, Family Family, IReadOnlyList<Family> Lineage, UserSpec User)
{
    public string Name => Service.Name;

    public bool IsGpu => FleetFamilies.ArchList(Lineage) is not null;

    public IReadOnlyList<string>? ArchList => FleetFamilies.ArchList(Lineage);
}

/// <summary>A fleet whose every service maps onto a catalog family and passes the catalog-level checks.</summary>
public sealed record ResolvedFleet(Fleet Fleet, Catalog.Catalog Catalog, IReadOnlyList<ResolvedService> Services)
{
    public ResolvedService Get(string name) => NameIndex.Of(Services, s => s.Name).GetValueOrDefault(name)
        ?? throw new KeyNotFoundException($"No service '{name}' in {Fleet.File}.");

    public IReadOnlyList<ResolvedService> On(string machine) => Services.Where(s => s.Service.Machines.Contains(machine)).ToList();
}

/// <summary>Catalog facts the fleet checks need: alias resolution, what a family provides, which GPUs it runs on.</summary>
public static class FleetFamilies
{
    /// <summary>The catalog family a fleet 'family:' names: a family name first, else an alias.</summary>
    public static Family? Resolve(Catalog.Catalog catalog, string name)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var target = catalog.Families.Any(f => f.Name == name) ? name : catalog.Aliases.TryGetValue(name, out var aliased) ? aliased : null;
        return target is null ? null : catalog.Families.FirstOrDefault(f => f.Name == target);
    }

    /// <summary>
    /// The Python packages a family's lineage installs from its requirements locks (name only, normalized): a
    /// service lock must not repeat them, since pip skips the hash check of an installed package.
    /// </summary>
    public static IReadOnlySet<string> LockedPackages(Catalog.Catalog catalog, Family family, string repoRoot) =>
        LockedPins(catalog, family, repoRoot).Select(p => NormalizePackage(p.Name)).ToHashSet(StringComparer.Ordinal);

    /// <summary>Each package a family's lineage locks with its pinned version (the constraints a service resolves against).</summary>
    public static IReadOnlyList<(string Name, string Version)> LockedPins(Catalog.Catalog catalog, Family family, string repoRoot)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var result = new List<(string Name, string Version)>();
        foreach (var f in catalog.Graph.Lineage(family.Name))
        {
            if (f.Python is { Kind: PythonKind.Requirements, RequirementsLock: { } lockFile } && Path.Combine(repoRoot, lockFile) is var full && File.Exists(full))
            {
                foreach (var line in File.ReadLines(full))
                {
                    var text = line.Split('#')[0].Trim();
                    var cut = text.IndexOfAny(['=', '<', '>', '!', '~', ';', '[', ' ', '\\']);
                    if (cut > 0 && !text.StartsWith('-'))
                    {
                        var version = text[cut..].StartsWith("==", StringComparison.Ordinal) ? text[(cut + 2)..].Split([' ', ';', '\\'])[0].Trim() : string.Empty;
                        result.Add((text[..cut], version));
                    }
                }
            }
        }

        return result;
    }

    /// <summary>What a family provides: its lineage's 'provides', gpu for GPU variants, and cpu always.</summary>
    public static IReadOnlySet<FleetNeed> Provides(Catalog.Catalog catalog, Family family)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var lineage = catalog.Graph.Lineage(family.Name);
        var result = new SortedSet<FleetNeed> { FleetNeed.Cpu };
        foreach (var p in lineage.SelectMany(f => f.Provides))
        {
            if (Enum.TryParse<FleetNeed>(p, ignoreCase: true, out var need))
            {
                result.Add(need);
            }
        }

        if (ArchList(lineage) is not null)
        {
            result.Add(FleetNeed.Gpu);
        }

        return result;
    }

    /// <summary>The GPU arch list of the nearest GPU variant in the lineage; null for a CPU family.</summary>
    public static IReadOnlyList<string>? ArchList(IReadOnlyList<Family> lineage)
    {
        ArgumentNullException.ThrowIfNull(lineage);
        return lineage.Select(f => f.Gpu).LastOrDefault(g => g is not null)?.ArchList;
    }

    /// <summary>
    /// True when a GPU of compute capability <paramref name="capability"/> runs code built for the arch list: an exact
    /// entry, or an entry with +PTX at or below it (newer GPUs JIT-compile the PTX), as kiln-gpu-probe decides.
    /// </summary>
    public static bool Covers(IReadOnlyList<string> archList, string capability)
    {
        ArgumentNullException.ThrowIfNull(archList);
        if (!TryParse(capability, out var cap))
        {
            return false;
        }

        foreach (var entry in archList)
        {
            var ptx = entry.EndsWith("+PTX", StringComparison.Ordinal);
            if (!TryParse(ptx ? entry[..^4] : entry, out var arch))
            {
                continue;
            }

            if (arch == cap || (ptx && (cap.Major > arch.Major || (cap.Major == arch.Major && cap.Minor >= arch.Minor))))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A package name in PEP 503 normal form, so 'Foo_Bar' in a lock matches 'foo-bar' in a family.</summary>
    public static string NormalizePackage(string name) =>
        System.Text.RegularExpressions.Regex.Replace(name.Trim(), "[-_.]+", "-").ToLowerInvariant();

    public static string NeedName(FleetNeed need) => need.ToString().ToLowerInvariant();

    private static bool TryParse(string value, out (int Major, int Minor) result)
    {
        result = default;
        var parts = value.Split('.');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var major) && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var minor))
        {
            result = (major, minor);
            return true;
        }

        return false;
    }
}

/// <summary>
/// The fleet's checks against the catalog, each error positioned and naming service, machine and family. Generate
/// and GenerateCheck need only <see cref="Resolve"/> (the manifest and the catalog); <see cref="RequireSources"/>
/// needs the fleet's code and runs only where services are hashed or built.
/// </summary>
public static class FleetValidator
{
    /// <summary>Every catalog-level problem: machines, families/aliases, GPU archs, needs, users and host ports.</summary>
    public static IReadOnlyList<InputError> Check(Fleet fleet, Catalog.Catalog catalog) => Run(fleet, catalog).Errors;

    /// <summary>The fleet with families resolved, or a <see cref="InputException"/> with every problem (after <paramref name="earlier"/>, the manifest's own).</summary>
    public static ResolvedFleet Resolve(Fleet fleet, Catalog.Catalog catalog, IReadOnlyList<InputError>? earlier = null)
    {
        var (errors, resolved) = Run(fleet, catalog);
        var all = earlier is { Count: > 0 } ? [.. earlier, .. errors] : errors;
        return all.Count > 0 ? throw new InputException(all, "the fleet") : resolved;
    }

    /// <summary>
    /// What building or hashing a service needs on disk besides its code (<see cref="ServiceCodeReader"/>): its lock (and the wheelhouse),
    /// under <paramref name="sourceRoot"/> (the full path in use); and every lock line pinned and hashed, with no
    /// package its family already provides (pip skips the hash check for installed packages).
    /// </summary>
    public static IReadOnlyList<InputError> RequireSources(ResolvedFleet resolved, string sourceRoot, Func<Family, IReadOnlySet<string>> familyPackages, IReadOnlyCollection<string>? services = null)
    {
        ArgumentNullException.ThrowIfNull(resolved);
        ArgumentNullException.ThrowIfNull(familyPackages);
        var errors = new List<InputError>();
        var fleet = resolved.Fleet;
        var where = $"under source_root '{fleet.SourceRoot}' ({sourceRoot})";
        var fix = "Check out the fleet's code there, fix the path in the fleet, or point source_root at the fleet's repository.";
        if (fleet.Wheelhouse is { } wheelhouse && !wheelhouse.StartsWith('/') && !Directory.Exists(Path.Combine(sourceRoot, wheelhouse)))
        {
            errors.Add(InputError.Service(new SourceSpan(fleet.File, 1, 1), null, $"The wheelhouse '{wheelhouse}' does not exist {where}.", fix));
        }

        foreach (var rs in resolved.Services.Where(s => services is null || services.Contains(s.Name)))
        {
            var s = rs.Service;
            if (s.RequirementsLock is { } lockFile)
            {
                var full = Path.Combine(sourceRoot, lockFile);
                if (RepoPaths.RealPath(full) is { } real && !RepoPaths.Inside(RepoPaths.RealPath(sourceRoot) ?? sourceRoot, real))
                {
                    errors.Add(InputError.Service(s.At("requirements"), s.Name, $"The requirements lock '{lockFile}' is a symbolic link that leads outside source_root '{fleet.SourceRoot}' (to {real}).", "Keep the lock inside source_root as a real file: it is hashed and installed from there."));
                }
                else if (!File.Exists(full))
                {
                    errors.Add(InputError.Service(s.At("requirements"), s.Name, $"The requirements lock '{lockFile}' does not exist {where}.", $"Run ./build.sh --target=Lock --services={s.Name} (it writes {Fleet.InputsPath(lockFile)} from the service's imports and resolves it), or write 'requirements: {FleetLoader.NoLock}' if the service needs nothing beyond its family."));
                }
                else
                {
                    var display = fleet.SourceRoot == "." ? lockFile : $"{fleet.SourceRoot}/{lockFile}";
                    errors.AddRange(CheckLock(File.ReadAllText(full), display, s.Name, rs.Family, familyPackages(rs.Family)));
                }
            }
        }

        return errors;
    }

    /// <summary>
    /// A service lock's lines: each requirement pinned with == and carrying --hash=sha256:, no index options (the
    /// install is offline), no duplicates, and nothing the family already provides.
    /// </summary>
    public static IReadOnlyList<InputError> CheckLock(string text, string displayPath, string service, Family family, IReadOnlySet<string> familyPackages)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(family);
        ArgumentNullException.ThrowIfNull(familyPackages);
        var provided = familyPackages.Select(FleetFamilies.NormalizePackage).ToHashSet(StringComparer.Ordinal);
        var errors = new List<InputError>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (line, number) in LogicalLines(text))
        {
            var at = new SourceSpan(displayPath, number, 1);
            var hashAt = line.IndexOf("--hash", StringComparison.Ordinal);
            var requirement = (hashAt < 0 ? line : line[..hashAt]).Trim();
            if (requirement.StartsWith('-'))
            {
                errors.Add(InputError.Service(at, service, $"The lock has the option line '{requirement}'.", "A service lock lists only pinned, hashed requirements: the install reads no index and no other file."));
                continue;
            }

            var match = System.Text.RegularExpressions.Regex.Match(requirement, @"^(?<name>[A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(?<op>===|==|~=|!=|<=|>=|<|>)?\s*(?<version>[^\s;,]*)\s*(?<rest>.*)$");
            if (!match.Success)
            {
                errors.Add(InputError.Service(at, service, $"'{requirement}' is not a requirement.", "Write 'name==version \\' followed by '--hash=sha256:<64 hex digits>' lines (pip-compile --generate-hashes writes this)."));
                continue;
            }

            var name = match.Groups["name"].Value;
            var normal = FleetFamilies.NormalizePackage(name);
            if (match.Groups["op"].Value != "==" || match.Groups["version"].Value.Length == 0 || match.Groups["rest"].Value.StartsWith(','))
            {
                errors.Add(InputError.Service(at, service, $"'{requirement}' is not pinned with ==.", $"Pin it to one version, e.g. '{name}==1.2.3' (pip-compile does)."));
            }

            var hashes = hashAt < 0 ? [] : line[hashAt..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (hashes.Length == 0)
            {
                errors.Add(InputError.Service(at, service, $"'{requirement}' has no --hash=sha256: (pip --require-hashes refuses it).", "Regenerate the lock with `pip-compile --generate-hashes`."));
            }

            foreach (var hash in hashes.Where(h => !System.Text.RegularExpressions.Regex.IsMatch(h, "^--hash=sha256:[0-9a-f]{64}$")))
            {
                errors.Add(InputError.Service(at, service, $"'{hash}' is not a sha256 hash option.", "Write '--hash=sha256:' and 64 lowercase hex digits (md5/sha1 are refused by pip)."));
            }

            if (seen.TryGetValue(normal, out var first))
            {
                errors.Add(InputError.Service(at, service, $"'{name}' is listed twice (first at line {first}).", "Keep one entry."));
            }
            else
            {
                seen[normal] = number;
            }

            if (provided.Contains(normal))
            {
                errors.Add(InputError.Service(at, service, $"'{name}' is already provided by family '{family.Name}': pip sees it installed and skips its hash check, so the lock's pin would not be enforced.", $"Remove '{name}' from the service lock (the family's version is used), or change the family."));
            }
        }

        return errors;
    }

    /// <summary>Requirement lines with '\' continuations joined and comments removed, with their first line number.</summary>
    private static IEnumerable<(string Line, int Number)> LogicalLines(string text)
    {
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        var current = new System.Text.StringBuilder();
        var start = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var raw = lines[i];
            var hash = raw.IndexOf('#', StringComparison.Ordinal);
            var content = (hash == 0 || (hash > 0 && char.IsWhiteSpace(raw[hash - 1])) ? raw[..hash] : raw).TrimEnd();
            if (current.Length == 0)
            {
                start = i + 1;
            }

            var continued = content.EndsWith('\\');
            current.Append(' ').Append(continued ? content[..^1] : content);
            if (!continued)
            {
                var line = current.ToString().Trim();
                current.Clear();
                if (line.Length > 0)
                {
                    yield return (System.Text.RegularExpressions.Regex.Replace(line, @"\s+", " "), start);
                }
            }
        }

        if (current.ToString().Trim() is { Length: > 0 } last)
        {
            yield return (last, start);
        }
    }

    private static (IReadOnlyList<InputError> Errors, ResolvedFleet Resolved) Run(Fleet fleet, Catalog.Catalog catalog)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(catalog);
        var errors = new List<InputError>();
        foreach (var machine in fleet.Machines.Values.Where(m => !catalog.Machines.ContainsKey(m.Name)))
        {
            errors.Add(InputError.Service(machine.Source, null, $"Machine '{machine.Name}' is not a machine of the catalog ({catalog.File}).{Suggest.DidYouMean(machine.Name, catalog.Machines.Keys)}", $"Use one of: {string.Join(", ", catalog.Machines.Keys.Order(StringComparer.Ordinal))}, or add it to the catalog's 'machines:'."));
        }

        CheckNames(fleet, catalog, errors);

        var resolved = new List<ResolvedService>();
        foreach (var service in fleet.Services)
        {
            if (ResolveService(fleet, catalog, service, errors) is { } rs)
            {
                resolved.Add(rs);
            }
        }

        CheckPorts(fleet, errors);
        return (errors, new ResolvedFleet(fleet, catalog, resolved));
    }

    /// <summary>
    /// A service is a bake target, a hashes.json name and a few variables beside the families: each must mean one
    /// image. ("none" is --services=none.)
    /// </summary>
    private static void CheckNames(Fleet fleet, Catalog.Catalog catalog, List<InputError> errors)
    {
        var taken = catalog.Families.SelectMany(f => new[] { f.Name, f.BakeTarget, f.BakeTarget + "-artifacts", Buildx.BakeFileRenderer.GroupName(f.Group) })
            .Concat(Buildx.BakeFileRenderer.ReservedGroups).ToHashSet(StringComparer.Ordinal);
        foreach (var service in fleet.Services.Where(s => taken.Contains(s.Name) || taken.Contains(ServiceImages.BakeTarget(s.Name))))
        {
            errors.Add(InputError.Service(service.Source, service.Name, $"The service name '{service.Name}' is already a family, family group or bake target of {catalog.File}: the bake target and the name in hashes.json would be ambiguous.", "Rename the service (or the family)."));
        }

        foreach (var service in fleet.Services.Where(s => s.Name == "none"))
        {
            errors.Add(InputError.Service(service.Source, service.Name, "'none' cannot name a service: --services=none means no service.", "Rename the service."));
        }

        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var service in fleet.Services)
        {
            foreach (var derived in new[] { ServiceImages.BakeTarget(service.Name), ServiceImages.HashVariable(service.Name), Deploy.ComposeOptions.TagVariable(service.Name) })
            {
                if (seen.TryGetValue(derived, out var first) && first != service.Name)
                {
                    errors.Add(InputError.Service(service.Source, service.Name, $"The service names '{first}' and '{service.Name}' both become '{derived}' (bake targets and variables keep only letters, digits, '-' and '_').", "Rename one of them."));
                    break;
                }

                seen.TryAdd(derived, service.Name);
            }
        }

        if (fleet.Services.Count > 0 && catalog.Families.FirstOrDefault(f => f.BakeTarget == ServiceImages.Group || Buildx.BakeFileRenderer.GroupName(f.Group) == ServiceImages.Group) is { } clash)
        {
            errors.Add(InputError.Service(new SourceSpan(fleet.File, 1, 1), null, $"Family '{clash.Name}' of {catalog.File} is named or grouped '{ServiceImages.Group}', the bake group of the fleet's services.", "Rename the family or its group."));
        }
    }

    private static ResolvedService? ResolveService(Fleet fleet, Catalog.Catalog catalog, FleetService service, List<InputError> errors)
    {
        var family = FleetFamilies.Resolve(catalog, service.Family);
        if (family is null)
        {
            var candidates = catalog.Families.Select(f => f.Name).Concat(catalog.Aliases.Keys).ToList();
            var aliases = catalog.Aliases.Count == 0 ? "the catalog declares no aliases" : "aliases: " + string.Join(", ", catalog.Aliases.Keys.Order(StringComparer.Ordinal));
            var target = catalog.Aliases.TryGetValue(service.Family, out var t) ? $" (its alias points at '{t}', which is not a family)" : string.Empty;
            errors.Add(InputError.Service(service.At("family"), service.Name, $"Family or alias '{service.Family}' is not in the catalog {catalog.File}{target}.{Suggest.DidYouMean(service.Family, candidates)}", $"Name a catalog family or an alias ({aliases}); aliases are declared once, in the catalog's 'aliases:'."));
            return null;
        }

        var lineage = catalog.Graph.Lineage(family.Name);
        var label = family.Name == service.Family ? $"'{family.Name}'" : $"'{family.Name}' (alias '{service.Family}')";
        var before = errors.Count;
        var archList = FleetFamilies.ArchList(lineage);
        foreach (var machineName in service.Machines)
        {
            if (!fleet.Machines.TryGetValue(machineName, out var machine) || archList is null)
            {
                continue;
            }

            if (machine.ComputeCapability is not { } cap)
            {
                errors.Add(InputError.Service(service.At("machines"), service.Name, $"GPU family {label} is placed on machine '{machineName}', which has no GPU (no compute_capability in the fleet's machines).", $"Run it on a GPU machine, or give '{machineName}' its compute_capability."));
            }
            else if (!FleetFamilies.Covers(archList, cap))
            {
                var archs = string.Join(";", archList);
                var better = BetterGpuFamily(catalog, family, cap);
                errors.Add(InputError.Service(service.At("family"), service.Name, $"Family {label} is built for GPU arch {archs}, but machine '{machineName}' has compute capability {cap}: its GPU probe would fail at start.", better is null ? $"Use a family built for {cap}, or run the service on a machine with {archs}." : $"Use '{better}' (built for {cap}) on '{machineName}', or run the service on a machine with {archs}."));
            }
        }

        var provides = FleetFamilies.Provides(catalog, family);
        var missing = service.Needs.Where(n => !provides.Contains(n)).ToList();
        if (missing.Count > 0)
        {
            var names = string.Join(", ", missing.Select(FleetFamilies.NeedName));
            var fits = catalog.Aliases.Keys.Concat(catalog.Families.Select(f => f.Name))
                .Where(n => FleetFamilies.Resolve(catalog, n) is { } f && service.Needs.All(FleetFamilies.Provides(catalog, f).Contains))
                .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Take(4).ToList();
            errors.Add(InputError.Service(service.At("needs"), service.Name, $"The service needs {names}, but family {label} provides only {string.Join(", ", provides.Select(FleetFamilies.NeedName))}.", fits.Count == 0 ? "No catalog family provides all its needs: add 'provides:' to a family in the catalog, or change the needs." : $"Use a family that provides them: {string.Join(", ", fits)}."));
        }

        if (service.GpuOptional && archList is null)
        {
            errors.Add(InputError.Service(service.At("gpu"), service.Name, $"'gpu: optional' is set, but family {label} has no GPU.", "Remove 'gpu: optional' (a CPU family never probes a GPU), or use a GPU family."));
        }

        var user = lineage.Select(f => f.User).LastOrDefault(u => u is not null);
        if (user is null || user.Uid == 0)
        {
            errors.Add(InputError.Service(service.At("family"), service.Name, $"Family {label} runs as root; fleet services run as a non-root user (a container's root is the host's root once it escapes).", "Give the family (or the catalog's defaults) a 'user:' with a non-zero uid."));
        }

        return errors.Count > before || user is null ? null : new ResolvedService(service, family, lineage, user);
    }

    private static string? BetterGpuFamily(Catalog.Catalog catalog, Family family, string capability)
    {
        if (family.Gpu is not { } variant)
        {
            return null;
        }

        foreach (var arch in catalog.GpuArchs.Values.Where(a => a.Name != variant.Name && FleetFamilies.Covers(a.ArchList, capability)).OrderBy(a => a.Name, StringComparer.Ordinal))
        {
            var name = family.Name.Replace(variant.Name, arch.Name, StringComparison.Ordinal);
            if (catalog.Families.Any(f => f.Name == name))
            {
                var alias = catalog.Aliases.Where(a => a.Value == name).Select(a => a.Key).Order(StringComparer.Ordinal).FirstOrDefault();
                return alias ?? name;
            }
        }

        return null;
    }

    /// <summary>Per machine, every published host port (port + the machine's port_offset) belongs to one service or infrastructure entry.</summary>
    private static void CheckPorts(Fleet fleet, List<InputError> errors)
    {
        foreach (var machine in fleet.Machines.Values)
        {
            var used = new Dictionary<int, (string Service, string What, string Subject)>();
            var published = fleet.Infrastructure.Where(i => i.Machines.Contains(machine.Name))
                .Select(i => (Name: i.Name, At: (Func<string, SourceSpan>)i.At, Ports: (IReadOnlyList<(int Port, string What, string Key)>)[(i.Port, "infrastructure port", "port")], Subject: "infrastructure"))
                .Concat(fleet.On(machine.Name).Select(s => (s.Name, (Func<string, SourceSpan>)s.At, PublishedPorts(s), Subject: "service")));
            foreach (var (name, at, ports, subject) in published)
            {
                foreach (var (port, what, key) in ports)
                {
                    var host = port + machine.PortOffset;
                    var shown = machine.PortOffset == 0 ? $"host port {host}" : $"host port {host} ({what} {port} + port_offset {machine.PortOffset})";
                    if (host > 65535)
                    {
                        errors.Add(InputError.Service(at(key), name, $"On machine '{machine.Name}', {shown} is above 65535.", $"Lower the port or machine '{machine.Name}''s port_offset.") with { SubjectKind = subject });
                        continue;
                    }

                    if (used.TryGetValue(host, out var other))
                    {
                        if (other.Service != name)
                        {
                            errors.Add(InputError.Service(at(key), name, $"On machine '{machine.Name}', {shown} is already used by {other.Subject} '{other.Service}' (its {other.What}).", "Give one of them another port; ports and health ports are host ports after the machine's port_offset.") with { SubjectKind = subject });
                        }

                        continue;
                    }

                    used[host] = (name, what, subject);
                }
            }
        }
    }

    /// <summary>The container ports a service publishes: its ports, then its health port (once, if not among them).</summary>
    public static IReadOnlyList<(int Port, string What, string Key)> PublishedPorts(FleetService service)
    {
        ArgumentNullException.ThrowIfNull(service);
        var result = service.Ports.Select(p => (p, "port", "ports")).ToList();
        if (!service.Ports.Contains(service.Health.Port))
        {
            result.Add((service.Health.Port, "health port", "health"));
        }

        return result;
    }
}
