using System.Globalization;
using Spectre.Console;

namespace Build.Buildx;

public enum ImageState
{
    Queued,
    Building,
    Done,
    Failed,
}

/// <summary>One family's line in the live view: queued, building step n of m with k cached, done or failed, and its time.</summary>
public sealed record ProgressRow(string Family, ImageState State, int Step, int Of, int Cached, double Seconds)
{
    public string Describe() => State switch
    {
        ImageState.Queued => "queued",
        ImageState.Building => Of > 0 ? $"building step {Step} of {Of}" : "building",
        ImageState.Done => "done",
        _ => "FAILED",
    };
}

/// <summary>The live per-family view of a bake: a pure projection of the progress parser, rendered with Spectre.Console.</summary>
public static class BakeProgress
{
    public static IReadOnlyList<ProgressRow> Rows(IReadOnlyList<PlannedImage> toBuild, IReadOnlyDictionary<string, TargetProgress> targets, bool finished, bool succeeded)
    {
        ArgumentNullException.ThrowIfNull(toBuild);
        ArgumentNullException.ThrowIfNull(targets);
        return toBuild.Select(f =>
        {
            if (!targets.TryGetValue(f.BakeTarget, out var t))
            {
                return new ProgressRow(f.Name, finished ? (succeeded ? ImageState.Done : ImageState.Failed) : ImageState.Queued, 0, 0, 0, 0);
            }

            var state = t.Errors.Count > 0 ? ImageState.Failed
                : finished ? (succeeded ? ImageState.Done : ImageState.Failed)
                : t.LastStepDone ? ImageState.Done
                : ImageState.Building;
            return new ProgressRow(f.Name, state, t.Step, t.Of, t.Cached, t.Seconds);
        }).ToList();
    }

    public static Table Render(IReadOnlyList<ProgressRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var table = new Table().Border(TableBorder.Rounded).AddColumns("Family", "State", "Cached", "Time");
        foreach (var row in rows)
        {
            var state = row.State switch
            {
                ImageState.Done => $"[green]{row.Describe()}[/]",
                ImageState.Failed => $"[red]{row.Describe()}[/]",
                ImageState.Building => $"[yellow]{row.Describe()}[/]",
                _ => $"[grey]{row.Describe()}[/]",
            };
            table.AddRow(Markup.Escape(row.Family), state, row.Cached.ToString(CultureInfo.InvariantCulture), row.Seconds.ToString("0.0", CultureInfo.InvariantCulture) + " s");
        }

        return table;
    }

    /// <summary>
    /// Redraws the view from <paramref name="snapshot"/> until <paramref name="done"/> completes: a terminal gets the
    /// live table, the full plain log still goes to build.log.
    /// </summary>
    public static void Live(IAnsiConsole console, IReadOnlyList<PlannedImage> toBuild, Func<IReadOnlyDictionary<string, TargetProgress>> snapshot, Task<bool> done)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(done);
        console.Live(Render(Rows(toBuild, snapshot(), false, false))).AutoClear(false).Start(ctx =>
        {
            while (!done.Wait(TimeSpan.FromMilliseconds(250)))
            {
                ctx.UpdateTarget(Render(Rows(toBuild, snapshot(), false, false)));
            }

            ctx.UpdateTarget(Render(Rows(toBuild, snapshot(), true, done.Result)));
        });
    }
}
