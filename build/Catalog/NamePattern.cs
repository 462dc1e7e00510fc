using System.Text.RegularExpressions;

namespace Build.Catalog;

/// <summary>The syntax rules for names and values in the catalog, in one place.</summary>
public static partial class NamePattern
{
    /// <summary>OCI distribution allows 128 characters in a tag.</summary>
    public const int MaxTagLength = Hashing.ImageTags.MaxTagLength;

    /// <summary>What the longest tag Kiln gives a family adds to its name (the tag scheme is <see cref="Hashing.ImageTags"/>'s).</summary>
    public const int LongestTagSuffix = Hashing.ImageTags.LongestSuffix;

    public const int MaxFamilyName = Hashing.ImageTags.MaxNameLength;

    public static bool IsFamilyName(string s) => FamilyName().IsMatch(s);

    /// <summary>A name as bake allows it for targets and groups: [a-zA-Z0-9_-], anything else becomes '_'.</summary>
    public static string BakeName(string name) => new(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray());

    /// <summary>A name as the tail of an environment variable: upper-cased, anything not alphanumeric becomes '_'.</summary>
    public static string VariableSuffix(string name) => new(name.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_').ToArray());

    public static bool IsAxisName(string s) => AxisName().IsMatch(s);

    public static bool IsAxisValue(string s) => AxisValue().IsMatch(s);

    public static bool IsEnvName(string s) => EnvName().IsMatch(s);

    public static bool IsGpuArch(string s) => GpuArch().IsMatch(s);

    /// <summary>A Docker/Go duration: 30s, 500ms, 5m, 1m30s, 1.5h.</summary>
    public static bool IsDuration(string s) => Duration().IsMatch(s);

    /// <summary>[host[:port]/]path as the distribution reference grammar has it, without tag or digest.</summary>
    public static bool IsRepository(string s) => s.Length <= 255 && Repository().IsMatch(s);

    /// <summary>os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8.</summary>
    public static bool IsPlatform(string s) => Platform().IsMatch(s);

    [GeneratedRegex(@"^((?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]{1,5})?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$")]
    private static partial Regex Repository();

    [GeneratedRegex(@"^[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?$")]
    private static partial Regex Platform();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9._-]*$")]
    private static partial Regex FamilyName();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_]*$")]
    private static partial Regex AxisName();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9._-]*$")]
    private static partial Regex AxisValue();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvName();

    [GeneratedRegex(@"^\d{1,2}\.\d(\+PTX)?$")]
    private static partial Regex GpuArch();

    [GeneratedRegex(@"^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$")]
    private static partial Regex Duration();

    /// <summary>{name}, but not ${name} (an environment reference in a base image).</summary>
    [GeneratedRegex(@"(?<!\$)\{([A-Za-z_][A-Za-z0-9_]*)\}")]
    public static partial Regex Placeholder();
}
