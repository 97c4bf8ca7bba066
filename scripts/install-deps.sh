#!/bin/sh
# Installs what promptopt needs to build and test, on Debian/Ubuntu with apt-get
# (through sudo when not root). Other systems: install the equivalents of
#   a C compiler (gcc or clang), meson, ninja, pkg-config, python3,
#   jansson (libjansson-dev), cmocka (libcmocka-dev), libcurl, sqlite3, PCRE2 (libpcre2-dev),
#   and for a unit test the JSON Schema Test Suite (json-schema-test-suite)
# e.g. Fedora: gcc meson ninja-build pkgconf python3 jansson-devel libcmocka-devel pcre2-devel
#      libcurl-devel sqlite-devel; macOS (Homebrew): meson ninja pkg-config jansson cmocka pcre2
set -eu

PKGS="gcc make meson ninja-build pkg-config python3 libjansson-dev libcmocka-dev libcurl4-openssl-dev libsqlite3-dev libpcre2-dev json-schema-test-suite"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
	echo "install-deps: missing packages:$missing" >&2
	echo "install-deps: this is not a Debian-like system; install the equivalents listed at the top of $0" >&2
	exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
		echo "install-deps: need root or sudo to install:$missing" >&2; exit 1
	fi
fi
echo "install-deps: installing:$missing"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
