using System.Globalization;
using System.Text;
using System.Text.Json;
using Build.Gates;
using Build.Reports;

namespace Build.Pixi;

public sealed record PixiPackageEntry(string Kind, string Name, string Version, string? Build, string? Sha256);

public sealed record PixiFamily(string Family, string Environment, string Platform, int Count, IReadOnlyList<PixiPackageEntry> Packages);

/// <summary>artifacts/pixi-metadata.json: per pixi family, its locked environment as installed in the image.</summary>
public sealed record PixiMetadata(int SchemaVersion, string Lock, int LockVersion, IReadOnlyList<PixiFamily> Families)
{
    public string ToJson() => JsonSerializer.Serialize(this, CveReport.Json) + "\n";

    public static PixiMetadata Build(Catalog.Catalog catalog, PixiLock lockFile, IEnumerable<string> families)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(lockFile);
        var result = new List<PixiFamily>();
        foreach (var family in families.Select(catalog.Get).Where(f => f.Python is { Kind: Catalog.PythonKind.Pixi }))
        {
            var env = family.Python!.PixiEnvironment!;
            var packages = lockFile.Environments.TryGetValue(env, out var locked) ? locked.Packages(catalog.Pixi.Platform) : [];
            result.Add(new PixiFamily(family.Name, env, catalog.Pixi.Platform, packages.Count,
                packages.Select(p => new PixiPackageEntry(p.Kind, p.Name, p.Version, p.Build, p.Sha256)).OrderBy(p => p.Name, StringComparer.Ordinal).ToList()));
        }

        return new PixiMetadata(1, catalog.Pixi.Lock, lockFile.Version, result);
    }

    public string Markdown()
    {
        var sb = new StringBuilder($"# pixi environments\n\nLock `{Lock}` (version {LockVersion}).\n\n");
        sb.Append(TextTable.Markdown(["Family", "Environment", "Platform", "Packages", "conda", "PyPI"],
            Families.Select(f => (IReadOnlyList<string>)[f.Family, f.Environment, f.Platform, f.Count.ToString(CultureInfo.InvariantCulture), f.Packages.Count(p => p.Kind == "conda").ToString(CultureInfo.InvariantCulture), f.Packages.Count(p => p.Kind == "pypi").ToString(CultureInfo.InvariantCulture)])));
        foreach (var f in Families)
        {
            sb.Append($"\n<details><summary>{f.Family}: {f.Count} packages</summary>\n\n");
            sb.Append(TextTable.Markdown(["Package", "Version", "Build", "Kind"], f.Packages.Select(p => (IReadOnlyList<string>)[p.Name, p.Version, p.Build ?? "-", p.Kind])));
            sb.Append("\n</details>\n");
        }

        return sb.ToString();
    }
}
