namespace Build;

/// <summary>The names of the task arguments Kiln reads (the shared ones are parsed by <see cref="KilnOptions"/>).</summary>
public static class ArgumentNames
{
    public const string Builder = "builder";
    public const string Force = "force";
    public const string Cache = "cache";
    public const string CacheRef = "cache-ref";
    public const string Reproducible = "reproducible";
    public const string Provenance = "provenance";
    public const string Date = "date";
    public const string Offline = "offline";
    public const string Oci = "oci";
    public const string CveScanner = "cve-scanner";
    public const string CveScannerPath = "cve-scanner-path";
    public const string CveScannerImage = "cve-scanner-image";
    public const string CveOffline = "cve-offline";
    public const string CveTimeout = "cve-timeout";
    public const string ScanReused = "scan-reused";
    public const string UpdateBaseline = "update-baseline";
    public const string Progress = "progress";
    public const string Shard = "shard";
    public const string Machine = "machine";
    public const string Gpu = "gpu";
    public const string Devices = "devices";
    public const string ComposeOverride = "compose-override";
    public const string AllowDrift = "allow-drift";
    public const string AllowPrivilegedOverride = "allow-privileged-override";
    public const string Shards = "shards";
    public const string ExpectShards = "expect-shards";
    public const string Check = "check";
    public const string LintBase = "lint-base";
    public const string Filter = "filter";
    public const string NoInfra = "no-infra";
    public const string Format = "format";
    public const string IndexUrl = "index-url";
    public const string Keep = "keep";
    public const string Reduced = "reduced";
    public const string Against = "against";
    public const string Explain = "explain";
}
