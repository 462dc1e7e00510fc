namespace Build.Hashing;

/// <summary>
/// The one place that knows Kiln's tag scheme, for families and services alike: <c>&lt;name&gt;-&lt;hash&gt;</c>
/// (immutable, content-addressed), <c>&lt;name&gt;-&lt;yyyymmdd&gt;</c>, <c>&lt;name&gt;-latest</c> and the inputs
/// record's <c>&lt;name&gt;-&lt;hash&gt;.inputs</c>, in the families' repository or the services' one
/// (<c>&lt;registry&gt;-services</c>), and how the bake file (HCL) and the Compose files spell the same tags. Every
/// other file asks this record; none builds or splits such a tag itself.
/// </summary>
public sealed record ImageTags(string Repository, string Family, string Hash, string Date)
{
    private const string LatestSuffix = "latest";

    /// <summary>OCI distribution allows 128 characters in a tag.</summary>
    public const int MaxTagLength = 128;

    /// <summary>The longest part a tag adds to the name: '-' and the 12 hex characters of a hash (-yyyymmdd and -latest are shorter).</summary>
    public const int LongestSuffix = 13;

    /// <summary>The longest name whose every tag fits in <see cref="MaxTagLength"/>.</summary>
    public const int MaxNameLength = MaxTagLength - LongestSuffix;

    /// <summary>Services live in a repository of their own, so they never share tags with families.</summary>
    private const string ServicesSuffix = "-services";

    private const string InputsSuffix = ".inputs";

    /// <summary>The tags of an image of the run: a family's in <paramref name="registry"/>, a service's in <see cref="ServicesRepository"/>.</summary>
    public static ImageTags For(ImageKind kind, string registry, string name, string hash, string date) =>
        new(kind == ImageKind.Service ? ServicesRepository(registry) : registry, name, hash, date);

    public static string ServicesRepository(string registry) => registry + ServicesSuffix;

    /// <summary>The longest tag part a name gets (<c>&lt;name&gt;-&lt;12 hex&gt;</c>).</summary>
    public static int LongestTagPart(string name) => name.Length + LongestSuffix;

    /// <summary>The immutable tag without its repository: <c>&lt;name&gt;-&lt;hash&gt;</c>.</summary>
    public static string HashTagOf(string name, string hash) => $"{name}-{hash}";

    public static string DateTagOf(string name, string date) => $"{name}-{date}";

    public static string LatestTagOf(string name) => $"{name}-{LatestSuffix}";

    /// <summary>The tag of an image's inputs record, beside its image: <c>&lt;name&gt;-&lt;hash&gt;.inputs</c>.</summary>
    public static string InputsTagOf(string name, string hash) => HashTagOf(name, hash) + InputsSuffix;

    public static bool IsInputsTag(string tag) => tag.EndsWith(InputsSuffix, StringComparison.Ordinal);

    /// <summary>How a reference is named in words for any image: <c>-latest</c>, <c>-&lt;yyyymmdd&gt;</c>.</summary>
    public static string LatestWords => "-" + LatestSuffix;

    public static string DateWords(string date) => "-" + date;

    /// <summary>A tag of <paramref name="name"/> with the name as a placeholder ("&lt;image&gt;-latest"): the same words for every image.</summary>
    public static string Generic(string name, string tag) =>
        tag.StartsWith(name + "-", StringComparison.Ordinal) ? "<image>" + tag[name.Length..] : tag;

    public string HashTag => HashTagOf(Family, Hash);

    public string InputsTag => InputsTagOf(Family, Hash);

    public string Immutable => $"{Repository}:{HashTag}";

    public string Dated => $"{Repository}:{DateTagOf(Family, Date)}";

    public string Latest => $"{Repository}:{LatestTagOf(Family)}";

    /// <summary>What a build names (bake's tags): the immutable tag, and the date tag when a date is set.</summary>
    public IReadOnlyList<string> Built => Date.Length == 0 ? [Immutable] : [Immutable, Dated];

    /// <summary>Every tag in push order: hash, date, latest.</summary>
    public IReadOnlyList<string> All => [Immutable, Dated, Latest];

    /// <summary>
    /// The bake file's tags function: the same scheme as <see cref="Built"/> in HCL, where REGISTRY and DATE_TAG are
    /// bake variables (DATE_TAG empty means no date tag).
    /// </summary>
    public static string HclTagsFunction() => HclFunction("tags", "family", "${REGISTRY}");

    /// <summary>The same scheme for services, in the services repository.</summary>
    public static string HclServiceTagsFunction() => HclFunction("service_tags", "service", ServicesRepository("${REGISTRY}"));

    private static string HclFunction(string function, string name, string repository) =>
        $"function \"{function}\" {{\n  params = [{name}, hash]\n" +
        $"  result = compact([\"{repository}:{HashTagOf("${" + name + "}", "${hash}")}\", DATE_TAG != \"\" ? \"{repository}:{DateTagOf("${" + name + "}", "${DATE_TAG}")}\" : \"\"])\n}}\n\n";

    /// <summary>The services repository in a committed Compose file: the catalog's registry, overridable with $REGISTRY.</summary>
    public static string ComposeServicesRepository(string registry) => ServicesRepository("${REGISTRY:-" + registry + "}");

    /// <summary>
    /// The tag part a committed Compose file puts after the service's name: the hash from <paramref name="tagVariable"/>
    /// (default: the service's -latest) and, from <paramref name="digestVariable"/>, "@sha256:…" once published.
    /// </summary>
    public static string ComposeHashPart(string tagVariable, string digestVariable) =>
        "${" + tagVariable + ":-" + LatestSuffix + "}${" + digestVariable + ":-}";

    /// <summary>A service's image in a Compose file: <c>repository:&lt;service&gt;-&lt;hash&gt;</c> (the hash may be <see cref="ComposeHashPart"/>).</summary>
    public static string ComposeImage(string repository, string service, string hash) => $"{repository}:{HashTagOf(service, hash)}";
}
