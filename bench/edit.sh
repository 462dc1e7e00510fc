#!/usr/bin/env bash
# The one-agent edit alone, on the fleet-sized tree (bench/fleet_tree.py: 24 families + 69 services at their real
# paths): N interleaved pairs, each timed after a `sync` — a new line in one agent's program, then Kiln's `Bake` (which
# rebuilds that image only), against a new line and the raw `docker buildx bake --load <that target>` on the staged
# code (a cp: the raw tool cannot know the closure). Prints the table, Kiln's phases per run (bake-summary.json) and
# how many images the local store was asked about. Kiln runs as users run it, `./build.sh` handing the run to its
# resident server (a server of the bench's own, stopped at the end); a third column runs the app in a fresh process
# each time (KILN_SERVER=off, as CI does). bench/bake.sh measures the same pair among its other variants.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=${BENCH_RUNS:-9}
# shellcheck source=bench/fleet.sh disable=SC1091
. bench/fleet.sh
bench_up
fleet=$(mktemp -d)
registry=$KILN_TEST_REGISTRY/kiln/edit-bench
bench_fleet "$fleet" "$registry"
agent_file=$(awk -F'\t' '$1 == "agent" {print $2}' "$fleet.facts"); agent=$(awk -F'\t' '$1 == "agent" {print $3}' "$fleet.facts")
fk=(env KILN_SERVER=on ./build.sh --working="$fleet" --registry="$registry" --mode=local --no-report --verbosity=quiet)
fresh=(dotnet "$PWD/run/Build.dll" --working="$fleet" --registry="$registry" --mode=local --no-report --verbosity=quiet)
"${fk[@]}" --target=Generate >/dev/null
for _ in $(seq 100); do [ -s "$KILN_SERVER_DIR/state" ] && break; sleep 0.2; done   # the first run started the server
"${fk[@]}" --target=Bake >/dev/null 2>&1; "${fk[@]}" --target=Bake >/dev/null 2>&1   # built, then a no-op that records the store
time_ms() { local t0; sync; t0=$(date +%s%N); "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }; echo $(( ($(date +%s%N) - t0) / 1000000 )); }
nonce=$(date +%s%N)   # edits unique to this run: an edit an earlier run baked would be reused, not built
n=0; edit() { n=$((n + 1)); echo "# edit $n $nonce" >> "$fleet/apps/$agent_file"; }
raw_edit() { edit; cp "$fleet/apps/$agent_file" "$fleet/.kiln/code/$agent/$agent_file"; (cd "$fleet" && BUILDX_GIT_INFO=0 REGISTRY=$registry docker buildx bake -f docker/docker-bake.hcl --load "$agent"); }
kiln_edit() { edit; "${fk[@]}" --target=Bake; }
fresh_edit() { edit; "${fresh[@]}" --target=Bake; }
# Each run's phases, and when the bake process began and ended (ms from the request: the rest is Kiln's own).
phases() { python3 -c 'import json,sys; ph=json.load(open(sys.argv[1]))["phases"]; b=[p for p in ph if p["name"]=="bake process"]; print("  " + ("bake %.0f–%.0f; " % (b[0]["start"], b[0]["start"]+b[0]["milliseconds"]) if b else "") + ", ".join("%s %.0f" % (p["name"], p["milliseconds"]) for p in ph))' "$fleet/artifacts/bake-summary.json"; }
kiln_edit >/dev/null 2>&1 || { echo "Kiln's warm-up Bake failed" >&2; exit 1; }; raw_edit >/dev/null 2>"$fleet/raw.err" || { echo "the raw warm-up bake failed:" >&2; tail -5 "$fleet/raw.err" >&2; exit 1; }   # warm both paths (a Kiln build stages the code the raw bake reads)
kiln=() raw=() fresh_ms=() log=()
for _ in $(seq "$runs"); do
  kiln+=("$(time_ms kiln_edit)"); log+=("$(phases)")
  raw+=("$(time_ms raw_edit)")
  fresh_ms+=("$(time_ms fresh_edit)")
done
served=$(grep -c ' run: ' "$KILN_SERVER_DIR/log" || true)
built=$(python3 -c 'import json,sys; print(",".join(sorted(f["name"] for f in json.load(open(sys.argv[1]))["families"] if f["outcome"] == "built")))' "$fleet/artifacts/bake-summary.json")
asked=$("${fk[@]/--verbosity=quiet/--verbosity=diagnostic}" --target=Bake 2>&1 | sed 's/\x1b\[[0-9;]*m//g' | grep -o 'Local store: asked about [0-9]* of [0-9]* images' | tail -1 || true)
spread() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "%d (%d–%d)", a[int((NR+1)/2)], a[1], a[NR]}'; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# shellcheck disable=SC2016 # the backticks are Markdown
{
  printf 'Measured by `bench/edit.sh` at commit %s on %s cores, Docker engine %s, buildx %s; %d interleaved pairs.\n\n' \
    "$(git rev-parse --short HEAD)" "$(nproc)" "$(docker version --format '{{.Server.Version}}')" "$(docker buildx version | awk '{print $2}')" "$runs"
  printf '| run (24 families + 69 services, one agent edited) | median (min–max), ms | ratio |\n|---|---:|---:|\n'
  printf '| raw `docker buildx bake --load %s` | %s | 1.00x |\n' "$agent" "$(spread "${raw[@]}")"
  printf '| Kiln `./build.sh --target=Bake` (rebuilds %s only; its resident server) | %s | %s |\n' "$built" "$(spread "${kiln[@]}")" "$(awk -v a="$(median "${kiln[@]}")" -v b="$(median "${raw[@]}")" 'BEGIN{printf "%.2fx", a/b}')"
  printf '| Kiln in a fresh process each time (`KILN_SERVER=off`, as in CI) | %s | %s |\n' "$(spread "${fresh_ms[@]}")" "$(awk -v a="$(median "${fresh_ms[@]}")" -v b="$(median "${raw[@]}")" 'BEGIN{printf "%.2fx", a/b}')"
  printf '\nKiln'"'"'s phases per run (ms; served runs, the bake'"'"'s start and end counted from the request):\n'; printf '%s\n' "${log[@]}"
  printf '\nlast no-op: %s; runs the server answered: %s\n' "${asked:-(no count logged)}" "$served"
}
