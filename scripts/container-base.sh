#!/usr/bin/env bash
# Makes, offline, a base image equivalent to node:<LTS>-bookworm-slim, for machines that reach no container
# registry but do reach Debian's apt mirrors and the npm registry:
#   - a Debian bookworm rootfs from this machine's own apt sources (mmdebstrap, minbase, no docs or locales);
#   - Node from the npm registry's node-linux-<arch> package, npm from its npm package;
#   - this machine's CA bundle, with NODE_EXTRA_CA_CERTS pointing at it (npm ci inside the build verifies the
#     registry's certificate chain against it; the stock bundle may lack the chain this network presents).
# The result is cached: the rootfs tarball under $CACHE_DIR (kept between runs on one machine) and the image in
# podman's storage, keyed by the versions below. Prints the image's name on stdout; progress goes to stderr.
#
#   BASE=$(bash scripts/container-base.sh)   # then: podman build --build-arg BASE_IMAGE="$BASE" ...
set -euo pipefail

NODE_VERSION="${NODE_VERSION:-24.22.3}" # the Node LTS the Dockerfile's default base (node:24-bookworm-slim) carries
NPM_VERSION="${NPM_VERSION:-11.21.2}"
SUITE=bookworm
CACHE_DIR="${ONNXSERVE_CONTAINER_CACHE:-/var/cache/onnxserve-container}"
# Bump when the recipe below changes, so a cached base made by an older recipe is not reused.
RECIPE=1

log() { printf '[container-base] %s\n' "$*" >&2; }

case "$(uname -m)" in
  x86_64) NODE_ARCH=x64 ;;
  aarch64) NODE_ARCH=arm64 ;;
  *) log "unsupported machine $(uname -m)"; exit 1 ;;
esac

SOURCES=/etc/apt/sources.list.d/debian.sources
[ -f "$SOURCES" ] || { log "no $SOURCES: cannot make a Debian rootfs from this machine's apt sources"; exit 1; }
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
[ -f "$CA_BUNDLE" ] || { log "no CA bundle at $CA_BUNDLE"; exit 1; }

# The key covers what goes into the image: versions, recipe, the apt sources and the CA bundle.
KEY="$(printf '%s\n' "$SUITE" "$NODE_VERSION" "$NPM_VERSION" "$RECIPE" "$NODE_ARCH" | cat - "$SOURCES" "$CA_BUNDLE" | sha256sum | cut -c1-12)"
IMAGE="localhost/onnxserve-base:node${NODE_VERSION}-${SUITE}-${KEY}"
WORK="$CACHE_DIR/base-$KEY"
mkdir -p "$CACHE_DIR"

# One maker at a time per machine: two CI runs sharing the cache must not write the same tarball.
exec 9>"$CACHE_DIR/base.lock"
flock 9

if podman image exists "$IMAGE"; then
  log "cached: $IMAGE"
  echo "$IMAGE"
  exit 0
fi

if [ ! -f "$WORK/rootfs.tar" ]; then
  log "making the base rootfs (Debian $SUITE, Node $NODE_VERSION, npm $NPM_VERSION) in $WORK"
  started=$SECONDS
  rm -rf "$WORK.tmp" && mkdir -p "$WORK.tmp"
  (
    cd "$WORK.tmp"
    npm pack --silent "node-linux-$NODE_ARCH@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null
    mkdir node npm
    tar -xzf "node-linux-$NODE_ARCH-$NODE_VERSION.tgz" -C node --strip-components=1 package/bin/node package/LICENSE
    tar -xzf "npm-$NPM_VERSION.tgz" -C npm --strip-components=1
  )
  # Hooks run on this machine with the rootfs as $1. dpkg's path-exclude drops what the slim images drop.
  mmdebstrap --variant=minbase --mode=root --format=tar \
    --aptopt='Acquire::Check-Valid-Until "false"' --aptopt='Acquire::Check-Date "false"' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    --customize-hook="install -D -m 0755 '$WORK.tmp/node/bin/node' \"\$1/usr/local/bin/node\"" \
    --customize-hook="install -D -m 0644 '$WORK.tmp/node/LICENSE' \"\$1/usr/local/share/doc/node/LICENSE\"" \
    --customize-hook="mkdir -p \"\$1/usr/local/lib/node_modules\" && cp -a '$WORK.tmp/npm' \"\$1/usr/local/lib/node_modules/npm\"" \
    --customize-hook="ln -s ../lib/node_modules/npm/bin/npm-cli.js \"\$1/usr/local/bin/npm\" && ln -s ../lib/node_modules/npm/bin/npx-cli.js \"\$1/usr/local/bin/npx\"" \
    --customize-hook="install -D -m 0644 '$CA_BUNDLE' \"\$1/etc/ssl/certs/ca-certificates.crt\"" \
    --customize-hook="rm -rf \"\$1\"/var/lib/apt/lists/* \"\$1\"/var/cache/apt/* \"\$1\"/var/log/*.log" \
    "$SUITE" "$WORK.tmp/rootfs.tar" "$SOURCES" >"$WORK.tmp/mmdebstrap.log" 2>&1 || {
      tail -20 "$WORK.tmp/mmdebstrap.log" >&2
      exit 1
    }
  rm -rf "$WORK.tmp/node" "$WORK.tmp/npm" "$WORK.tmp"/*.tgz
  rm -rf "$WORK" && mv "$WORK.tmp" "$WORK"
  log "rootfs made in $((SECONDS - started)) s"
fi

log "importing $IMAGE"
podman import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt" \
  --change "ENV NODE_VERSION=$NODE_VERSION" \
  --change 'CMD ["node"]' \
  "$WORK/rootfs.tar" "$IMAGE" >/dev/null
echo "$IMAGE"
