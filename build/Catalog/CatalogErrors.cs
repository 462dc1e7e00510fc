namespace Build.Catalog;

/// <summary>
/// What every positioned input error has, whichever file it is in: where, the entry it belongs to (and what kind of
/// entry that is), what is wrong and the fix. Reports and CI annotations read errors through this.
/// </summary>
public interface IInputError
{
    SourceSpan? Where { get; }

    /// <summary>The family, service, waiver or entry the error belongs to; null for the file as a whole.</summary>
    string? Name { get; }

    /// <summary>What <see cref="Name"/> is: "family", "service", "infrastructure", "waiver", …</summary>
    string Kind { get; }

    string Message { get; }

    string Fix { get; }
}

/// <summary>One problem in a catalog: where, which family, what is wrong, and what to do.</summary>
public sealed record CatalogError(SourceSpan? Where, string? Family, string Message, string Fix) : IInputError
{
    string? IInputError.Name => Family;

    string IInputError.Kind => SubjectKind;

    /// <summary>What <see cref="Family"/> names: a family in the catalog, a waiver in cve-policy.yaml, an entry in a baseline.</summary>
    public string SubjectKind { get; init; } = "family";

    public override string ToString()
    {
        var where = Where is null ? string.Empty : $"{Where}: ";
        var family = Family is null ? string.Empty : $"{SubjectKind} '{Family}': ";
        return $"{where}{family}{Message} {Fix}".TrimEnd();
    }
}

/// <summary>Every problem found in a catalog at once, so a user fixes them in one round.</summary>
public sealed class CatalogException : Exception
{
    public CatalogException()
        : this([])
    {
    }

    public CatalogException(string message)
        : base(message)
    {
        Errors = [new CatalogError(null, null, message, string.Empty)];
    }

    public CatalogException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [new CatalogError(null, null, message, string.Empty)];
    }

    public CatalogException(IReadOnlyList<CatalogError> errors)
        : base(Format(errors))
    {
        Errors = errors;
    }

    public IReadOnlyList<CatalogError> Errors { get; }

    public static string Format(IReadOnlyList<CatalogError> errors, string what = "the catalog")
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
