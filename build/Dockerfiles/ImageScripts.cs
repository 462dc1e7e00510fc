namespace Build.Dockerfiles;

/// <summary>
/// Scripts Kiln puts into images. POSIX sh only (they run on busybox and on Debian/Ubuntu bases alike), embedded in
/// the Dockerfile as heredocs so each Dockerfile is self-contained and its bytes cover them in the family hash.
/// </summary>
public static class ImageScripts
{
    public const string HealthcheckPath = "/usr/local/bin/kiln-healthcheck";
    public const string GpuProbePath = "/usr/local/bin/kiln-gpu-probe";

    /// <summary>Runs every check named on its command line: gpu, tcp:PORT, http:URL, cmd:SHELL. All must pass.</summary>
    public const string Healthcheck = """
        #!/bin/sh
        # Kiln readiness check. Usage: kiln-healthcheck [gpu] [tcp:PORT] [http:URL] [cmd:SHELL]...
        set -u
        fail() { echo "kiln-healthcheck: $*" >&2; exit 1; }
        for check in "$@"; do
          case "$check" in
            gpu) /usr/local/bin/kiln-gpu-probe --check || exit 1 ;;
            tcp:*)
              port=${check#tcp:}
              if command -v python3 >/dev/null 2>&1; then
                python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 3).close()' "$port" 2>/dev/null \
                  || fail "nothing accepts connections on 127.0.0.1:$port"
              elif command -v nc >/dev/null 2>&1; then
                nc 127.0.0.1 "$port" </dev/null >/dev/null 2>&1 || fail "nothing accepts connections on 127.0.0.1:$port"
              else
                fail "no python3 or nc in the image to check tcp:$port"
              fi ;;
            http:*)
              url=${check#http:}
              if command -v curl >/dev/null 2>&1; then
                curl -fsS --max-time 3 -o /dev/null "$url" || fail "GET $url failed"
              elif command -v wget >/dev/null 2>&1; then
                # No -T: busybox 1.35's static wget segfaults with it; HEALTHCHECK --timeout bounds the check.
                wget -q -O /dev/null "$url" || fail "GET $url failed"
              elif command -v python3 >/dev/null 2>&1; then
                python3 -c 'import sys,urllib.request; urllib.request.urlopen(sys.argv[1], timeout=3)' "$url" 2>/dev/null || fail "GET $url failed"
              else
                fail "no curl, wget or python3 in the image to check $url"
              fi ;;
            cmd:*) sh -c "${check#cmd:}" || fail "command failed: ${check#cmd:}" ;;
            *) fail "unknown check '$check'" ;;
          esac
        done
        exit 0
        """;

    /// <summary>
    /// Fails fast when the visible GPU's compute capability is not in the image's arch list (KILN_GPU_ARCH_LIST).
    /// As an entrypoint wrapper it checks, then execs the command with KILN_DEVICE=cuda; with --check it only checks.
    /// A service with a CPU path (KILN_GPU_OPTIONAL=1) is not failed: it says why and runs with KILN_DEVICE=cpu.
    /// </summary>
    public const string GpuProbe = """
        #!/bin/sh
        # Kiln GPU readiness probe. Usage: kiln-gpu-probe --check | kiln-gpu-probe CMD [ARGS...]
        # Set KILN_GPU_PROBE=off to skip (e.g. to open a shell on a machine without a GPU).
        # KILN_GPU_OPTIONAL=1: no matching GPU is not a failure; the command runs on its CPU path.
        # The command runs with KILN_DEVICE=cuda, or cpu when an optional GPU is missing.
        set -u
        say() { echo "kiln-gpu-probe: $*" >&2; }
        ge() { awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, "."); split(b, y, "."); exit !((x[1] > y[1]) || (x[1] == y[1] && x[2] >= y[2])) }'; }
        reason=
        hint=
        probe() {
          [ "${KILN_GPU_PROBE:-on}" = off ] && return 0
          list=${KILN_GPU_ARCH_LIST:-}
          variant=${KILN_GPU_VARIANT:-unknown}
          [ -n "$list" ] || { reason="KILN_GPU_ARCH_LIST is empty: this image does not say which GPUs it was built for"; return 1; }
          command -v nvidia-smi >/dev/null 2>&1 || { reason="no GPU is visible: nvidia-smi not found"; hint="run with --gpus all, or set KILN_GPU_PROBE=off"; return 1; }
          caps=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null) || { reason="nvidia-smi failed: is the NVIDIA driver loaded?"; return 1; }
          [ -n "$caps" ] || { reason="nvidia-smi lists no GPU"; return 1; }
          for cap in $caps; do
            ok=no
            for arch in $(echo "$list" | tr ';, ' '   '); do
              base=${arch%+PTX}
              [ "$cap" = "$base" ] && ok=yes
              # +PTX ships PTX that newer GPUs can JIT-compile.
              [ "$base" != "$arch" ] && ge "$cap" "$base" && ok=yes
            done
            if [ "$ok" != yes ]; then
              reason="this image ($variant) is built for compute capability $list, but the visible GPU has $cap."
              hint="use the image variant built for $cap (ada = 8.9, ampere = 8.6)."
              return 1
            fi
          done
          if command -v python3 >/dev/null 2>&1 && python3 -c 'import torch' >/dev/null 2>&1; then
            python3 -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' || { reason="torch cannot use CUDA on this GPU"; return 1; }
          fi
          return 0
        }
        if probe; then
          KILN_DEVICE=cuda
        elif [ "${KILN_GPU_OPTIONAL:-0}" = 1 ]; then
          say "no GPU matching ${KILN_GPU_ARCH_LIST:-(no arch list)} (${reason%.}); running on the CPU path (KILN_DEVICE=cpu)"
          KILN_DEVICE=cpu
        else
          say "$reason"
          [ -z "$hint" ] || say "$hint"
          exit 1
        fi
        export KILN_DEVICE
        [ "${1:-}" != --check ] || exit 0
        [ $# -gt 0 ] || exit 0
        exec "$@"
        """;
}
