namespace Build.Registry;

/// <summary>An image reference split the way a registry needs it: host, repository path, tag or digest.</summary>
public sealed record ImageName(string Registry, string Repository, string? Tag, string? Digest)
{
    public const string DockerHub = "registry-1.docker.io";

    /// <summary>The reference to ask the registry for: the digest when there is one, else the tag.</summary>
    public string Reference => Digest ?? Tag ?? "latest";

    public override string ToString() =>
        $"{(Registry == DockerHub ? "docker.io" : Registry)}/{Repository}{(Tag is null ? string.Empty : ":" + Tag)}{(Digest is null ? string.Empty : "@" + Digest)}";

    /// <summary>Parses <c>[host[:port]/]path[:tag][@digest]</c>; a first component without '.', ':' or 'localhost' is Docker Hub.</summary>
    public static ImageName Parse(string reference)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reference);
        var rest = reference.Trim();
        string? digest = null;
        var at = rest.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            digest = rest[(at + 1)..];
            rest = rest[..at];
        }

        string registry;
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var first = slash < 0 ? string.Empty : rest[..slash];
        if (slash > 0 && (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost"))
        {
            registry = first;
            rest = rest[(slash + 1)..];
        }
        else
        {
            registry = DockerHub;
        }

        if (registry is "docker.io" or "index.docker.io")
        {
            registry = DockerHub;
        }

        string? tag = null;
        var colon = rest.LastIndexOf(':');
        if (colon > rest.LastIndexOf('/'))
        {
            tag = rest[(colon + 1)..];
            rest = rest[..colon];
        }

        if (registry == DockerHub && !rest.Contains('/', StringComparison.Ordinal))
        {
            rest = "library/" + rest;
        }

        return new ImageName(registry, rest, tag, digest);
    }

    /// <summary>"host/repo" as given to --registry (no tag): the repository that family tags live in.</summary>
    public static ImageName ParseRepository(string registryAndRepository) => Parse(registryAndRepository) with { Tag = null, Digest = null };

    /// <summary>Loopback registries speak plain HTTP (as Docker treats them); everything else HTTPS.</summary>
    public bool IsLoopback
    {
        get
        {
            var host = Registry.StartsWith('[') ? Registry[..(Registry.IndexOf(']', StringComparison.Ordinal) + 1)] : Registry.Split(':')[0];
            return host is "localhost" or "127.0.0.1" or "[::1]" || host.StartsWith("127.", StringComparison.Ordinal);
        }
    }
}
