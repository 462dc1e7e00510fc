using System.Text;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Build.Catalog;

/// <summary>An image reference written in the catalog: where its text is, and the reference inside it.</summary>
public sealed record ImageSlot(int Line, int Start, int Length, string Reference);

/// <summary>
/// Finds the image references of a catalog (every 'base' and 'tools_image' value, in matrix overrides too) and
/// rewrites only those characters, so comments and formatting survive (what Renovate does for the old repo).
/// </summary>
public static class DigestPinner
{
    /// <summary>families.F.base, families.F.matrix.AXIS.VALUE.base and pixi.tools_image: not any key named "base".</summary>
    private static bool IsImagePath(string[] path) => path switch
    {
        ["families", _, "base"] => true,
        ["families", _, "matrix", _, _, "base"] => true,
        ["pixi", "tools_image"] => true,
        _ => false,
    };

    public static IReadOnlyList<ImageSlot> FindImages(string yaml)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var slots = new List<ImageSlot>();
        var parser = new Parser(new StringReader(yaml));
        var levels = new Stack<Level>();
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case MappingStart or SequenceStart:
                    // A collection is the value of its parent's current key: the parent next expects a key.
                    if (levels.TryPeek(out var parent) && parent.IsMapping)
                    {
                        parent.ExpectKey = true;
                    }

                    levels.Push(new Level(parser.Current is MappingStart));
                    break;
                case MappingEnd or SequenceEnd:
                    levels.Pop();
                    break;
                case Scalar scalar when levels.TryPeek(out var level) && level.IsMapping:
                    if (level.ExpectKey)
                    {
                        level.Key = scalar.Value;
                        level.ExpectKey = false;
                        break;
                    }

                    level.ExpectKey = true;
                    if (IsImagePath(levels.Reverse().Select(l => l.Key ?? string.Empty).ToArray()))
                    {
                        var start = (int)scalar.Start.Index;
                        var raw = yaml[start..(int)scalar.End.Index];
                        var offset = raw.IndexOf(scalar.Value, StringComparison.Ordinal);
                        if (offset >= 0 && scalar.Value.Length > 0)
                        {
                            slots.Add(new ImageSlot((int)scalar.Start.Line, start + offset, scalar.Value.Length, scalar.Value));
                        }
                    }

                    break;
            }
        }

        return slots;
    }

    /// <summary>The name:tag to resolve: a ${NAME:-default} template resolves its default; a digest is dropped.</summary>
    public static (string Prefix, string NameAndTag, string Suffix) Split(string reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var m = ImageReference.EnvironmentReference().Match(reference);
        var (prefix, core, suffix) = m.Success && m.Groups["default"].Success
            ? (reference[..m.Groups["default"].Index], m.Groups["default"].Value, reference[(m.Groups["default"].Index + m.Groups["default"].Length)..])
            : (string.Empty, reference, string.Empty);
        return (prefix, ImageReference.Split(core).NameAndTag, suffix);
    }

    /// <summary>Applies new references (by slot) to the text, last slot first so earlier offsets stay valid.</summary>
    public static string Rewrite(string yaml, IEnumerable<(ImageSlot Slot, string NewReference)> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var sb = new StringBuilder(yaml);
        foreach (var (slot, value) in changes.OrderByDescending(c => c.Slot.Start))
        {
            sb.Remove(slot.Start, slot.Length).Insert(slot.Start, value);
        }

        return sb.ToString();
    }

    private sealed class Level(bool isMapping)
    {
        public bool IsMapping { get; } = isMapping;

        public bool ExpectKey { get; set; } = true;

        public string? Key { get; set; }
    }
}
