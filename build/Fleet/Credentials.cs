using System.Text.RegularExpressions;

namespace Build.Fleet;

/// <summary>
/// Environment values that look like credentials, which must never be written into a committed Compose file or an
/// image's ENV. Data-driven: a name is a credential's when one of its '_'-separated words is in <see cref="Words"/>
/// (so TOKENIZERS_PARALLELISM or KEYBOARD_LAYOUT are not), or ends in a <see cref="KeyPairs"/> pair (API_KEY,
/// ACCESS_KEY); a value is one when it is a URL with a password in it, whatever its name.
/// </summary>
public static partial class Credentials
{
    public static readonly IReadOnlySet<string> Words = new HashSet<string>(StringComparer.Ordinal) { "PASSWORD", "PASSWD", "PASS", "PWD", "SECRET", "TOKEN", "CREDENTIAL", "CREDENTIALS", "PRIVATE" };

    public static readonly IReadOnlyList<string> KeyPairs = ["API_KEY", "ACCESS_KEY", "SECRET_KEY", "PRIVATE_KEY", "AUTH_KEY", "APIKEY"];

    /// <summary>Why <paramref name="name"/>=<paramref name="value"/> looks like a credential, or null.</summary>
    public static string? Why(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length == 0)
        {
            return null;
        }

        var upper = name.ToUpperInvariant();
        if (upper.Split('_').FirstOrDefault(Words.Contains) is { } word)
        {
            return $"its name has '{word}'";
        }

        if (KeyPairs.FirstOrDefault(k => upper == k || upper.EndsWith("_" + k, StringComparison.Ordinal)) is { } pair)
        {
            return $"its name ends in '{pair}'";
        }

        return UrlWithPassword().IsMatch(value) ? "its value is a URL with a password in it" : null;
    }

    [GeneratedRegex(@"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/@\s:]*:[^/@\s]+@")]
    private static partial Regex UrlWithPassword();
}
