using System.Text.RegularExpressions;

namespace Build.Catalog;

/// <summary>
/// An image reference <c>[registry/]name[:tag][@sha256:…]</c>, as written (the catalog pins bases with it), and Kiln's
/// one parser of image references: <see cref="Parse"/> validates, <see cref="Split"/> only splits (the registry's
/// <see cref="Registry.ImageName"/> is the same split with Docker Hub's defaults filled in).
/// </summary>
public sealed partial record ImageReference(string Name, string? Tag, string? Digest)
{
    public bool IsPinned => Digest is not null;

    /// <summary>The registry host as written (a first component with '.' or ':', or localhost), or null: Docker Hub.</summary>
    public string? Host
    {
        get
        {
            var slash = Name.IndexOf('/', StringComparison.Ordinal);
            var first = slash > 0 ? Name[..slash] : string.Empty;
            return slash > 0 && (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost") ? first : null;
        }
    }

    /// <summary>The repository path: the name without its host.</summary>
    public string Path => Host is { } host ? Name[(host.Length + 1)..] : Name;

    /// <summary>name:tag without the digest: what UpdateDigests resolves.</summary>
    public string NameAndTag => Tag is null ? Name : $"{Name}:{Tag}";

    public override string ToString() => NameAndTag + (Digest is null ? string.Empty : "@" + Digest);

    /// <summary>Parses and validates a reference; returns an error sentence instead of throwing so the loader can collect it.</summary>
    public static (ImageReference? Reference, string? Error) Parse(string text)
    {
        var reference = Split(text);
        if (reference.Digest is { } digest && !DigestPattern().IsMatch(digest))
        {
            return (null, $"'{digest}' is not a valid digest: expected sha256: followed by 64 lowercase hex characters.");
        }

        if (reference.Tag is { } tag && !TagPattern().IsMatch(tag))
        {
            return (null, $"'{tag}' is not a valid tag.");
        }

        if (!NamePattern().IsMatch(reference.Name))
        {
            return (null, $"'{reference.Name}' is not a valid image name (lowercase, optional registry host[:port]/).");
        }

        return (reference, null);
    }

    /// <summary>
    /// Splits a reference without judging it: the digest after '@', the tag after the last ':' that follows the last
    /// '/', the name before. For references Kiln wrote itself or a registry answered with.
    /// </summary>
    public static ImageReference Split(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var value = text.Trim();
        string? digest = null;
        var at = value.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            digest = value[(at + 1)..];
            value = value[..at];
        }

        string? tag = null;
        var colon = value.LastIndexOf(':');
        if (colon > value.LastIndexOf('/'))
        {
            tag = value[(colon + 1)..];
            value = value[..colon];
        }

        return new ImageReference(value, tag, digest);
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
