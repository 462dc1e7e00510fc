using Build.Hashing;

namespace Build.Registry;

public sealed record ExistenceResult(Existence Exists, string? Digest, string? Detail);

/// <summary>Asks the registry whether each &lt;family&gt;-&lt;hash&gt; tag exists, without ever hanging the run.</summary>
public static class ExistenceChecker
{
    /// <summary>
    /// One probe first: when the registry cannot be reached, every family is "unknown" at once instead of each
    /// paying the time-outs. The rest are asked in parallel.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, ExistenceResult>> CheckAsync(
        OciRegistryClient client, ImageName repository, IReadOnlyList<(string Family, string Tag)> tags, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(tags);
        var results = new Dictionary<string, ExistenceResult>(StringComparer.Ordinal);
        if (tags.Count == 0)
        {
            return results;
        }

        var first = await CheckOneAsync(client, repository, tags[0].Tag, cancellationToken).ConfigureAwait(false);
        results[tags[0].Family] = first;
        if (first.Exists == Existence.Unknown)
        {
            foreach (var (family, _) in tags.Skip(1))
            {
                results[family] = first;
            }

            return results;
        }

        var rest = await Task.WhenAll(tags.Skip(1).Select(async t => (t.Family, Result: await CheckOneAsync(client, repository, t.Tag, cancellationToken).ConfigureAwait(false)))).ConfigureAwait(false);
        foreach (var (family, result) in rest)
        {
            results[family] = result;
        }

        return results;
    }

    private static async Task<ExistenceResult> CheckOneAsync(OciRegistryClient client, ImageName repository, string tag, CancellationToken cancellationToken)
    {
        try
        {
            var info = await client.HeadManifestAsync(repository, tag, cancellationToken).ConfigureAwait(false);
            return info is null ? new ExistenceResult(Existence.Absent, null, null) : new ExistenceResult(Existence.Present, info.Digest, null);
        }
        catch (RegistryException ex)
        {
            return new ExistenceResult(Existence.Unknown, null, ex.Message);
        }
    }
}
