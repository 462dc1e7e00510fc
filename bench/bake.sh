#!/usr/bin/env bash
# Bake benchmarks on the demo tree, ratios measured in one run (median of N, runs interleaved so that machine
# noise hits every variant alike); needs tests/infra/up.sh's engine:
#  1. no-op: `./build.sh --target=Bake` with nothing changed vs the old flow (always `docker buildx bake` with cache
#     import/export and --load of every target);
#  2. warm full run: Kiln `Bake --force` (hash, plan, checks, bake, verify, summary) vs raw `docker buildx bake
#     --load` of the same targets, both with a warm BuildKit cache; the same for --reproducible (OCI tarballs with
#     rewritten timestamps, then one merged `docker load`) against the same bake command run raw;
#  3. the same no-op and warm full run on a generated fleet-sized tree (24 families: a root, 5 children, 18
#     grandchildren, 8-32 MiB layers, and 69 services on them), where the fixed costs of the small demo matter
#     less, and a one-service edit against the raw bake of that one target.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=${BENCH_RUNS:-7}
eval "$(tests/infra/up.sh)"
registry=$KILN_TEST_REGISTRY/kiln/bench
catalog=examples/mini/families.yaml
kiln=(dotnet run/Build.dll --catalog="$catalog" --registry="$registry" --mode=local --no-report --verbosity=quiet)
KILN_SERVER=off ./build.sh --tree >/dev/null 2>&1
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# "median (min–max)" of the runs of one variant, for the README table.
spread() { sort -n | awk '{a[NR]=$1} END {printf "%d (%d–%d)", a[int((NR+1)/2)], a[1], a[NR]}'; }
# Each timed run starts with the disk quiet (sync): a variant that loads 93 images leaves seconds of writes behind,
# which would otherwise land on whichever variant runs next.
time_ms() { local t0; sync; t0=$(date +%s%N); "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }; echo $(( ($(date +%s%N) - t0) / 1000000 )); }
old_flow() { CACHE=local CACHE_DIR=.kiln/bench-cache CACHE_EXPORT_DIR=.kiln/bench-cache docker buildx bake -f examples/mini/docker-bake.hcl --load default artifacts; }
# The raw bake runs without buildx's git collection, as Kiln's does (provenance off): Kiln's overhead, not a setting.
raw_load() { BUILDX_GIT_INFO=0 REGISTRY=$registry docker buildx bake -f examples/mini/docker-bake.hcl --load default; }
# Kiln's own reproducible bake command and environment, taken from its --dryrun.
mapfile -t dry < <("${kiln[@]}" --target=Bake --force --reproducible --dryrun 2>/dev/null | sed -n '/^Would run/,$p' | tail -n +2 | sed 's/^  //')
raw_reproducible() { env "${dry[@]:1}" bash -c "${dry[0]}"; }

"${kiln[@]}" --target=Bake >/dev/null 2>&1; old_flow >/dev/null 2>&1; raw_load >/dev/null 2>&1; raw_reproducible >/dev/null 2>&1   # warm everything
declare -A t
for _ in $(seq "$runs"); do
  t[noop]+="$(time_ms "${kiln[@]}" --target=Bake) "
  t[old]+="$(time_ms old_flow) "
  t[force]+="$(time_ms "${kiln[@]}" --target=Bake --force) "
  t[raw]+="$(time_ms raw_load) "
  t[repro]+="$(time_ms "${kiln[@]}" --target=Bake --force --reproducible) "
  t[rawrepro]+="$(time_ms raw_reproducible) "
done
m() { tr ' ' '\n' <<<"${t[$1]}" | grep . | median; }
s() { tr ' ' '\n' <<<"${t[$1]}" | grep . | spread; }
noop=$(m noop) old=$(m old) force=$(m force) raw=$(m raw) repro=$(m repro) rawrepro=$(m rawrepro)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2fx", a/b}'; }
# The README's table, printed here so the two cannot drift: paste it as it is.
# shellcheck disable=SC2016 # the backticks are Markdown
{
  printf 'Measured by `bench/bake.sh` at commit %s on %s cores, Docker engine %s, buildx %s; %d runs per variant, interleaved.\n\n' \
    "$(git rev-parse --short HEAD)" "$(nproc)" "$(docker version --format '{{.Server.Version}}')" "$(docker buildx version | awk '{print $2}')" "$runs"
  printf '| run (demo tree, 5 families, warm cache) | median (min–max), ms | ratio |\n|---|---:|---:|\n'
  printf '| old flow: `docker buildx bake` with cache import/export, `--load` | %s | 1.00x |\n' "$(s old)"
  printf '| Kiln `Bake`, nothing changed | %s | %s |\n' "$(s noop)" "$(ratio "$noop" "$old")"
  printf '| raw `docker buildx bake --load` of the same targets | %s | 1.00x |\n' "$(s raw)"
  printf '| Kiln `Bake --force` | %s | %s |\n' "$(s force)" "$(ratio "$force" "$raw")"
  printf '| Kiln'"'"'s reproducible bake command, run raw (OCI tarballs, rewrite-timestamp) | %s | 1.00x |\n' "$(s rawrepro)"
  printf '| Kiln `Bake --force --reproducible` (+ one merged `docker load`) | %s | %s |\n' "$(s repro)" "$(ratio "$repro" "$rawrepro")"
}
# Where a forced run's time goes: the last forced run's phases (bake-summary.json).
"${kiln[@]}" --target=Bake --force >/dev/null 2>&1
python3 - <<'PY'
import json
phases = json.load(open("artifacts/bake-summary.json"))["phases"]
print("\nphases of a forced run (ms): " + ", ".join("%s %.0f" % (p["name"], p["milliseconds"]) for p in phases))
PY
printf '\nno-op vs old flow: %s (goal <= 0.2x); warm full run vs raw bake: %s (goal <= 1.10x); reproducible vs its raw bake: %s (goal <= 1.25x)\n' \
  "$(ratio "$noop" "$old")" "$(ratio "$force" "$raw")" "$(ratio "$repro" "$rawrepro")"

# --- fleet-sized tree ------------------------------------------------------------------------------------------
# 24 families (a root, 5 children, 18 grandchildren, 8-32 MiB layers) and the 69 services of docker/fleet.yaml at
# their real entrypoint paths (34 in main_pc_code/agents/), each a ~200-line program with 5-15 imports, a third of
# them importing the shared package common/, half the agents main_pc_code.utils: Kiln builds each from its imports.
fleet=$(mktemp -d); trap 'rm -rf "$fleet"' EXIT
mkdir -p "$fleet/docker/files" && echo hello > "$fleet/docker/files/motd" && cp pixi.toml "$fleet/"
tree_facts=$(python3 bench/fleet_tree.py "$fleet")
common_users=$(awk -F'\t' '$1 == "common/bus.py" {print $2}' <<<"$tree_facts")
agent_file=$(awk -F'\t' '$1 == "agent" {print $2}' <<<"$tree_facts"); agent=$(awk -F'\t' '$1 == "agent" {print $3}' <<<"$tree_facts")
git -C "$fleet" init -q && git -C "$fleet" add -A && git -C "$fleet" -c user.email=bench@kiln -c user.name=bench commit -qm fleet
fleet_registry=$KILN_TEST_REGISTRY/kiln/fleet-bench
fk=(dotnet "$PWD/run/Build.dll" --working="$fleet" --registry="$fleet_registry" --mode=local --no-report --verbosity=quiet)
"${fk[@]}" --target=Generate >/dev/null
fleet_old() { (cd "$fleet" && CACHE=local CACHE_DIR=.kiln/bench-cache CACHE_EXPORT_DIR=.kiln/bench-cache REGISTRY=$fleet_registry docker buildx bake -f docker/docker-bake.hcl --load default services); }
fleet_raw() { (cd "$fleet" && BUILDX_GIT_INFO=0 REGISTRY=$fleet_registry docker buildx bake -f docker/docker-bake.hcl --load "$@"); }
built() { python3 -c 'import json,sys; print(",".join(sorted(f["name"] for f in json.load(open(sys.argv[1]))["families"] if f["outcome"] == "built")))' "$fleet/artifacts/bake-summary.json"; }
# A one-agent edit: a new line in that agent's program, then Kiln's Bake (which rebuilds that image only) against the
# raw bake of that one target, whose staged code gets the same edited file (a cp: the raw tool cannot know the
# closure); each variant edits afresh.
edits=0; nonce=$(date +%s%N)   # edits unique to this run: an edit an earlier run baked would be reused, not built
edit() { edits=$((edits + 1)); echo "# edit $edits $nonce" >> "$fleet/apps/$agent_file"; }
raw_edit() { edit; cp "$fleet/apps/$agent_file" "$fleet/.kiln/code/$agent/$agent_file"; fleet_raw "$agent"; }
"${fk[@]}" --target=Bake >/dev/null 2>&1; fleet_old >/dev/null 2>&1; fleet_raw default services >/dev/null 2>&1   # warm everything
# What an edit rebuilds, checked once: one agent → that image; the shared module → exactly its importers; a file no
# service imports → nothing.
edit; "${fk[@]}" --target=Bake >/dev/null 2>&1; one=$(built)
echo "# edit $nonce" >> "$fleet/apps/common/bus.py"; "${fk[@]}" --target=Bake >/dev/null 2>&1; shared=$(built)
echo "# edit $nonce" >> "$fleet/apps/tools/notes.py"; "${fk[@]}" --target=Bake >/dev/null 2>&1; none=$(built)
declare -A f
for _ in $(seq "${FLEET_RUNS:-5}"); do
  f[noop]+="$(time_ms "${fk[@]}" --target=Bake) "
  f[old]+="$(time_ms fleet_old) "
  f[force]+="$(time_ms "${fk[@]}" --target=Bake --force) "
  f[raw]+="$(time_ms fleet_raw default services) "
  edit; f[edit]+="$(time_ms "${fk[@]}" --target=Bake) "
  f[rawedit]+="$(time_ms raw_edit) "
  "${fk[@]}" --target=Bake >/dev/null 2>&1   # untimed: Kiln catches up with that edit, so the next no-op is one
done
fm() { tr ' ' '\n' <<<"${f[$1]}" | grep . | median; }
fs() { tr ' ' '\n' <<<"${f[$1]}" | grep . | spread; }
fnoop=$(fm noop) fold=$(fm old) fforce=$(fm force) fraw=$(fm raw) fedit=$(fm edit) frawedit=$(fm rawedit)
# The import analysis of all 69 services, as ComputeHash timed it in the last no-op run (warm page cache).
"${fk[@]}" --target=Bake >/dev/null 2>&1
analysis=$(python3 -c 'import json,sys; print("%.0f" % sum(p["milliseconds"] for p in json.load(open(sys.argv[1]))["phases"] if p["name"] == "import analysis"))' "$fleet/artifacts/bake-summary.json")
# shellcheck disable=SC2016 # the backticks are Markdown
{
  printf '\n| run (generated tree, 24 families + 69 services at their real paths, warm cache) | median (min–max) of %d, ms | ratio |\n|---|---:|---:|\n' "${FLEET_RUNS:-5}"
  printf '| old flow: `docker buildx bake` with cache import/export, `--load`, every target | %s | 1.00x |\n' "$(fs old)"
  printf '| Kiln `Bake`, nothing changed | %s | %s |\n' "$(fs noop)" "$(ratio "$fnoop" "$fold")"
  printf '| raw `docker buildx bake --load` of every target | %s | 1.00x |\n' "$(fs raw)"
  printf '| Kiln `Bake`, nothing changed, against that raw bake | %s | %s |\n' "$(fs noop)" "$(ratio "$fnoop" "$fraw")"
  printf '| Kiln `Bake --force` | %s | %s |\n' "$(fs force)" "$(ratio "$fforce" "$fraw")"
  printf '| raw `docker buildx bake --load %s` after an edit of %s | %s | 1.00x |\n' "$agent" "$agent_file" "$(fs rawedit)"
  printf '| Kiln `Bake` after an edit of %s (rebuilds that image only) | %s | %s |\n' "$agent_file" "$(fs edit)" "$(ratio "$fedit" "$frawedit")"
  printf '\nimport analysis of all 69 services (ComputeHash, no-op run): %s ms (goal < 500 ms)\n' "$analysis"
  printf 'an edit of %s rebuilt: %s\n' "$agent_file" "$one"
  printf 'an edit of common/bus.py rebuilt %s image(s); its importers: %s; same set: %s\n' "$(tr ',' '\n' <<<"$shared" | grep -c .)" "$(tr ',' '\n' <<<"$common_users" | grep -c .)" "$([ "$shared" = "$common_users" ] && echo yes || echo NO)"
  printf 'an edit of tools/notes.py (imported by nothing) rebuilt: %s\n' "${none:-nothing}"
}
"${fk[@]}" --target=Bake --force >/dev/null 2>&1
python3 - "$fleet/artifacts/bake-summary.json" <<'PY'
import json, sys
phases = json.load(open(sys.argv[1]))["phases"]
print("\nphases of a forced fleet run (ms): " + ", ".join("%s %.0f" % (p["name"], p["milliseconds"]) for p in phases))
PY
printf '\nfleet: no-op vs old flow: %s (goal <= 0.05x); warm full run vs raw bake: %s (goal <= 1.05x); one-agent edit vs its raw bake: %s (goal <= 1.3x)\n' \
  "$(ratio "$fnoop" "$fold")" "$(ratio "$fforce" "$fraw")" "$(ratio "$fedit" "$frawedit")"
docker image ls --format '{{.Repository}}:{{.Tag}}' | grep -E "^$fleet_registry(-services)?:" | xargs -r docker rmi >/dev/null 2>&1 || true
