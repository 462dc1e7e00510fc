namespace Build.Host;

/// <summary>
/// Lines the host prints last, after Cake's summary report, whether the run passed or failed: the place for a
/// closing line that CI reads (e.g. "N passed, N failed, N skipped"). Tasks take it by constructor injection.
/// </summary>
public sealed class HostEpilogue
{
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public void Add(string line)
    {
        lock (_lines)
        {
            _lines.Add(line);
        }
    }
}
