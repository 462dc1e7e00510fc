namespace Build.Testing;

/// <summary>Reads the `export NAME=value` lines that tests/infra/up.sh prints.</summary>
public static class InfraEnvironment
{
    public static IReadOnlyDictionary<string, string> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (!line.StartsWith("export ", StringComparison.Ordinal))
            {
                continue;
            }

            var assignment = line["export ".Length..];
            var eq = assignment.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            var value = assignment[(eq + 1)..];
            if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0])
            {
                value = value[1..^1];
            }

            result[assignment[..eq]] = value;
        }

        return result;
    }
}
