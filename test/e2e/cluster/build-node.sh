#!/usr/bin/env bash
# Builds what the real node needs besides kubelet and kube-proxy (build.sh builds those with the
# control plane), from the Go module proxy and Debian's packages, cached by version:
#   containerd, containerd-shim-runc-v2, ctr   (github.com/containerd/containerd/v2)  .cache/bin/containerd-<v>/
#   bridge, host-local, loopback, portmap      (github.com/containernetworking/plugins) .cache/bin/cni-<v>/
#   runc, iptables, conntrack, socat, busybox  (Debian: apt-get, only when missing)
#   the test images (pause, testapp, testapp-distroless), built from test/images/ into .cache/images/
#   (testapp:1 also holds /sigterm-example, the Go server of docs/sigterm.md, built as written)
set -euo pipefail

CONTAINERD_VERSION=${CONTAINERD_VERSION:-v2.4.2}
CNI_VERSION=${CNI_VERSION:-v1.10.0}

root=$(cd "$(dirname "$0")/../../.." && pwd)
work="$root/.cache/build"
mkdir -p "$work"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
log() { echo "node-bin: $*" >&2; }
gover=$(go env GOVERSION | sed 's/^go//; s/\.[0-9]*$//')

# Debian packages the node runs: runc (the OCI runtime containerd starts), iptables and conntrack
# (kube-proxy), socat (the apiserver relay into the node's namespace), busybox-static (the shell
# and `sleep` of the test image that has them).
apt_deps() {
  local need=()
  command -v runc >/dev/null || need+=(runc)
  command -v iptables >/dev/null || need+=(iptables)
  command -v conntrack >/dev/null || need+=(conntrack)
  command -v socat >/dev/null || need+=(socat)
  dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' || need+=(busybox-static)
  [ ${#need[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    log "missing Debian packages: ${need[*]} (run as root, or: apt-get install ${need[*]})"
    exit 1
  fi
  log "installing Debian packages: ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
    || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; }
}

# go build of packages of one module at one version, from a wrapper module (so its dependency
# versions stay its own). Args: outdir module version tags pkg...
build_module() {
  local outdir=$1 module=$2 version=$3 tags=$4; shift 4
  local mod="$work/$(basename "$outdir")"
  mkdir -p "$mod" "$outdir"
  if [ ! -f "$mod/.resolved" ]; then
    rm -f "$mod/go.mod" "$mod/go.sum"
    (cd "$mod" && printf 'module paas.local/node/%s\n\ngo %s\n' "$(basename "$outdir")" "$gover" > go.mod \
      && go get "$module@$version" >/dev/null 2>&1 && for p in "$@"; do go get -tool "$p@$version" >/dev/null; done)
    touch "$mod/.resolved"
  fi
  for p in "$@"; do
    local name=${p##*/}
    [ -x "$outdir/$name" ] && continue
    log "building $name $version"
    (cd "$mod" && go build -trimpath -tags "$tags" -ldflags "-s -w -X $module/version.Version=$version" -o "$outdir/$name.tmp" "$p")
    mv "$outdir/$name.tmp" "$outdir/$name"
  done
}

apt_deps

cd_out="$root/.cache/bin/containerd-$CONTAINERD_VERSION"
static_tags="urfave_cli_no_docs no_btrfs no_devmapper no_zfs no_aufs osusergo netgo static_build"
build_module "$cd_out" github.com/containerd/containerd/v2 "$CONTAINERD_VERSION" "$static_tags" \
  github.com/containerd/containerd/v2/cmd/containerd github.com/containerd/containerd/v2/cmd/ctr
build_module "$cd_out" github.com/containerd/containerd/v2 "$CONTAINERD_VERSION" "$static_tags no_grpc" \
  github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2

cni_out="$root/.cache/bin/cni-$CNI_VERSION"
build_module "$cni_out" github.com/containernetworking/plugins "$CNI_VERSION" "" \
  github.com/containernetworking/plugins/plugins/main/bridge \
  github.com/containernetworking/plugins/plugins/main/loopback \
  github.com/containernetworking/plugins/plugins/ipam/host-local \
  github.com/containernetworking/plugins/plugins/meta/portmap

# The test images, rebuilt whenever their sources change (the tarballs are keyed by a hash of
# test/images/ without its tests, the Go example of docs/sigterm.md, and busybox).
src="$root/test/images"
example="$root/docs/examples/sigterm/main.go"
hash=$( (cd "$src" && find . -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \) ! -name '*_test.go' -print0 | sort -z | xargs -0 sha256sum; sha256sum "$example" /bin/busybox) | sha256sum | cut -c1-12)
img="$root/.cache/images/$hash"
if [ ! -f "$img/.done" ]; then
  log "building the test images ($hash)"
  rm -rf "$img.tmp" && mkdir -p "$img.tmp/bin"
  (cd "$src" && go build -trimpath -ldflags "-s -w" -o "$img.tmp/bin/" ./testapp ./pause ./imgpack)
  (cd "$src" && GOARCH=arm64 go build -trimpath -ldflags "-s -w" -o "$img.tmp/bin/testapp-arm64" ./testapp)
  (cd "$src" && go build -trimpath -ldflags "-s -w" -o "$img.tmp/bin/sigterm-example" "$example")
  pack() { "$img.tmp/bin/imgpack" "$@" >/dev/null; }
  pack -o "$img.tmp/pause.tar" -tag paas.local/pause:1 -entrypoint /pause -add /pause="$img.tmp/bin/pause"
  # testapp: the app, with busybox's sh and sleep (preStop exec hooks work), and the Go example
  # server of docs/sigterm.md (test/e2e/sigterm-examples.test.ts runs it as `/sigterm-example`).
  pack -o "$img.tmp/testapp.tar" -tag paas.local/testapp:1 -entrypoint "/testapp serve" -dir /tmp \
    -add /testapp="$img.tmp/bin/testapp" -add /sigterm-example="$img.tmp/bin/sigterm-example" \
    -add /bin/busybox=/bin/busybox -link /bin/sh=busybox -link /bin/sleep=busybox
  # The same app as a second tag, so a rollout can change the image.
  pack -o "$img.tmp/testapp-2.tar" -tag paas.local/testapp:2 -entrypoint "/testapp serve" -dir /tmp -env VERSION=v2 \
    -add /testapp="$img.tmp/bin/testapp" -add /bin/busybox=/bin/busybox -link /bin/sh=busybox -link /bin/sleep=busybox
  # distroless: the app alone, no shell, no sleep, non-root.
  pack -o "$img.tmp/testapp-distroless.tar" -tag paas.local/testapp-distroless:1 -entrypoint "/testapp serve" -user 65532 -dir /tmp \
    -add /testapp="$img.tmp/bin/testapp"
  # arm64: a binary for another architecture in an image that claims amd64 (exec format error).
  pack -o "$img.tmp/testapp-wrong-arch.tar" -tag paas.local/testapp-wrong-arch:1 -entrypoint "/testapp serve" \
    -add /testapp="$img.tmp/bin/testapp-arm64"
  cp "$img.tmp/bin/testapp" "$img.tmp/testapp"
  rm -rf "$img.tmp/bin"
  touch "$img.tmp/.done"
  rm -rf "$img" && mv "$img.tmp" "$img"
fi
ln -sfn "$hash" "$root/.cache/images/current"
log "ready: ${cd_out#$root/}, ${cni_out#$root/}, .cache/images/current"
