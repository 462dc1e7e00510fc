using System.Text.Json;

namespace Build.Buildx;

/// <summary>One finding of BuildKit's Dockerfile checks (`--call=check,format=json`).</summary>
public sealed record CheckWarning(string Target, string Rule, string Detail, int? Line, string? Url);

public static class BuildChecks
{
    /// <summary>Reads bake's check output: {"target": {name: {"check": {"warnings": [...]}}}}.</summary>
    public static IReadOnlyList<CheckWarning> ParseBake(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var result = new List<CheckWarning>();
        if (!doc.RootElement.TryGetProperty("target", out var targets))
        {
            return result;
        }

        foreach (var target in targets.EnumerateObject().OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            if (target.Value.TryGetProperty("check", out var check))
            {
                result.AddRange(ParseCheck(target.Name, check));
            }
        }

        return result;
    }

    private static IEnumerable<CheckWarning> ParseCheck(string target, JsonElement check)
    {
        if (!check.TryGetProperty("warnings", out var warnings) || warnings.ValueKind != JsonValueKind.Array)
        {
            yield break;
        }

        foreach (var w in warnings.EnumerateArray())
        {
            int? line = null;
            if (w.TryGetProperty("location", out var loc) && loc.TryGetProperty("ranges", out var ranges) && ranges.GetArrayLength() > 0
                && ranges[0].TryGetProperty("start", out var start) && start.TryGetProperty("line", out var l))
            {
                line = l.GetInt32();
            }

            yield return new CheckWarning(
                target,
                w.TryGetProperty("ruleName", out var r) ? r.GetString() ?? "?" : "?",
                w.TryGetProperty("detail", out var d) ? d.GetString() ?? string.Empty : string.Empty,
                line,
                w.TryGetProperty("url", out var u) ? u.GetString() : null);
        }
    }
}
