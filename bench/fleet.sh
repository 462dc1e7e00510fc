#!/usr/bin/env bash
# Sourced (never run) by the benches that run Kiln on the fleet-sized tree.
#   bench_up          the engine and loopback registry up (their variables exported), the app built into run/
#   bench_fleet DIR REGISTRY
#                     bench/fleet_tree.py's tree (24 families + 69 services) in the empty DIR, committed, with a
#                     resident server of its own (DIR/.server); fleet_tree.py's facts (kind, file, name per line) in
#                     DIR.facts. At exit, however the bench ends: the server stopped, DIR gone, and the images of
#                     REGISTRY (and REGISTRY-services) out of the engine (left there, they slow every later run)
bench_up() {
  eval "$(tests/infra/up.sh)"
  KILN_SERVER=off ./build.sh --tree >/dev/null 2>&1
}

bench_fleet() {
  local dir=$1 registry=$2
  export KILN_SERVER_DIR=$dir/.server
  # shellcheck disable=SC2064 # the folder and registry are fixed now, on purpose
  trap "KILN_SERVER=off ./build.sh --stop-server; rm -rf '$dir' '$dir.facts'; bench_images_out '$registry'" EXIT
  mkdir -p "$dir/docker/files" && echo hello >"$dir/docker/files/motd" && cp pixi.toml "$dir/"
  python3 bench/fleet_tree.py "$dir" >"$dir.facts"
  git -C "$dir" init -q && git -C "$dir" add -A && git -C "$dir" -c user.email=bench@kiln -c user.name=bench commit -qm fleet
}

bench_images_out() {
  docker image ls --format '{{.Repository}}:{{.Tag}}' | grep -E "^$1(-services)?:" | xargs -r docker rmi >/dev/null 2>&1 || true
}
