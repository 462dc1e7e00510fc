using System.Text.RegularExpressions;

namespace Build.Catalog;

/// <summary>The syntax rules for names and values in the catalog, in one place.</summary>
public static partial class NamePattern
{
    /// <summary>OCI distribution allows 128 characters in a tag.</summary>
    public const int MaxTagLength = 128;

    /// <summary>The longest tag Kiln gives a family is '&lt;family&gt;-&lt;12 hex hash&gt;' (the others are -yyyymmdd and -latest).</summary>
    public const int LongestTagSuffix = 13;

    public const int MaxFamilyName = MaxTagLength - LongestTagSuffix;

    public static bool IsFamilyName(string s) => FamilyName().IsMatch(s);

    public static bool IsAxisName(string s) => AxisName().IsMatch(s);

    public static bool IsAxisValue(string s) => AxisValue().IsMatch(s);

    public static bool IsEnvName(string s) => EnvName().IsMatch(s);

    public static bool IsGpuArch(string s) => GpuArch().IsMatch(s);

    /// <summary>A Docker/Go duration: 30s, 500ms, 5m, 1m30s, 1.5h.</summary>
    public static bool IsDuration(string s) => Duration().IsMatch(s);

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
