using Build.Tests.Infra;

namespace Build.Tests.BadInput;

/// <summary>The demo fleet (catalog, fleet manifest, services' code and generated files) in a <see cref="BadInputRepo"/>, for Deploy's and Generate's fleet cases.</summary>
public static class FleetBadInput
{
    public const string Catalog = "examples/demo/families.yaml";

    public const string Fleet = "examples/demo/fleet.yaml";

    public const string MainCompose = "examples/demo/deploy/mainpc/compose.yaml";

    public static void AddDemoFleet(this BadInputRepo repo)
    {
        ArgumentNullException.ThrowIfNull(repo);
        TestTree.Copy(Path.Combine(TestInfra.RepoRoot, "examples", "demo"), repo.Full("examples/demo"));
    }

    /// <summary>Replaces text in a file of the repository; the text must be there, so a stale case fails loudly.</summary>
    public static void Edit(this BadInputRepo repo, string relative, string old, string replacement)
    {
        ArgumentNullException.ThrowIfNull(repo);
        var text = File.ReadAllText(repo.Full(relative));
        text.ShouldContain(old);
        repo.Write(relative, text.Replace(old, replacement, StringComparison.Ordinal));
    }
}
