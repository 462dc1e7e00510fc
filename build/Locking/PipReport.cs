using System.Text.Json;
using System.Text.RegularExpressions;

namespace Build.Locking;

/// <summary>One distribution pip would install: <paramref name="Requested"/> when the .in names it, else a dependency.</summary>
public sealed record PipReportItem(string Name, string Version, string? Sha256, string? Url, bool Requested, IReadOnlyList<string> RequiresDist);

/// <summary>
/// pip's installation report (`pip install --dry-run --report`), format version 1: what the resolver chose, with each
/// file's hash. <paramref name="PythonVersion"/> is the x.y of the interpreter pip resolved for, when reported.
/// </summary>
public sealed partial record PipReport(string PipVersion, IReadOnlyList<PipReportItem> Install, string? PythonVersion)
{
    private const string Fix = "Resolve again with a pip that writes installation report version 1 (pip 23.0 or later): ./build.sh --target=Lock.";

    public static PipReport Parse(string json, string displayPath)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new LockException($"{displayPath} is not a pip installation report: {ex.Message} {Fix}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new LockException($"{displayPath} is not a pip installation report: it is not a JSON object. {Fix}");
            }

            var hasVersion = root.TryGetProperty("version", out var v);
            if (!hasVersion || v.ValueKind != JsonValueKind.String || v.GetString() != "1")
            {
                throw new LockException($"{displayPath} is a pip installation report of version {(hasVersion ? v.GetRawText() : "(none)")}; Kiln reads version \"1\". {Fix}");
            }

            var pip = RequiredString(root, "pip_version", displayPath, "the report");
            if (!root.TryGetProperty("install", out var install) || install.ValueKind != JsonValueKind.Array)
            {
                throw new LockException($"{displayPath} has no 'install' list. {Fix}");
            }

            var items = install.EnumerateArray().Select((item, i) => Item(item, $"install[{i.ToString(System.Globalization.CultureInfo.InvariantCulture)}]", displayPath)).ToList();
            var python = root.TryGetProperty("environment", out var env) && env.ValueKind == JsonValueKind.Object && env.TryGetProperty("python_version", out var pv) && pv.ValueKind == JsonValueKind.String
                ? pv.GetString()
                : null;
            return new PipReport(pip, items, python);
        }
    }

    private static PipReportItem Item(JsonElement item, string where, string displayPath)
    {
        if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("metadata", out var metadata) || metadata.ValueKind != JsonValueKind.Object)
        {
            throw new LockException($"{displayPath}: {where} has no 'metadata'. {Fix}");
        }

        var name = RequiredString(metadata, "name", displayPath, $"{where}.metadata");
        var version = RequiredString(metadata, "version", displayPath, $"{where}.metadata ({name})");
        if (!item.TryGetProperty("requested", out var requested) || requested.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            throw new LockException($"{displayPath}: {where} ({name}) has no 'requested' true/false. {Fix}");
        }

        var requires = new List<string>();
        if (metadata.TryGetProperty("requires_dist", out var rd) && rd.ValueKind == JsonValueKind.Array)
        {
            requires.AddRange(rd.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.String).Select(r => r.GetString()!));
        }

        string? url = null;
        string? sha256 = null;
        if (item.TryGetProperty("download_info", out var download) && download.ValueKind == JsonValueKind.Object)
        {
            url = download.TryGetProperty("url", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
            if (download.TryGetProperty("archive_info", out var archive) && archive.ValueKind == JsonValueKind.Object)
            {
                sha256 = Sha256(archive, $"{displayPath}: {where} ({name} {version})");
            }
        }

        return new PipReportItem(name, version, sha256, url, requested.GetBoolean(), requires);
    }

    /// <summary>'hashes' (newer pips) and the legacy 'hash' must agree on a sha256; any other algorithm cannot be locked.</summary>
    private static string? Sha256(JsonElement archive, string where)
    {
        string? fromHashes = null;
        string? other = null;
        if (archive.TryGetProperty("hashes", out var hashes) && hashes.ValueKind == JsonValueKind.Object)
        {
            foreach (var h in hashes.EnumerateObject().Where(h => h.Value.ValueKind == JsonValueKind.String))
            {
                if (h.Name == "sha256")
                {
                    fromHashes = h.Value.GetString();
                }
                else
                {
                    other ??= h.Name;
                }
            }
        }

        string? legacy = null;
        if (archive.TryGetProperty("hash", out var hash) && hash.ValueKind == JsonValueKind.String && hash.GetString() is { } text)
        {
            var eq = text.IndexOf('=', StringComparison.Ordinal);
            var algorithm = eq < 0 ? text : text[..eq];
            if (algorithm == "sha256")
            {
                legacy = text[(eq + 1)..];
            }
            else
            {
                other ??= algorithm;
            }
        }

        var sha = fromHashes ?? legacy;
        if (sha is null)
        {
            return other is null
                ? null
                : throw new LockException($"{where} is hashed with {other}, not sha256: pip --require-hashes needs sha256. Publish the file with a sha256 hash (a wheelhouse directory always has one) and resolve again.");
        }

        if (!HexSha256().IsMatch(sha) || (legacy is not null && legacy != sha))
        {
            throw new LockException($"{where} has the malformed or inconsistent sha256 '{sha}'. Resolve again (./build.sh --target=Lock); if it persists, the index serves a broken hash.");
        }

        return sha;
    }

    private static string RequiredString(JsonElement element, string property, string displayPath, string where) =>
        element.TryGetProperty(property, out var p) && p.ValueKind == JsonValueKind.String && p.GetString() is { Length: > 0 } s
            ? s
            : throw new LockException($"{displayPath}: {where} has no '{property}'. {Fix}");

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex HexSha256();
}
