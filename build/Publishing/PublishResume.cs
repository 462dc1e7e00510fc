using Build.Buildx;
using Build.Gates;
using Build.IO;

namespace Build.Publishing;

/// <summary>
/// An explicit resume (`--target=Publish --exclusive`): the bake and gate results of an earlier run, read from the
/// artifacts folder. They count only for the catalog they name, and Publish still requires each gate to have judged
/// the very digest it pushes, so a report from another run or build never lets an image through.
/// </summary>
public static class PublishResume
{
    public static (BakeResult Bake, IReadOnlyDictionary<string, IGateReport> Reports, IReadOnlyList<string> Notes) Read(ArtifactLayout paths, string catalog, IReadOnlyList<IGate> gates)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(gates);
        if (!File.Exists(paths.BakeSummary))
        {
            throw new PublishException($"Nothing to publish: this run baked nothing and {paths.BakeSummary} does not exist. Run ./build.sh --target=Publish (without --exclusive): it hashes, bakes, gates and then publishes.");
        }

        BakeResult bake;
        try
        {
            bake = BakeResult.FromJson(File.ReadAllText(paths.BakeSummary));
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new PublishException($"{paths.BakeSummary} cannot be read ({ex.Message}). Run ./build.sh --target=Publish (without --exclusive).");
        }

        if (bake.Run?.Catalog != catalog)
        {
            throw new PublishException($"{paths.BakeSummary} is from {(bake.Run is null ? "an older Kiln (no run stamp)" : $"catalog {bake.Run.Catalog}")}, not {catalog}. Run ./build.sh --target=Publish --catalog={catalog} (without --exclusive).");
        }

        var reports = new Dictionary<string, IGateReport>(StringComparer.Ordinal);
        var notes = new List<string>();
        foreach (var gate in gates)
        {
            var path = paths.GateReport(gate.Report, "json");
            if (!File.Exists(path))
            {
                notes.Add($"no {gate.Report}.json to resume from");
                continue;
            }

            try
            {
                var report = gate.Read(File.ReadAllText(path));
                if (report.Run?.Catalog != catalog)
                {
                    notes.Add($"{gate.Report}.json is not from catalog {catalog}: ignored");
                    continue;
                }

                reports[gate.Name] = report;
            }
            catch (System.Text.Json.JsonException ex)
            {
                notes.Add($"{gate.Report}.json cannot be read ({ex.Message}): ignored");
            }
        }

        return (bake, reports, notes);
    }
}
