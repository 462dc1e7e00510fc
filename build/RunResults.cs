using Build.Buildx;
using Build.Gates;
using Build.Hashing;
using Build.Images;
using Build.Publishing;

namespace Build;

/// <summary>
/// What the tasks of this run produced, each published once by the task that made it and read by the tasks after
/// it. Nothing here is read back from disk: artifacts are for people, CI uploads and an explicit resume.
/// </summary>
public sealed class RunResults
{
    private readonly Dictionary<string, IGateReport> _gates = new(StringComparer.Ordinal);
    private readonly List<string> _failures = [];

    public HashReport? Hashes { get; private set; }

    /// <summary>Each image's inputs record, made with the hashes (ComputeHash): Bake labels images with their digests.</summary>
    public IReadOnlyDictionary<string, Explain.InputsDocument> Inputs { get; private set; } = new Dictionary<string, Explain.InputsDocument>();

    /// <summary>What the engine's local store held before this run built anything (ComputeHash's lookup, local mode):
    /// the why of a build reads its references' images from it instead of asking the store again.</summary>
    public LocalStoreView LocalStore { get; private set; } = LocalStoreView.None;

    public BakeResult? Bake { get; private set; }

    /// <summary>Each image's measurement (ExportArtifacts made it; SizeGate judges it without measuring again).</summary>
    public IReadOnlyDictionary<string, ImageMeasure> Measures { get; private set; } = new Dictionary<string, ImageMeasure>();

    public IReadOnlyDictionary<string, IGateReport> Gates => _gates;

    public PublishReport? Publish { get; private set; }

    /// <summary>Failures recorded instead of thrown, so the tasks after them (Publish, the summary) still run.</summary>
    public IReadOnlyList<string> Failures
    {
        get
        {
            lock (_failures)
            {
                return [.. _failures];
            }
        }
    }

    public void Set(HashReport hashes) => Hashes = Once(Hashes, hashes, "hashes");

    public void Set(IReadOnlyList<Explain.InputsDocument> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        Inputs = Inputs.Count == 0 ? inputs.ToDictionary(d => d.Record.Image, StringComparer.Ordinal) : throw new InvalidOperationException("The inputs records were published twice in one run.");
    }

    public void Set(LocalStoreView store) => LocalStore = ReferenceEquals(LocalStore, LocalStoreView.None) ? store : throw new InvalidOperationException("The local store view was published twice in one run.");

    public void Set(BakeResult bake) => Bake = Once(Bake, bake, "bake result");

    public void Set(IReadOnlyDictionary<string, ImageMeasure> measures) => Measures = Measures.Count == 0 ? measures : throw new InvalidOperationException("The measurements were published twice in one run.");

    public void Set(IGateReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (!_gates.TryAdd(report.Gate, report))
        {
            throw new InvalidOperationException($"The {report.Gate} gate published its report twice in one run.");
        }
    }

    public void Set(PublishReport publish) => Publish = Once(Publish, publish, "publish report");

    /// <summary>The fleet report with this run's measured service bytes (ExportArtifacts).</summary>
    public Fleet.FleetReport? Fleet { get; private set; }

    public void Set(Fleet.FleetReport fleet) => Fleet = Once(Fleet, fleet, "fleet report");

    public void AddFailure(string message)
    {
        lock (_failures)
        {
            _failures.Add(message);
        }
    }

    private static T Once<T>(T? current, T value, string what)
        where T : class =>
        current is null ? value : throw new InvalidOperationException($"The {what} was published twice in one run.");
}
