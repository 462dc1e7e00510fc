#!/usr/bin/env bash
# ComputeHash throughput vs sha256sum over the same bytes, in the same run (warm page cache, median of 3).
# Generates a catalog of 70 families and 10,000 context files (~200 MB) in a temp folder; also times the real catalog.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
families=${FAMILIES:-70} files=${FILES:-10000} kib=${FILE_KIB:-20}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
KILN_SERVER=off ./build.sh --tree >/dev/null 2>&1   # build the app first, outside the measurement

echo "generating $families families over $files files of ${kib} KiB in $work" >&2
python3 - "$work" "$families" "$files" "$kib" <<'PY'
import os, sys
root, families, files, kib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
per = files // families
lines = ["families:"]
for f in range(families):
    d = os.path.join(root, "ctx", f"f{f:02d}")
    os.makedirs(d, exist_ok=True)
    for i in range(per):
        with open(os.path.join(d, f"file{i:04d}.bin"), "wb") as out:
            out.write(os.urandom(kib * 1024))
    lines.append(f"  fam-{f:02d}:")
    if f % 10 == 0:
        lines.append("    base: busybox:1.36@sha256:" + "0" * 64)
    else:
        lines.append(f"    parent: fam-{f - 1:02d}")
    lines.append(f"    copy: [{{ src: ctx/f{f:02d}, dest: /data }}]")
os.makedirs(os.path.join(root, "docker"), exist_ok=True)
open(os.path.join(root, "docker", "families.yaml"), "w").write("\n".join(lines) + "\n")
PY
mb=$(du -sm "$work/ctx" | cut -f1)

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); }
sha() { find "$work/ctx" -type f -print0 | xargs -0 sha256sum >/dev/null; }
kiln() { dotnet run/Build.dll --target=ComputeHash --working="$work" --offline --mode=local --no-report --verbosity=quiet; }
real() { dotnet run/Build.dll --target=ComputeHash --offline --mode=local --no-report --verbosity=quiet; }

sha; kiln >/dev/null 2>&1   # warm the page cache
s=$(for _ in 1 2 3; do time_ms sha; done | median)
k=$(for _ in 1 2 3; do time_ms kiln; done | median)
r=$(for _ in 1 2 3; do time_ms real; done | median)
ratio=$(awk -v s="$s" -v k="$k" 'BEGIN{printf "%.2f", s/k}')
# shellcheck disable=SC2016 # the backticks are Markdown
{
  printf '| what (%d MB, %d files, %d families) | median of 3 (ms) | MB/s |\n|---|---:|---:|\n' "$mb" "$files" "$families"
  printf '| `sha256sum` over the files | %d | %d |\n' "$s" "$(( mb * 1000 / s ))"
  printf '| Kiln `ComputeHash` (whole app run) | %d | %d |\n' "$k" "$(( mb * 1000 / k ))"
  printf '| Kiln `ComputeHash`, real catalog | %d | |\n' "$r"
}
printf '\nthroughput vs sha256sum: %sx (goal >= 0.7x); real catalog: %d ms (goal < 1000 ms)\n' "$ratio" "$r"
