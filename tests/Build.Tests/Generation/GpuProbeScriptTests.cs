using Build.Dockerfiles;
using Build.Tests.Infra;
using Build.Tools;

namespace Build.Tests.Generation;

/// <summary>
/// kiln-gpu-probe run by this host's /bin/sh with a stand-in nvidia-smi: GPU-only services fail fast, a service with
/// KILN_GPU_OPTIONAL=1 says why and runs on its CPU path, and the command always learns KILN_DEVICE.
/// </summary>
[TestFixture]
[Category("Unit")]
public sealed class GpuProbeScriptTests
{
    /// <summary>Runs the probe as the entrypoint of `sh -c 'echo device=$KILN_DEVICE'` (or with --check).</summary>
    private static ProcessResult Probe(string? capability, bool optional, bool check = false)
    {
        using var dir = new TempDir("kiln-probe-");
        var probe = dir.Write("kiln-gpu-probe", ImageScripts.GpuProbe.ReplaceLineEndings("\n"));
        var bin = System.IO.Path.Combine(dir.Path, "bin");
        Directory.CreateDirectory(bin);
        if (capability is not null)
        {
            File.WriteAllText(System.IO.Path.Combine(bin, "nvidia-smi"), $"#!/bin/sh\necho {capability}\n");
            File.SetUnixFileMode(System.IO.Path.Combine(bin, "nvidia-smi"), UnixFileMode.UserRead | UnixFileMode.UserExecute);
        }

        var env = new Dictionary<string, string?>
        {
            // Only the stand-in is added to the path; where torch cannot be imported the probe skips its CUDA check.
            ["PATH"] = $"{bin}:/usr/bin:/bin",
            ["KILN_GPU_ARCH_LIST"] = "8.6",
            ["KILN_GPU_VARIANT"] = "ampere",
            ["KILN_GPU_OPTIONAL"] = optional ? "1" : null,
            ["KILN_DEVICE"] = null,
        };
        var command = new CommandLine("/bin/sh").Add(probe);
        command = check ? command.Add("--check") : command.Add("/bin/sh", "-c", "echo device=$KILN_DEVICE");
        return RealProcesses.Runner.Run(command, new ProcessOptions { Environment = env, Timeout = TimeSpan.FromSeconds(30) });
    }

    [Test]
    public void A_matching_gpu_runs_the_command_on_cuda()
    {
        var r = Probe("8.6", optional: false);

        r.ExitCode.ShouldBe(0, r.StandardError);
        r.StandardOutput.ShouldBe("device=cuda\n");
        r.StandardError.ShouldBeEmpty();
    }

    [Test]
    public void A_gpu_only_service_on_the_wrong_gpu_fails_fast_naming_both_capabilities()
    {
        var r = Probe("8.9", optional: false);

        r.ExitCode.ShouldBe(1);
        r.StandardOutput.ShouldBeEmpty("the command never runs");
        r.StandardError.ShouldBe("kiln-gpu-probe: this image (ampere) is built for compute capability 8.6, but the visible GPU has 8.9.\nkiln-gpu-probe: use the image variant built for 8.9 (ada = 8.9, ampere = 8.6).\n");
    }

    [Test]
    public void An_optional_gpu_service_without_a_gpu_runs_on_the_cpu_path_and_says_why()
    {
        var r = Probe(null, optional: true);

        r.ExitCode.ShouldBe(0, r.StandardError);
        r.StandardOutput.ShouldBe("device=cpu\n");
        r.StandardError.ShouldBe("kiln-gpu-probe: no GPU matching 8.6 (no GPU is visible: nvidia-smi not found); running on the CPU path (KILN_DEVICE=cpu)\n");
    }

    [Test]
    public void An_optional_gpu_service_on_the_wrong_gpu_runs_on_the_cpu_path_too()
    {
        var r = Probe("8.9", optional: true);

        r.ExitCode.ShouldBe(0, r.StandardError);
        r.StandardOutput.ShouldBe("device=cpu\n");
        r.StandardError.ShouldBe("kiln-gpu-probe: no GPU matching 8.6 (this image (ampere) is built for compute capability 8.6, but the visible GPU has 8.9); running on the CPU path (KILN_DEVICE=cpu)\n");
    }

    [Test]
    public void The_check_fails_for_a_gpu_only_service_and_passes_for_an_optional_one()
    {
        Probe(null, optional: false, check: true).ExitCode.ShouldBe(1);
        Probe(null, optional: false, check: true).StandardError.ShouldBe("kiln-gpu-probe: no GPU is visible: nvidia-smi not found\nkiln-gpu-probe: run with --gpus all, or set KILN_GPU_PROBE=off\n");
        Probe(null, optional: true, check: true).ExitCode.ShouldBe(0);
        Probe("8.6", optional: false, check: true).ExitCode.ShouldBe(0);
    }
}
