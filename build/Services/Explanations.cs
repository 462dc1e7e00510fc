using Build.Explain;
using Build.Hashing;
using Build.Registry;

namespace Build.Services;

/// <summary>
/// Explains this run's images against their references: today's records (ComputeHash's) beside the reference
/// images' records, read from the registry or the local store. Explain prints it; Bake puts each build's first root
/// cause in its table and bake-summary.json.
/// </summary>
public sealed class Explanations(BuildContext context, Registries registries, RunClock clock, Tools.IProcessRunner processes)
{
    /// <param name="images">Only these images (with their ancestors, whose changes they may inherit); null: every image of the run.</param>
    /// <param name="early">References already being read (<see cref="ReadEarly"/>); an image they lack is read here.</param>
    public ExplainReport Explain(HashReport hashes, ExplainAgainst against, IReadOnlyCollection<string>? images = null, Task<IReadOnlyDictionary<string, ReferenceLookup>>? early = null)
    {
        ArgumentNullException.ThrowIfNull(hashes);
        ArgumentNullException.ThrowIfNull(against);
        var records = context.Results.Inputs;
        var wanted = images is null ? hashes.Families.Select(f => f.Name).ToHashSet(StringComparer.Ordinal) : WithAncestors(hashes, images);
        var selected = hashes.Families.Where(f => wanted.Contains(f.Name) && records.ContainsKey(f.Name)).ToList();
        var read = early is null ? new Dictionary<string, ReferenceLookup>() : clock.Time("reference records (waited)", () => early.GetAwaiter().GetResult());
        var requests = selected.Where(e => !read.ContainsKey(e.Name)).Select(e => Request(e.Name, e.Tags.Repository, against)).ToList();
        // This run already found the registry unreachable: say so for every image instead of asking again.
        var unreachable = hashes.Families.Select(f => f.ExistsDetail).FirstOrDefault(d => d is not null && d.Contains(": unreachable after", StringComparison.Ordinal));
        var lookups = requests.Count == 0 ? read : clock.Time("reference records", () => Reader().ReadAsync(requests, unreachable is null ? null : ReferenceReader.Short(unreachable)).GetAwaiter().GetResult())
            .Concat(read).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        return Explainer.Explain(against.ToString(), selected.Select(e => records[e.Name].Record).ToList(), lookups);
    }

    /// <summary>
    /// Starts reading the references of the run's selected images (families with their ancestors, and services):
    /// the tags to try depend on names alone, so the registry answers while the files are hashed.
    /// </summary>
    public Task<IReadOnlyDictionary<string, ReferenceLookup>> ReadEarly(ExplainAgainst against)
    {
        ArgumentNullException.ThrowIfNull(against);
        var catalog = context.Catalog;
        var families = context.Plan.SelectedFamilies.SelectMany(f => catalog.Graph.Lineage(f.Name)).Select(f => f.Name).Distinct(StringComparer.Ordinal)
            .Select(name => Request(name, context.Repository, against));
        var services = context.Plan.SelectedServices.Select(s => Request(s.Name, Fleet.ServiceImages.Repository(context.Repository), against));
        var requests = families.Concat(services).ToList();
        return Task.Run(() => Reader().ReadAsync(requests));
    }

    private static ReferenceRequest Request(string image, string repository, ExplainAgainst against) =>
        new(image, ImageName.ParseRepository(repository), against.Tags(image));

    private ReferenceReader Reader() => new(registries.Client, new LocalInputStore(context.Root, context.Paths, context.Env.Lookup).Reader(processes));

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
