#!/bin/bash
# perfeng load against wrk, side by side in one run, on the same server
# (nginx, Debian's, one worker, on loopback, serving a small static file;
# or tests/helpers/pe-httpd with SERVER=pe-httpd) with the same threads,
# connections and duration. Prints, for each tool: requests/s it drove, and the CPU it
# spent per request (user + system of the tool's process / requests): on a
# shared machine the client's CPU is taken from the server, so the cheaper
# client measures the server more truly. Also, to explain the throughput:
# the tool's voluntary context switches per request (how often it slept,
# each sleep a wake-up the server pays for) and the server's CPU time per
# request (/proc, in clock ticks). Each pair runs REPS times,
# alternating which tool goes first. SCHEME=https measures over TLS (nginx
# only: a self-signed certificate made here with the openssl CLI; neither
# tool verifies it, wrk never does and perfeng runs with --insecure).
#
# Usage: [SERVER=nginx|pe-httpd] [SCHEME=http|https] bench/load-vs-wrk.sh [DURATION_S [CONNECTIONS [REPS]]]
# O=/tmp/build uses that build directory.
set -euo pipefail
cd "$(dirname "$0")/.."

dur=${1:-5}
conns=${2:-50}
reps=${3:-3}
threads=$(nproc)

server=${SERVER:-nginx}
scheme=${SCHEME:-http}
case $scheme in
http) tls_opt= ;;
https) tls_opt=--insecure; [ "$server" = nginx ] || { echo "bench/load-vs-wrk.sh: SCHEME=https needs SERVER=nginx" >&2; exit 2; } ;;
*) echo "bench/load-vs-wrk.sh: SCHEME is http or https" >&2; exit 2 ;;
esac
scripts/install-deps.sh
if [ "$server" = nginx ] && ! command -v nginx >/dev/null 2>&1 && ! [ -x /usr/sbin/nginx ]; then
	[ "$(id -u)" = 0 ] || { echo "bench/load-vs-wrk.sh: needs nginx (apt-get install nginx-light)" >&2; exit 1; }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null
fi
if [ -n "${O:-}" ]; then
	make -s O="$O" "$O/perfeng" "$O/tests/helpers/pe-httpd" >/dev/null
	pe=$O/perfeng httpd=$O/tests/helpers/pe-httpd
else
	make -s perfeng obj/tests/helpers/pe-httpd >/dev/null
	pe=./perfeng httpd=obj/tests/helpers/pe-httpd
fi
tmp=$(mktemp -d)
trap 'kill $spid 2>/dev/null; rm -rf "$tmp"' EXIT
if [ "$server" = nginx ]; then
	. bench/nginx.sh
	nginx_static "$tmp" "$scheme" || { kill "$NGINX_PID"; exit 1; }
	spid=$NGINX_PID
	server_pid=$(pgrep -P "$NGINX_PID" | head -n 1)	# the worker
	url=$NGINX_URL
	server_desc=$NGINX_DESC
else
	"$httpd" -p 0 -t "$threads" -T 600 >"$tmp/httpd.out" 2>/dev/null &
	spid=$!
	server_pid=$spid
	for _ in $(seq 50); do grep -q '^port' "$tmp/httpd.out" && break; sleep 0.1; done
	url=http://127.0.0.1:$(sed -n '1s/^port //p' "$tmp/httpd.out")/
	server_desc="pe-httpd, $threads threads"
fi

echo "perfeng load vs wrk — $(date -u +%Y-%m-%d), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "$("$pe" --version); wrk $(dpkg-query -W -f='${Version}' wrk 2>/dev/null); server: $server_desc"
echo "each: $threads threads, $conns connections, ${dur}s, keep-alive, GET $url"
echo

# The server's CPU time so far, in clock ticks (nginx: its worker's): what
# each request cost the server under each tool.
server_ticks() {
	awk '{ print $14 + $15 }' "/proc/$server_pid/stat"
}
run_pe() {
	local n cpu t0
	t0=$(server_ticks)
	# shellcheck disable=SC2086
	/usr/bin/time -f '%U %S %w' -o "$tmp/time" "$pe" load -t "$threads" -c "$conns" -d "${dur}s" $tls_opt --json "$url" >"$tmp/pe.json"
	n=$(jq .responses "$tmp/pe.json")
	cpu=$(awk '{print $1 + $2}' "$tmp/time")
	echo "perfeng $(jq .rps "$tmp/pe.json") $n $cpu $(awk '{print $3}' "$tmp/time") $(($(server_ticks) - t0))"
}
run_wrk() {
	local n rps cpu t0
	t0=$(server_ticks)
	/usr/bin/time -f '%U %S %w' -o "$tmp/time" wrk -t "$threads" -c "$conns" -d "${dur}s" "$url" >"$tmp/wrk.txt"
	n=$(awk '/requests in/ {print $1}' "$tmp/wrk.txt")
	rps=$(awk '/Requests\/sec/ {print $2}' "$tmp/wrk.txt")
	cpu=$(awk '{print $1 + $2}' "$tmp/time")
	echo "wrk $rps $n $cpu $(awk '{print $3}' "$tmp/time") $(($(server_ticks) - t0))"
}
for r in $(seq "$reps"); do
	if [ $((r % 2)) = 1 ]; then run_pe; run_wrk; else run_wrk; run_pe; fi
done >"$tmp/rows"
awk -v hz="$(getconf CLK_TCK)" '
	{ rps[$1] += $2; n[$1] += $3; cpu[$1] += $4; sw[$1] += $5; srv[$1] += $6; k[$1]++ }
	END {
		for (t in rps)
			printf "%-8s %10.0f req/s  %6.2f us CPU/request  %.3f sleeps/request  server %6.2f us CPU/request  (%d runs)\n",
				t, rps[t] / k[t], cpu[t] / n[t] * 1e6, sw[t] / n[t], srv[t] / hz / n[t] * 1e6, k[t]
		printf "ratio perfeng/wrk: throughput %.3f, CPU per request %.3f, server CPU per request %.3f\n",
			(rps["perfeng"] / k["perfeng"]) / (rps["wrk"] / k["wrk"]), (cpu["perfeng"] / n["perfeng"]) / (cpu["wrk"] / n["wrk"]),
			(srv["perfeng"] / n["perfeng"]) / (srv["wrk"] / n["wrk"])
	}' "$tmp/rows"
