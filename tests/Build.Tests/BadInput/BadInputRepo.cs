using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Build.Tests.Infra;

namespace Build.Tests.BadInput;

/// <summary>
/// A committed git repository holding the demo catalog (with its generated tree), the root pixi.toml and room for
/// bad inputs, so a test can prove that a failing run changed no file and left `git status` clean.
/// </summary>
public sealed class BadInputRepo : IDisposable
{
    public const string Catalog = "examples/mini/families.yaml";

    public const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    public BadInputRepo()
    {
        Root = Directory.CreateTempSubdirectory("kiln-badinput-").FullName;
        CopyTree(Path.Combine(TestInfra.RepoRoot, "examples", "mini"), Path.Combine(Root, "examples", "mini"));
        File.Copy(Path.Combine(TestInfra.RepoRoot, "pixi.toml"), Path.Combine(Root, "pixi.toml"));
        Git("init", "-q");
        Git("add", "-A");
        Git("-c", "user.email=kiln@test", "-c", "user.name=kiln", "commit", "-qm", "demo");
    }

    public string Root { get; }

    public string Full(string relative) => Path.Combine(Root, relative);

    public void Write(string relative, string content)
    {
        var full = Full(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
    }

    public void WriteBytes(string relative, byte[] content)
    {
        var full = Full(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, content);
    }

    /// <summary>Commits the current tree: the bad input is the committed state, so a clean `git status` afterwards means nothing was written.</summary>
    public void Commit()
    {
        Git("add", "-A");
        Git("-c", "user.email=kiln@test", "-c", "user.name=kiln", "commit", "-qm", "bad input", "--allow-empty");
    }

    /// <summary>Every path with its content hash (links by target), so any write, delete or new file shows.</summary>
    public IReadOnlyDictionary<string, string> Snapshot()
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in new DirectoryInfo(Root).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            var rel = Path.GetRelativePath(Root, entry.FullName);
            if (rel == ".git" || rel.StartsWith(".git" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                continue;
            }

            result[rel] = entry.LinkTarget is { } link ? "link:" + link
                : entry is DirectoryInfo ? "dir"
                : Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(entry.FullName)));
        }

        return result;
    }

    public string GitStatus() => Git("status", "--porcelain", "--untracked-files=all");

    public string Git(params string[] args)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = Root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        process.ExitCode.ShouldBe(0, $"git {string.Join(' ', args)}: {output}");
        return output;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var dir in Directory.GetDirectories(from))
        {
            CopyTree(dir, Path.Combine(to, Path.GetFileName(dir)));
        }
    }

    internal static string Text(params string[] lines) => string.Join('\n', lines) + "\n";

    internal static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
}
