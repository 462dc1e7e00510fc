namespace Build.Gates;

public sealed record Waiver(string Id, IReadOnlyList<string> Families, IReadOnlyList<string> Packages, string Reason, DateOnly Expires, int Line)
{
    public bool Matches(Finding finding) =>
        string.Equals(Id, finding.Id, StringComparison.OrdinalIgnoreCase)
        && (Families.Count == 0 || Families.Contains(finding.Family))
        && (Packages.Count == 0 || Packages.Contains(finding.Package));
}

/// <summary>cve-policy.yaml: which severities fail, whether unfixed findings count, and expiring waivers.</summary>
public sealed record CvePolicy(string File, IReadOnlyList<Severity> FailOn, bool IgnoreUnfixed, IReadOnlyList<Waiver> Waivers)
{
    public static CvePolicy Default(string file) => new(file, [Severity.High, Severity.Critical], false, []);

    public static CvePolicy Load(string path, string displayPath, IReadOnlySet<string>? families = null) => CvePolicyReader.Load(path, displayPath, families);
}

public sealed class GateConfigException(string message) : Exception(message)
{
    public GateConfigException()
        : this("The gate configuration is invalid.")
    {
    }

    public GateConfigException(string message, Exception inner)
        : this(message + " " + inner.Message)
    {
    }
}
