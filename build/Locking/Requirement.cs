using System.Text.RegularExpressions;

namespace Build.Locking;

/// <summary>The distribution a requirement string names, whatever extras, versions or markers follow it.</summary>
internal static partial class Requirement
{
    /// <summary>The name as written (not normalised), or null when the text does not start with one.</summary>
    public static string? NameOf(string requirement)
    {
        var match = Name().Match(requirement);
        return match.Success ? match.Groups["name"].Value : null;
    }

    [GeneratedRegex(@"^\s*(?<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)(?=$|[\s\[(;<>=!~@,])")]
    private static partial Regex Name();
}
