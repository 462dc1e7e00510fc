namespace Build.Reports;

/// <summary>GitHub Actions workflow commands and environment files (escaping per actions/toolkit).</summary>
public static class GitHubActions
{
    public static string EscapeData(string value) =>
        value.Replace("%", "%25", StringComparison.Ordinal).Replace("\r", "%0D", StringComparison.Ordinal).Replace("\n", "%0A", StringComparison.Ordinal);

    public static string EscapeProperty(string value) =>
        EscapeData(value).Replace(":", "%3A", StringComparison.Ordinal).Replace(",", "%2C", StringComparison.Ordinal);

    /// <summary>::error / ::warning with file and line where known.</summary>
    public static string Annotation(string level, string message, string? file = null, int? line = null, int? column = null, string? title = null)
    {
        var props = new List<string>();
        if (file is not null)
        {
            props.Add("file=" + EscapeProperty(file));
        }

        if (line is not null)
        {
            props.Add("line=" + line);
        }

        if (column is not null)
        {
            props.Add("col=" + column);
        }

        if (title is not null)
        {
            props.Add("title=" + EscapeProperty(title));
        }

        return $"::{level}{(props.Count > 0 ? " " + string.Join(',', props) : string.Empty)}::{EscapeData(message)}";
    }

    public static string Mask(string secret) => "::add-mask::" + EscapeData(secret);

    /// <summary>A name=value record for $GITHUB_OUTPUT; multi-line values use a random delimiter that the value cannot contain.</summary>
    public static string OutputRecord(string name, string value)
    {
        if (!value.Contains('\n', StringComparison.Ordinal) && !value.Contains('\r', StringComparison.Ordinal))
        {
            return $"{name}={value}\n";
        }

        string delimiter;
        do
        {
            delimiter = $"ghadelimiter_{Guid.NewGuid()}";
        }
        while (value.Contains(delimiter, StringComparison.Ordinal));

        return $"{name}<<{delimiter}\n{value}\n{delimiter}\n";
    }
}
