namespace Build.Tests.Gates;

/// <summary>Scanner reports in each tool's documented JSON format (Trivy schema 2, Grype matches).</summary>
public static class Fixtures
{
    public const string Trivy = """
        {
          "SchemaVersion": 2,
          "CreatedAt": "2026-11-20T10:00:00Z",
          "ArtifactName": "ghcr.io/o/ai-base:cpu-py311-abc",
          "ArtifactType": "container_image",
          "Metadata": { "OS": { "Family": "debian", "Name": "12.8" } },
          "Results": [
            {
              "Target": "ghcr.io/o/ai-base:cpu-py311-abc (debian 12.8)",
              "Class": "os-pkgs",
              "Type": "debian",
              "Vulnerabilities": [
                { "VulnerabilityID": "CVE-2024-0001", "PkgName": "openssl", "InstalledVersion": "3.0.15-1~deb12u1", "FixedVersion": "3.0.15-1~deb12u2",
                  "Status": "fixed", "Severity": "CRITICAL", "Title": "openssl: something bad", "PrimaryURL": "https://avd.aquasec.com/nvd/cve-2024-0001",
                  "Layer": { "DiffID": "sha256:aaa" } },
                { "VulnerabilityID": "CVE-2024-0001", "PkgName": "openssl", "InstalledVersion": "3.0.15-1~deb12u1", "FixedVersion": "3.0.15-1~deb12u2",
                  "Status": "fixed", "Severity": "CRITICAL", "Layer": { "DiffID": "sha256:bbb" } },
                { "VulnerabilityID": "CVE-2024-0002", "PkgName": "zlib1g", "InstalledVersion": "1:1.2.13", "Status": "affected", "Severity": "HIGH" },
                { "VulnerabilityID": "CVE-2024-0003", "PkgName": "libc6", "InstalledVersion": "2.36-9", "FixedVersion": "2.36-10", "Severity": "MEDIUM" },
                { "VulnerabilityID": "CVE-2024-0004", "PkgName": "tzdata", "InstalledVersion": "2024a", "Severity": "WEIRD" }
              ]
            },
            { "Target": "usr/lib/python3/dist-packages", "Class": "lang-pkgs", "Type": "python-pkg" },
            { "Target": "opt/env/conda-meta", "Class": "lang-pkgs", "Type": "conda-pkg", "Vulnerabilities": [
                { "VulnerabilityID": "GHSA-xxxx-yyyy-zzzz", "PkgName": "urllib3", "PkgPath": "opt/env/lib/python3.11/site-packages/urllib3-2.0.0.dist-info/METADATA",
                  "InstalledVersion": "2.0.0", "FixedVersion": "2.0.7", "Severity": "HIGH" } ] }
          ]
        }
        """;

    public const string TrivyNoResults = """{ "SchemaVersion": 2, "ArtifactName": "x", "ArtifactType": "container_image" }""";

    public const string Grype = """
        {
          "matches": [
            { "vulnerability": { "id": "CVE-2024-0001", "dataSource": "https://security-tracker.debian.org/tracker/CVE-2024-0001", "namespace": "debian:distro:debian:12",
                "severity": "Critical", "urls": ["https://security-tracker.debian.org/tracker/CVE-2024-0001"], "fix": { "versions": ["3.0.15-1~deb12u2"], "state": "fixed" } },
              "artifact": { "id": "a1", "name": "openssl", "version": "3.0.15-1~deb12u1", "type": "deb", "locations": [ { "path": "/var/lib/dpkg/status", "layerID": "sha256:aaa" } ] } },
            { "vulnerability": { "id": "CVE-2024-0002", "severity": "High", "fix": { "versions": [], "state": "not-fixed" } },
              "artifact": { "name": "zlib1g", "version": "1:1.2.13", "type": "deb", "locations": [] } },
            { "vulnerability": { "id": "CVE-2024-0009", "severity": "Negligible", "fix": { "versions": [], "state": "wont-fix" } },
              "artifact": { "name": "bash", "version": "5.2.15", "type": "deb" } }
          ],
          "source": { "type": "image", "target": { "userInput": "x" } },
          "distro": { "name": "debian", "version": "12" },
          "descriptor": { "name": "grype", "version": "0.116.0" }
        }
        """;
}
