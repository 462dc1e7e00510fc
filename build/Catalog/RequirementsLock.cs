using System.Text.RegularExpressions;

namespace Build.Catalog;

/// <summary>
/// A pip requirements lock read strictly: every requirement is pinned with '==' and carries at least one
/// --hash=sha256:, so `pip install --require-hashes` installs exactly what was reviewed. Errors name the lock's line.
/// </summary>
public static partial class RequirementsLock
{
    public static IReadOnlyList<InputError> Check(string text, string file, string? family)
    {
        ArgumentNullException.ThrowIfNull(text);
        var errors = new List<InputError>();
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var requirements = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var start = i;
            var logical = lines[i];
            while (logical.TrimEnd().EndsWith('\\') && i + 1 < lines.Length)
            {
                logical = logical.TrimEnd()[..^1] + " " + lines[++i];
            }

            var content = CommentPattern().Replace(logical, string.Empty).Trim();
            if (content.Length == 0)
            {
                continue;
            }

            var at = new SourceSpan(file, start + 1, 1);
            if (content.StartsWith('-'))
            {
                if (!AllowedOptionPattern().IsMatch(content))
                {
                    errors.Add(new InputError(at, family, $"'{Shorten(content)}' is not allowed in a hashed lock.", "Keep requirement lines and --index-url/--extra-index-url/--find-links/--no-index only; include other files' requirements directly (pip-compile --generate-hashes does)."));
                }

                continue;
            }

            requirements++;
            var spec = content.Split(" --", 2)[0].Trim();
            var name = spec.Split(';', 2)[0].Trim();
            if (!PinnedPattern().IsMatch(name))
            {
                errors.Add(new InputError(at, family, $"'{Shorten(name)}' is not pinned with '=='.", "Pin every requirement to one version (name==1.2.3): generate the lock with 'pip-compile --generate-hashes' or 'uv pip compile --generate-hashes'."));
                continue;
            }

            if (!HashPattern().IsMatch(content))
            {
                errors.Add(new InputError(at, family, $"'{Shorten(name)}' has no --hash=sha256: pin, so pip cannot verify what it installs.", "Generate the lock with 'pip-compile --generate-hashes' (or 'uv pip compile --generate-hashes')."));
            }
        }

        if (requirements == 0 && errors.Count == 0)
        {
            errors.Add(new InputError(new SourceSpan(file, 1, 1), family, "The lock lists no requirements.", "Generate it with 'pip-compile --generate-hashes' (or 'uv pip compile --generate-hashes'), or remove 'python:' from the family."));
        }

        return errors;
    }

    private static string Shorten(string s) => s.Length > 80 ? s[..77] + "..." : s;

    [GeneratedRegex(@"(^|\s)#.*$")]
    private static partial Regex CommentPattern();

    [GeneratedRegex(@"^(--index-url|--extra-index-url|--find-links|-f|-i|--no-index|--prefer-binary|--only-binary|--no-binary)(\s|=|$)")]
    private static partial Regex AllowedOptionPattern();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9._,\s-]+\])?\s*===?\s*[A-Za-z0-9][A-Za-z0-9.+!_-]*$")]
    private static partial Regex PinnedPattern();

    [GeneratedRegex(@"--hash[=\s]sha256:[0-9a-f]{64}(\s|$)")]
    private static partial Regex HashPattern();
}
