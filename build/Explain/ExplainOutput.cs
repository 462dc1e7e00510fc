using System.Globalization;
using System.Text;
using Build.Hashing;
using Build.IO;

namespace Build.Explain;

/// <summary>
/// Explain's two outputs. Text puts root causes first, each with its changes and its cascade collapsed to one line
/// ("→ rebuilt with it: … and 33 services on cpu-py311"), then what cannot be told (one line per reason), then the
/// count of unchanged images. JSON lists every image with every change, for tools.
/// </summary>
public static class ExplainOutput
{
    public const int SchemaVersion = 1;

    /// <summary>Names listed in a cascade line before it collapses to a count.</summary>
    public const int ListedNames = 4;

    public static string Text(ExplainReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var images = report.Images;
        var sb = new StringBuilder();
        int Count(ExplainStatus s) => images.Count(i => i.Status == s);
        var services = images.Count(i => i.Kind == ImageKind.Service);
        sb.Append(CultureInfo.InvariantCulture, $"Explain against {report.Against}: {Plural(images.Count, "image")}")
          .Append(services == 0 ? string.Empty : $" ({Plural(images.Count - services, "family", "families")}, {Plural(services, "service")})")
          .Append(CultureInfo.InvariantCulture, $": {Count(ExplainStatus.Changed)} changed, {Count(ExplainStatus.Cascaded)} rebuilt because of a parent or family, {Count(ExplainStatus.Unknown)} cannot be told, {Count(ExplainStatus.Unchanged)} unchanged.\n");

        var explainedCascades = new HashSet<string>(StringComparer.Ordinal);
        foreach (var root in images.Where(i => i.Status == ExplainStatus.Changed))
        {
            var reference = root.Reference;
            sb.Append(CultureInfo.InvariantCulture, $"\n{root.Name} ({Kind(root)}): changed since {reference.Tag} ({reference.Record!.Hash} → {root.Hash}, record from the {reference.Source})\n");
            foreach (var change in root.Changes)
            {
                sb.Append("  ").Append(change.Describe()).Append('\n');
            }

            if (root.ParentChanged && root.Parent is { } parent)
            {
                sb.Append(CultureInfo.InvariantCulture, $"  (its {(root.Kind == ImageKind.Service ? "family" : "parent")} {parent} changed too)\n");
            }

            var cascade = images.Where(i => i.Status == ExplainStatus.Cascaded && i.Cause == root.Name).ToList();
            explainedCascades.UnionWith(cascade.Select(c => c.Name));
            if (cascade.Count > 0)
            {
                sb.Append("  → rebuilt with it: ").Append(Collapse(cascade)).Append('\n');
            }
        }

        var others = images.Where(i => i.Status == ExplainStatus.Cascaded && !explainedCascades.Contains(i.Name)).ToList();
        if (others.Count > 0)
        {
            sb.Append('\n');
            foreach (var image in others)
            {
                sb.Append(CultureInfo.InvariantCulture, $"{image.Name} ({Kind(image)}): {image.Why}\n");
            }
        }

        var unknown = images.Where(i => i.Status == ExplainStatus.Unknown).ToList();
        if (unknown.Count > 0)
        {
            sb.Append("\nCannot tell:\n");
            foreach (var group in unknown.GroupBy(i => i.Reference.Generic ?? i.Why))
            {
                if (group.Count() > 3)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"  {Plural(group.Count(), "image")} ({string.Join(", ", group.Take(3).Select(i => i.Name))}, …): {group.Key}\n");
                }
                else
                {
                    foreach (var image in group)
                    {
                        sb.Append(CultureInfo.InvariantCulture, $"  {image.Name}: {image.Why}\n");
                    }
                }
            }
        }

        var same = images.Where(i => i.Status == ExplainStatus.Unchanged).ToList();
        if (same.Count > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"\nUnchanged: {(same.Count <= ListedNames ? string.Join(", ", same.Select(i => i.Name)) : Plural(same.Count, "image"))}.\n");
        }

        return sb.ToString();
    }

    /// <summary>
    /// A cascade in one line: up to <see cref="ListedNames"/> families by name (else the first three and a count),
    /// then the services — by name when few, else "N services on F" (or "on K families").
    /// </summary>
    public static string Collapse(IReadOnlyList<ImageExplanation> cascade)
    {
        ArgumentNullException.ThrowIfNull(cascade);
        var families = cascade.Where(c => c.Kind == ImageKind.Family).ToList();
        var services = cascade.Where(c => c.Kind == ImageKind.Service).ToList();
        var parts = new List<string>();
        if (families.Count > 0)
        {
            parts.Add(Names(families, "families"));
        }

        if (services.Count > 0)
        {
            var on = services.Select(s => s.Parent).Distinct(StringComparer.Ordinal).ToList();
            parts.Add(services.Count <= ListedNames
                ? string.Join(", ", services.Select(s => s.Name))
                : on.Count == 1 ? $"{services.Count} services on {on[0]}" : $"{services.Count} services on {on.Count} families");
        }

        return string.Join(" and ", parts);
    }

    public static string Json(ExplainReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return JsonText.Write(w =>
        {
            w.WriteStartObject();
            w.WriteNumber("schemaVersion", SchemaVersion);
            w.WriteString("against", report.Against);
            w.WriteStartObject("summary");
            w.WriteNumber("images", report.Images.Count);
            foreach (var status in Enum.GetValues<ExplainStatus>())
            {
                w.WriteNumber(JsonText.EnumName(status), report.Images.Count(i => i.Status == status));
            }

            w.WriteEndObject();
            w.WriteStartArray("images");
            foreach (var i in report.Images)
            {
                w.WriteStartObject();
                w.WriteString("name", i.Name);
                w.WriteString("kind", JsonText.EnumName(i.Kind));
                w.WriteString("parent", i.Parent);
                w.WriteString("hash", i.Hash);
                w.WriteString("status", JsonText.EnumName(i.Status));
                w.WriteString("why", i.Why);
                w.WriteString("cause", i.Cause);
                w.WriteBoolean("parentChanged", i.ParentChanged);
                w.WriteStartObject("reference");
                w.WriteString("tag", i.Reference.Tag);
                w.WriteString("digest", i.Reference.Digest);
                w.WriteString("source", i.Reference.Source);
                w.WriteString("hash", i.Reference.Record?.Hash);
                w.WriteString("reason", i.Reference.Reason);
                w.WriteEndObject();
                w.WriteStartArray("changes");
                foreach (var c in i.Changes)
                {
                    w.WriteStartObject();
                    w.WriteString("kind", JsonText.EnumName(c.Kind));
                    w.WriteString("input", c.Input);
                    w.WriteString("path", c.Path);
                    WriteNumber(w, "added", c.Lines?.Added);
                    WriteNumber(w, "removed", c.Lines?.Removed);
                    WriteNumber(w, "oldSize", c.OldSize);
                    WriteNumber(w, "newSize", c.NewSize);
                    w.WriteString("field", c.Field);
                    w.WriteString("old", c.Old);
                    w.WriteString("new", c.New);
                    w.WriteString("text", c.Describe());
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static void WriteNumber(System.Text.Json.Utf8JsonWriter w, string name, long? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static string Names(IReadOnlyList<ImageExplanation> images, string noun) =>
        images.Count <= ListedNames ? string.Join(", ", images.Select(i => i.Name)) : $"{string.Join(", ", images.Take(3).Select(i => i.Name))}, … ({images.Count} {noun})";

    private static string Kind(ImageExplanation image) => image.Kind == ImageKind.Service ? "service" : "family";

    private static string Plural(int n, string what, string? plural = null) => n == 1 ? $"1 {what}" : $"{n} {plural ?? what + "s"}";
}
