#!/bin/bash
# How fast `perfeng flamegraph` turns `perf script` text into an SVG: a
# text of about 1,000,000 lines made by replicating the real recording in
# tests/data/perf-script-cpu-task-clock.txt (two events, kernel frames,
# [unknown]), with every third frame renamed per copy (997 variants) so the
# profile has thousands of distinct frames rather than eight, timed with
# `perfeng bench`. Prints MB/s of input by wall time and by CPU time
# (user + system: one core's work, the figure a shared machine does not
# distort), and the same for folded input and for .pb.gz output.
#
# Peers: FlameGraph's stackcollapse-perf.pl + flamegraph.pl are not packaged
# in Debian and npm has no perf-script folder, so none runs here; when
# STACKCOLLAPSE and FLAMEGRAPH name the Perl scripts (or INFERNO_COLLAPSE and
# INFERNO_FLAMEGRAPH inferno's binaries), they are timed on the same input.
#
# Usage: bench/flamegraph-speed.sh [COPIES [RUNS]]   (5900 copies: 1,003,000 lines)
set -euo pipefail
cd "$(dirname "$0")/.."

copies=${1:-5900}
runs=${2:-10}
# O=DIR: the build directory (as make's); the binary is ./perfeng for obj.
O=${O:-obj}
make -s O="$O" >/dev/null
case $O in obj) pe=$PWD/perfeng ;; /*) pe=$O/perfeng ;; *) pe=$PWD/$O/perfeng ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

awk -v reps="$copies" 'BEGIN {
	while ((getline l < ARGV[1]) > 0) a[n++] = l
	ARGV[1] = ""
	for (k = 0; k < reps; k++) {
		s = k % 997
		for (i = 0; i < n; i++) {
			l = a[i]
			if (l ~ /^\t/ && i % 3 == 0) sub(/\+0x/, "_" s "+0x", l)
			if (l ~ /^(w|dd) /) sub(/  [0-9]+ /, "  " (700 + k % 64) " ", l)
			print l
		}
	}
}' tests/data/perf-script-cpu-task-clock.txt >"$tmp/big.txt"
"$pe" flamegraph -o "$tmp/big.folded" "$tmp/big.txt" 2>/dev/null
lines=$(wc -l <"$tmp/big.txt")
bytes=$(stat -c %s "$tmp/big.txt")
fbytes=$(stat -c %s "$tmp/big.folded")

echo "perfeng flamegraph speed — $(date -u +%Y-%m-%d), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "$("$pe" --version); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "input: $lines lines of perf script text, $bytes bytes; folded: $fbytes bytes"
echo

# time LABEL BYTES CMD: perfeng bench's median wall time and mean user+system.
timeit() {
	local label=$1 size=$2 cmd=$3
	"$pe" bench -q -N -w 1 -r "$runs" --export-json "$tmp/b.json" "$cmd" >/dev/null
	jq -r --arg l "$label" --argjson b "$size" '.results[0] as $r
		| def mbs(t): ($b / t / 1e6 * 10 | round / 10);
		"\($l)\t\($r.median * 1000 | round) ms wall\t\(mbs($r.median)) MB/s wall\t\(($r.user + $r.system) * 1000 | round) ms CPU\t\(mbs($r.user + $r.system)) MB/s CPU"' "$tmp/b.json"
}
{
	timeit "perf script -> svg" "$bytes" "$pe flamegraph -o $tmp/o.svg $tmp/big.txt"
	timeit "perf script -> folded" "$bytes" "$pe flamegraph -o $tmp/o.folded $tmp/big.txt"
	timeit "perf script -> pb.gz" "$bytes" "$pe flamegraph -o $tmp/o.pb.gz $tmp/big.txt"
	timeit "folded -> svg" "$fbytes" "$pe flamegraph -o $tmp/o2.svg $tmp/big.folded"
	if [ -n "${STACKCOLLAPSE:-}" ] && [ -n "${FLAMEGRAPH:-}" ]; then
		timeit "FlameGraph (perl)" "$bytes" "sh -c '$STACKCOLLAPSE $tmp/big.txt | $FLAMEGRAPH >$tmp/p.svg'"
	fi
	if [ -n "${INFERNO_COLLAPSE:-}" ] && [ -n "${INFERNO_FLAMEGRAPH:-}" ]; then
		timeit "inferno" "$bytes" "sh -c '$INFERNO_COLLAPSE $tmp/big.txt | $INFERNO_FLAMEGRAPH >$tmp/i.svg'"
	fi
} | column -t -s $'\t'
echo
echo "target (issue 5): at least 300 MB/s of perf script text to SVG on one core."
echo "published: FlameGraph's Perl scripts about 40 MB/s, inferno about 180 MB/s (its README)."
