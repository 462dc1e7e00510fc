using Build.Explain;
using Build.Hashing;
using Build.Registry;

namespace Build.Services;

/// <summary>
/// Explains this run's images against their references: today's records (ComputeHash's) beside the reference
/// images' records, read from the registry or the local store. Explain prints it; Bake puts each build's first root
/// cause in its table and bake-summary.json.
/// </summary>
public sealed class Explanations(BuildContext context, Registries registries, RunClock clock)
{
    /// <param name="images">Only these images (with their ancestors, whose changes they may inherit); null: every image of the run.</param>
    public ExplainReport Explain(HashReport hashes, ExplainAgainst against, IReadOnlyCollection<string>? images = null)
    {
        ArgumentNullException.ThrowIfNull(hashes);
        ArgumentNullException.ThrowIfNull(against);
        var records = context.Results.Inputs;
        var wanted = images is null ? hashes.Families.Select(f => f.Name).ToHashSet(StringComparer.Ordinal) : WithAncestors(hashes, images);
        var selected = hashes.Families.Where(f => wanted.Contains(f.Name) && records.ContainsKey(f.Name)).ToList();
        var requests = selected.Select(e => new ReferenceRequest(e.Name, ImageName.ParseRepository(e.Tags.Repository), against.Tags(e.Name))).ToList();
        // This run already found the registry unreachable: say so for every image instead of asking again.
        var unreachable = hashes.Families.Select(f => f.ExistsDetail).FirstOrDefault(d => d is not null && d.Contains(": unreachable after", StringComparison.Ordinal));
        var reader = new ReferenceReader(registries.Client, new LocalInputStore(context.Root, context.Paths).Reader());
        var lookups = clock.Time("reference records", () => reader.ReadAsync(requests, unreachable is null ? null : ReferenceReader.Short(unreachable)).GetAwaiter().GetResult());
        return Explainer.Explain(against.ToString(), selected.Select(e => records[e.Name].Record).ToList(), lookups);
    }

    private static HashSet<string> WithAncestors(HashReport hashes, IReadOnlyCollection<string> images)
    {
        var parents = hashes.Families.ToDictionary(f => f.Name, f => f.Parent, StringComparer.Ordinal);
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var image in images)
        {
            for (var name = image; name is not null && result.Add(name);)
            {
                name = parents.GetValueOrDefault(name);
            }
        }

        return result;
    }
}
