namespace Build.Locking;

/// <summary>
/// How a stage FROM a family gets a pip that installs for the family's interpreter: the interpreter's own pip, else
/// the distribution's pip (installed on the spot if missing) driving it with --python. The command is left in
/// <see cref="PipFile"/>. The same text as the service Dockerfile's deps stage, so resolving and installing use the
/// same pip.
/// </summary>
public static class PipBootstrap
{
    public const string PipFile = "/kiln-pip";

    public const string Instructions =
        "USER root\n" +
        "RUN set -eu; py=$(command -v python3); \\\n" +
        "    if \"$py\" -m pip --version >/dev/null 2>&1; then pip=\"$py -m pip\"; else \\\n" +
        "      /usr/bin/python3 -m pip --version >/dev/null 2>&1 || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-pip; }; \\\n" +
        "      pip=\"/usr/bin/python3 -m pip --python $py\"; fi; \\\n" +
        "    echo \"$pip\" > " + PipFile + "\n";
}
