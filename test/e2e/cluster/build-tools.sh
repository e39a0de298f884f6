#!/usr/bin/env bash
# Builds the install tools the e2e suite proves the release with, from the Go module proxy,
# cached by version like build.sh does for the control plane:
#   krew  sigs.k8s.io/krew          -> .cache/bin/krew-<version>/kubectl-krew (a kubectl plugin)
#   helm  helm.sh/helm/v4           -> .cache/bin/helm-<version>/helm
# Reused when present; an interrupted build leaves no binary (built to .tmp, then renamed).
set -euo pipefail

KREW_VERSION=${KREW_VERSION:-v0.4.3}
HELM_VERSION=${HELM_VERSION:-v4.3.1}

root=$(cd "$(dirname "$0")/../../.." && pwd)
work="$root/.cache/build"
mkdir -p "$work"

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod

log() { echo "tools: $*" >&2; }

# name version module-path package out-dir binary-name ldflags
build() {
  local name=$1 version=$2 module=$3 pkg=$4 bin=$5 ld=$6
  local out="$root/.cache/bin/$name-$version"
  if [ -x "$out/$bin" ]; then
    echo "tools: $name $version cached in ${out#$root/}"
    return 0
  fi
  command -v go >/dev/null || { log "Go is not installed; it is needed to build $name"; exit 1; }
  mkdir -p "$out"
  # One build per tool and version at a time: a second one waits, then finds the cache.
  exec 9>"$out/.build.lock"
  flock 9
  if [ -x "$out/$bin" ]; then exec 9>&-; return 0; fi
  local mod="$work/$name-$version"
  mkdir -p "$mod"
  local start=$(date +%s)
  if [ ! -f "$mod/.resolved" ]; then
    rm -f "$mod/go.mod" "$mod/go.sum"
    (cd "$mod" && printf 'module paas.local/tools/%s\n\ngo %s\n' "$name" "$(go env GOVERSION | sed 's/^go//; s/\.[0-9]*$//')" > go.mod \
      && go get -tool "$pkg@$version" >/dev/null)
    touch "$mod/.resolved"
  fi
  log "building $name $version"
  (cd "$mod" && go build -trimpath -ldflags "-s -w $ld" -o "$out/$bin.tmp" "$pkg")
  mv "$out/$bin.tmp" "$out/$bin"
  exec 9>&-
  log "built $name $version in $(( $(date +%s) - start ))s into ${out#$root/}"
}

# krew's version string is how it names its own receipts; a build without it reports "v0.0.0".
build krew "$KREW_VERSION" sigs.k8s.io/krew sigs.k8s.io/krew/cmd/krew kubectl-krew \
  "-X sigs.k8s.io/krew/internal/version.gitTag=$KREW_VERSION"
build helm "$HELM_VERSION" helm.sh/helm/v4 helm.sh/helm/v4/cmd/helm helm \
  "-X helm.sh/helm/v4/internal/version.version=$HELM_VERSION"
