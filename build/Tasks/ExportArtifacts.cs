using System.Security.Cryptography;
using Build.Buildx;
using Build.Host;
using Build.Images;
using Build.IO;
using Build.Reports;
using Cake.Core;
using Cake.Core.Diagnostics;

namespace Build.Tasks;

[TaskName("ExportArtifacts")]
[IsDependentOn(typeof(Bake))]
[TaskDescription("Writes oci-metadata.json (digests, sizes, labels per family and service), SHA256SUMS for export-stage files, fleet-report.json/.md (with the service images' bytes), and OCI tarballs or layouts with --oci; measures every image once for the gates.")]
[TaskArgument("--oci[=dir]", "Also write artifacts/oci/<family>.tar (or, with =dir, an OCI layout directory that scanners read).")]
public sealed class ExportArtifacts(Services.Registries registries, Services.RunOutput output, Tools.IProcessRunner processes) : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var result = context.Results.Bake
            ?? throw new CakeException(1, "ExportArtifacts needs this run's bake: run ./build.sh --target=ExportArtifacts (it bakes first), not --exclusive.");
        var paths = context.Paths;
        var hashes = context.Results.Hashes!;
        var measurer = new ImageMeasurer(paths.WorkMeasure, registries.Client, processes, Path.Combine(context.Root, ".kiln", "measure"));
        var ociMode = context.Argument(ArgumentNames.Oci);

        var images = new List<MeasuredImage>();
        var measures = new Dictionary<string, ImageMeasure>(StringComparer.Ordinal);
        foreach (var family in result.Families.Where(f => f.Outcome is Outcome.Built or Outcome.Reused))
        {
            var hash = hashes.Get(family.Name);
            var tarball = paths.BuiltTarball(family.Name);
            var (measure, source) = measurer.Measure(family.Name, family.Tag, family.Outcome == Outcome.Built ? tarball : null, family.Digest);
            measures[family.Name] = measure;
            images.Add(new MeasuredImage(
                family.Name, family.Hash, hash.Parent, family.Outcome == Outcome.Built ? "built" : "reused", hash.Tags.All,
                measure.Digest, measure.ManifestDigest, measure.ConfigDigest, measure.Platform,
                measure.CompressedSize, measure.UncompressedSize, measure.LayerCount, measure.Created, measure.Labels,
                source.ToString().ToLowerInvariant(), Exports(paths.Dist(family.Name)), family.Kind));

            if (ociMode is not null && ociMode != "false")
            {
                WriteOci(measurer, family, tarball, paths.OciRoot, ociMode == "dir");
            }
        }

        var lockPath = Path.Combine(context.Root, context.Catalog.Pixi.Lock);
        if (context.Catalog.Families.Any(f => f.Python is { Kind: Catalog.PythonKind.Pixi }) && File.Exists(lockPath))
        {
            var pixi = Pixi.PixiMetadata.Build(context.Catalog, Pixi.PixiLock.Parse(File.ReadAllText(lockPath)), images.Where(i => i.Kind == Hashing.ImageKind.Family).Select(i => i.Name));
            AtomicFile.WriteAllText(paths.PixiMetadataJson, pixi.ToJson());
            AtomicFile.WriteAllText(paths.PixiMetadataMarkdown, pixi.Markdown());
        }

        if (context.Fleet is { } fleet)
        {
            // What families save is only seen in the manifests: layers summed per image against each digest once.
            var layers = hashes.Services.Where(s => measures.ContainsKey(s.Name))
                .ToDictionary(s => s.Name, s => new Fleet.ImageLayers(s.Name, measures[s.Name].Layers.Select(l => (l.Digest, l.Size)).ToList()), StringComparer.Ordinal);
            var report = Fleet.FleetReport.Build(fleet.Fleet, context.Catalog, layers.Count == 0 ? null : layers);
            context.Results.Set(report);
            AtomicFile.WriteAllText(paths.FleetReportJson, report.ToJson());
            AtomicFile.WriteAllText(paths.FleetReportMarkdown, report.ToMarkdown(context.Catalog));
        }

        var metadata = new OciMetadata(1, context.Repository, images);
        AtomicFile.WriteAllText(paths.OciMetadata, metadata.ToJson());
        context.Results.Set(measures);
        output.Write(TextTable.Render(
            ["Image", "Outcome", "Digest", "Compressed", "Uncompressed", "Layers", "Exports"],
            images.Select(i => (IReadOnlyList<string>)[i.Name, i.Outcome, i.Digest[..19], Bytes.Format(i.CompressedSize), i.UncompressedSize is { } u ? Bytes.Format(u) : "-", i.LayerCount.ToString(System.Globalization.CultureInfo.InvariantCulture), string.Join(' ', i.Exports.Select(e => e.Path))])));
        context.Log.Information($"Wrote {Path.GetRelativePath(context.Root, paths.OciMetadata)} ({images.Count} images).");
    }

    /// <summary>Export-stage files of a family, with a SHA256SUMS file (sha256sum -c format) beside them.</summary>
    private static List<ExportedFile> Exports(string dir)
    {
        if (!Directory.Exists(dir))
        {
            return [];
        }

        var files = Directory.GetFiles(dir, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) != "SHA256SUMS")
            .Order(StringComparer.Ordinal)
            .Select(f =>
            {
                using var s = File.OpenRead(f);
                return new ExportedFile(Path.GetRelativePath(dir, f).Replace('\\', '/'), new FileInfo(f).Length, Convert.ToHexStringLower(SHA256.HashData(s)));
            })
            .ToList();
        AtomicFile.WriteAllText(Path.Combine(dir, "SHA256SUMS"), string.Concat(files.Select(f => $"{f.Sha256}  {f.Path}\n")));
        return files;
    }

    private static void WriteOci(ImageMeasurer measurer, ImageOutcome family, string built, string ociDir, bool layout)
    {
        Directory.CreateDirectory(ociDir);
        var source = File.Exists(built) ? built : measurer.SaveLocal(family.Name, family.Tag);
        if (source is null)
        {
            return;
        }

        if (layout)
        {
            ImageMeasurer.ExtractLayout(source, Path.Combine(ociDir, family.Name));
        }
        else
        {
            var target = Path.Combine(ociDir, family.Name + ".tar");
            var temp = target + ".partial";
            File.Copy(source, temp, overwrite: true);
            File.Move(temp, target, overwrite: true);
        }

        if (source != built)
        {
            File.Delete(source);
        }
    }
}
