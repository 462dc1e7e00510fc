namespace Build.Tests.BadInput;

/// <summary>
/// A fleet beside the bad-input repository's catalog (examples/mini/fleet.yaml, one CPU service per entry), and a
/// folder beside the repository that stands for "outside": links point there, and it must stay as it was. Also a
/// valid fleet of two services over both machines, a link across them, as lines (<see cref="Lines"/>), so a case
/// changes one line and the error it gets is that line's alone.
/// </summary>
public static class BadInputFleet
{
    public const string ManifestPath = "examples/mini/fleet.yaml";

    public const string DeployDir = "examples/mini/deploy";

    /// <summary>mainpc may bind /srv/data; pc2 declares no host folder.</summary>
    public const string Machines =
        "  mainpc: { port_offset: 0, compute_capability: \"8.9\", host_paths: [/srv/data] }\n" +
        "  pc2: { port_offset: 100, compute_capability: \"8.6\" }\n";

    /// <summary>The manifest: version, deploy_dir, then <paramref name="top"/>, the machines and the services.</summary>
    public static string Manifest(string services, string top = "", string machines = Machines) =>
        $"version: 1\ndeploy_dir: {DeployDir}\n{top}machines:\n{machines}services:\n{services}";

    /// <summary>One service on <paramref name="on"/>, with the given extra lines (indented as its keys).</summary>
    public static string Service(string name = "A", string on = "[mainpc]", string extra = "", int port = 8000) =>
        $"  {name}:\n    machines: {on}\n    family: demo-cpu\n    entrypoint: a/app.py\n    health: {{ port: {port} }}\n    requirements: none\n{extra}";

    public static void WriteFleet(this BadInputRepo repo, string manifest) => repo.Write(ManifestPath, manifest);

    /// <summary>The folder outside the repository that links in a case point at (a sibling of the repository).</summary>
    public static string Outside(this BadInputRepo repo) => repo.Root + "-outside";

    /// <summary>Creates the outside folder with one file in it, so a write, delete or new file there shows.</summary>
    public static string MakeOutside(this BadInputRepo repo)
    {
        var outside = repo.Outside();
        Directory.CreateDirectory(outside);
        System.IO.File.WriteAllText(Path.Combine(outside, "keep.txt"), "outside the repository\n");
        return outside;
    }

    /// <summary>A folder link inside the repository to <paramref name="target"/>.</summary>
    public static void LinkFolder(this BadInputRepo repo, string relative, string target)
    {
        var full = repo.Full(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        Directory.CreateSymbolicLink(full, target);
    }

    /// <summary>file:line:column of the first occurrence of <paramref name="marker"/> in the manifest (1-based).</summary>
    public static string At(string manifest, string marker)
    {
        var lines = manifest.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var column = lines[i].IndexOf(marker, StringComparison.Ordinal);
            if (column >= 0)
            {
                return $"{ManifestPath}:{i + 1}:{column + 1}";
            }
        }

        throw new ArgumentException($"'{marker}' is not in the manifest.");
    }

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
}
