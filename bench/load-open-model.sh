#!/bin/bash
# perfeng load's open model, measured:
#  (a) rate accuracy: -R 20000 for 20 s against nginx (Debian's, one worker,
#      loopback, a 17-byte file, as bench/load-vs-wrk.sh starts it); prints
#      the achieved rate (requests sent per second) against the target.
#      Target: within 1%.
#  (b) coordinated omission: against tests/helpers/pe-httpd's /stall/1/200
#      (the first 200 ms of every second stalls), -R 2000 over 12
#      connections; prints the corrected p99 (from each request's intended
#      time: it must show the ~200 ms stall) and the uncorrected p99 (from
#      the actual send: it must not, as wrk's does not, since only the one
#      request per connection that met the stall waited).
#
# Usage: bench/load-open-model.sh [DURATION_S [RATE]]; O=/tmp/build uses that build directory.
set -euo pipefail
cd "$(dirname "$0")/.."

dur=${1:-20}
rate=${2:-20000}
threads=$(nproc)

scripts/install-deps.sh
if [ -n "${O:-}" ]; then
	make -s O="$O" "$O/perfeng" "$O/tests/helpers/pe-httpd" >/dev/null
	pe=$O/perfeng httpd=$O/tests/helpers/pe-httpd
else
	make -s perfeng obj/tests/helpers/pe-httpd >/dev/null
	pe=./perfeng httpd=obj/tests/helpers/pe-httpd
fi
tmp=$(mktemp -d)
spid= hpid=
trap 'for p in $spid $hpid; do kill "$p" 2>/dev/null; done; [ -n "${KEEP:-}" ] && cp "$tmp"/*.json "$KEEP"/; rm -rf "$tmp"' EXIT

. bench/nginx.sh
nginx_static "$tmp" || { kill "$NGINX_PID"; exit 1; }
spid=$NGINX_PID
url=$NGINX_URL

echo "perfeng load, open model — $(date -u +%Y-%m-%d), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "$("$pe" --version); $NGINX_DESC"
echo

# (a) achieved vs target
"$pe" load -R "$rate" -d "${dur}s" -t "$threads" -c 64 --json "$url" >"$tmp/a.json"
jq -r --argjson t "$rate" '
	(.requests / .duration) as $sent | (($sent / $t - 1) * 100) as $dev |
	"(a) -R \($t) for \(.duration * 100 | round / 100) s against nginx, 64 connections:",
	"    sent \($sent * 10 | round / 10) req/s, answered \(.rps * 10 | round / 10) req/s: \(if $dev >= 0 then "+" else "" end)\($dev * 1000 | round / 1000)% of the target (\(if ($dev | fabs) <= 1 then "within" else "NOT within" end) 1%)",
	"    corrected p99 \(.latency.p99 * 1000 * 100 | round / 100) ms, errors \(.errors | [.[]] | add)"' "$tmp/a.json"
echo

# (b) a 200 ms stall every second
"$httpd" -p 0 -t 1 -T 600 >"$tmp/httpd.out" 2>/dev/null &
hpid=$!
for _ in $(seq 50); do grep -q '^port' "$tmp/httpd.out" && break; sleep 0.1; done
hurl=http://127.0.0.1:$(sed -n '1s/^port //p' "$tmp/httpd.out")/stall/1/200
sdur=$(( dur < 10 ? dur : 10 ))
"$pe" load -R 2000 -d "${sdur}s" -t 1 -c 12 --json "$hurl" >"$tmp/b.json"
jq -r '
	"(b) -R 2000 for \(.duration * 100 | round / 100) s over 12 connections, the server stalling 200 ms every second:",
	"    corrected p99 \(.latency.p99 * 1000 * 10 | round / 10) ms (\(if .latency.p99 >= 0.1 then "shows" else "does NOT show" end) the stall); uncorrected p99 \(.latency_uncorrected.p99 * 1000 * 100 | round / 100) ms (\(if .latency_uncorrected.p99 < 0.1 then "hides it, as wrk would" else "shows it too" end))",
	"    corrected p50 \(.latency.p50 * 1000 * 100 | round / 100) ms, p90 \(.latency.p90 * 1000 * 10 | round / 10) ms; uncorrected max \(.latency_uncorrected.max * 1000 | round) ms"' "$tmp/b.json"
