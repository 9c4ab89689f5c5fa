#!/usr/bin/env bash
# Builds the connector image source-gong-rs/source-gong:dev (and the sandbox image gong-sandbox:dev) without
# pulling anything: the release binaries are built on the host, a root filesystem is assembled in
# target/docker-rootfs/ (binary, the shared libraries ldd lists, a static busybox for /bin/sh and sleep,
# /etc/passwd and /etc/group with user airbyte), and the Dockerfile copies it into an image FROM scratch.
#
#   ./scripts/docker-build.sh            # both images
#   IMAGE=source-gong-rs/source-gong:1.0.0 ./scripts/docker-build.sh
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE="${IMAGE:-source-gong-rs/source-gong:dev}"
SANDBOX_IMAGE="${SANDBOX_IMAGE:-gong-sandbox:dev}"
ROOTFS=target/docker-rootfs

need() { command -v "$1" >/dev/null 2>&1; }
sudo_if_needed() { if [ "$(id -u)" = 0 ]; then "$@"; elif need sudo; then sudo "$@"; else "$@"; fi; }

if [ "$(uname -m)" != x86_64 ]; then
    echo "docker-build.sh: the image is amd64; build it on an x86_64 host" >&2
    exit 1
fi
docker info >/dev/null 2>&1 || { echo "docker-build.sh: the Docker engine is not reachable" >&2; exit 1; }

# A static busybox gives the image /bin/sh, sleep and the other tools the platform's wrapper uses.
BUSYBOX="${BUSYBOX:-}"
if [ -z "$BUSYBOX" ]; then
    for candidate in /bin/busybox /usr/bin/busybox; do
        if [ -x "$candidate" ] && file -L "$candidate" 2>/dev/null | grep -q "statically linked"; then
            BUSYBOX=$candidate
            break
        fi
    done
fi
if [ -z "$BUSYBOX" ]; then
    echo "docker-build.sh: installing busybox-static" >&2
    sudo_if_needed apt-get update -qq
    sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static file >/dev/null
    BUSYBOX=/bin/busybox
fi
if ! need file; then
    sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq file >/dev/null || true
fi

cargo build --release --workspace --bins --quiet

# Lays out a minimal root filesystem in two parts: system/ (root-owned: /bin with busybox applets, /etc with
# user airbyte, /tmp, the shared libraries) and home/airbyte/ (the Dockerfile gives it to user airbyte).
base_rootfs() {
    local root=$1
    rm -rf "$root"
    mkdir -p "$root/system/bin" "$root/system/etc" "$root/system/tmp" "$root/home/airbyte/bin"
    chmod 1777 "$root/system/tmp"
    install -m 0755 "$BUSYBOX" "$root/system/bin/busybox"
    for applet in sh ash sleep cat echo env ls id pwd mkdir rm cp mv head tail tee wc grep sed awk cut tr \
        true false test [ printf date timeout kill ps stat chmod find xargs basename dirname readlink uname; do
        ln -sf busybox "$root/system/bin/$applet"
    done
    cat >"$root/system/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
airbyte:x:1000:1000:airbyte:/airbyte:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
    cat >"$root/system/etc/group" <<'GROUP'
root:x:0:
airbyte:x:1000:
nogroup:x:65534:
GROUP
    # No /etc/resolv.conf or /etc/hosts: the container runtime (Docker, Kubernetes) mounts both.
}

# Installs a dynamically linked binary into home/airbyte/bin and every shared library ldd lists into
# system/, at the same paths, so the ELF interpreter path baked into the binary resolves.
add_binary() {
    local bin=$1 root=$2
    install -m 0755 "$bin" "$root/home/airbyte/bin/$(basename "$bin")"
    ldd "$bin" | awk '/=>/ { if ($3 ~ /^\//) print $3 } !/=>/ { if ($1 ~ /^\//) print $1 }' |
        while read -r lib; do
            install -D -m 0755 "$(readlink -f "$lib")" "$root/system$lib"
        done
}

base_rootfs "$ROOTFS/connector"
add_binary target/release/source-gong "$ROOTFS/connector"
base_rootfs "$ROOTFS/sandbox"
add_binary target/release/gong-sandbox "$ROOTFS/sandbox"

export DOCKER_BUILDKIT="${DOCKER_BUILDKIT:-0}" # the classic builder needs no buildx plugin
docker build --quiet --target gong-sandbox -t "$SANDBOX_IMAGE" . >/dev/null
docker build --quiet --target source-gong -t "$IMAGE" . >/dev/null

for image in "$IMAGE" "$SANDBOX_IMAGE"; do
    size=$(docker image inspect -f '{{.Size}}' "$image")
    printf '%s: %s MB (%s bytes)\n' "$image" "$(awk "BEGIN { printf \"%.1f\", $size / 1e6 }")" "$size"
done
