using System.Text.Json.Serialization;
using Build.Hashing;

namespace Build.Explain;

[JsonConverter(typeof(JsonStringEnumConverter<ExplainStatus>))]
public enum ExplainStatus
{
    /// <summary>Every input equals the reference's.</summary>
    [JsonStringEnumMemberName("unchanged")]
    Unchanged,

    /// <summary>Some of its own inputs changed: a root cause.</summary>
    [JsonStringEnumMemberName("changed")]
    Changed,

    /// <summary>Its own inputs are the reference's; only its parent's (or family's) hash moved.</summary>
    [JsonStringEnumMemberName("cascaded")]
    Cascaded,

    /// <summary>There is nothing to compare with, and the reason says why.</summary>
    [JsonStringEnumMemberName("unknown")]
    Unknown,
}

/// <summary>
/// What the reference of one image turned out to be: its record (and where it came from), or the one-line reason
/// there is none. <see cref="Generic"/> is the reason without the image's name, so many images with the same reason
/// (an unreachable registry) print as one line.
/// </summary>
public sealed record ReferenceLookup(string Image, string Tag, InputsRecord? Record, string? Digest, string? Source, string? Reason, string? Generic = null)
{
    public static ReferenceLookup Found(string image, string tag, InputsRecord record, string? digest, string source) => new(image, tag, record, digest, source, null);

    public static ReferenceLookup Missing(string image, string tag, string reason, string? generic = null) => new(image, tag, null, null, null, reason, generic ?? reason);
}

/// <summary>One image's answer: its status, the one-line why, every change, and for a cascade the image it comes from.</summary>
public sealed record ImageExplanation(
    string Name,
    ImageKind Kind,
    string? Parent,
    string Hash,
    ExplainStatus Status,
    string Why,
    ReferenceLookup Reference,
    IReadOnlyList<InputChange> Changes,
    string? Cause = null,
    bool ParentChanged = false);

public sealed record ExplainReport(string Against, IReadOnlyList<ImageExplanation> Images)
{
    public ImageExplanation Get(string name) => Images.First(i => i.Name == name);

    public ImageExplanation? Find(string name) => Images.FirstOrDefault(i => i.Name == name);
}

/// <summary>
/// Explains each image against its reference: its own changes make it a root cause; an image whose own inputs are
/// unchanged but whose parent's (or family's) hash moved was rebuilt because of that parent, and its cause is the
/// nearest ancestor that changed itself. Never guesses: no reference record, no answer but the reason.
/// </summary>
public static class Explainer
{
    /// <param name="current">Today's records, parents before children (a hash report's order).</param>
    public static ExplainReport Explain(string against, IReadOnlyList<InputsRecord> current, IReadOnlyDictionary<string, ReferenceLookup> references)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(references);
        var done = new Dictionary<string, ImageExplanation>(StringComparer.Ordinal);
        foreach (var record in current)
        {
            done[record.Image] = One(record, references.GetValueOrDefault(record.Image) ?? ReferenceLookup.Missing(record.Image, "-", "no reference was looked up"), done);
        }

        return new ExplainReport(against, current.Select(r => done[r.Image]).ToList());
    }

    /// <summary>
    /// The parents whose references the explanation of <paramref name="current"/> still needs: an image whose own
    /// inputs are its reference's was rebuilt for its parent alone, so its why is found there. An image that changed
    /// itself, is unchanged, or has no reference needs nothing more.
    /// </summary>
    public static IReadOnlyList<string> ParentsToRead(IEnumerable<InputsRecord> current, IReadOnlyDictionary<string, ReferenceLookup> references)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(references);
        return current
            .Where(now => now.Parent is { } parent && !references.ContainsKey(parent)
                && references.GetValueOrDefault(now.Image)?.Record is { } old && InputsDiff.Compare(old, now) is { Own.Count: 0, ParentChanged: true })
            .Select(now => now.Parent!).Distinct(StringComparer.Ordinal).ToList();
    }

    private static ImageExplanation One(InputsRecord now, ReferenceLookup reference, IReadOnlyDictionary<string, ImageExplanation> earlier)
    {
        ImageExplanation Result(ExplainStatus status, string why, IReadOnlyList<InputChange> changes, string? cause = null, bool parentChanged = false) =>
            new(now.Image, now.Kind, now.Parent, now.Hash, status, why, reference, changes, cause, parentChanged);

        if (reference.Record is not { } old)
        {
            return Result(ExplainStatus.Unknown, reference.Reason ?? "no reference", []);
        }

        var diff = InputsDiff.Compare(old, now);
        if (diff.Own.Count > 0)
        {
            var first = diff.Own[0].Describe();
            return Result(ExplainStatus.Changed, diff.Own.Count == 1 ? first : $"{first} (and {diff.Own.Count - 1} more)", diff.Own, parentChanged: diff.ParentChanged);
        }

        if (!diff.ParentChanged)
        {
            return Result(ExplainStatus.Unchanged, old.Hash == now.Hash ? $"unchanged: the hash of {reference.Tag}" : $"unchanged since {reference.Tag}", []);
        }

        var parent = now.Parent ?? "(none)";
        var relation = now.Kind == ImageKind.Service ? "family" : "parent";
        var (cause, detail) = earlier.GetValueOrDefault(parent) switch
        {
            { Status: ExplainStatus.Changed } p => (p.Name, p.Changes[0].Subject),
            { Status: ExplainStatus.Cascaded, Cause: { } root } when earlier.TryGetValue(root, out var r) => (root, $"{root}: {(r.Status == ExplainStatus.Changed ? r.Changes[0].Subject : r.Why)}"),
            { Status: ExplainStatus.Unknown } p => (p.Name, "cannot tell why: " + p.Why),
            _ => (parent, $"{ImageTags.HashTagOf(parent, diff.OldParentHash ?? string.Empty)} → {ImageTags.HashTagOf(parent, diff.NewParentHash ?? string.Empty)}"),
        };
        return Result(ExplainStatus.Cascaded, $"its {relation} {parent} changed ({detail})", [], cause, parentChanged: true);
    }
}
