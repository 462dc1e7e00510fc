namespace Build.Catalog;

/// <summary>
/// One problem in an input file — the catalog, the fleet manifest, a policy, a baseline, a lock —: where, the entry
/// it belongs to (<see cref="Subject"/>, a <see cref="SubjectKind"/>: family, service, infrastructure, waiver, …),
/// what is wrong and what to do. Every reader reports with this, so reports and CI annotations read one shape.
/// </summary>
public sealed record InputError(SourceSpan? Where, string? Subject, string Message, string Fix)
{
    /// <summary>What <see cref="Subject"/> names; the catalog's families are the commonest subject.</summary>
    public string SubjectKind { get; init; } = "family";

    /// <summary>An error about a fleet service (the fleet's commonest subject).</summary>
    public static InputError Service(SourceSpan? where, string? service, string message, string fix) =>
        new(where, service, message, fix) { SubjectKind = "service" };

    public override string ToString()
    {
        var where = Where is null ? string.Empty : $"{Where}: ";
        var subject = Subject is null ? string.Empty : $"{SubjectKind} '{Subject}': ";
        return $"{where}{subject}{Message} {Fix}".TrimEnd();
    }
}

/// <summary>Every problem found in an input at once, so a user fixes them in one round.</summary>
public sealed class InputException : Exception
{
    public InputException()
        : this([])
    {
    }

    public InputException(string message)
        : base(message)
    {
        Errors = [new InputError(null, null, message, string.Empty)];
    }

    public InputException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [new InputError(null, null, message, string.Empty)];
    }

    /// <param name="errors">Every problem found.</param>
    /// <param name="what">What the errors are in, as the summary line of several names it ("the catalog", "the fleet").</param>
    public InputException(IReadOnlyList<InputError> errors, string what = "the catalog")
        : base(Format(errors, what))
    {
        Errors = errors;
    }

    public IReadOnlyList<InputError> Errors { get; }

    public static string Format(IReadOnlyList<InputError> errors, string what = "the catalog")
    {
        ArgumentNullException.ThrowIfNull(errors);
        return errors.Count == 1
            ? errors[0].ToString()
            : $"{errors.Count} problems in {what}:\n" + string.Join('\n', errors.Select(e => "  " + e));
    }
}

internal static class Suggest
{
    /// <summary>"Did you mean" for a misspelt key or name: the closest candidate within a small edit distance.</summary>
    public static string DidYouMean(string value, IEnumerable<string> candidates)
    {
        var best = candidates
            .Select(c => (Candidate: c, Distance: Distance(value.ToLowerInvariant(), c.ToLowerInvariant())))
            .Where(x => x.Distance <= Math.Max(2, value.Length / 3))
            .OrderBy(x => x.Distance)
            .ThenBy(x => x.Candidate, StringComparer.Ordinal)
            .FirstOrDefault();
        return best.Candidate is null ? string.Empty : $" Did you mean '{best.Candidate}'?";
    }

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
            }
        }

        return d[a.Length, b.Length];
    }
}
