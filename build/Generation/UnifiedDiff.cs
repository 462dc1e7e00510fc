using System.Text;

namespace Build.Generation;

/// <summary>A unified diff (as `diff -u` prints it) between two texts, with 3 lines of context.</summary>
public static class UnifiedDiff
{
    public static string Create(string oldText, string newText, string oldName, string newName, int context = 3)
    {
        ArgumentNullException.ThrowIfNull(oldText);
        ArgumentNullException.ThrowIfNull(newText);
        var a = Lines(oldText);
        var b = Lines(newText);
        var ops = Diff(a, b);
        if (ops.All(o => o.Kind == ' '))
        {
            return string.Empty;
        }

        var sb = new StringBuilder();
        sb.Append("--- ").Append(oldName).Append('\n').Append("+++ ").Append(newName).Append('\n');
        var i = 0;
        while (i < ops.Count)
        {
            if (ops[i].Kind == ' ')
            {
                i++;
                continue;
            }

            var start = Math.Max(0, i - context);
            var end = i;
            // Extend the hunk while changes are within 2*context lines of each other.
            while (end < ops.Count)
            {
                if (ops[end].Kind != ' ')
                {
                    end++;
                    continue;
                }

                var next = end;
                while (next < ops.Count && ops[next].Kind == ' ')
                {
                    next++;
                }

                if (next < ops.Count && next - end <= 2 * context)
                {
                    end = next;
                }
                else
                {
                    end = Math.Min(ops.Count, end + context);
                    break;
                }
            }

            var hunk = ops.GetRange(start, end - start);
            var oldStart = hunk.FirstOrDefault(o => o.Kind != '+').OldLine;
            var newStart = hunk.FirstOrDefault(o => o.Kind != '-').NewLine;
            var oldCount = hunk.Count(o => o.Kind != '+');
            var newCount = hunk.Count(o => o.Kind != '-');
            sb.Append($"@@ -{(oldCount == 0 ? oldStart - 1 : oldStart)},{oldCount} +{(newCount == 0 ? newStart - 1 : newStart)},{newCount} @@\n");
            foreach (var op in hunk)
            {
                sb.Append(op.Kind).Append(op.Text).Append('\n');
            }

            i = end;
        }

        return sb.ToString();
    }

    private static string[] Lines(string text)
    {
        if (text.Length == 0)
        {
            return [];
        }

        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        return text.EndsWith('\n') ? lines[..^1] : lines;
    }

    private static List<(char Kind, string Text, int OldLine, int NewLine)> Diff(string[] a, string[] b)
    {
        // Longest common subsequence by dynamic programming: generated files are small (hundreds of lines).
        var n = a.Length;
        var m = b.Length;
        var ops = new List<(char, string, int, int)>();
        if ((long)n * m > 16_000_000)
        {
            ops.AddRange(a.Select((l, i) => ('-', l, i + 1, 1)));
            ops.AddRange(b.Select((l, j) => ('+', l, n + 1, j + 1)));
            return ops;
        }

        var lcs = new int[n + 1, m + 1];
        for (var i = n - 1; i >= 0; i--)
        {
            for (var j = m - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        int x = 0, y = 0;
        while (x < n || y < m)
        {
            if (x < n && y < m && a[x] == b[y])
            {
                ops.Add((' ', a[x], x + 1, y + 1));
                x++;
                y++;
            }
            else if (x < n && (y == m || lcs[x + 1, y] >= lcs[x, y + 1]))
            {
                // On a tie, delete first: diff -u shows removed lines before added ones.
                ops.Add(('-', a[x], x + 1, y + 1));
                x++;
            }
            else
            {
                ops.Add(('+', b[y], x + 1, y + 1));
                y++;
            }
        }

        return ops;
    }
}
