#!/usr/bin/env bash
# Fleet scale: Generate (load + validate the manifest, render every service's Dockerfile and each machine's Compose
# file, write them) on generated fleets an order of magnitude apart, so the ratios show whether any step grows
# faster than the input (linear ≈ 10x):
#  1. 1,000 vs 10,000 services on the busybox catalog examples/mini (each service on both machines, its own port,
#     a depends_on on the previous one, a few env entries);
#  2. one service with 10,000 vs 100,000 env entries.
# Every variant runs the whole app as CI does (`dotnet run/Build.dll --working=<tmp> --target=Generate`), start-up
# included; median of BENCH_RUNS (default 3) runs, interleaved. Needs no Docker.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=${BENCH_RUNS:-3}
KILN_SERVER=off ./build.sh --tree >/dev/null 2>&1   # builds run/ when build/ changed
work=$(mktemp -d "${TMPDIR:-/tmp}/kiln-fleet-scale-XXXXXX")
trap 'rm -rf "$work"' EXIT

# A repository holding the mini catalog and a fleet.yaml beside it; $1 services, $2 env entries on the first one.
make_tree() {
  local dir=$work/$1 services=$2 env=$3
  mkdir -p "$dir/examples"
  cp -r examples/mini "$dir/examples/mini"
  cp pixi.toml "$dir/"
  awk -v services="$services" -v env="$env" 'BEGIN {
    print "version: 1"
    print "source_root: apps"
    print "deploy_dir: deploy"
    print "defaults: { requirements: none }"
    print "machines:"
    print "  mainpc: { port_offset: 0 }"
    print "  pc2: { port_offset: 1 }"
    print "services:"
    for (i = 0; i < services; i++) {
      printf "  svc%05d:\n    machines: [mainpc, pc2]\n    family: demo-cpu\n    entrypoint: svc%05d/app.py\n", i, i
      printf "    ports: [%d]\n    health: { port: %d }\n", 10000 + 2 * i, 10000 + 2 * i
      if (i > 0) printf "    depends_on: [svc%05d]\n", i - 1
      printf "    env:\n      MODE: \"fast\"\n      WORKERS: \"%d\"\n", i % 8 + 1
      if (i == 0) for (j = 0; j < env; j++) printf "      VAR_%06d: \"value %d\"\n", j, j
    }
  }' > "$dir/examples/mini/fleet.yaml"
}

time_ms() {
  local t0
  t0=$(date +%s%N)
  dotnet run/Build.dll --working="$1" --catalog=examples/mini/families.yaml --target=Generate --mode=local --no-report --verbosity=quiet >"$work/out.log" 2>&1 \
    || { echo "failed on $1:" >&2; tail -20 "$work/out.log" >&2; exit 1; }
  echo $(( ($(date +%s%N) - t0) / 1000000 ))
}

make_tree s1k 1000 0
make_tree s10k 10000 0
make_tree e10k 1 10000
make_tree e100k 1 100000
declare -A t
for _ in $(seq "$runs"); do
  for v in s1k s10k e10k e100k; do
    # Generate rewrites only what changed: start each run from no generated files, so every run writes them all.
    rm -rf "$work/$v/examples/mini/services" "$work/$v/deploy"
    t[$v]+="$(time_ms "$work/$v") "
  done
done
median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1fx", a/b}'; }
s1k=$(median "${t[s1k]}") s10k=$(median "${t[s10k]}") e10k=$(median "${t[e10k]}") e100k=$(median "${t[e100k]}")
# The README's table, printed here so the two cannot drift: paste it as it is.
# shellcheck disable=SC2016 # the backticks are Markdown
{
  printf 'Measured by `bench/fleet_scale.sh` at commit %s on %s cores; median of %d runs per variant, interleaved, start-up included.\n\n' "$(git rev-parse --short HEAD)" "$(nproc)" "$runs"
  printf '| Generate on | fleet.yaml | median, ms | ratio to the row above |\n|---|---:|---:|---:|\n'
  printf '| 1,000 services | %s KiB | %s | |\n' "$(( $(stat -c %s "$work/s1k/examples/mini/fleet.yaml") / 1024 ))" "$s1k"
  printf '| 10,000 services | %s KiB | %s | %s |\n' "$(( $(stat -c %s "$work/s10k/examples/mini/fleet.yaml") / 1024 ))" "$s10k" "$(ratio "$s10k" "$s1k")"
  printf '| one service, 10,000 env entries | %s KiB | %s | |\n' "$(( $(stat -c %s "$work/e10k/examples/mini/fleet.yaml") / 1024 ))" "$e10k"
  printf '| one service, 100,000 env entries | %s KiB | %s | %s |\n' "$(( $(stat -c %s "$work/e100k/examples/mini/fleet.yaml") / 1024 ))" "$e100k" "$(ratio "$e100k" "$e10k")"
}
