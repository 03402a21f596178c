#!/bin/bash
# The cost of profiling: a CPU-bound workload (tests/helpers/pe-prof-work,
# THREADS threads) timed alone, under `perfeng profile` and under
# `perf record -g` at the same frequency, side by side, REPS times each in
# rotating order. Prints the median wall time of each, the slowdown against
# the workload alone, and the ratio perfeng / perf; the same for DWARF
# stacks (`--call-graph dwarf`, 8 KiB of stack a sample, both tools). The
# CPU column is user + system of the whole tree (profiler included): on a
# 2-core machine the profiler's CPU is taken from the workload.
#
# perf record only writes perf.data: symbolization is left to `perf report`,
# which is not timed here; perfeng symbolizes while it samples and writes
# the folded stacks, all inside the timed run.
#
# Usage: bench/profile-vs-perf.sh [FREQ [REPS [THREADS [ROUNDS]]]]
set -euo pipefail
cd "$(dirname "$0")/.."

freq=${1:-499}
reps=${2:-5}
threads=${3:-2}
rounds=${4:-1500}
O=${O:-obj}
PE=$O/perfeng
[ "$O" = obj ] && PE=./perfeng
make -s O="$O" "$PE" "$O/tests/helpers/pe-prof-work" >/dev/null
command -v perf >/dev/null || { echo "bench/profile-vs-perf.sh: needs perf (apt-get install linux-perf)" >&2; exit 1; }
W="$O/tests/helpers/pe-prof-work $threads $rounds"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run NAME CMD...: appends "wall cpu" of one run to $tmp/NAME
run() {
	local name=$1 t0 t1
	shift
	t0=$(awk '{ print $14 + $15 + $16 + $17 }' /proc/$$/stat)
	local s e
	s=$(date +%s.%N)
	"$@" >/dev/null 2>&1
	e=$(date +%s.%N)
	# children's CPU (cutime + cstime, in clock ticks) of this shell, after the wait
	t1=$(awk '{ print $14 + $15 + $16 + $17 }' /proc/$$/stat)
	echo "$(echo "$e - $s" | bc) $(echo "($t1 - $t0) / $(getconf CLK_TCK)" | bc -l)" >>"$tmp/$name"
}

names=(alone perfeng perf perfeng-dwarf perf-dwarf)
for r in $(seq "$reps"); do
	for k in $(seq 0 4); do
		i=$(( (k + r) % 5 ))
		case ${names[$i]} in
		alone) run alone $W ;;
		perfeng) run perfeng "$PE" profile -F "$freq" --top 0 -o "$tmp/p.folded" -- $W ;;
		perf) run perf perf record -q -F "$freq" -g -o "$tmp/perf.data" -- $W ;;
		perfeng-dwarf) run perfeng-dwarf "$PE" profile -F "$freq" --call-graph dwarf --top 0 -o "$tmp/pd.folded" -- $W ;;
		perf-dwarf) run perf-dwarf perf record -q -F "$freq" --call-graph dwarf,8192 -o "$tmp/perfd.data" -- $W ;;
		esac
	done
done

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
declare -A wall cpu
for n in "${names[@]}"; do
	wall[$n]=$(cut -d' ' -f1 "$tmp/$n" | median)
	cpu[$n]=$(cut -d' ' -f2 "$tmp/$n" | median)
done
echo "perfeng profile vs perf record — $(date -u +%Y-%m-%d), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "workload: pe-prof-work, $threads threads, $rounds rounds; -F $freq; $reps runs each, medians; $(perf --version)"
echo
echo "| run | wall (s) | slowdown | CPU (s) | CPU over alone |"
echo "|---|---:|---:|---:|---:|"
for n in "${names[@]}"; do
	printf '| %s | %.3f | %.3f | %.3f | %+.1f%% |\n' "$n" "${wall[$n]}" "$(echo "${wall[$n]} / ${wall[alone]}" | bc -l)" \
		"${cpu[$n]}" "$(echo "100 * (${cpu[$n]} - ${cpu[alone]}) / ${cpu[alone]}" | bc -l)"
done
printf '| ratio perfeng / perf (frame pointers) | %.3f | | %.3f | |\n' \
	"$(echo "${wall[perfeng]} / ${wall[perf]}" | bc -l)" "$(echo "${cpu[perfeng]} / ${cpu[perf]}" | bc -l)"
printf '| ratio perfeng / perf (dwarf) | %.3f | | %.3f | |\n' \
	"$(echo "${wall[perfeng-dwarf]} / ${wall[perf-dwarf]}" | bc -l)" "$(echo "${cpu[perfeng-dwarf]} / ${cpu[perf-dwarf]}" | bc -l)"
