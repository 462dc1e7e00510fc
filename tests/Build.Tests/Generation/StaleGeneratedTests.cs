using Build.Tests.Infra;

namespace Build.Tests.Generation;

/// <summary>
/// A service or machine removed from the fleet leaves its generated folder behind: GenerateCheck reports it as drift
/// (naming the folder and the fix) and Generate deletes it, but never a hand-written file.
/// </summary>
[TestFixture]
[Category("Unit")]
[NonParallelizable]
public sealed class StaleGeneratedTests
{
    private const string Catalog = "examples/demo/families.yaml";
    private const string FleetFile = "examples/demo/fleet.yaml";

    private static TempDir Demo()
    {
        var repo = new TempDir("kiln-stale-");
        TestTree.Copy(Path.Combine(TestInfra.RepoRoot, "examples", "demo"), Path.Combine(repo.Path, "examples", "demo"));
        return repo;
    }

    private static void EditFleet(TempDir repo, params (string Old, string New)[] edits)
    {
        var path = Path.Combine(repo.Path, FleetFile);
        var text = File.ReadAllText(path);
        foreach (var (old, replacement) in edits)
        {
            text.ShouldContain(old);
            text = text.Replace(old, replacement, StringComparison.Ordinal);
        }

        File.WriteAllText(path, text);
    }

    private static string VisionAmpere(TempDir repo)
    {
        var text = File.ReadAllText(Path.Combine(repo.Path, FleetFile));
        var start = text.IndexOf("  vision-ampere:\n", StringComparison.Ordinal);
        return text[start..text.IndexOf("  heartbeat:\n", StringComparison.Ordinal)];
    }

    private static Dictionary<string, string> Tree(TempDir repo) =>
        Directory.GetFiles(repo.Path, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllText);

    [Test]
    public void A_removed_service_is_drift_naming_its_folder_and_Generate_deletes_it()
    {
        using var repo = Demo();
        EditFleet(repo, (VisionAmpere(repo), string.Empty));
        var before = Tree(repo);

        var (code, output) = KilnApp.Run(repo.Path, "--target=GenerateCheck", $"--catalog={Catalog}", "--mode=local");

        code.ShouldBe(1, output);
        output.ShouldContain("examples/demo/services/vision-ampere/Dockerfile (left over in examples/demo/services/vision-ampere/: generated for service 'vision-ampere', which the fleet beside examples/demo/families.yaml no longer has)");
        output.ShouldContain("examples/demo/services/vision-ampere/Dockerfile.dockerignore (left over in examples/demo/services/vision-ampere/:");
        output.ShouldContain($"Run ./build.sh --target=Generate --catalog={Catalog} (it also deletes left-over generated files and their folders, never a hand-written file) and commit the result.");
        output.ShouldContain("--- a/examples/demo/services/vision-ampere/Dockerfile\n+++ /dev/null\n");
        Tree(repo).ShouldBe(before, "the check writes nothing");

        KilnApp.Run(repo.Path, "--target=Generate", $"--catalog={Catalog}", "--mode=local").ExitCode.ShouldBe(0);

        Directory.Exists(Path.Combine(repo.Path, "examples/demo/services/vision-ampere")).ShouldBeFalse();
        Directory.Exists(Path.Combine(repo.Path, "examples/demo/services/hello")).ShouldBeTrue();
        var (again, _) = KilnApp.Run(repo.Path, "--target=Generate", "--check", $"--catalog={Catalog}", "--mode=local");
        again.ShouldBe(0);
    }

    [Test]
    public void A_removed_machine_loses_its_compose_file_and_folder()
    {
        using var repo = Demo();
        EditFleet(repo,
            (VisionAmpere(repo), string.Empty),
            ("  pc2: { port_offset: 100, compute_capability: \"8.6\", description: \"RTX 3060 (Ampere)\" }\n", string.Empty),
            ("machines: [mainpc, pc2]", "machines: [mainpc]"));

        var (code, output) = KilnApp.Run(repo.Path, "--target=GenerateCheck", $"--catalog={Catalog}", "--mode=local");

        code.ShouldBe(1, output);
        output.ShouldContain("examples/demo/deploy/pc2/compose.yaml (left over in examples/demo/deploy/pc2/: generated for machine 'pc2', which the fleet no longer has)");

        KilnApp.Run(repo.Path, "--target=Generate", $"--catalog={Catalog}", "--mode=local").ExitCode.ShouldBe(0);

        Directory.Exists(Path.Combine(repo.Path, "examples/demo/deploy/pc2")).ShouldBeFalse();
        File.Exists(Path.Combine(repo.Path, "examples/demo/deploy/mainpc/compose.yaml")).ShouldBeTrue();
    }

    [Test]
    public void Hand_written_files_in_a_left_over_folder_and_hand_written_folders_stay()
    {
        using var repo = Demo();
        EditFleet(repo, (VisionAmpere(repo), string.Empty));
        var notes = Path.Combine(repo.Path, "examples/demo/services/vision-ampere/NOTES.md");
        File.WriteAllText(notes, "why this service went away\n");
        var handmade = Path.Combine(repo.Path, "examples/demo/services/handmade/Dockerfile");
        Directory.CreateDirectory(Path.GetDirectoryName(handmade)!);
        File.WriteAllText(handmade, "FROM scratch\n");
        var handCompose = Path.Combine(repo.Path, "examples/demo/deploy/laptop/compose.yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(handCompose)!);
        File.WriteAllText(handCompose, "services: {}\n");

        var (code, output) = KilnApp.Run(repo.Path, "--target=GenerateCheck", $"--catalog={Catalog}", "--mode=local");
        code.ShouldBe(1, output);
        output.ShouldNotContain("handmade");
        output.ShouldNotContain("laptop");

        KilnApp.Run(repo.Path, "--target=Generate", $"--catalog={Catalog}", "--mode=local").ExitCode.ShouldBe(0);

        File.Exists(notes).ShouldBeTrue("a hand-written file keeps its folder");
        File.Exists(Path.Combine(repo.Path, "examples/demo/services/vision-ampere/Dockerfile")).ShouldBeFalse();
        File.ReadAllText(handmade).ShouldBe("FROM scratch\n");
        File.ReadAllText(handCompose).ShouldBe("services: {}\n");
    }
}
