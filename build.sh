#!/usr/bin/env bash
# Kiln's bootstrapper: builds the Cake app once into run/, rebuilds only when build/ changed, runs the DLL.
# All arguments go to the app: ./build.sh --target=Bake --families=cpu-py311
# Local runs go to a resident Kiln server when one is up (started in the background by the first run; it answers on
# loopback only, to the holder of its token, and stops after 3 idle hours or when the app is rebuilt): the same app,
# minus the runtime's start-up and compilation. KILN_SERVER=off runs every time in a fresh process (CI always does);
# ./build.sh --stop-server stops it. Its state and log: .kiln/server/ (KILN_SERVER_DIR).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dll=$root/run/Build.dll
server_dir=${KILN_SERVER_DIR:-$root/.kiln/server}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

stale() {
  [ -f "$dll" ] || return 0
  # Any source, project or SDK-pin change newer than the built DLL means a rebuild (one find, no hashing).
  [ -n "$(find "$root/build" "$root/Directory.Build.props" "$root/Directory.Build.targets" "$root/global.json" \
      \( -path "$root/build/bin" -o -path "$root/build/obj" \) -prune -o -newer "$dll" -type f -print -quit 2>/dev/null)" ]
}

rid() {
  case "$(uname -s)/$(uname -m)" in
    Linux/x86_64) echo linux-x64 ;; Linux/aarch64) echo linux-arm64 ;;
    Darwin/arm64) echo osx-arm64 ;; Darwin/x86_64) echo osx-x64 ;; *) echo "" ;;
  esac
}

serve_enabled() {
  case "${KILN_SERVER:-auto}" in
    off | 0 | false | no) return 1 ;;
    on | 1 | true | yes) ;;
    *) [ -z "${CI:-}" ] && [ -z "${GITHUB_ACTIONS:-}" ] || return 1 ;;   # a fresh CI machine gains nothing from one
  esac
  # The client needs bash's /dev/tcp and `read -d ''` (bash 4.4+).
  [ "${BASH_VERSINFO[0]}" -gt 4 ] || { [ "${BASH_VERSINFO[0]}" -eq 4 ] && [ "${BASH_VERSINFO[1]}" -ge 4 ]; }
}

# The recorded server, when it is alive: its port, token and pid into server_port, server_token, server_process.
read_server() {
  { read -r server_port && read -r server_token && read -r server_process; } 2>/dev/null <"$server_dir/state" || return 1
  kill -0 "$server_process" 2>/dev/null
}

stop_server() {
  if read_server; then kill "$server_process" 2>/dev/null || true; fi
  rm -f "$server_dir/state"
}

start_server() {
  mkdir -p "$server_dir" && chmod 700 "$server_dir"
  # Its own session: a Ctrl-C in this terminal is the run's, not the server's (the server interrupts a run whose
  # client went away itself). Without tiered compilation: call counts add up across runs, so a tiered server keeps
  # recompiling the methods each run calls once, on the cores the bake needs (measured on the fleet-sized tree:
  # ~1.3 s of CPU per served one-agent Bake over its first dozens of runs, ~0.28 s without); the app's
  # ReadyToRun code runs as compiled instead.
  if command -v setsid >/dev/null 2>&1; then
    DOTNET_TieredCompilation=0 setsid dotnet "$dll" --serve "$server_dir" </dev/null >>"$server_dir/log" 2>&1 &
  else
    DOTNET_TieredCompilation=0 nohup dotnet "$dll" --serve "$server_dir" </dev/null >>"$server_dir/log" 2>&1 &
  fi
}

# Hands this run to the server: returns only when the server cannot take it (none, busy, rebuilt, refused).
via_server() {
  local reply word rc fifos tty=0 cols=0 name out err names=()
  read_server || return 1
  { exec 3<>"/dev/tcp/127.0.0.1/$server_port"; } 2>/dev/null || return 1
  if ! fifos=$(mktemp -d "${TMPDIR:-/tmp}/kiln-run.XXXXXX") || ! mkfifo "$fifos/out" "$fifos/err"; then
    exec 3>&-
    return 1
  fi
  [ -t 1 ] && tty=1 && cols=$(tput cols 2>/dev/null || echo "${COLUMNS:-0}")
  while IFS= read -r name; do names+=("$name"); done < <(compgen -e)
  {
    printf '%s\0' kiln-request-1 "$server_token" "$fifos" "$tty" "$cols" "$PWD" "$#" "$@" "${#names[@]}"
    for name in "${names[@]}"; do printf '%s=%s\0' "$name" "${!name}"; done
  } >&3
  read -r reply <&3 || reply=
  if [ "$reply" != run ]; then
    exec 3>&-; rm -rf "$fifos"
    [ "$reply" = stale ] && rm -f "$server_dir/state"
    return 1
  fi
  cat "$fifos/out" & out=$!
  cat "$fifos/err" >&2 & err=$!
  read -r word rc <&3 || word=
  wait "$out" "$err" || true
  rm -rf "$fifos"
  [ "$word" = exit ] && exit "$rc"
  echo "build.sh: the Kiln server ended the run without an exit code (its log: $server_dir/log)" >&2
  exit 1
}

if [ "${1:-}" = --stop-server ]; then
  stop_server
  exit 0
fi

if stale; then
  stop_server   # it runs the old app
  echo "build.sh: building the Kiln build app into run/" >&2
  # ReadyToRun (precompiled) starts ~40% faster; fall back to a plain build where crossgen is not obtainable.
  r=$(rid)
  if [ -z "$r" ] || ! dotnet publish "$root/build/Build.csproj" -c Release -r "$r" --self-contained false \
      -p:PublishReadyToRun=true -o "$root/run" -nologo -v quiet -clp:NoSummary >&2; then
    dotnet build "$root/build/Build.csproj" -c Release -o "$root/run" -nologo -v quiet -clp:NoSummary >&2
  fi
  touch "$dll"
fi
cd "$root"
if serve_enabled; then
  via_server "$@" || read_server || start_server
fi
exec dotnet "$dll" "$@"
