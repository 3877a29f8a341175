#!/usr/bin/env bash
# Makes nix usable for the test suite and prints the NIX_CONFIG the tests
# need, for the caller to export for the test run only:
#
#	export NIX_CONFIG="$(scripts/services/nix.sh)"
#
# When run as root on a machine without nix it installs Debian's nix-bin
# (one apt-get update first). The settings make nix work offline (no
# binary cache, no flake registry, no build users, no sandbox); they are
# never written to a nix.conf. Exits non-zero, with a line on stderr, when
# nix cannot be made available.
set -euo pipefail

if ! command -v nix >/dev/null 2>&1; then
	if [ "$(id -u)" != 0 ]; then
		echo "nix.sh: nix is not installed and we are not root: install nix-bin (apt-get install nix-bin) or nix from nixos.org" >&2
		exit 1
	fi
	echo "nix.sh: installing nix-bin" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2
	apt-get install -y -qq --no-install-recommends nix-bin >&2
	command -v nix >/dev/null 2>&1 || { echo "nix.sh: nix-bin installed but nix is not in PATH" >&2; exit 1; }
fi

# A single-user store as root needs /nix writable; nix-bin's postinst
# makes /nix/store, but a fresh machine may lack /nix/var.
if [ "$(id -u)" = 0 ]; then
	mkdir -p /nix/var/nix/gcroots /nix/var/nix/profiles
fi

# The flake registry maps nixpkgs to testdata/nix/nixpkgs-stub. nix
# develop looks up nixpkgs#bashInteractive for its shell: with no registry
# it prints an "error (ignored)" line into every wrapped program's stderr,
# and the default registry costs seconds of DNS retries offline. The
# registry names an absolute path, so it is written here, outside the
# work tree, on every run.
repo="$(cd "$(dirname "$0")/../.." && pwd)"
state="${XDG_CACHE_HOME:-$HOME/.cache}/corral-test-nix"
mkdir -p "$state"
chmod 700 "$state"
registry="$state/registry.json"
cat >"$registry.tmp" <<JSON
{
  "version": 2,
  "flakes": [
    {
      "from": { "type": "indirect", "id": "nixpkgs" },
      "to": { "type": "path", "path": "$repo/testdata/nix/nixpkgs-stub" }
    }
  ]
}
JSON
mv "$registry.tmp" "$registry"

settings="experimental-features = nix-command flakes
sandbox = false
build-users-group =
substituters =
flake-registry = $registry
warn-dirty = false"

# Prove the settings work before handing them over.
if ! NIX_CONFIG="$settings" nix --version >/dev/null 2>&1; then
	echo "nix.sh: nix --version fails with the test settings" >&2
	exit 1
fi
# Build the stub's bashInteractive now, once, before any test: nix
# develop builds it on first use, and a test that stops a wrapped process
# while that build runs kills the builder, which every other nix develop
# waiting for the same build then reports in the program's stderr
# ("builder for ... failed due to signal 9"). The out-link keeps it from
# a garbage collection.
if ! NIX_CONFIG="$settings" nix build --out-link "$state/bash-interactive" nixpkgs#bashInteractive >/dev/null 2>&1; then
	echo "nix.sh: nix cannot build the test registry's nixpkgs#bashInteractive (testdata/nix/nixpkgs-stub)" >&2
	exit 1
fi
printf '%s\n' "$settings"
