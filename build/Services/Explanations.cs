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
    /// <param name="images">Only these images, and an ancestor only where it is the why (an image whose own inputs
    /// are its reference's was rebuilt for its parent alone); null: every image of the run.</param>
    /// <param name="early">References already being read (<see cref="ReadEarly"/>); an image they lack is read here.</param>
    public ExplainReport Explain(HashReport hashes, ExplainAgainst against, IReadOnlyCollection<string>? images = null, Task<IReadOnlyDictionary<string, ReferenceLookup>>? early = null)
    {
        ArgumentNullException.ThrowIfNull(hashes);
        ArgumentNullException.ThrowIfNull(against);
        var records = context.Results.Inputs;
        var byName = hashes.Families.ToDictionary(f => f.Name, StringComparer.Ordinal);
        var read = early is null ? new Dictionary<string, ReferenceLookup>() : clock.Time("reference records (waited)", () => early.GetAwaiter().GetResult());
        var lookups = new Dictionary<string, ReferenceLookup>(StringComparer.Ordinal);
        // This run already found the registry unreachable: say so for every image instead of asking again.
        var unreachable = hashes.Families.Select(f => f.ExistsDetail).FirstOrDefault(d => d is not null && d.Contains(": unreachable after", StringComparison.Ordinal));
        var wanted = (images ?? byName.Keys).Where(n => byName.ContainsKey(n) && records.ContainsKey(n)).ToList();
        for (var round = 0; wanted.Count > 0; round++)
        {
            var requests = wanted.Where(n => !read.ContainsKey(n)).Select(n => Request(n, byName[n].Tags.Repository, against)).ToList();
            var answers = requests.Count == 0 ? read : clock.Time(round == 0 ? "reference records" : "reference records (parents)", () => Reader().ReadAsync(requests, unreachable is null ? null : ReferenceReader.Short(unreachable)).GetAwaiter().GetResult())
                .Concat(read.Where(kv => wanted.Contains(kv.Key))).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            foreach (var name in wanted)
            {
                lookups[name] = answers[name];
            }

            wanted = Explainer.ParentsToRead(wanted.Select(n => records[n].Record), lookups).Where(p => byName.ContainsKey(p) && records.ContainsKey(p)).ToList();
        }

        var selected = hashes.Families.Where(f => lookups.ContainsKey(f.Name)).ToList();
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

    private ReferenceReader Reader() => new(registries.Client, new LocalInputStore(context.Root, context.Paths, context.Env.Lookup).Reader(processes, context.Results.LocalStore.Known));
}
