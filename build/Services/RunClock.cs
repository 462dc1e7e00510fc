using System.Diagnostics;

namespace Build.Services;

/// <summary>One measured phase of a run (start-up, catalog, hashing, checks, the bake process, load, reports).</summary>
/// <param name="Start">When it began, in milliseconds from the run's start (phases overlap: this shows which ran beside which).</param>
public sealed record Phase(string Name, double Milliseconds, double Start = 0);

/// <summary>
/// Where a run's time goes, phase by phase, for --verbosity=diagnostic and bake-summary.json. A phase that overlaps
/// others (a precheck in the background) is recorded as the time the run actually waited for it.
/// </summary>
public sealed class RunClock
{
    private readonly List<Phase> _phases = [];
    private readonly DateTime _origin;

    public RunClock()
    {
        using var process = Process.GetCurrentProcess();
        _origin = process.StartTime;
    }

    /// <summary>A run that did not start with its process (the resident server's) counts its start-up from <paramref name="started"/>.</summary>
    public RunClock(DateTime started) => _origin = started;

    public IReadOnlyList<Phase> Phases
    {
        get
        {
            lock (_phases)
            {
                return [.. _phases];
            }
        }
    }

    /// <summary>From the process's start to now: the runtime, the host and Cake before the first task.</summary>
    public void RecordStartUp()
    {
        Record("start-up", DateTime.Now - _origin);
    }

    public void Record(string name, TimeSpan duration)
    {
        var start = DateTime.Now - duration - _origin;
        lock (_phases)
        {
            _phases.Add(new Phase(name, Math.Round(duration.TotalMilliseconds, 1), Math.Round(Math.Max(0, start.TotalMilliseconds), 1)));
        }
    }

    public T Time<T>(string name, Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var watch = Stopwatch.StartNew();
        try
        {
            return work();
        }
        finally
        {
            Record(name, watch.Elapsed);
        }
    }

    public void Time(string name, Action work)
    {
        ArgumentNullException.ThrowIfNull(work);
        Time<bool>(name, () =>
        {
            work();
            return true;
        });
    }
}
