namespace Build.Registry;

/// <summary>An image reference split the way a registry needs it: host, repository path, tag or digest.</summary>
public sealed record ImageName(string Registry, string Repository, string? Tag, string? Digest)
{
    public const string DockerHub = "registry-1.docker.io";

    /// <summary>The reference to ask the registry for: the digest when there is one, else the tag.</summary>
    public string Reference => Digest ?? Tag ?? "latest";

    public override string ToString() =>
        $"{(Registry == DockerHub ? "docker.io" : Registry)}/{Repository}{(Tag is null ? string.Empty : ":" + Tag)}{(Digest is null ? string.Empty : "@" + Digest)}";

    /// <summary>
    /// <c>[host[:port]/]path[:tag][@digest]</c> as <see cref="Catalog.ImageReference.Split"/> splits it, with Docker
    /// Hub's defaults: no host (or docker.io) is Docker Hub, and a one-component path there is under library/.
    /// </summary>
    public static ImageName Parse(string reference)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reference);
        var split = Catalog.ImageReference.Split(reference);
        var registry = split.Host is null or "docker.io" or "index.docker.io" ? DockerHub : split.Host;
        var path = registry == DockerHub && !split.Path.Contains('/', StringComparison.Ordinal) ? "library/" + split.Path : split.Path;
        return new ImageName(registry, path, split.Tag, split.Digest);
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
