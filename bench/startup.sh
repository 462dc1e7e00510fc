#!/usr/bin/env bash
# Start-up cost of Kiln's bootstrap: median of N warm runs of `./build.sh --tree` (in a fresh process, and handed to
# the resident server: one of the bench's own) vs the bare DLL vs `dotnet --version`.
# Ratios are measured in the same run on the same machine; absolute numbers vary by machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=${RUNS:-10}
KILN_SERVER=off ./build.sh --tree >/dev/null 2>&1   # build once, warm the file cache

median_ms() { # command...
  local samples=() t0 t1
  for _ in $(seq 1 "$runs"); do
    t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N)
    samples+=($(( (t1 - t0) / 1000000 )))
  done
  printf '%s\n' "${samples[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%d\n", (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'
}

sdk=$(median_ms dotnet --version)
dll=$(median_ms dotnet run/Build.dll --tree)
boot=$(KILN_SERVER=off median_ms ./build.sh --tree)
export KILN_SERVER_DIR; KILN_SERVER_DIR=$(mktemp -d)
trap 'KILN_SERVER=off ./build.sh --stop-server; rm -rf "$KILN_SERVER_DIR"' EXIT
KILN_SERVER=on ./build.sh --tree >/dev/null 2>&1   # starts the server
for _ in $(seq 100); do [ -s "$KILN_SERVER_DIR/state" ] && break; sleep 0.2; done
KILN_SERVER=on ./build.sh --tree >/dev/null 2>&1   # its first run compiles what --tree needs
served=$(KILN_SERVER=on median_ms ./build.sh --tree)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2fx", a/b}'; }
# shellcheck disable=SC2016 # the backticks are Markdown, not command substitution
{
  printf '| command | median of %d warm runs (ms) | vs bare DLL |\n|---|---:|---:|\n' "$runs"
  printf '| `dotnet --version` | %d | %s |\n' "$sdk" "$(ratio "$sdk" "$dll")"
  printf '| `dotnet run/Build.dll --tree` | %d | 1.00x |\n' "$dll"
  printf '| `./build.sh --tree` (`KILN_SERVER=off`) | %d | %s |\n' "$boot" "$(ratio "$boot" "$dll")"
  printf '| `./build.sh --tree` handed to the resident server | %d | %s |\n' "$served" "$(ratio "$served" "$dll")"
}
printf '\nbootstrap overhead: %d ms (goal <= 100 ms); ./build.sh --tree: %d ms (goal <= 350 ms)\n' "$((boot - dll))" "$boot"
