#!/bin/bash
# perfeng bench against hyperfine, side by side in one run, on the same
# commands: `true` (pure tool overhead) and a ~20 ms CPU-bound program.
#
# Prints, for each tool:
#   - per-run overhead: wall time of the whole tool invocation / runs, where
#     the wall time is measured by `perfeng bench` itself (the two tool
#     invocations interleaved, REPS times each, so drift falls on both);
#   - the mean and σ each reports for the same command, with the 95% CI of
#     each mean (perfeng's bootstrap CI; for hyperfine mean ± 1.96 σ/√n,
#     as hyperfine reports no CI), and whether the two CIs overlap.
#
# Usage: bench/bench-vs-hyperfine.sh [RUNS_TRUE [RUNS_SPIN [REPS]]]
set -euo pipefail
cd "$(dirname "$0")/.."

runs_true=${1:-500}
runs_spin=${2:-100}
reps=${3:-10}

scripts/install-deps.sh
make -s perfeng obj/tests/helpers/pe-spin >/dev/null
pe=$PWD/perfeng
spin="$PWD/obj/tests/helpers/pe-spin 20"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "perfeng bench vs hyperfine — $(date -u +%Y-%m-%d), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "$("$pe" --version); $(hyperfine --version)"
echo

# --- 1. per-run overhead ----------------------------------------------------
overhead() {	# label runs command
	local label=$1 runs=$2 cmd=$3 json=$tmp/overhead-$1.json
	"$pe" bench -q -N --interleave -r "$reps" --export-json "$json" \
		--reference "hyperfine -N -r $runs --export-json $tmp/y.json '$cmd'" \
		-n perfeng -n "perfeng --no-counters" \
		"$pe bench -q -N -r $runs --export-json $tmp/x.json '$cmd'" \
		"$pe bench -q -N --no-counters -r $runs --export-json $tmp/x.json '$cmd'" >/dev/null
	jq -r --arg lbl "$label" --argjson runs "$runs" '
		def r3: . * 1000 | round / 1000;
		.results[] | (.mean / $runs * 1e6 | . * 10 | round / 10) as $per
		| if .perfeng.comparison == null then "\($lbl)\thyperfine -N\t\($per) µs/run\t(reference)"
		  else .perfeng.comparison as $c
		  | "\($lbl)\t\(.command)\t\($per) µs/run\tratio to hyperfine \($c.ratio | r3) [95% CI \($c.ratio_ci95[0] | r3)–\($c.ratio_ci95[1] | r3)] \($c.verdict)"
		  end' "$json"
}
echo "== per-run overhead (whole tool wall time / runs; $reps invocations of each, interleaved) =="
{
	overhead true "$runs_true" true
	overhead spin20 "$runs_spin" "$spin"
} | column -t -s $'\t'
echo

# --- 2. what each reports ---------------------------------------------------
report() {	# label runs command
	local label=$1 runs=$2 cmd=$3
	"$pe" bench -q -N -r "$runs" --export-json "$tmp/pe.json" "$cmd" >/dev/null
	hyperfine -N -r "$runs" --export-json "$tmp/hf.json" "$cmd" >/dev/null 2>&1
	jq -r -n --arg lbl "$label" --slurpfile pe "$tmp/pe.json" --slurpfile hf "$tmp/hf.json" '
		($pe[0].results[0]) as $p | ($hf[0].results[0]) as $h
		| ($p.perfeng.wall.mean_ci95) as $pci
		| ($h.times | length) as $n
		| [$h.mean - 1.96 * $h.stddev / ($n | sqrt), $h.mean + 1.96 * $h.stddev / ($n | sqrt)] as $hci
		| def ms: . * 1e3 | . * 1000 | round / 1000;
		  "\($lbl)\tperfeng\tmean \($p.mean | ms) ms\tσ \($p.stddev | ms) ms\t95% CI [\($pci[0] | ms), \($pci[1] | ms)]",
		  "\($lbl)\thyperfine\tmean \($h.mean | ms) ms\tσ \($h.stddev | ms) ms\t95% CI [\($hci[0] | ms), \($hci[1] | ms)]",
		  "\($lbl)\tratio pe/hf\tmean \($p.mean / $h.mean | . * 1000 | round / 1000)\tσ \($p.stddev / $h.stddev | . * 1000 | round / 1000)\tCIs overlap: \(if ($pci[0] <= $hci[1] and $hci[0] <= $pci[1]) then "yes" else "no" end)"'
}
echo "== mean and σ each tool reports for the same command ($runs_true runs of true, $runs_spin of the 20 ms program) =="
{
	report true "$runs_true" true
	report spin20 "$runs_spin" "$spin"
} | column -t -s $'\t'
