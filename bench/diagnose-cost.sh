#!/bin/bash
# The cost of `perfeng diagnose`'s sampling: perfeng's own CPU time while it
# watches a command that itself uses almost none (pe-sleep: 1 thread;
# pe-mutex: 17 threads that mostly wait), at --hz 20 (default) and 100,
# side by side with `pidstat -t -p PID 1` (sysstat), which reads the same
# per-thread /proc files once a second. perfeng's own CPU is the CPU time of
# everything under `time` less the command's own (from its JSON) and less
# perfeng's fixed cost of starting and reporting (a diagnose of pe-exit 0),
# so that what is left is the sampling. Then a command that is busy on 2
# CPUs (pe-burn), diagnosed with and without the profiler (99 samples a
# second per busy thread, symbolized as they come): the profile's share of
# diagnose's cost.
#
# Usage: bench/diagnose-cost.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${1:-10}
ms=$((secs * 1000))
O=${O:-obj}
make -s O="$O" build-tests >/dev/null
pe=$O/perfeng
[ "$O" = obj ] && pe=perfeng
case $O in /*) ;; *) O=$PWD/$O pe=$PWD/$pe ;; esac
H=$O/tests/helpers
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "perfeng diagnose: sampling cost — $(date -u +%Y-%m-%d), $(nproc) cores, $secs s per case"

# cpu_of CMD...: user+system ms of CMD and everything it waited for.
cpu_of() {
	/usr/bin/time -f '%U %S' -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err" || true
	awk '{ printf "%.0f\n", ($1 + $2) * 1000 }' "$tmp/time"
}

base=$(cpu_of "$pe" diagnose --json -- "$H/pe-exit" 0)
echo "(fixed cost of a diagnose run, subtracted below: $base ms)"
echo
printf '| watched command | threads | tool | CPU ms | CPU ms per second | ms per 1,000 thread-samples |\n'
printf '|---|---:|---|---:|---:|---:|\n'
for w in "pe-sleep $ms" "pe-mutex 16 $ms"; do
	set -- $w
	for hz in 20 100; do
		total=$(cpu_of "$pe" diagnose --json --hz "$hz" -- "$H/$1" "${@:2}")
		cmd=$(jq '(.decomposition.user.seconds + .decomposition.system.seconds) * 1000' "$tmp/out")
		samples=$(jq '.samples' "$tmp/out")
		threads=$(jq '.max_threads' "$tmp/out")
		own=$(awk -v t="$total" -v c="$cmd" -v b="$base" 'BEGIN { printf "%.0f", t - c - b }')
		printf '| %s | %s | perfeng diagnose --hz %s | %s | %.2f | %.2f |\n' "$1" "$threads" "$hz" "$own" \
			"$(awk -v o="$own" -v s="$secs" 'BEGIN { print o / s }')" \
			"$(awk -v o="$own" -v n="$samples" -v t="$threads" 'BEGIN { print n * t ? o / (n * t) * 1000 : 0 }')"
	done
	"$H/$1" "${@:2}" >/dev/null &
	pid=$!
	sleep 0.2
	own=$(cpu_of pidstat -t -p "$pid" 1 $((secs - 1)))
	wait "$pid" || true
	printf '| %s | %s | pidstat -t -p PID 1 | %s | %.2f | %.2f |\n' "$1" "$threads" "$own" \
		"$(awk -v o="$own" -v s="$secs" 'BEGIN { print o / s }')" \
		"$(awk -v o="$own" -v n="$((secs - 1))" -v t="$threads" 'BEGIN { print o / (n * t) * 1000 }')"
done

echo
echo "A busy command: the profiler's cost"
echo
printf '| watched command | threads | tool | CPU ms | CPU ms per second | profile samples |\n'
printf '|---|---:|---|---:|---:|---:|\n'
for opt in "" --no-profile; do
	total=$(cpu_of "$pe" diagnose --json $opt -- "$H/pe-burn" 2 "$ms")
	cmd=$(sed -n 's/^cpu_ms //p' "$tmp/err")
	own=$(awk -v t="$total" -v c="$cmd" -v b="$base" 'BEGIN { printf "%.0f", t - c - b }')
	printf '| pe-burn | 2 | perfeng diagnose%s | %s | %.2f | %s |\n' "${opt:+ $opt}" "$own" \
		"$(awk -v o="$own" -v s="$secs" 'BEGIN { print o / s }')" "$(jq '.profile.samples // 0' "$tmp/out")"
done
