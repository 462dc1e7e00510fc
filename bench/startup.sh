#!/usr/bin/env bash
# Start-up cost of Kiln's bootstrap: median of N warm runs of `./build.sh --tree` vs the bare DLL vs `dotnet --version`.
# Ratios are measured in the same run on the same machine; absolute numbers vary by machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=${RUNS:-10}
./build.sh --tree >/dev/null 2>&1   # build once, warm the file cache

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
boot=$(median_ms ./build.sh --tree)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2fx", a/b}'; }
# shellcheck disable=SC2016 # the backticks are Markdown, not command substitution
{
  printf '| command | median of %d warm runs (ms) | vs bare DLL |\n|---|---:|---:|\n' "$runs"
  printf '| `dotnet --version` | %d | %s |\n' "$sdk" "$(ratio "$sdk" "$dll")"
  printf '| `dotnet run/Build.dll --tree` | %d | 1.00x |\n' "$dll"
  printf '| `./build.sh --tree` | %d | %s |\n' "$boot" "$(ratio "$boot" "$dll")"
}
printf '\nbootstrap overhead: %d ms (goal <= 100 ms); ./build.sh --tree: %d ms (goal <= 350 ms)\n' "$((boot - dll))" "$boot"
