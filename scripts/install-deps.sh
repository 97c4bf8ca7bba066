#!/bin/sh
# Installs what promptopt needs to build and test, on Debian/Ubuntu with apt-get
# (through sudo when not root). Other systems: install the equivalents of
#   a C compiler (gcc), meson, ninja, pkg-config, python3, clang with its
#   libFuzzer runtime (the fuzz targets `make test` runs),
#   jansson (libjansson-dev), cmocka (libcmocka-dev), libcurl, sqlite3, PCRE2 (libpcre2-dev), libyaml (libyaml-dev),
#   for a unit test the JSON Schema Test Suite (json-schema-test-suite), and for the
#   HTML report's browser test (tests/cli/t_html_report.sh) Chromium (optional)
# e.g. Fedora: gcc meson ninja-build pkgconf python3 jansson-devel libcmocka-devel pcre2-devel libyaml-devel
#      libcurl-devel sqlite-devel; macOS (Homebrew): meson ninja pkg-config jansson cmocka pcre2 libyaml
set -eu

PKGS="gcc make meson ninja-build pkg-config python3 libjansson-dev libcmocka-dev libcurl4-openssl-dev libsqlite3-dev libpcre2-dev libyaml-dev json-schema-test-suite clang"
# Only the browser test needs it; without it that test is skipped.
OPTIONAL="chromium"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
optional=""
for p in $OPTIONAL; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		optional="$optional $p"
	fi
done
# clang links -fsanitize=fuzzer only with its runtime, which some releases
# package apart (Debian 12: libclang-rt-14-dev, a recommendation of clang).
fuzz_runtime_ok() {
	command -v clang >/dev/null 2>&1 || return 1
	printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }\n' |
		clang -fsanitize=fuzzer -x c - -o /dev/null >/dev/null 2>&1
}
if ! fuzz_runtime_ok; then
	v=$(clang --version 2>/dev/null | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -n 1)
	for p in ${v:+libclang-rt-$v-dev}; do
		if command -v apt-cache >/dev/null 2>&1 && apt-cache show "$p" >/dev/null 2>&1; then
			missing="$missing $p"
		fi
	done
fi
[ -z "$missing$optional" ] && exit 0
no_optional() {
	echo "install-deps: not installed (optional):$optional; the browser test will be skipped" >&2
	exit 0
}

if ! command -v apt-get >/dev/null 2>&1; then
	[ -z "$missing" ] && no_optional
	echo "install-deps: missing packages:$missing" >&2
	echo "install-deps: this is not a Debian-like system; install the equivalents listed at the top of $0" >&2
	exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
		[ -z "$missing" ] && no_optional
		echo "install-deps: need root or sudo to install:$missing" >&2; exit 1
	fi
fi
echo "install-deps: installing:$missing$optional"
$SUDO apt-get update -q
if [ -n "$missing" ]; then
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
fi
# clang was just installed: its fuzzer runtime may be a separate package
if ! fuzz_runtime_ok; then
	v=$(clang --version 2>/dev/null | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -n 1)
	[ -z "$v" ] || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q \
		--no-install-recommends "libclang-rt-$v-dev" ||
		echo "install-deps: could not install libclang-rt-$v-dev; the fuzz targets need it" >&2
fi
if [ -n "$optional" ]; then
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $optional ||
		echo "install-deps: could not install$optional; the browser test will be skipped" >&2
fi
