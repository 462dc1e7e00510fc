#!/usr/bin/env bash
# Explain's cost on the fleet-sized tree (bench/fleet_tree.py: 24 families + 69 services), published to the loopback
# registry by a CI-mode Publish (1 KiB layers instead of 8–32 MiB: Explain reads records, not layers). Median
# (min–max) of N warm runs of each, interleaved:
#  - Explain against -latest, nothing changed, records kept here from an earlier Explain (the usual case);
#  - the same from a copy without .kiln/ (every record read from the registry);
#  - ComputeHash --offline of the same tree (Explain's hashing part, no registry).
# Kiln runs as users run it, `./build.sh` handing each run to its resident server (the bench's own, stopped at the
# end); one more row runs the warm Explain in a fresh process each time (KILN_SERVER=off, as CI does).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=${BENCH_RUNS:-7}
# shellcheck source=bench/fleet.sh disable=SC1091
. bench/fleet.sh
bench_up
tree=$(mktemp -d)
registry=$KILN_TEST_REGISTRY/kiln/explain-bench-$(date +%s)
bench_fleet "$tree" "$registry"
sed -i 's/bs=1M/bs=1K/' "$tree/docker/families.yaml"   # committed with the generated files below
k=(env KILN_SERVER=on ./build.sh --working="$tree" --registry="$registry" --no-report --verbosity=quiet)
fresh=(dotnet "$PWD/run/Build.dll" --working="$tree" --registry="$registry" --no-report --verbosity=quiet)
"${k[@]}" --target=Generate >/dev/null
for _ in $(seq 100); do [ -s "$KILN_SERVER_DIR/state" ] && break; sleep 0.2; done   # the first run started the server
git -C "$tree" add -A && git -C "$tree" -c user.email=bench@kiln -c user.name=bench commit -qm generated
# A size baseline first (the size gate blocks images without one), then the CI-mode Publish that records inputs.
"${k[@]}" --target=SizeGate --update-baseline --mode=ci --cve-scanner=none >/dev/null 2>&1 || { echo "the bench tree's size baseline failed" >&2; exit 1; }
git -C "$tree" add -A && git -C "$tree" -c user.email=bench@kiln -c user.name=bench commit -qm baseline
"${k[@]}" --target=Publish --mode=ci --cve-scanner=none >/dev/null 2>&1 || { echo "the CI-mode Publish of the bench tree failed" >&2; exit 1; }
"${k[@]}" --target=Explain --mode=local >/dev/null 2>&1   # keeps the records it reads
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
spread() { sort -n | awk '{a[NR]=$1} END {printf "%d (%d–%d)", a[int((NR+1)/2)], a[1], a[NR]}'; }
time_ms() { local t0; t0=$(date +%s%N); "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }; echo $(( ($(date +%s%N) - t0) / 1000000 )); }
cold() { rm -rf "$tree/.kiln"; "${k[@]}" --target=Explain --mode=local; }
declare -A t
for _ in $(seq "$runs"); do
  t[warm]+="$(time_ms "${k[@]}" --target=Explain --mode=local) "
  t[hash]+="$(time_ms "${k[@]}" --target=ComputeHash --mode=local --offline) "
  t[cold]+="$(time_ms cold) "
  "${k[@]}" --target=Explain --mode=local >/dev/null 2>&1   # untimed: keeps the records again
  t[fresh]+="$(time_ms "${fresh[@]}" --target=Explain --mode=local) "
  "${k[@]}" --target=Explain --mode=local >/dev/null 2>&1   # untimed: keeps the records again
done
"${k[@]}" --target=Explain --mode=local --format=json > "$tree/explain.json" 2>/dev/null
s() { tr ' ' '\n' <<<"${t[$1]}" | grep . | spread; }
m() { tr ' ' '\n' <<<"${t[$1]}" | grep . | median; }
# shellcheck disable=SC2016 # the backticks are Markdown
{
  printf 'Measured by `bench/explain.sh` at commit %s on %s cores; %d runs per variant, interleaved.\n\n' "$(git rev-parse --short HEAD)" "$(nproc)" "$runs"
  printf '| run (24 families + 69 services, published, nothing changed) | median (min–max), ms |\n|---|---:|\n'
  printf '| `Explain` against -latest, records kept here by an earlier Explain | %s |\n' "$(s warm)"
  printf '| `Explain` against -latest from a copy without `.kiln/` (every record from the registry) | %s |\n' "$(s cold)"
  printf '| `ComputeHash --offline` (Explain'"'"'s hashing, no registry) | %s |\n' "$(s hash)"
  printf '| `Explain` as the first row, in a fresh process each time (`KILN_SERVER=off`, as in CI) | %s |\n' "$(s fresh)"
}
python3 - "$tree/explain.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
images = doc["images"] if isinstance(doc, dict) and "images" in doc else doc
statuses = {}
for i in (images.values() if isinstance(images, dict) else images):
    statuses[i["status"]] = statuses.get(i["status"], 0) + 1
print("\nstatuses of the last Explain: " + ", ".join("%s %d" % kv for kv in sorted(statuses.items())))
PY
printf '\nExplain warm: %s ms (goal < 1000 ms); in a fresh process: %s ms; runs the server answered: %s\n' "$(m warm)" "$(m fresh)" "$(grep -c ' run: ' "$KILN_SERVER_DIR/log" || true)"
