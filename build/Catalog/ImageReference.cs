using System.Text.RegularExpressions;

namespace Build.Catalog;

/// <summary>An image reference <c>[registry/]name[:tag][@sha256:…]</c>, as the catalog pins bases.</summary>
public sealed partial record ImageReference(string Name, string? Tag, string? Digest)
{
    public bool IsPinned => Digest is not null;

    /// <summary>name:tag without the digest: what UpdateDigests resolves.</summary>
    public string NameAndTag => Tag is null ? Name : $"{Name}:{Tag}";

    public override string ToString() => NameAndTag + (Digest is null ? string.Empty : "@" + Digest);

    /// <summary>Parses a reference; returns an error sentence instead of throwing so the loader can collect it.</summary>
    public static (ImageReference? Reference, string? Error) Parse(string text)
    {
        var value = text.Trim();
        string? digest = null;
        var at = value.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            digest = value[(at + 1)..];
            value = value[..at];
            if (!DigestPattern().IsMatch(digest))
            {
                return (null, $"'{digest}' is not a valid digest: expected sha256: followed by 64 lowercase hex characters.");
            }
        }

        string? tag = null;
        var lastSlash = value.LastIndexOf('/');
        var colon = value.LastIndexOf(':');
        if (colon > lastSlash)
        {
            tag = value[(colon + 1)..];
            value = value[..colon];
            if (!TagPattern().IsMatch(tag))
            {
                return (null, $"'{tag}' is not a valid tag.");
            }
        }

        if (!NamePattern().IsMatch(value))
        {
            return (null, $"'{value}' is not a valid image name (lowercase, optional registry host[:port]/).");
        }

        return (new ImageReference(value, tag, digest), null);
    }

    /// <summary>Resolves <c>${NAME}</c> and <c>${NAME:-default}</c> from the environment.</summary>
    public static (string? Value, string? Error) ExpandEnvironment(string text, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        string? error = null;
        var result = EnvironmentReference().Replace(text, m =>
        {
            var value = environment(m.Groups["name"].Value);
            if (!string.IsNullOrEmpty(value))
            {
                return value;
            }

            if (m.Groups["default"].Success)
            {
                return m.Groups["default"].Value;
            }

            error ??= $"${{{m.Groups["name"].Value}}} is not set and has no default (write ${{{m.Groups["name"].Value}:-image:tag@sha256:…}}).";
            return m.Value;
        });
        return error is null ? (result, null) : (null, error);
    }

    [GeneratedRegex(@"^sha256:[a-f0-9]{64}$")]
    private static partial Regex DigestPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"^([a-zA-Z0-9.-]+(:[0-9]+)?/)?[a-z0-9]+([._-][a-z0-9]+|__[a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+|__[a-z0-9]+)*)*$")]
    private static partial Regex NamePattern();

    /// <summary>${NAME} or ${NAME:-default} in an image reference (groups "name" and "default").</summary>
    [GeneratedRegex(@"\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(:-(?<default>[^}]*))?\}")]
    internal static partial Regex EnvironmentReference();
}
