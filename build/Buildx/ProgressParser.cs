using System.Globalization;
using System.Text.RegularExpressions;

namespace Build.Buildx;

/// <summary>Per bake target: build steps, how many came from cache, time spent, errors, and the latest step (n of m).</summary>
public sealed record TargetProgress(string Target, int Steps, int Cached, double Seconds, IReadOnlyList<string> Errors, int Step = 0, int Of = 0, bool LastStepDone = false);

/// <summary>Reads BuildKit's plain progress (`#N [target stage] …`, `#N CACHED`, `#N DONE 1.2s`, `#N ERROR: …`).</summary>
public sealed partial class ProgressParser
{
    private readonly Dictionary<int, string> _stepTarget = [];
    private readonly Dictionary<string, (int Steps, int Cached, double Seconds, List<string> Errors)> _targets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int Step, int Of)> _position = new(StringComparer.Ordinal);
    private readonly Dictionary<int, string> _lastStep = [];
    private readonly HashSet<string> _finished = new(StringComparer.Ordinal);

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

            // "[target stage 3/7]": the Dockerfile step this target has reached.
            if (header.Groups["n"].Success && target is not "internal" and not "auth")
            {
                var n = int.Parse(header.Groups["n"].Value, CultureInfo.InvariantCulture);
                var of = int.Parse(header.Groups["m"].Value, CultureInfo.InvariantCulture);
                var current = _position.GetValueOrDefault(target);
                _position[target] = (Math.Max(current.Step, n), Math.Max(current.Of, of));
                if (n == of)
                {
                    _lastStep[id] = target;
                }
            }

            return;
        }

        var status = StepStatus().Match(line);
        if (!status.Success || !_stepTarget.TryGetValue(int.Parse(status.Groups["id"].Value, CultureInfo.InvariantCulture), out var owner))
        {
            return;
        }

        var t = _targets.TryGetValue(owner, out var existing) ? existing : (0, 0, 0.0, new List<string>());
        if (_lastStep.ContainsKey(int.Parse(status.Groups["id"].Value, CultureInfo.InvariantCulture)) && !status.Groups["kind"].Value.StartsWith("ERROR", StringComparison.Ordinal))
        {
            _finished.Add(owner);
        }

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
        _targets.Keys.Union(_position.Keys, StringComparer.Ordinal).ToDictionary(
            k => k,
            k =>
            {
                var t = _targets.TryGetValue(k, out var v) ? v : (0, 0, 0.0, new List<string>());
                var p = _position.GetValueOrDefault(k);
                return new TargetProgress(k, t.Item1, t.Item2, t.Item3, [.. t.Item4], p.Step, p.Of, _finished.Contains(k));
            },
            StringComparer.Ordinal);

    [GeneratedRegex(@"^#(?<id>\d+) \[(?<target>[^\]\s]+)(?:[^\]]*?\s(?<n>\d+)/(?<m>\d+))?[^\]]*\]")]
    private static partial Regex StepHeader();

    [GeneratedRegex(@"^#(?<id>\d+) (?<kind>CACHED|DONE (?<secs>\d+(\.\d+)?)s|ERROR:)(?<rest>.*)$")]
    private static partial Regex StepStatus();
}
