#!/usr/bin/env bash
# Kiln's bootstrapper: builds the Cake app once into run/, rebuilds only when build/ changed, runs the DLL.
# All arguments go to the app: ./build.sh --target=Bake --families=cpu-py311
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dll=$root/run/Build.dll
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

stale() {
  [ -f "$dll" ] || return 0
  # Any source, project or SDK-pin change newer than the built DLL means a rebuild (one find, no hashing).
  [ -n "$(find "$root/build" "$root/Directory.Build.props" "$root/Directory.Build.targets" "$root/global.json" \
      \( -path "$root/build/bin" -o -path "$root/build/obj" \) -prune -o -newer "$dll" -type f -print -quit)" ]
}

rid() {
  case "$(uname -s)/$(uname -m)" in
    Linux/x86_64) echo linux-x64 ;; Linux/aarch64) echo linux-arm64 ;;
    Darwin/arm64) echo osx-arm64 ;; Darwin/x86_64) echo osx-x64 ;; *) echo "" ;;
  esac
}

if stale; then
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
exec dotnet "$dll" "$@"
