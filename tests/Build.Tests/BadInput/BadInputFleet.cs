namespace Build.Tests.BadInput;

/// <summary>
/// A valid fleet for <see cref="BadInputRepo"/>'s mini catalog (two services over both machines, a link across them),
/// so a bad-input case changes one thing and the error it gets is that thing's alone.
/// </summary>
public static class BadInputFleet
{
    public const string Path = "examples/mini/fleet.yaml";

    /// <summary>The manifest, one string per line (line n of the file is index n - 1).</summary>
    public static readonly IReadOnlyList<string> Lines =
    [
        "version: 1",                                   // 1
        "source_root: apps",                            // 2
        "deploy_dir: deploy",                           // 3
        "defaults: { requirements: none }",             // 4
        "machines:",                                    // 5
        "  mainpc: { port_offset: 0, address: main.lan }", // 6
        "  pc2: { port_offset: 100 }",                  // 7
        "services:",                                    // 8
        "  alpha:",                                     // 9
        "    machines: [mainpc]",                       // 10
        "    family: demo-cpu",                         // 11
        "    entrypoint: alpha/app.py",                 // 12
        "    ports: [7001]",                            // 13
        "    health: { port: 7001 }",                   // 14
        "    env: { MODE: fast }",                      // 15
        "  beta:",                                      // 16
        "    machines: [mainpc, pc2]",                  // 17
        "    family: demo-cpu",                         // 18
        "    entrypoint: beta/app.py",                  // 19
        "    health: { port: 7002 }",                   // 20
        "    depends_on: [alpha]",                      // 21
    ];

    public static string Text() => BadInputRepo.Text([.. Lines]);

    /// <summary>The manifest with line <paramref name="line"/> (1-based) replaced by <paramref name="replacement"/> (which may hold several lines).</summary>
    public static string With(int line, string replacement) =>
        BadInputRepo.Text([.. Lines.Take(line - 1), replacement, .. Lines.Skip(line)]);

    /// <summary>The manifest with <paramref name="added"/> lines inserted after line <paramref name="line"/>.</summary>
    public static string Inserting(int line, params string[] added) =>
        BadInputRepo.Text([.. Lines.Take(line), .. added, .. Lines.Skip(line)]);

    public static void Write(BadInputRepo repo, string text)
    {
        ArgumentNullException.ThrowIfNull(repo);
        repo.Write(Path, text);
    }
}
