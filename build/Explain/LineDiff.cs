namespace Build.Explain;

/// <summary>Lines an edit added and removed, as a unified diff would count them.</summary>
public sealed record LineCounts(int Added, int Removed);

/// <summary>
/// Counts added and removed lines between two sequences of line hashes: the length of their longest common
/// subsequence by Myers' O((N+M)·D) algorithm, after the common head and tail are set aside (an edit touches few
/// lines of a file). Past <see cref="MaxEdits"/> differences the files were rewritten, and the count falls back to
/// lines present on one side only (as multisets), which is exact for pure additions and removals.
/// </summary>
public static class LineDiff
{
    public const int MaxEdits = 2000;

    public static LineCounts Count(IReadOnlyList<string> before, IReadOnlyList<string> after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var start = 0;
        while (start < before.Count && start < after.Count && before[start] == after[start])
        {
            start++;
        }

        var endBefore = before.Count;
        var endAfter = after.Count;
        while (endBefore > start && endAfter > start && before[endBefore - 1] == after[endAfter - 1])
        {
            endBefore--;
            endAfter--;
        }

        var a = before.Skip(start).Take(endBefore - start).ToArray();
        var b = after.Skip(start).Take(endAfter - start).ToArray();
        if (a.Length == 0 || b.Length == 0)
        {
            return new LineCounts(b.Length, a.Length);
        }

        var edits = Edits(a, b);
        if (edits is null)
        {
            return Multiset(a, b);
        }

        var common = (a.Length + b.Length - edits.Value) / 2;
        return new LineCounts(b.Length - common, a.Length - common);
    }

    /// <summary>The number of insertions plus deletions (D), or null past <see cref="MaxEdits"/>.</summary>
    private static int? Edits(string[] a, string[] b)
    {
        int n = a.Length, m = b.Length;
        var max = Math.Min(n + m, MaxEdits);
        var v = new int[(2 * max) + 2];
        for (var d = 0; d <= max; d++)
        {
            for (var k = -d; k <= d; k += 2)
            {
                var x = k == -d || (k != d && v[max + k - 1] < v[max + k + 1]) ? v[max + k + 1] : v[max + k - 1] + 1;
                var y = x - k;
                while (x < n && y < m && a[x] == b[y])
                {
                    x++;
                    y++;
                }

                v[max + k] = x;
                if (x >= n && y >= m)
                {
                    return d;
                }
            }
        }

        return null;
    }

    private static LineCounts Multiset(string[] a, string[] b)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in a)
        {
            counts[line] = counts.GetValueOrDefault(line) + 1;
        }

        var added = 0;
        foreach (var line in b)
        {
            if (counts.TryGetValue(line, out var c) && c > 0)
            {
                counts[line] = c - 1;
            }
            else
            {
                added++;
            }
        }

        return new LineCounts(added, counts.Values.Sum());
    }
}
