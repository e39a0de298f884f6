#!/usr/bin/env bash
# Builds paas.local/python-asgi, the image test/e2e/sigterm-examples.test.ts runs the Python example
# of docs/sigterm.md in (docs/examples/sigterm/app.py, mounted from a ConfigMap), with no Docker and
# no container registry: Debian's own packages of Python 3 and uvicorn (apt-get download, from this
# machine's apt sources, as webhook-image.sh gets glibc), unpacked into one root filesystem and
# packed by test/images/imgpack like the test app's images. The package list is Debian 12's
# (bookworm: Python 3.11, uvicorn 0.17.6 on h11; no uvloop, no httptools).
# Output (in .cache/python-image/):
#   python-asgi-<key>.tar   an image archive `ctr images import` loads, tagged IMAGE below
#   current.json            {image, tar, bytes, packages} of the latest build
# Rebuilt only when a package's version, imgpack or this script changes (about 10 MB of packages).
# Usage: python-image.sh    build if needed, print the image reference
set -euo pipefail

root=$(cd "$(dirname "$0")/../../.." && pwd)
out="$root/.cache/python-image"
log() { echo "python-image: $*" >&2; }
mkdir -p "$out"
exec 9>"$out/.lock"
flock 9

pkgs=(libc6 python3.11-minimal libpython3.11-minimal libpython3.11-stdlib libexpat1 zlib1g libffi8 libssl3 libbz2-1.0 liblzma5 libuuid1
  python3-uvicorn python3-h11 python3-click python3-asgiref python3-typing-extensions)

# The versions this machine's apt would fetch; the image is rebuilt when one changes.
versions=$(apt-cache policy "${pkgs[@]}" 2>/dev/null | awk '/^[a-z]/{p=$1} /Candidate:/{print p $2}' | tr '\n' ' ')
for p in "${pkgs[@]}"; do
  case " $versions" in
    *" $p:"[0-9]*) ;;
    *) log "Debian package $p has no candidate here (the list is Debian 12's; apt-get update?)"; exit 1 ;;
  esac
done
key=$( (echo "$versions"; sha256sum "$0" "$root/test/images/imgpack/main.go") | sha256sum | cut -c1-12)
IMAGE="paas.local/python-asgi:$key"
tar="$out/python-asgi-$key.tar"

if [ ! -f "$tar" ]; then
  log "building $IMAGE from Debian packages: ${versions% }"
  debs="$out/debs"
  rm -rf "$debs" && mkdir -p "$debs"
  (cd "$debs" && apt-get download "${pkgs[@]}" >/dev/null 2>&1) \
    || { apt-get update -qq >/dev/null && (cd "$debs" && apt-get download "${pkgs[@]}" >/dev/null); }
  fs="$out/rootfs"
  rm -rf "$fs" && mkdir -p "$fs"
  for d in "$debs"/*.deb; do dpkg-deb -x "$d" "$fs"; done
  # The interpreter, its shared libraries and modules: no docs, locales, iconv modules or config.
  rm -rf "$fs/usr/share" "$fs/usr/lib/x86_64-linux-gnu/gconv" "$fs/usr/libexec" "$fs/sbin" "$fs/usr/sbin" "$fs/etc"
  ln -s python3.11 "$fs/usr/bin/python3"
  mkdir -p "$fs/tmp" "$fs/etc" && chmod 1777 "$fs/tmp"
  printf 'root:x:0:0:root:/root:/usr/bin/python3\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' > "$fs/etc/passwd"
  # It runs: the interpreter finds its libraries, uvicorn imports (root can chroot; others skip).
  if [ "$(id -u)" = 0 ]; then
    chroot "$fs" /usr/bin/python3 -c 'import uvicorn, h11, ssl' || { log "the assembled Python cannot import uvicorn"; exit 1; }
  fi
  (cd "$root/test/images" && GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -o "$out/imgpack" ./imgpack)
  "$out/imgpack" -o "$tar.tmp" -tag "$IMAGE" -entrypoint /usr/bin/python3 -env PYTHONDONTWRITEBYTECODE=1 -env PYTHONUNBUFFERED=1 -tree /="$fs" >/dev/null
  mv "$tar.tmp" "$tar"
  rm -rf "$fs" "$debs"
  for old in "$out"/python-asgi-*.tar; do [ "$old" = "$tar" ] || rm -f "$old"; done
  log "built $IMAGE: $(du -h "$tar" | cut -f1)"
fi
printf '{"image":"%s","tar":"%s","bytes":%s,"packages":"%s"}\n' "$IMAGE" "$tar" "$(stat -c %s "$tar")" "${versions% }" > "$out/current.json"
echo "$IMAGE"
