using System.Text;

namespace Build.Reports;

/// <summary>Plain-text and Markdown tables for console output and reports.</summary>
public static class TextTable
{
    public static string Render(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var all = rows.ToList();
        var widths = headers.Select((h, i) => Math.Max(h.Length, all.Count == 0 ? 0 : all.Max(r => i < r.Count ? r[i].Length : 0))).ToArray();
        var sb = new StringBuilder();
        void Line(IReadOnlyList<string> cells) =>
            sb.Append(string.Join("  ", cells.Select((c, i) => i == cells.Count - 1 ? c : c.PadRight(widths[i]))).TrimEnd()).Append('\n');
        Line(headers);
        Line(widths.Select(w => new string('-', w)).ToList());
        foreach (var row in all)
        {
            Line(row);
        }

        return sb.ToString();
    }

    public static string Markdown(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows, IReadOnlyList<bool>? rightAligned = null)
    {
        ArgumentNullException.ThrowIfNull(headers);
        static string Cell(string s) => s.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", "<br>", StringComparison.Ordinal);
        var sb = new StringBuilder();
        sb.Append("| ").Append(string.Join(" | ", headers.Select(Cell))).Append(" |\n");
        sb.Append('|').Append(string.Join('|', headers.Select((_, i) => rightAligned is not null && rightAligned[i] ? "---:" : "---"))).Append("|\n");
        foreach (var row in rows)
        {
            sb.Append("| ").Append(string.Join(" | ", row.Select(Cell))).Append(" |\n");
        }

        return sb.ToString();
    }
}
