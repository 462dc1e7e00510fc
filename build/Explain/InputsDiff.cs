using System.Text.Json;
using System.Text.Json.Serialization;
using Build.Hashing;

namespace Build.Explain;

[JsonConverter(typeof(JsonStringEnumConverter<ChangeKind>))]
public enum ChangeKind
{
    [JsonStringEnumMemberName("scheme")]
    Scheme,
    [JsonStringEnumMemberName("entry-field")]
    EntryField,
    [JsonStringEnumMemberName("entry")]
    Entry,
    [JsonStringEnumMemberName("base")]
    Base,
    [JsonStringEnumMemberName("file-modified")]
    FileModified,
    [JsonStringEnumMemberName("file-added")]
    FileAdded,
    [JsonStringEnumMemberName("file-removed")]
    FileRemoved,
    [JsonStringEnumMemberName("input-modified")]
    InputModified,
    [JsonStringEnumMemberName("input-added")]
    InputAdded,
    [JsonStringEnumMemberName("input-removed")]
    InputRemoved,
    [JsonStringEnumMemberName("build-arg")]
    BuildArg,
}

/// <summary>
/// One thing that differs between a reference image's inputs and today's. Old and New are JSON texts for entry
/// fields and build arguments (so a string shows quoted), the references themselves for a base.
/// </summary>
public sealed record InputChange(ChangeKind Kind, string Input)
{
    public string? Path { get; init; }

    public LineCounts? Lines { get; init; }

    public long? OldSize { get; init; }

    public long? NewSize { get; init; }

    public int? NewLines { get; init; }

    public string? Field { get; init; }

    public string? Old { get; init; }

    public string? New { get; init; }

    /// <summary>What changed, in a few words: the file, the field, "base" — what a cascade's line names.</summary>
    public string Subject => Kind switch
    {
        ChangeKind.EntryField => Field!,
        ChangeKind.Base => "base",
        ChangeKind.Scheme => "hash scheme",
        ChangeKind.BuildArg => $"build arg {Field}",
        _ => Path ?? Input,
    };

    /// <summary>One line: <c>apps/hello/app.py: modified, +2 −1 lines</c>; <c>env.X: "a" → "b"</c>.</summary>
    public string Describe() => Kind switch
    {
        ChangeKind.Scheme => $"hash scheme: {Old} → {New}",
        ChangeKind.EntryField => $"{Field}: {Old ?? "(unset)"} → {New ?? "(unset)"}",
        ChangeKind.Entry => $"{Label}: changed ({Short(Old)} → {Short(New)}; the reference recorded no values to compare)",
        ChangeKind.Base => $"base: {Old} → {New}",
        ChangeKind.FileModified when Lines is { } l => $"{Label}: modified, +{l.Added} −{l.Removed} lines",
        ChangeKind.FileModified when OldSize is { } o && NewSize is { } n => $"{Label}: modified ({o} → {n} bytes)",
        ChangeKind.FileModified => $"{Label}: modified",
        ChangeKind.FileAdded => NewLines is { } lines ? $"{Label}: added ({lines} lines)" : $"{Label}: added",
        ChangeKind.FileRemoved => $"{Label}: removed",
        ChangeKind.InputAdded => $"{Label}: added",
        ChangeKind.InputRemoved => $"{Label}: removed",
        ChangeKind.BuildArg => $"build arg {Field}: {Old ?? "(unset)"} → {New ?? "(unset)"}",
        _ => $"{Label}: {Short(Old)} → {Short(New)}",
    };

    private string Label => Input switch
    {
        "dockerfile" => $"Dockerfile {Path}".TrimEnd(),
        "dockerignore" => $".dockerignore {Path}".TrimEnd(),
        "catalog-entry" => "catalog entry",
        "fleet-entry" => "fleet entry",
        _ when Input.StartsWith("lock:", StringComparison.Ordinal) => $"lock {Path ?? Input[5..]}",
        _ => Path ?? Input,
    };

    private static string Short(string? digest) => digest is null ? "(none)" : digest.StartsWith("sha256:", StringComparison.Ordinal) && digest.Length > 19 ? digest[..19] + "…" : digest;
}

/// <summary>How an image's inputs differ from its reference's: its own changes, and whether its parent's hash moved.</summary>
public sealed record ImageDiff(IReadOnlyList<InputChange> Own, string? OldParentHash, string? NewParentHash)
{
    public bool ParentChanged => OldParentHash != NewParentHash;

    public bool Unchanged => Own.Count == 0 && !ParentChanged;
}

/// <summary>
/// Compares two inputs records key by key. Root causes come first: the hash scheme, the entry's fields, the base,
/// the files (code, locks), build arguments, and last what Kiln generates from them (Dockerfile, .dockerignore):
/// an entry edit changes the Dockerfile too, and the entry is the thing to look at.
/// </summary>
public static class InputsDiff
{
    private static readonly string[] ParentInputs = ["parent", "family"];

    public static ImageDiff Compare(InputsRecord before, InputsRecord after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var changes = new List<InputChange>();
        var old = before.Inputs.Where(i => !ParentInputs.Contains(i.Name)).ToDictionary(i => i.Name, StringComparer.Ordinal);
        var now = after.Inputs.Where(i => !ParentInputs.Contains(i.Name)).ToDictionary(i => i.Name, StringComparer.Ordinal);
        foreach (var name in old.Keys.Union(now.Keys).Order(StringComparer.Ordinal))
        {
            var o = old.GetValueOrDefault(name);
            var n = now.GetValueOrDefault(name);
            if (o?.Digest == n?.Digest)
            {
                continue;
            }

            changes.AddRange(Change(name, o, n));
        }

        foreach (var arg in before.BuildArgs.Keys.Union(after.BuildArgs.Keys).Order(StringComparer.Ordinal))
        {
            var o = before.BuildArgs.TryGetValue(arg, out var ov) ? CanonicalJson.Serialize(ov) : null;
            var n = after.BuildArgs.TryGetValue(arg, out var nv) ? CanonicalJson.Serialize(nv) : null;
            if (o != n)
            {
                changes.Add(new InputChange(ChangeKind.BuildArg, "build-args") { Field = arg, Old = o, New = n });
            }
        }

        // The entry spells the base too: with the base input changed, its "base" field would only say it twice.
        if (changes.Any(c => c.Kind == ChangeKind.Base))
        {
            changes.RemoveAll(c => c.Kind == ChangeKind.EntryField && c.Field == "base");
        }

        var oldParent = before.ParentHash ?? before.Inputs.FirstOrDefault(i => ParentInputs.Contains(i.Name))?.Digest;
        var newParent = after.ParentHash ?? after.Inputs.FirstOrDefault(i => ParentInputs.Contains(i.Name))?.Digest;
        return new ImageDiff(changes.OrderBy(Rank).ToList(), oldParent, newParent);
    }

    private static int Rank(InputChange c) => c.Kind switch
    {
        ChangeKind.Scheme => 0,
        ChangeKind.EntryField or ChangeKind.Entry => 1,
        ChangeKind.Base => 2,
        ChangeKind.BuildArg => 4,
        _ when c.Input is "dockerfile" or "dockerignore" => 5,
        _ => 3,
    };

    private static IEnumerable<InputChange> Change(string name, RecordedInput? before, RecordedInput? after)
    {
        if (name == "scheme")
        {
            return [new InputChange(ChangeKind.Scheme, name) { Old = before?.Digest, New = after?.Digest }];
        }

        if (name == "base")
        {
            return [new InputChange(ChangeKind.Base, name) { Old = before?.Digest ?? "(none)", New = after?.Digest ?? "(none)" }];
        }

        if (before?.Entry is { } oldEntry && after?.Entry is { } newEntry)
        {
            var fields = EntryFields(oldEntry, newEntry).ToList();
            if (fields.Count > 0)
            {
                return fields.Select(f => new InputChange(ChangeKind.EntryField, name) { Field = f.Field, Old = f.Old, New = f.New });
            }
        }

        if (name is "catalog-entry" or "fleet-entry")
        {
            return [new InputChange(ChangeKind.Entry, name) { Old = before?.Digest, New = after?.Digest }];
        }

        var file = (before ?? after)!.IsFile || (before ?? after)!.Path is not null;
        if (before is null)
        {
            return [new InputChange(file ? ChangeKind.FileAdded : ChangeKind.InputAdded, name) { Path = after!.Path, NewSize = after.Size, NewLines = after.Lines }];
        }

        if (after is null)
        {
            return [new InputChange(file ? ChangeKind.FileRemoved : ChangeKind.InputRemoved, name) { Path = before.Path, OldSize = before.Size }];
        }

        if (!file)
        {
            return [new InputChange(ChangeKind.InputModified, name) { Old = before.Digest, New = after.Digest }];
        }

        var lines = before.LineHashes is { } a && after.LineHashes is { } b ? LineDiff.Count(a, b) : null;
        return [new InputChange(ChangeKind.FileModified, name) { Path = after.Path ?? before.Path, Lines = lines, OldSize = before.Size, NewSize = after.Size }];
    }

    /// <summary>
    /// Field paths whose values differ, as JSON texts. Objects nest with '.'; a list of {name, value} objects (an
    /// env list) is read as a map, so a changed variable is <c>env.X</c>; other lists are compared whole.
    /// </summary>
    public static IEnumerable<(string Field, string? Old, string? New)> EntryFields(JsonElement before, JsonElement after)
    {
        var old = Flatten(before);
        var now = Flatten(after);
        foreach (var key in old.Keys.Union(now.Keys).Order(StringComparer.Ordinal))
        {
            var o = old.GetValueOrDefault(key);
            var n = now.GetValueOrDefault(key);
            if (o != n)
            {
                yield return (key, o, n);
            }
        }
    }

    private static Dictionary<string, string> Flatten(JsonElement element)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        void Walk(string path, JsonElement e)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    var any = false;
                    foreach (var p in e.EnumerateObject())
                    {
                        any = true;
                        Walk(path.Length == 0 ? p.Name : $"{path}.{p.Name}", p.Value);
                    }

                    if (!any && path.Length > 0)
                    {
                        result[path] = "{}";
                    }

                    break;
                case JsonValueKind.Array when IsNameValueList(e):
                    foreach (var item in e.EnumerateArray())
                    {
                        Walk($"{path}.{item.GetProperty("name").GetString()}", item.GetProperty("value"));
                    }

                    break;
                default:
                    result[path] = CanonicalJson.Serialize(e);
                    break;
            }
        }

        Walk(string.Empty, element);
        return result;
    }

    private static bool IsNameValueList(JsonElement array) =>
        array.GetArrayLength() > 0 && array.EnumerateArray().All(i => i.ValueKind == JsonValueKind.Object
            && i.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String && i.TryGetProperty("value", out _)
            && i.EnumerateObject().Count() == 2);
}
