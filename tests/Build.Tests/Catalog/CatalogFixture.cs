using Build.Catalog;

namespace Build.Tests.Catalog;

/// <summary>A throw-away repository with a catalog, files to COPY and a pixi.toml.</summary>
public sealed class CatalogRepo : IDisposable
{
    public CatalogRepo()
    {
        Root = Directory.CreateTempSubdirectory("kiln-catalog-").FullName;
        Write("files/motd", "hello\n");
        Write("pixi.toml", "[workspace]\nname = \"t\"\nplatforms = [\"linux-64\"]\n\n[feature.web]\n[feature.a]\n[feature.g]\n\n[environments]\nweb = [\"web\"]\nstable = { features = [\"a\"] }\n\n[environments.\"gpu-vision\"]\nfeatures = [\"g\"]\n");
    }

    public string Root { get; }

    public const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    public string Write(string relative, string content)
    {
        var full = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        return full;
    }

    public CatalogLoadResult Load(string yaml, bool strict = false, IReadOnlyDictionary<string, string>? env = null)
    {
        Write("docker/families.yaml", yaml);
        return CatalogLoader.Load("docker/families.yaml", new CatalogLoadOptions(Root, n => env is not null && env.TryGetValue(n, out var v) ? v : null, strict));
    }

    public InputException Fails(string yaml, bool strict = false) => Should.Throw<InputException>(() => Load(yaml, strict));

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
