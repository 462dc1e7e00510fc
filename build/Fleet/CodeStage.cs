using System.Security.Cryptography;
using Build.Catalog;
using Build.Hashing;

namespace Build.Fleet;

/// <summary>
/// Stages a service's code as the folder bake passes as its 'code' context: exactly the files its hash was made of,
/// each checked against the digest it was hashed with (a file edited between hashing and building is an error, not
/// a silently different image). A file already staged with the same bytes is left alone, so BuildKit's context
/// transfer sends only what changed; anything else in the folder is removed.
/// </summary>
public static class CodeStage
{
    public static void Stage(string service, string sourceRoot, string stageDir, IReadOnlyList<HashInput> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var wanted = inputs.Where(i => i.Name.StartsWith(ServiceHasher.CodePrefix, StringComparison.Ordinal))
            .ToDictionary(i => i.Name[ServiceHasher.CodePrefix.Length..], i => i.Digest, StringComparer.Ordinal);
        Directory.CreateDirectory(stageDir);
        foreach (var (path, digest) in wanted)
        {
            var target = Path.Combine(stageDir, path);
            if (File.Exists(target) && Sha256(target) == digest)
            {
                continue;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            var temp = target + ".kiln-tmp";
            File.Copy(Path.Combine(sourceRoot, path), temp, overwrite: true);
            if (Sha256(temp) != digest)
            {
                File.Delete(temp);
                throw new InputException([InputError.Service(null, service, $"'{path}' changed after the service was hashed (it is not the file its hash was made of).", "Run the build again once the edit is done.")], "the fleet");
            }

            File.Move(temp, target, overwrite: true);
        }

        foreach (var file in Directory.EnumerateFiles(stageDir, "*", SearchOption.AllDirectories).ToList())
        {
            if (!wanted.ContainsKey(Path.GetRelativePath(stageDir, file).Replace('\\', '/')))
            {
                File.Delete(file);
            }
        }

        foreach (var dir in Directory.EnumerateDirectories(stageDir, "*", SearchOption.AllDirectories).OrderByDescending(d => d.Length).ToList())
        {
            if (!Directory.EnumerateFileSystemEntries(dir).Any())
            {
                Directory.Delete(dir);
            }
        }
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
