using Build.Tools;

namespace Build.Gates;

/// <summary>What to scan and where the report goes.</summary>
public sealed record ScanRequest(string Family, string ImageReference, string? OciLayoutDirectory, string ReportPath, bool OfflineDatabase, string? CacheDirectory);

/// <summary>A CVE scanner's real command line and report format.</summary>
public abstract record CveScanner(string Name, CommandLine Prefix)
{
    public abstract string InstallHint { get; }

    public abstract CommandLine Command(ScanRequest request);

    public virtual IReadOnlyDictionary<string, string?> Environment(ScanRequest request) => new Dictionary<string, string?>();

    public abstract IReadOnlyList<Finding> Parse(string family, string json);

    /// <summary>Runs the scan and reads its report: a crash, a time-out or an unreadable report is a failed scan, never a pass.</summary>
    public (ScanStatus Status, string? Detail, IReadOnlyList<Finding> Findings) Run(ScanRequest request, TimeSpan timeout, IProcessRunner processes)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(processes);
        Directory.CreateDirectory(Path.GetDirectoryName(request.ReportPath)!);
        File.Delete(request.ReportPath);
        var result = processes.Run(Command(request), new ProcessOptions { Environment = Environment(request), Timeout = timeout });
        if (result.TimedOut)
        {
            return (ScanStatus.Failed, $"{Name} timed out after {timeout.TotalSeconds:0.#} s", []);
        }

        if (result.ExitCode != 0)
        {
            var error = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "no error output";
            return (ScanStatus.Failed, $"{Name} exited {result.ExitCode}: {error}", []);
        }

        if (!File.Exists(request.ReportPath))
        {
            return (ScanStatus.Failed, $"{Name} exited 0 but wrote no report at {request.ReportPath}", []);
        }

        try
        {
            return (ScanStatus.Scanned, null, Parse(request.Family, File.ReadAllText(request.ReportPath)));
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return (ScanStatus.Failed, $"{Name}'s report is not valid: {ex.Message}", []);
        }
    }
}

/// <summary>
/// Trivy (v0.74). JSON report schema 2. --exit-code 0 keeps findings out of the exit code, so any non-zero exit is
/// Trivy's own error (it exits 1 on those). --input takes an OCI layout *directory*, never a tarball.
/// </summary>
public sealed record TrivyScanner(CommandLine Executable) : CveScanner("trivy", Executable)
{
    public override string InstallHint => "Install Trivy (https://aquasecurity.github.io/trivy: apt, brew or the release binary), pass --cve-scanner-path=PATH, or --cve-scanner-image=aquasec/trivy:0.74.0.";

    public override CommandLine Command(ScanRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var c = Prefix.Add("image", "--format", "json", "--output", request.ReportPath, "--exit-code", "0", "--quiet", "--scanners", "vuln");
        if (request.OfflineDatabase)
        {
            c = c.Add("--skip-db-update", "--skip-java-db-update", "--offline-scan");
        }

        if (request.CacheDirectory is { } cache)
        {
            c = c.Add("--cache-dir", cache);
        }

        return request.OciLayoutDirectory is { } layout ? c.Add("--input", layout) : c.Add(request.ImageReference);
    }

    public override IReadOnlyList<Finding> Parse(string family, string json) => ScannerReports.ParseTrivy(family, json);
}

/// <summary>Grype (v0.116). JSON matches. Without --fail-on the exit code is 0 unless Grype itself failed.</summary>
public sealed record GrypeScanner(CommandLine Executable) : CveScanner("grype", Executable)
{
    public override string InstallHint => "Install Grype (https://github.com/anchore/grype: install script, brew or the release binary), pass --cve-scanner-path=PATH, or --cve-scanner-image=anchore/grype:v0.116.0.";

    public override CommandLine Command(ScanRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var source = request.OciLayoutDirectory is { } layout ? $"oci-dir:{layout}" : $"docker:{request.ImageReference}";
        return Prefix.Add(source, "-o", "json", "--file", request.ReportPath, "--quiet");
    }

    public override IReadOnlyDictionary<string, string?> Environment(ScanRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var env = new Dictionary<string, string?>();
        if (request.OfflineDatabase)
        {
            env["GRYPE_DB_AUTO_UPDATE"] = "false";
            env["GRYPE_CHECK_FOR_APP_UPDATE"] = "false";
        }

        if (request.CacheDirectory is { } cache)
        {
            env["GRYPE_DB_CACHE_DIR"] = cache;
        }

        return env;
    }

    public override IReadOnlyList<Finding> Parse(string family, string json) => ScannerReports.ParseGrype(family, json);
}

public static class CveScanners
{
    /// <summary>
    /// The scanner to use: an explicit path, else a scanner image run with the engine's socket and the artifacts
    /// folder mounted, else the tool on PATH; null when none is available.
    /// </summary>
    /// <param name="environment">Where PATH is read (the process's environment when null).</param>
    public static CveScanner? Resolve(string name, string? path, string? image, string artifactsDirectory, Func<string, string?>? environment = null)
    {
        CommandLine? executable = null;
        if (path is not null)
        {
            executable = new CommandLine(path);
        }
        else if (image is not null)
        {
            executable = new CommandLine("docker").Add("run", "--rm", "-v", "/var/run/docker.sock:/var/run/docker.sock", "-v", $"{artifactsDirectory}:{artifactsDirectory}", image);
        }
        else if (OnPath(name, environment ?? KilnEnvironment.Process) is { } found)
        {
            executable = new CommandLine(found);
        }

        return executable is null ? null : name switch
        {
            "trivy" => new TrivyScanner(executable),
            "grype" => new GrypeScanner(executable),
            _ => throw new ArgumentException($"Unknown scanner '{name}'. Use --cve-scanner=trivy, grype or none.", nameof(name)),
        };
    }

    private static string? OnPath(string tool, Func<string, string?> environment) =>
        (environment("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, tool))
            .FirstOrDefault(File.Exists);
}
