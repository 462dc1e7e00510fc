using System.Text;

namespace Build.Tests.BadInput;

/// <summary>
/// Seeded mutations of a YAML file, as a careless edit makes them: lines removed, repeated, swapped or re-indented, a
/// value turned into another type, a fragment inserted, a colon lost, the file cut short or given stray bytes.
/// </summary>
internal static class YamlMutator
{
    /// <param name="fragments">Text a mutation may insert into a line (the file kind's likely mistakes).</param>
    /// <param name="keptAtLeast">The share of the file a truncation keeps at least.</param>
    public static byte[] Mutate(Random random, byte[] original, IReadOnlyList<string> fragments, double keptAtLeast = 0)
    {
        var text = Encoding.UTF8.GetString(original);
        var rounds = 1 + random.Next(3);
        for (var r = 0; r < rounds; r++)
        {
            var lines = text.Split('\n').ToList();
            var at = random.Next(lines.Count);
            switch (random.Next(9))
            {
                case 0:
                    lines.RemoveAt(at);
                    break;
                case 1:
                    lines.Insert(at, lines[at]);
                    break;
                case 2:
                    var other = random.Next(lines.Count);
                    (lines[at], lines[other]) = (lines[other], lines[at]);
                    break;
                case 3:
                    lines[at] = SwapType(random, lines[at]);
                    break;
                case 4:
                    lines[at] = random.Next(2) == 0 ? "  " + lines[at] : lines[at].TrimStart();
                    break;
                case 5:
                    var pos = random.Next(lines[at].Length + 1);
                    lines[at] = lines[at].Insert(pos, fragments[random.Next(fragments.Count)]);
                    break;
                case 6:
                    return Truncate(random, Encoding.UTF8.GetBytes(string.Join('\n', lines)), keptAtLeast);
                case 7:
                    return RandomBytes(random, Encoding.UTF8.GetBytes(string.Join('\n', lines)));
                default:
                    lines[at] = lines[at].Replace(":", string.Empty, StringComparison.Ordinal);
                    break;
            }

            text = string.Join('\n', lines);
        }

        return Encoding.UTF8.GetBytes(text);
    }

    /// <summary>A value becomes a list, a mapping, a block scalar or nothing; a flow list becomes a single value.</summary>
    private static string SwapType(Random random, string line)
    {
        var colon = line.IndexOf(": ", StringComparison.Ordinal);
        if (colon < 0)
        {
            return line.TrimEnd().EndsWith(':') ? line + " x" : "- " + line;
        }

        var key = line[..(colon + 2)];
        var value = line[(colon + 2)..];
        return random.Next(6) switch
        {
            0 => key + "[" + value + "]",
            1 => key + "{ k: " + value + " }",
            2 => key + value.Trim('[', ']', '{', '}'),
            3 => key + "|\n      " + value + "\n      second line",
            4 => key,
            _ => key + "[]",
        };
    }

    private static byte[] Truncate(Random random, byte[] bytes, double keptAtLeast) => bytes[..random.Next((int)(bytes.Length * keptAtLeast), bytes.Length + 1)];

    private static byte[] RandomBytes(Random random, byte[] bytes)
    {
        var result = bytes.ToList();
        var times = 1 + random.Next(4);
        for (var i = 0; i < times; i++)
        {
            var b = random.Next(4) == 0 ? (byte)random.Next(0x80, 0x100) : (byte)random.Next(0, 0x80);
            var pos = random.Next(result.Count + 1);
            if (random.Next(2) == 0 && pos < result.Count)
            {
                result[pos] = b;
            }
            else
            {
                result.Insert(pos, b);
            }
        }

        return [.. result];
    }
}
