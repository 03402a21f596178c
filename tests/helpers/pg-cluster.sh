#!/bin/sh
# A throw-away PostgreSQL server for the store tests.
#
#   pg-cluster.sh start DIR   initdb into DIR/data, start a server listening
#                             only on a unix socket in DIR (no TCP, fsync off),
#                             and print a URL that libpq accepts
#   pg-cluster.sh stop DIR    stop it at once and remove DIR
#
# initdb refuses to run as root; as root the server runs as the user in
# $PERFENG_PG_USER (default: nobody), and DIR is given to that user.
set -eu

die() {
	echo "pg-cluster: $*" >&2
	exit 1
}

[ $# -eq 2 ] || die "usage: pg-cluster.sh start|stop DIR"
cmd=$1
dir=$2

bindir=
for d in /usr/lib/postgresql/*/bin; do
	[ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && bindir=$d
done
if [ -z "$bindir" ] && command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
	bindir=$(dirname "$(command -v pg_ctl)")
fi
[ -n "$bindir" ] || die "PostgreSQL server binaries (initdb, pg_ctl) not found under" \
	"/usr/lib/postgresql/*/bin; install them: apt-get install postgresql" \
	"(scripts/install-deps.sh does)"

# as_owner CMD...: runs CMD as the user owning the cluster.
if [ "$(id -u)" -eq 0 ]; then
	owner=${PERFENG_PG_USER:-nobody}
	id "$owner" >/dev/null 2>&1 || die "no user '$owner' to run PostgreSQL as"
	as_owner() {
		if command -v runuser >/dev/null 2>&1; then
			runuser -u "$owner" -- "$@"
		else
			setpriv --reuid="$owner" --regid="$(id -g "$owner")" --clear-groups -- "$@"
		fi
	}
else
	as_owner() { "$@"; }
fi

case $cmd in
start)
	[ -d "$dir" ] || die "'$dir' is not a directory"
	case $dir in /*) ;; *) dir=$(cd "$dir" && pwd) ;; esac
	[ "$(id -u)" -ne 0 ] || chown "$owner" "$dir"
	as_owner "$bindir/initdb" --no-sync --auth=trust --username=perfeng \
		--encoding=UTF8 --locale=C -D "$dir/data" >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; die "initdb failed"; }
	cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 40
EOF
	as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start \
		>/dev/null 2>&1 || { cat "$dir/server.log" >&2; die "the server did not start"; }
	echo "postgres:///postgres?host=$dir&user=perfeng"
	;;
stop)
	if [ -f "$dir/data/postmaster.pid" ]; then
		as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
	;;
*)
	die "usage: pg-cluster.sh start|stop DIR"
	;;
esac
