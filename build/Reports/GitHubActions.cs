namespace Build.Reports;

/// <summary>
/// GitHub Actions environment files. Groups, annotations and masks go through Cake.Common's GitHub Actions commands;
/// outputs do not, because Cake's SetOutputParameter writes name=value with no delimiter, so a multi-line value (the
/// matrix, the hashes) would end the record at its first newline.
/// </summary>
public static class GitHubActions
{
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
