using Build.Buildx;
using Build.Hashing;
using Build.Tools;

namespace Build.Tests.Bake;

/// <summary>`bake --print` truncates the files a build's outputs name: whether the print must finish first.</summary>
[Category("Unit")]
public sealed class BakeInvocationTests
{
    private static readonly PlannedImage Built = new("cpu", "cpu", "0123456789ab", ImageAction.Build, "changed", "r:cpu-0123456789ab", null, Export: false);

    [Test]
    public void A_build_into_the_engine_writes_no_files_so_the_print_may_run_beside_it()
    {
        Invocation("--set", "cpu.output=type=docker", "cpu").WritesFiles.ShouldBeFalse();
    }

    [Test]
    public void An_oci_tarball_output_is_a_file_the_print_would_truncate()
    {
        Invocation("--set", "cpu.output=type=oci,dest=/work/artifacts/.work/oci/cpu.tar,name=r:cpu-0123456789ab", "cpu").WritesFiles.ShouldBeTrue();
    }

    [Test]
    public void An_artifacts_target_of_a_built_image_writes_its_export_folder()
    {
        Invocation("cpu", "cpu-artifacts").WritesFiles.ShouldBeTrue();
    }

    [Test]
    public void The_print_beside_a_build_into_the_engine_runs_at_the_lowest_priority_and_one_before_a_file_writing_build_as_it_is()
    {
        var engine = Invocation("--metadata-file=/work/artifacts/.work/bake-metadata.json", "--progress=plain", "--set", "cpu.output=type=docker", "cpu");
        engine.PrintRun(nice: true).Render().ShouldBe("nice -n 19 docker buildx bake -f docker/docker-bake.hcl --set cpu.output=type=docker cpu --print");
        engine.PrintRun(nice: false).Render().ShouldBe("docker buildx bake -f docker/docker-bake.hcl --set cpu.output=type=docker cpu --print");

        var files = Invocation("--set", "cpu.output=type=oci,dest=/work/artifacts/.work/oci/cpu.tar,name=r:cpu-0123456789ab", "cpu");
        files.PrintRun(nice: true).Render().ShouldBe("docker buildx bake -f docker/docker-bake.hcl --set cpu.output=type=oci,dest=/work/artifacts/.work/oci/cpu.tar,name=r:cpu-0123456789ab cpu --print");
    }

    private static BakeInvocation Invocation(params string[] arguments) =>
        new([Built], new CommandLine("docker").Add("buildx", "bake", "-f", "docker/docker-bake.hcl").Add(arguments), new Dictionary<string, string?>(), "/work/artifacts/.work/oci", "/work/artifacts/.work/bake-metadata.json", "builder");
}
