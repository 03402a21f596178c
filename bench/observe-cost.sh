#!/bin/bash
# The CPU time `perfeng observe 1` costs, side by side with `sar 1` (sysstat,
# whose sadc child is counted with it) and `vmstat 1`, all three sampling
# every second over the same minute, run concurrently. Each runs under
# `perfeng bench -r 1`, which takes user + system time from wait4's rusage
# (microseconds, children included), so the figures are exact CPU time, not
# tick-sampled. Prints CPU ms per minute of sampling for each tool and the
# ratios; the target (issue 6) is at most 30 ms per minute for perfeng.
#
# Usage: [PERFENG=BIN] bench/observe-cost.sh [SECONDS]   (default 60)
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${1:-60}
# PERFENG=path uses a binary built elsewhere; by default ./perfeng is built.
if [ -z "${PERFENG:-}" ]; then
	make -s perfeng >/dev/null
	PERFENG=$PWD/perfeng
fi
pe=$PERFENG
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for t in sar vmstat; do
	command -v "$t" >/dev/null || { echo "observe-cost: $t is not installed (scripts/install-deps.sh)" >&2; exit 3; }
done

echo "perfeng observe vs sar vs vmstat, 1 s interval, ${secs} s — $(date -u +%Y-%m-%d), $(nproc) cores"
echo "$("$pe" --version); $(sar -V 2>&1 | head -1); $(vmstat -V 2>&1 | head -1)"
echo

run() {	# name command...
	local name=$1
	shift
	"$pe" bench -q -N -r 1 --no-counters --export-json "$tmp/$name.json" "$*" >/dev/null
}
# COUNT = seconds: each tool samples once per second, then exits by itself.
run perfeng "$pe observe --no-gpu 1 $secs" &
p1=$!
run sar "sar 1 $secs" &
p2=$!
run vmstat "vmstat 1 $((secs + 1))" &	# vmstat's first line is the since-boot average
p3=$!
wait "$p1" "$p2" "$p3"

printf '%-16s %12s %12s %14s\n' tool "user ms" "system ms" "CPU ms/minute"
for t in perfeng sar vmstat; do
	jq -r --arg t "$t" --argjson secs "$secs" '.results[0] |
		"\($t) \(.user * 1000) \(.system * 1000) \((.user + .system) * 1000 * 60 / $secs)"' "$tmp/$t.json"
done | tee "$tmp/table" | awk '{ printf "%-16s %12.1f %12.1f %14.1f\n", $1, $2, $3, $4 }'
pe_ms=$(awk '$1 == "perfeng" { print $4 }' "$tmp/table")
awk -v p="$pe_ms" '$1 != "perfeng" { printf "ratio perfeng / %-7s %.2f\n", $1, ($4 > 0 ? p / $4 : 0) }' "$tmp/table"
awk -v p="$pe_ms" 'BEGIN { printf "target: at most 30 ms of CPU per minute: %s\n", (p <= 30 ? "met" : "NOT met") }'
