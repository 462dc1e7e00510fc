using System.Text.RegularExpressions;

namespace Build.Catalog;

/// <summary>
/// The environment names a pixi.toml defines. No TOML library is obtainable here, and this needs only table
/// headers and the keys of the [environments] table, which a line reader gets right for pixi manifests.
/// </summary>
public static partial class PixiManifest
{
    public static IReadOnlySet<string> EnvironmentNames(string tomlText)
    {
        ArgumentNullException.ThrowIfNull(tomlText);
        var names = new SortedSet<string>(StringComparer.Ordinal) { "default" };
        var inEnvironments = false;
        foreach (var raw in tomlText.Split('\n'))
        {
            var line = StripComment(raw).Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var header = HeaderPattern().Match(line);
            if (header.Success)
            {
                var table = header.Groups[1].Value.Trim();
                inEnvironments = table == "environments";
                var sub = EnvironmentTablePattern().Match(table);
                if (sub.Success)
                {
                    names.Add(Unquote(sub.Groups[1].Value));
                }

                continue;
            }

            if (inEnvironments)
            {
                var key = KeyPattern().Match(line);
                if (key.Success)
                {
                    names.Add(Unquote(key.Groups[1].Value));
                }
            }
        }

        return names;
    }

    private static string StripComment(string line)
    {
        var inString = false;
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] == '"')
            {
                inString = !inString;
            }
            else if (line[i] == '#' && !inString)
            {
                return line[..i];
            }
        }

        return line;
    }

    private static string Unquote(string s) => s.Trim().Trim('"');

    [GeneratedRegex(@"^\[\s*([^\[\]]+?)\s*\]$")]
    private static partial Regex HeaderPattern();

    [GeneratedRegex(@"^environments\.(""[^""]+""|[A-Za-z0-9_-]+)$")]
    private static partial Regex EnvironmentTablePattern();

    [GeneratedRegex(@"^(""[^""]+""|[A-Za-z0-9_-]+)\s*=")]
    private static partial Regex KeyPattern();
}
