#!/bin/bash
# The cost of tracing the heap: perfeng heap against heaptrack and valgrind
# (memcheck, and massif, its heap profiler), side by side in one perfeng
# bench run (interleaved), on two workloads of tests/helpers/pe-churn.c:
# many small allocations (N of 16 to 256 bytes, 1000 live) and few large
# ones (N of 1 to 8 MiB, each page touched). Prints bench's table, then each
# tool's slowdown against the program alone (ratio of medians).
#
# Usage: bench/heap-overhead.sh [SMALL_N [LARGE_N [RUNS]]]   (default 300000 200 5)
# O=/tmp/build uses that build directory.
set -euo pipefail
cd "$(dirname "$0")/.."

small=${1:-300000}
large=${2:-200}
runs=${3:-5}
O=${O:-obj}
make -s O="$O" build-tests >/dev/null
pe=$O/perfeng
[ "$O" = obj ] && pe=./perfeng
churn=$O/tests/helpers/pe-churn
tmp=$(mktemp -d /var/tmp/perfeng-heap-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
for t in heaptrack valgrind; do
	command -v "$t" >/dev/null || { echo "bench/heap-overhead.sh: $t is not installed (scripts/install-deps.sh)" >&2; exit 2; }
done

echo "heap tracing overhead — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "perfeng $($pe --version | head -1); $(heaptrack --version 2>&1 | head -1); $(valgrind --version)"
for w in "small $small" "large $large"; do
	set -- $w
	echo
	echo "### $1: pe-churn $1 $2"
	"$pe" bench -N -r "$runs" -w 1 --export-json "$tmp/$1.json" \
		-n plain "$churn $1 $2" \
		-n "perfeng heap" "$pe heap --json -- $churn $1 $2" \
		-n heaptrack "heaptrack -o $tmp/ht $churn $1 $2" \
		-n "valgrind memcheck" "valgrind -q --leak-check=no $churn $1 $2" \
		-n "valgrind massif" "valgrind -q --tool=massif --massif-out-file=$tmp/massif.out $churn $1 $2" >/dev/null 2>&1
	jq -r '.results as $r | ($r[0].median) as $base |
		"| tool | median | slowdown |", "|---|---|---|",
		($r[] | "| \(.command_name // .command) | \(.median * 1000 | . * 10 | round / 10) ms | \(.median / $base * 100 | round / 100)x |")' "$tmp/$1.json"
done
