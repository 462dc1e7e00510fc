using System.Runtime.CompilerServices;

namespace Build.Catalog;

/// <summary>One independent tree of families: a root and everything built on it, parents first.</summary>
public sealed record FamilyTree(Family Root, IReadOnlyList<Family> Families);

/// <summary>
/// The parent relation between families, kept apart from reading them (as bashbrew keeps its manifest parser apart
/// from its sort): parents must exist and form a forest; the order is parents first, ties broken by name, so
/// every consumer (the catalog, Matrix, the bake planner) sees the same order.
/// </summary>
public sealed class FamilyGraph
{
    /// <summary>A catalog's families are immutable: each list is ordered once, however often its graph is asked for.</summary>
    private static readonly ConditionalWeakTable<IReadOnlyList<Family>, FamilyGraph> Graphs = new();

    private readonly Dictionary<string, Family> _byName;
    private readonly Dictionary<string, List<Family>> _children;

    private FamilyGraph(IReadOnlyList<Family> ordered)
    {
        Ordered = ordered;
        _byName = ordered.ToDictionary(f => f.Name, StringComparer.Ordinal);
        _children = ordered.Where(f => f.Parent is not null).GroupBy(f => f.Parent!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        Roots = ordered.Where(f => f.Parent is null).ToList();
        Trees = Roots.Select(r => new FamilyTree(r, ordered.Where(f => RootOf(f.Name).Name == r.Name).ToList())).ToList();
        Groups = new SortedDictionary<string, IReadOnlyList<Family>>(
            ordered.GroupBy(f => f.Group, StringComparer.Ordinal).ToDictionary(g => g.Key, g => (IReadOnlyList<Family>)g.ToList(), StringComparer.Ordinal),
            StringComparer.Ordinal);
    }

    /// <summary>Every family, parents before children; among families whose parents are placed, by name (ordinal).</summary>
    public IReadOnlyList<Family> Ordered { get; }

    /// <summary>Families without a parent, in order.</summary>
    public IReadOnlyList<Family> Roots { get; }

    /// <summary>One tree per root, in the roots' order; each tree's families in build order.</summary>
    public IReadOnlyList<FamilyTree> Trees { get; }

    /// <summary>Group name → its families in build order.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<Family>> Groups { get; }

    public bool Contains(string name) => _byName.ContainsKey(name);

    public Family this[string name] => _byName.TryGetValue(name, out var f) ? f : throw new KeyNotFoundException($"No family '{name}'.");

    public Family? ParentOf(string name) => this[name].Parent is { } p ? this[p] : null;

    public IReadOnlyList<Family> ChildrenOf(string name) => _children.TryGetValue(name, out var c) ? c : [];

    /// <summary>The family and its ancestors, root first.</summary>
    public IReadOnlyList<Family> Lineage(string name)
    {
        var chain = new List<Family>();
        for (Family? f = this[name]; f is not null; f = f.Parent is null ? null : this[f.Parent])
        {
            chain.Add(f);
        }

        chain.Reverse();
        return chain;
    }

    public Family RootOf(string name) => Lineage(name)[0];

    /// <summary>The family's children, their children and so on, in build order (not the family itself).</summary>
    public IReadOnlyList<Family> Descendants(string name)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<string>([name]);
        while (queue.Count > 0)
        {
            foreach (var c in ChildrenOf(queue.Dequeue()))
            {
                names.Add(c.Name);
                queue.Enqueue(c.Name);
            }
        }

        return Ordered.Where(f => names.Contains(f.Name)).ToList();
    }

    /// <summary>The named families and all their ancestors, in build order (what a --families selection builds).</summary>
    public IReadOnlyList<Family> Closure(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var wanted = names.SelectMany(n => Lineage(n)).Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        return Ordered.Where(f => wanted.Contains(f.Name)).ToList();
    }

    /// <summary>The graph of families already known to be valid (a loaded catalog's); throws <see cref="InputException"/> otherwise.</summary>
    public static FamilyGraph Of(IReadOnlyList<Family> families)
    {
        ArgumentNullException.ThrowIfNull(families);
        return Graphs.GetValue(families, f => Build(f) is { Graph: { } graph } ? graph : throw new InputException(Build(f).Errors));
    }

    /// <summary>
    /// Checks parents and cycles and orders the families. <paramref name="broken"/> names families that failed to
    /// load: a child of one is not reported again (its parent's error is the one to fix).
    /// </summary>
    public static (FamilyGraph? Graph, IReadOnlyList<InputError> Errors) Build(IReadOnlyList<Family> families, Func<string, bool>? broken = null)
    {
        ArgumentNullException.ThrowIfNull(families);
        var errors = new List<InputError>();
        var byName = new Dictionary<string, Family>(StringComparer.Ordinal);
        foreach (var f in families)
        {
            if (!byName.TryAdd(f.Name, f))
            {
                errors.Add(new InputError(f.Source, f.Name, $"Two families are named '{f.Name}' (the other one is at {byName[f.Name].Source}).", "Rename one of them."));
            }
        }

        foreach (var f in families.Where(f => f.Parent is not null && !byName.ContainsKey(f.Parent) && broken?.Invoke(f.Parent) != true))
        {
            errors.Add(new InputError(f.Source, f.Name, $"Parent '{f.Parent}' is not a family in this catalog.{Suggest.DidYouMean(f.Parent!, byName.Keys)}", "Fix the name, or add that family."));
        }

        foreach (var f in families)
        {
            var seen = new List<string> { f.Name };
            for (var p = f.Parent; p is not null && byName.TryGetValue(p, out var parent); p = parent.Parent)
            {
                if (seen.Contains(p))
                {
                    if (p == f.Name)
                    {
                        errors.Add(new InputError(f.Source, f.Name, $"Parents form a cycle: {string.Join(" -> ", seen)} -> {p}.", "Give one family in the cycle a 'base' image instead of a 'parent'."));
                    }

                    break;
                }

                seen.Add(p);
            }
        }

        // A child of a broken family is not an error of its own, but it cannot be placed either.
        if (errors.Count > 0 || families.Any(f => f.Parent is not null && !byName.ContainsKey(f.Parent)))
        {
            return (null, errors);
        }

        // Kahn's algorithm with the ready set ordered by name: deterministic, and a family never precedes its parent.
        var ordered = new List<Family>(families.Count);
        var ready = new SortedSet<string>(families.Where(f => f.Parent is null).Select(f => f.Name), StringComparer.Ordinal);
        var children = families.Where(f => f.Parent is not null).ToLookup(f => f.Parent!, StringComparer.Ordinal);
        while (ready.Count > 0)
        {
            var next = ready.Min!;
            ready.Remove(next);
            ordered.Add(byName[next]);
            foreach (var c in children[next])
            {
                ready.Add(c.Name);
            }
        }

        return (new FamilyGraph(ordered), errors);
    }
}
