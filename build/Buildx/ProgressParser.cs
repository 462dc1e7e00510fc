using System.Globalization;
using System.Text.RegularExpressions;

namespace Build.Buildx;

/// <summary>Per bake target: build steps, how many came from cache, time spent, and errors.</summary>
public sealed record TargetProgress(string Target, int Steps, int Cached, double Seconds, IReadOnlyList<string> Errors);

/// <summary>Reads BuildKit's plain progress (`#N [target stage] …`, `#N CACHED`, `#N DONE 1.2s`, `#N ERROR: …`).</summary>
public sealed partial class ProgressParser
{
    private readonly Dictionary<int, string> _stepTarget = [];
    private readonly Dictionary<string, (int Steps, int Cached, double Seconds, List<string> Errors)> _targets = new(StringComparer.Ordinal);

    public void Feed(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var header = StepHeader().Match(line);
        if (header.Success)
        {
            var id = int.Parse(header.Groups["id"].Value, CultureInfo.InvariantCulture);
            var target = header.Groups["target"].Value;
            if (!_stepTarget.ContainsKey(id) && target is not "internal" and not "auth")
            {
                _stepTarget[id] = target;
            }

            return;
        }

        var status = StepStatus().Match(line);
        if (!status.Success || !_stepTarget.TryGetValue(int.Parse(status.Groups["id"].Value, CultureInfo.InvariantCulture), out var owner))
        {
            return;
        }

        var t = _targets.TryGetValue(owner, out var existing) ? existing : (0, 0, 0.0, new List<string>());
        switch (status.Groups["kind"].Value.Split(" ")[0])
        {
            case "CACHED":
                t = (t.Item1 + 1, t.Item2 + 1, t.Item3, t.Item4);
                break;
            case "DONE":
                t = (t.Item1 + 1, t.Item2, t.Item3 + double.Parse(status.Groups["secs"].Value, CultureInfo.InvariantCulture), t.Item4);
                break;
            default:
                t.Item4.Add(status.Groups["rest"].Value.Trim());
                break;
        }

        _targets[owner] = t;
    }

    public IReadOnlyDictionary<string, TargetProgress> Targets =>
        _targets.ToDictionary(kv => kv.Key, kv => new TargetProgress(kv.Key, kv.Value.Steps, kv.Value.Cached, kv.Value.Seconds, kv.Value.Errors), StringComparer.Ordinal);

    [GeneratedRegex(@"^#(?<id>\d+) \[(?<target>[^\]\s]+)[^\]]*\]")]
    private static partial Regex StepHeader();

    [GeneratedRegex(@"^#(?<id>\d+) (?<kind>CACHED|DONE (?<secs>\d+(\.\d+)?)s|ERROR:)(?<rest>.*)$")]
    private static partial Regex StepStatus();
}
