#!/usr/bin/env bash
# Builds a real Kubernetes control plane from the Go module proxy, cached by version.
#   kube-apiserver, kube-controller-manager, kube-scheduler, kubectl,
#   kubelet, kube-proxy (the real node's)                             (k8s.io/kubernetes)
#   etcd                                                              (go.etcd.io/etcd/server/v3)
#   kwok                                                              (sigs.k8s.io/kwok)
# Binaries land in .cache/bin/k8s-<version>/ (git-ignored) and are reused when present.
# K8S_VERSION picks the release (default v1.37.2); e.g. K8S_VERSION=v1.30.14 for an older minor.
set -euo pipefail

K8S_VERSION=${K8S_VERSION:-v1.37.2}
ETCD_VERSION=${ETCD_VERSION:-v3.6.16}
KWOK_VERSION=${KWOK_VERSION:-v0.8.0}

root=$(cd "$(dirname "$0")/../../.." && pwd)
out="$root/.cache/bin/k8s-$K8S_VERSION"
work="$root/.cache/build"
mkdir -p "$out" "$work"

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod

missing() {
  need=()
  for b in kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy etcd kwok; do
    [ -x "$out/$b" ] || need+=("$b")
  done
  [ -f "$out/kwok-stage-crd.yaml" ] || need+=(kwok-stage-crd.yaml)
  [ ${#need[@]} -gt 0 ]
}
if ! missing; then
  echo "cluster-bin: cached in ${out#$root/}"
  exit 0
fi

if ! command -v go >/dev/null; then
  echo "cluster-bin: Go is not installed; it is needed to build the control plane" >&2
  exit 1
fi

log() { echo "cluster-bin: $*" >&2; }

# One build per version at a time: a second `make cluster-bin` waits, then finds the cache.
exec 9>"$out/.build.lock"
if ! flock -n 9; then
  log "another build of $K8S_VERSION is running; waiting for it"
  flock 9
  if ! missing; then
    echo "cluster-bin: cached in ${out#$root/}"
    exit 0
  fi
fi

start=$(date +%s)

build_k8s() {
  local mod="$work/k8s-$K8S_VERSION"
  mkdir -p "$mod"
  local minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
  local staging="v0.${K8S_VERSION#v1.}"
  # .resolved marks a complete go.mod: an interrupted resolution is redone, not reused.
  if [ ! -f "$mod/.resolved" ]; then
    log "resolving k8s.io/kubernetes@$K8S_VERSION"
    rm -f "$mod/go.mod" "$mod/go.sum"
    (cd "$mod" && cat > go.mod <<MOD
module paas.local/cluster/k8s

go $(go env GOVERSION | sed 's/^go//; s/\.[0-9]*$//')
MOD
    gomod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
    # Every staging module is required at v0.0.0 and replaced by ./staging/...: map each to its
    # published release, read from kubernetes's own go.mod.
    {
      echo "require k8s.io/kubernetes $K8S_VERSION"
      echo "replace ("
      grep -E '^\s*k8s.io/[a-z0-9-]+ => ./staging/' "$gomod" | awk -v v="$staging" '{print "\t" $1 " => " $1 " " v}'
      echo ")"
    } >> go.mod
    cat > tools.go <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "k8s.io/kubernetes/cmd/kubelet"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
)
GO
    go mod tidy -e >/dev/null 2>&1 || true
    go mod download k8s.io/kubernetes)
    touch "$mod/.resolved"
  fi
  local commit=$(sed -n 's/.*"Origin".*"Hash": *"\([0-9a-f]*\)".*/\1/p' "$(go env GOMODCACHE)/cache/download/k8s.io/kubernetes/@v/$K8S_VERSION.info" 2>/dev/null || true)
  local date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  local ld=""
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
    ld+=" -X $p.gitTreeState=clean -X $p.buildDate=$date"
    [ -n "$commit" ] && ld+=" -X $p.gitCommit=$commit"
  done
  for b in kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy; do
    [ -x "$out/$b" ] && continue
    log "building $b $K8S_VERSION"
    (cd "$mod" && go build -trimpath -ldflags "-s -w $ld" -o "$out/$b.tmp" "k8s.io/kubernetes/cmd/$b")
    mv "$out/$b.tmp" "$out/$b" # whole binaries only: an interrupted build leaves no $b
  done
}

build_tool() { # name module version pkg
  local name=$1 module=$2 version=$3 pkg=$4
  [ -x "$out/$name" ] && return 0
  local mod="$work/$name-$version"
  mkdir -p "$mod"
  if [ ! -f "$mod/.resolved" ]; then
    rm -f "$mod/go.mod" "$mod/go.sum"
    (cd "$mod" && printf 'module paas.local/cluster/%s\n\ngo %s\n' "$name" "$(go env GOVERSION | sed 's/^go//; s/\.[0-9]*$//')" > go.mod \
      && go get -tool "$pkg@$version" >/dev/null)
    touch "$mod/.resolved"
  fi
  log "building $name $version"
  (cd "$mod" && go build -trimpath -ldflags "-s -w" -o "$out/$name.tmp" "$pkg")
  mv "$out/$name.tmp" "$out/$name"
}

# kwok's Stage CRD (kwok runs with --enable-crds=Stage), shipped next to the binaries.
ship_stage_crd() {
  [ -f "$out/kwok-stage-crd.yaml" ] && return 0
  local dir
  dir=$(cd "$work" && go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  cp "$dir/kustomize/crd/bases/kwok.x-k8s.io_stages.yaml" "$out/kwok-stage-crd.yaml.tmp"
  mv "$out/kwok-stage-crd.yaml.tmp" "$out/kwok-stage-crd.yaml"
}

build_tool etcd go.etcd.io/etcd/server/v3 "$ETCD_VERSION" go.etcd.io/etcd/server/v3
build_tool kwok sigs.k8s.io/kwok "$KWOK_VERSION" sigs.k8s.io/kwok/cmd/kwok
build_k8s
ship_stage_crd

log "built ${need[*]} in $(( $(date +%s) - start ))s into ${out#$root/}"
