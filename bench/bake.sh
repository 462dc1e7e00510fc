#!/usr/bin/env bash
# Bake benchmarks on the demo tree, ratios measured in one run (median of 5), needs tests/infra/up.sh's engine:
#  1. no-op: `./build.sh --target=Bake` with nothing changed vs the old flow (always `docker buildx bake` with cache
#     import/export and --load of every target);
#  2. warm full run: Kiln `Bake --force` (hash, plan, bake, load, summary) vs raw `docker buildx bake --load` of the
#     same targets, both with a warm BuildKit cache.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
eval "$(tests/infra/up.sh)"
registry=$KILN_TEST_REGISTRY/kiln/bench
catalog=examples/demo/families.yaml
kiln=(dotnet run/Build.dll --catalog="$catalog" --registry="$registry" --mode=local --no-report --verbosity=quiet)
./build.sh --tree >/dev/null 2>&1
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_ms() { local t0; t0=$(date +%s%N); "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }; echo $(( ($(date +%s%N) - t0) / 1000000 )); }
old_flow() { CACHE=local CACHE_DIR=.kiln/bench-cache docker buildx bake -f examples/demo/docker-bake.hcl --load default artifacts; }
raw_same() { REGISTRY=$registry docker buildx bake -f examples/demo/docker-bake.hcl --load default; }
# Kiln's own bake command and environment, taken from its --dryrun: the orchestration overhead without design costs.
mapfile -t dry < <("${kiln[@]}" --target=Bake --force --dryrun 2>/dev/null | sed -n '/^Would run/,$p' | tail -n +2 | sed 's/^  //')
kiln_cmd() { env "${dry[@]:1}" bash -c "${dry[0]}"; }

"${kiln[@]}" --target=Bake >/dev/null 2>&1; old_flow >/dev/null 2>&1; raw_same >/dev/null 2>&1   # warm everything
noop=$(for _ in 1 2 3 4 5; do time_ms "${kiln[@]}" --target=Bake; done | median)
old=$(for _ in 1 2 3 4 5; do time_ms old_flow; done | median)
full=$(for _ in 1 2 3 4 5; do time_ms "${kiln[@]}" --target=Bake --force; done | median)
raw=$(for _ in 1 2 3 4 5; do time_ms raw_same; done | median)
own=$(for _ in 1 2 3 4 5; do time_ms kiln_cmd; done | median)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2fx", a/b}'; }
# shellcheck disable=SC2016 # the backticks are Markdown
{
  printf '| run (demo tree, 5 families, warm cache) | median of 5 (ms) | ratio |\n|---|---:|---:|\n'
  printf '| old flow: `docker buildx bake` with cache, --load | %d | 1.00x |\n' "$old"
  printf '| Kiln `Bake`, nothing changed | %d | %s |\n' "$noop" "$(ratio "$noop" "$old")"
  printf '| raw `docker buildx bake --load` of the same targets | %d | 1.00x |\n' "$raw"
  printf '| Kiln `Bake --force` (hash, plan, OCI export, load, summary) | %d | %s |\n' "$full" "$(ratio "$full" "$raw")"
  printf '| Kiln'"'"'s own bake command run raw (OCI + rewrite-timestamp, cache export) | %d | %s |\n' "$own" "$(ratio "$own" "$raw")"
}
printf '\nno-op vs old flow: %s (goal <= 0.3x); warm full run vs raw bake: %s (goal <= 1.15x); vs its own bake command: %s\n' \
  "$(ratio "$noop" "$old")" "$(ratio "$full" "$raw")" "$(ratio "$full" "$own")"
