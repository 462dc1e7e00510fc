namespace Build.Hashing;

/// <summary>
/// The one place that knows Kiln's tag scheme: <c>&lt;family&gt;-&lt;hash&gt;</c> (immutable, content-addressed),
/// <c>&lt;family&gt;-&lt;yyyymmdd&gt;</c> and <c>&lt;family&gt;-latest</c>, all in one repository. The bake file's
/// <c>tags</c> function is rendered from <see cref="HclTagsFunction"/>, and a test holds the two equal.
/// </summary>
public sealed record FamilyTags(string Repository, string Family, string Hash, string Date)
{
    public const string LatestSuffix = "latest";

    /// <summary>The longest tag part a family gets (<c>&lt;family&gt;-&lt;12 hex&gt;</c> or <c>-latest</c>/<c>-yyyymmdd</c>).</summary>
    public static int LongestTagPart(string family) => family.Length + 1 + Math.Max(12, LatestSuffix.Length);

    public string Immutable => $"{Repository}:{Family}-{Hash}";

    public string Dated => $"{Repository}:{Family}-{Date}";

    public string Latest => $"{Repository}:{Family}-{LatestSuffix}";

    /// <summary>What a build names (bake's tags): the immutable tag, and the date tag when a date is set.</summary>
    public IReadOnlyList<string> Built => Date.Length == 0 ? [Immutable] : [Immutable, Dated];

    /// <summary>Every tag in push order: hash, date, latest.</summary>
    public IReadOnlyList<string> All => [Immutable, Dated, Latest];

    /// <summary>
    /// The bake file's tags function: the same scheme as <see cref="Built"/> in HCL, where REGISTRY and DATE_TAG are
    /// bake variables (DATE_TAG empty means no date tag).
    /// </summary>
    public static string HclTagsFunction() =>
        "function \"tags\" {\n  params = [family, hash]\n" +
        "  result = compact([\"${REGISTRY}:${family}-${hash}\", DATE_TAG != \"\" ? \"${REGISTRY}:${family}-${DATE_TAG}\" : \"\"])\n}\n\n";

    /// <summary>The same scheme for services, in the services repository (<see cref="Fleet.ServiceImages.Repository"/>).</summary>
    public static string HclServiceTagsFunction() =>
        "function \"service_tags\" {\n  params = [service, hash]\n" +
        $"  result = compact([\"${{REGISTRY}}{Fleet.ServiceImages.RepositorySuffix}:${{service}}-${{hash}}\", DATE_TAG != \"\" ? \"${{REGISTRY}}{Fleet.ServiceImages.RepositorySuffix}:${{service}}-${{DATE_TAG}}\" : \"\"])\n}}\n\n";
}
