#!/bin/sh
# Installs the Debian packages perfeng needs to build, test and benchmark.
# Idempotent and quiet when everything is present; uses apt-get when root,
# and otherwise says what to install.
set -eu

pkgs="make gcc clang libclang-rt-14-dev pkg-config libjansson-dev libcmocka-dev
      libsqlite3-dev libpq-dev postgresql sqlite3
      perl git hyperfine jq procps bsdextrautils bc libxml2-utils"

missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
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
