#!/bin/sh
# Installs the Debian packages perfeng needs to build, test and benchmark.
# Idempotent and quiet when everything is present; uses apt-get when root,
# and otherwise says what to install.
set -eu

pkgs="make gcc clang libclang-rt-14-dev pkg-config libjansson-dev libcmocka-dev
      libsqlite3-dev libpq-dev postgresql sqlite3 zlib1g-dev
      libdw-dev libelf-dev libssl-dev openssl elfutils binutils
      perl git hyperfine jq procps bsdextrautils bc libxml2-utils curl wrk
      nginx-light sysstat linux-perf python3-prometheus-client prometheus
      valgrind heaptrack g++ file chromium"

missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
# Node.js and npm (for the test that reads our HdrHistogram logs with the
# hdr-histogram-js package): any installation will do, Debian's or another.
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || missing="$missing nodejs npm"
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "perfeng: missing Debian packages:$missing" >&2
	echo "perfeng: run as root, or: sudo apt-get install$missing" >&2
	exit 1
fi
echo "perfeng: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
