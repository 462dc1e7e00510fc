using System.Text;
using System.Text.Json;
using Build.Gates;
using Build.Registry;
using Build.Reports;

namespace Build.Publishing;

public sealed record PlatformStatus(string Platform, string Digest, long CompressedSize);

public sealed record TagStatus(string Tag, string? Digest, string? MediaType, IReadOnlyList<PlatformStatus> Platforms, int Attestations, string? Error);

public sealed record PackageStatus(long Id, string? HtmlUrl, IReadOnlyList<string> Tags, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record ImageStatus(string Family, IReadOnlyList<TagStatus> Tags, PackageStatus? Package);

/// <summary>artifacts/ghcr-status.json: what the registry serves for every family's tags, after publishing.</summary>
public sealed record GhcrStatus(int SchemaVersion, string Registry, string PackagesApi, IReadOnlyList<ImageStatus> Families)
{
    public string ToJson() => JsonSerializer.Serialize(this, CveReport.Json) + "\n";

    public static GhcrStatus FromJson(string json) => JsonSerializer.Deserialize<GhcrStatus>(json, CveReport.Json) ?? throw new JsonException("empty ghcr-status.json");

    public string Markdown()
    {
        var sb = new StringBuilder($"# Registry status\n\nRegistry `{Registry}`; GitHub Packages API: {PackagesApi}.\n\n");
        sb.Append(TextTable.Markdown(
            ["Family", "Tag", "Digest", "Platforms", "Attestations", "Compressed", "Package version"],
            Families.SelectMany(f => f.Tags.Select(t => (IReadOnlyList<string>)
            [
                f.Family,
                Catalog.ImageReference.Split(t.Tag).Tag ?? t.Tag,
                t.Digest is null ? $"missing{(t.Error is null ? string.Empty : ": " + t.Error)}" : $"`{t.Digest[..19]}`",
                string.Join(", ", t.Platforms.Select(p => p.Platform)),
                t.Attestations.ToString(System.Globalization.CultureInfo.InvariantCulture),
                t.Platforms.Count == 0 ? "-" : Bytes.Format(t.Platforms.Sum(p => p.CompressedSize)),
                f.Package is { } p && t.Digest is not null ? (p.HtmlUrl is null ? p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"[{p.Id}]({p.HtmlUrl})") : "-",
            ]))));
        return sb.ToString();
    }
}

public static class RegistryStatusReader
{
    /// <summary>Reads each tag back: its digest and media type, per-platform sizes, attestation manifests set apart.</summary>
    public static async Task<TagStatus> ReadAsync(OciRegistryClient client, string tag, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        var image = ImageName.Parse(tag);
        var repository = image with { Tag = null, Digest = null };
        try
        {
            var top = await client.GetManifestAsync(repository, image.Tag!, cancellationToken).ConfigureAwait(false);
            if (top is null)
            {
                return new TagStatus(tag, null, null, [], 0, "not in the registry");
            }

            using var doc = top.Parse();
            var platforms = new List<PlatformStatus>();
            var attestations = 0;
            if (doc.RootElement.TryGetProperty("manifests", out _))
            {
                var (images, count) = Images.OciJson.Manifests(doc.RootElement);
                attestations = count;
                foreach (var m in images)
                {
                    var digest = m.GetProperty("digest").GetString()!;
                    var inner = await client.GetManifestAsync(repository, digest, cancellationToken).ConfigureAwait(false);
                    using var innerDoc = inner!.Parse();
                    platforms.Add(new PlatformStatus(Images.OciJson.Platform(m), digest, Images.OciJson.CompressedSize(innerDoc.RootElement)));
                }
            }
            else
            {
                platforms.Add(new PlatformStatus("linux/amd64", top.Info.Digest, Images.OciJson.CompressedSize(doc.RootElement)));
            }

            return new TagStatus(tag, top.Info.Digest, top.Info.MediaType, platforms, attestations, null);
        }
        catch (RegistryException ex)
        {
            return new TagStatus(tag, null, null, [], 0, ex.Message);
        }
    }
}
