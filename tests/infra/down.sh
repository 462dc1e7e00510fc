#!/usr/bin/env bash
# Stops only what tests/infra/up.sh started, by pid. Leaves an engine or registry it did not start alone.
set -euo pipefail
cache=${KILN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kiln}
state=${KILN_INFRA_STATE:-$cache/state}
log() { printf 'down.sh: %s\n' "$*" >&2; }

stop_pid() { # name pidfile
  local name=$1 file=$2 pid
  [ -f "$file" ] || { log "$name: not started by up.sh"; return 0; }
  pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null; then
    log "stopping $name (pid $pid)"; kill "$pid"
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && { log "$name did not stop; sending KILL"; kill -9 "$pid"; }
  else
    log "$name (pid $pid) is not running"
  fi
  rm -f "$file"
}

stop_pid registry "$state/registry.pid"
rm -f "$state/registry.port"
if [ -f "$state/dockerd.owned" ]; then
  stop_pid dockerd "$state/dockerd.pid.launch"
  rm -f "$state/dockerd.owned" "$state/dockerd.pid"
else
  log "dockerd: not started by up.sh; left running"
fi
rm -f "$(dirname "${BASH_SOURCE[0]}")/.env"
