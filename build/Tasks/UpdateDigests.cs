using Build.Catalog;
using Build.Host;
using Build.IO;
using Build.Registry;
using Build.Reports;
using Cake.Core;
using Cake.Core.Diagnostics;

namespace Build.Tasks;

[TaskName("UpdateDigests")]
[TaskDescription("Resolves every catalog base (and the pixi tools image) name:tag to its current digest and rewrites the pins, keeping the file's comments and formatting.")]
public sealed class UpdateDigests(Services.Registries registries, Services.RunOutput output) : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var path = Path.Combine(context.Root, context.Options.Catalog);
        if (!File.Exists(path))
        {
            throw new CakeException(1, $"The catalog '{context.Options.Catalog}' does not exist.");
        }

        var yaml = File.ReadAllText(path);
        var rows = new List<IReadOnlyList<string>>();
        var changes = new List<(ImageSlot, string)>();
        var failures = new List<string>();
        foreach (var slot in DigestPinner.FindImages(yaml))
        {
            var (prefix, nameAndTag, suffix) = DigestPinner.Split(slot.Reference);
            try
            {
                var image = ImageName.Parse(nameAndTag);
                var info = registries.Client.HeadManifestAsync(image, image.Tag ?? "latest").GetAwaiter().GetResult()
                    ?? throw new RegistryException(image.Registry, image.Repository, image.Tag, System.Net.HttpStatusCode.NotFound, "MANIFEST_UNKNOWN", "the tag does not exist");
                var pinned = $"{prefix}{nameAndTag}@{info.Digest}{suffix}";
                var changed = pinned != slot.Reference;
                rows.Add([$"{context.Options.Catalog}:{slot.Line}", nameAndTag, changed ? info.Digest : "up to date"]);
                if (changed)
                {
                    changes.Add((slot, pinned));
                }
            }
            catch (RegistryException ex)
            {
                rows.Add([$"{context.Options.Catalog}:{slot.Line}", nameAndTag, "FAILED"]);
                failures.Add($"{context.Options.Catalog}:{slot.Line}: {nameAndTag}: {ex.Message}");
            }
        }

        output.Write(TextTable.Render(["Where", "Image", "Digest"], rows));
        if (failures.Count > 0)
        {
            throw new CakeException(1, $"Could not resolve {failures.Count} image(s); the catalog was not changed:\n  " + string.Join("\n  ", failures));
        }

        if (changes.Count == 0)
        {
            context.Log.Information("Every image is pinned to its current digest.");
            return;
        }

        var updated = DigestPinner.Rewrite(yaml, changes);
        AtomicFile.WriteAllText(path, updated);
        context.Log.Information($"Pinned {changes.Count} image(s) in {context.Options.Catalog}. Run ./build.sh --target=Generate and commit both.");
    }
}
