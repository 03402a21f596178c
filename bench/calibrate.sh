#!/bin/bash
# The calibration of perfeng's verdicts on the machine it runs on: how often
# each one fires where nothing changed, and how often it finds a change that
# was made on purpose. Prints one Markdown table per verdict:
#
#  1. compare --fail-on regression on consecutive identical runs
#     (`bench --save` of `sleep 0.005`, default settings): false alarms, with
#     the defaults and with --no-history;
#  2. the same gate on a real 10% and 5% slowdown saved in separate runs
#     (pe-loop N against 1.1 N and 1.05 N iterations of one loop), against
#     a history of identical runs of the baseline: detections;
#  3. bench's own verdict inside one run, interleaved and back to back: false
#     alarms on N against N, detections of N against 1.05 N;
#  4. history's change points on synthetic flat and stepped series
#     (bench/cp-flat-step.c), then on a flat series of real runs and on one
#     with a 5% step after run 30, and history --fail-on change on both;
#  5. diagnose's verdict for workloads whose limit is known by construction.
#
# Usage: bench/calibrate.sh [AA_RUNS [PAIRS]]   (default 21 identical runs, 10 pairs)
# Environment: SECTIONS (which to run, default "1 2 3 4 5"), O (build directory), LOOP_N (iterations of the base loop,
# default 15000000: about 20 ms here), SERIES (runs per series, default 60).
set -euo pipefail
cd "$(dirname "$0")/.."

aa=${1:-21}
pairs=${2:-10}
n=${LOOP_N:-15000000}
series=${SERIES:-60}
O=${O:-obj}
make -s O="$O" build-tests >/dev/null
pe=$O/perfeng
[ "$O" = obj ] && pe=perfeng
case $O in /*) ;; *) O=$PWD/$O pe=$PWD/$pe ;; esac
H=$O/tests/helpers
tmp=$(mktemp -d /var/tmp/perfeng-calibrate.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export PERFENG_STORE=$tmp/cal.db NO_COLOR=1
n105=$((n * 105 / 100))
n110=$((n * 110 / 100))

echo "perfeng verdict calibration — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "perfeng $($pe --version 2>/dev/null | head -1), pe-loop N = $n"
echo

# gate A B [OPTS]: 1 when compare --fail-on regression fails A against B, else 0.
gate() {
	local a=$1 b=$2 rc=0
	shift 2
	"$pe" compare "$a" "$b" --fail-on regression "$@" >/dev/null 2>&1 || rc=$?
	[ "$rc" -le 1 ] || { echo "compare $a $b: exit $rc" >&2; exit 1; }
	echo "$rc"
}

# want N: whether section N is asked for.
want() { [[ " ${SECTIONS:-1 2 3 4 5} " == *" $1 "* ]]; }

if want 1; then
# --- 1. identical runs, separate saves ------------------------------------------------------
for ((i = 1; i <= aa; i++)); do
	"$pe" bench -q -N --save aa 'sleep 0.005' >/dev/null 2>&1
done
fa=0 fa_nh=0
for ((k = aa - 1; k >= 1; k--)); do
	old=aa@latest~$k new=aa@latest~$((k - 1))
	r=$(gate "$old" "$new")
	fa=$((fa + r))
	r=$(gate "$old" "$new" --no-history)
	fa_nh=$((fa_nh + r))
done
echo "### 1. compare --fail-on regression on identical runs (sleep 0.005, $aa saved runs, $((aa - 1)) consecutive pairs)"
echo
echo "| settings | false alarms |"
echo "|---|---|"
echo "| defaults (wall gated, 5% band, history) | $fa / $((aa - 1)) |"
echo "| --no-history | $fa_nh / $((aa - 1)) |"
echo
fi

if want 2; then
# --- 2. real slowdowns, separate saves ---------------------------------------------------------
for ((i = 1; i <= 6; i++)); do
	"$pe" bench -q -N --save base "$H/pe-loop $n" >/dev/null 2>&1
done
d10=0 d5=0 fa_loop=0
for ((i = 1; i <= pairs; i++)); do
	"$pe" bench -q -N --save base "$H/pe-loop $n" >/dev/null 2>&1
	r=$(gate base@latest~1 base@latest)
	fa_loop=$((fa_loop + r))
	"$pe" bench -q -N --save slow10 "$H/pe-loop $n110" >/dev/null 2>&1
	r=$(gate base@latest slow10@latest)
	d10=$((d10 + r))
	"$pe" bench -q -N --save slow5 "$H/pe-loop $n105" >/dev/null 2>&1
	r=$(gate base@latest slow5@latest)
	d5=$((d5 + r))
done
echo "### 2. compare --fail-on regression on real slowdowns saved in separate runs ($pairs pairs, pe-loop, the baseline's history)"
echo
echo "| change | fired |"
echo "|---|---|"
echo "| none (base against the next base) | $fa_loop / $pairs |"
echo "| +10% (N against 1.1 N) | $d10 / $pairs |"
echo "| +5% (N against 1.05 N) | $d5 / $pairs |"
echo
fi

if want 3; then
# --- 3. inside one bench: interleaved and back to back --------------------------------------------
# verdict OPTS... CMD_A CMD_B: bench's verdict on B against the reference A.
verdict() {
	"$pe" bench -q -N "$@" --export-json "$tmp/v.json" >/dev/null 2>&1
	jq -r '.results[1].perfeng.comparison.verdict' "$tmp/v.json"
}
declare -A fired
for mode in interleave back; do
	opt=(--no-interleave)
	[ $mode = interleave ] && opt=(--interleave)
	fa_in=0 det=0
	for ((i = 1; i <= pairs; i++)); do
		v=$(verdict "${opt[@]}" --reference "$H/pe-loop $n" "$H/pe-loop $n")
		[ "$v" = "no significant difference" ] || fa_in=$((fa_in + 1))
		v=$(verdict "${opt[@]}" --reference "$H/pe-loop $n" "$H/pe-loop $n105")
		[ "$v" = slower ] && det=$((det + 1))
	done
	fired[$mode]="$fa_in $det"
done
read -r ia id <<<"${fired[interleave]}"
read -r ba bd <<<"${fired[back]}"
echo "### 3. bench's verdict inside one run (noise band 1%, $pairs runs each)"
echo
echo "| order | false alarms, N against N | detections, N against 1.05 N |"
echo "|---|---|---|"
echo "| --interleave | $ia / $pairs | $id / $pairs |"
echo "| back to back | $ba / $pairs | $bd / $pairs |"
echo
fi

if want 4; then
# --- 4. change points: synthetic series, then real ones ----------------------------------------------
make -s O="$O" "$O/libperfeng.a" >/dev/null
cc -std=gnu11 -O2 -Isrc -o "$tmp/cp-flat-step" bench/cp-flat-step.c "$O/libperfeng.a" -lm
echo "### 4a. change points on synthetic series (bench/cp-flat-step.c: 200 series of 60 runs per row)"
echo
"$tmp/cp-flat-step"
echo
for ((i = 1; i <= series; i++)); do
	"$pe" bench -q -N -r 15 --save flat "$H/pe-loop $n" >/dev/null 2>&1
	if ((i <= series / 2)); then m=$n; else m=$n105; fi
	"$pe" bench -q -N -r 15 --save step "$H/pe-loop $m" >/dev/null 2>&1
done
"$pe" history flat --json >"$tmp/flat.json"
"$pe" history step --json >"$tmp/step.json"
rc_flat=0; "$pe" history flat --fail-on change >/dev/null 2>&1 || rc_flat=$?
rc_step=0; "$pe" history step --fail-on change --last $((series / 2)) >/dev/null 2>&1 || rc_step=$?
echo "### 4b. history on real series ($series runs of pe-loop, 15 runs each)"
echo
echo "| series | change points | where (index of the first run after) | --fail-on change |"
echo "|---|---|---|---|"
echo "| flat | $(jq '.change_points | length' "$tmp/flat.json") | $(jq -r '[.change_points[] | "\(.index) (\(.change * 100 | . * 100 | round / 100)%)"] | join(", ") | if . == "" then "-" else . end' "$tmp/flat.json") | exit $rc_flat |"
echo "| +5% from run $((series / 2 + 1)) | $(jq '.change_points | length' "$tmp/step.json") | $(jq -r '[.change_points[] | "\(.index) (\(.change * 100 | . * 100 | round / 100)%)"] | join(", ") | if . == "" then "-" else . end' "$tmp/step.json") (the step is at $((series / 2))) | exit $rc_step (--last $((series / 2))) |"
echo
fi

if want 5; then
# --- 5. diagnose on known workloads --------------------------------------------------------------
# diag EXPECTED DESC CMD...: one row, with the verdict and whether it is the expected one.
diag() {
	local want=$1 desc=$2 got
	shift 2
	"$@" >"$tmp/d.json" 2>/dev/null || true
	got=$(jq -r '.verdict.name + " (" + .verdict.detail + ")"' "$tmp/d.json" 2>/dev/null || echo "no report")
	printf '| %s | %s | %s | %s |\n' "$desc" "$want" "$got" "$([ "$got" = "$want" ] && echo yes || echo NO)"
}
echo "### 5. diagnose on workloads whose limit is known"
echo
echo "| workload | expected | verdict | right |"
echo "|---|---|---|---|"
diag "cpu-bound (single-threaded)" "one thread spinning (pe-burn 1)" "$pe" diagnose --json -- "$H/pe-burn" 1 2000
diag "cpu-bound (parallel)" "two threads spinning (pe-burn 2)" "$pe" diagnose --json -- "$H/pe-burn" 2 2000
diag "lock-contention (threads wait for a lock that others hold)" "two threads on one mutex, short critical section (pe-contend 2)" \
	"$pe" diagnose --json -- "$H/pe-contend" 2 2000
diag "lock-contention (threads wait for a lock that others hold)" "four threads on one mutex held while sleeping (pe-mutex 4)" \
	"$pe" diagnose --json -- "$H/pe-mutex" 4 1500
diag "io-bound (blocked on I/O)" "fsync after every write, $(stat -f -c %T "$tmp") (pe-fsync)" \
	"$pe" diagnose --json -- "$H/pe-fsync" "$tmp" 2000
diag "off-cpu-bound (sleep)" "sleeping (pe-sleep)" "$pe" diagnose --json -- "$H/pe-sleep" 1500
echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
diag "memory-bound (major page faults)" "reading back evicted pages (pe-fault)" \
	"$pe" diagnose --json -- "$H/pe-fault" "$tmp/fault.dat" 32 2000
# a CPU quota of 20 ms per 100 ms: cgroup v1 cpu.cfs_quota_us, or v2 cpu.max
CG=
if [ -w /sys/fs/cgroup/cpu ] && [ -f /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]; then
	CG=/sys/fs/cgroup/cpu/perfeng-calibrate-$$
	mkdir "$CG" 2>/dev/null && echo 20000 >"$CG/cpu.cfs_quota_us" 2>/dev/null || CG=
elif grep -qw cpu /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null && [ -w /sys/fs/cgroup ]; then
	CG=/sys/fs/cgroup/perfeng-calibrate-$$
	mkdir "$CG" 2>/dev/null && echo "20000 100000" >"$CG/cpu.max" 2>/dev/null || CG=
fi
if [ -n "$CG" ]; then
	diag "cpu-starved (cgroup CPU throttling)" "a spinner under a 20% CPU quota" \
		sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" diagnose --json -- "$3/pe-burn" 1 2000' sh "$CG" "$pe" "$H"
	rmdir "$CG" 2>/dev/null || true
else
	echo "| a spinner under a 20% CPU quota | cpu-starved (cgroup CPU throttling) | not run: no cgroup cpu controller to write | - |"
fi
diag "off-cpu-bound (network, poll or pipes)" "reading a pipe that a sleeper holds open (cat)" \
	sh -c '(sleep 2) | exec "$1" diagnose --json -- cat' sh "$pe"
fi
