using System.Runtime.Versioning;

// The integration tests drive a Linux Docker engine (tests/infra/up.sh); the suite runs on Linux.
[assembly: SupportedOSPlatform("linux")]
