#!/bin/bash
# perfeng bench with several commands: the comparison and its verdict,
# --reference, --noise, --interleave order, and the adaptive stop rules
# (--precision, --time-budget). Only wide ratios are asserted: the machine
# running the tests may be busy.
. "$(dirname "$0")/lib.sh"

FAST="$H/pe-spin 5"
SLOW="$H/pe-spin 20"

run_pe bench -q -w 1 -r 15 --interleave --export-json "$T/c.json" "$FAST" "$SLOW"
rc_is 0 "pe-spin 5 against pe-spin 20: exit 0"
jq_is "$T/c.json" '.perfeng.reference' "\"$FAST\"" "the fastest is the reference"
jq_is "$T/c.json" '.results[1].perfeng.comparison.verdict' '"slower"' "pe-spin 20 is called slower"
jq_ok "$T/c.json" '.results[1].perfeng.comparison.ratio | . > 2.5 and . < 6' "its ratio is between 2.5 and 6 (about 4)"
jq_ok "$T/c.json" '.results[1].perfeng.comparison.p_value < 0.001' "p < 0.001 with 15 runs each"
jq_is "$T/c.json" '.results[0].perfeng|has("comparison")' false "the reference has no comparison"
like "$PE_OUT" "Comparison against the fastest, '$FAST'" "the text compares against the fastest"
like "$PE_OUT" "'$SLOW' +[0-9.]+× \[[0-9.]+× … [0-9.]+×\] +p < 0\.001 +slower" "the text shows ratio, CI, p and the verdict"

# --reference: benchmarked first, compared with, even when slower.
run_pe bench -q -w 1 -r 15 --interleave --reference "$SLOW" --export-json "$T/r.json" "$FAST"
rc_is 0 "--reference: exit 0"
jq_is "$T/r.json" '[.results[].command]' "[\"$SLOW\",\"$FAST\"]" "--reference is benchmarked first"
jq_is "$T/r.json" '.perfeng.reference' "\"$SLOW\"" "perfeng.reference is the --reference command"
jq_is "$T/r.json" '.results[1].perfeng.comparison.reference' "\"$SLOW\"" "the comparison is against it"
jq_is "$T/r.json" '.results[1].perfeng.comparison.verdict' '"faster"' "and the other command is faster"
jq_ok "$T/r.json" '.results[1].perfeng.comparison.ratio | . > 1/6 and . < 1/2.5' "with a ratio between 1/6 and 1/2.5"
like "$PE_OUT" "Comparison against the reference '$SLOW'" "the text names the reference"

# --reference with a parameter list: one reference, compared with every value.
run_pe bench -q -r 3 --reference "$H/pe-exit 0" --export-json "$T/rp.json" -L n 1,2 "$H/pe-spin {n}"
jq_is "$T/rp.json" '[.results[].command]' "[\"$H/pe-exit 0\",\"$H/pe-spin 1\",\"$H/pe-spin 2\"]" "--reference with -L: the reference once, then each value"
jq_is "$T/rp.json" '[.results[].perfeng.comparison.reference]' "[null,\"$H/pe-exit 0\",\"$H/pe-exit 0\"]" "each value is compared with the reference"

# Identical commands within a wide noise band: no significant difference.
run_pe bench -q -r 10 --interleave --noise 50% --export-json "$T/n.json" -n first "$FAST" -n second "$FAST"
rc_is 0 "identical commands with --noise 50%: exit 0"
jq_is "$T/n.json" '.perfeng.noise' 0.5 "perfeng.noise is 0.5"
jq_is "$T/n.json" '[.results[].perfeng.comparison.verdict|values]' '["no significant difference"]' \
	"identical commands: no significant difference"
like "$PE_OUT" 'noise band ±50\.0%' "the text shows the noise band"

run_pe bench -q -r 2 --noise 0.02 --export-json "$T/n2.json" "$FAST"
jq_is "$T/n2.json" '.perfeng.noise' 0.02 "--noise 0.02 is 2% (a percentage written as a fraction)"
jq_is "$T/c.json" '.perfeng.noise' 0.01 "the default noise band is 1%"

# --interleave: runs in alternation. pe-count writes a or b into one file.
run_pe bench -q -w 2 -r 3 --interleave "$H/pe-count $T/order a" "$H/pe-count $T/order b"
is "$(tr -d '\n' <"$T/order")" "aabbababab" "--interleave: each command's warmups, then the runs alternate (aa bb ab ab ab)"
rm -f "$T/order"
run_pe bench -q -w 2 -r 3 --no-interleave "$H/pe-count $T/order a" "$H/pe-count $T/order b"
is "$(tr -d '\n' <"$T/order")" "aaaaabbbbb" "--no-interleave: one command after the other, warmups first (aaaaa bbbbb)"
rm -f "$T/order"
run_pe bench -q -w 2 -r 3 "$H/pe-count $T/order a" "$H/pe-count $T/order b"
is "$(tr -d '\n' <"$T/order")" "aabbababab" "the default: the runs alternate, as with --interleave"
run_pe bench -q -r 2 --interleave --no-interleave "$H/pe-exit 0"
rc_is 2 "--interleave with --no-interleave: exit 2"
rm -f "$T/order"
run_pe bench -q -r 2 --interleave "$H/pe-count $T/order a" "$H/pe-count $T/order b" "$H/pe-count $T/order c"
is "$(tr -d '\n' <"$T/order")" "abcabc" "--interleave with three commands: abcabc"

# --precision: stops as soon as the median's CI is narrow enough.
run_pe bench -q --precision 50% --time-budget 30s --export-json "$T/p.json" "$FAST"
rc_is 0 "--precision 50%: exit 0"
jq_is "$T/p.json" '.results[0].perfeng.stop_reason' '"precision"' "--precision 50% stops with precision"
jq_ok "$T/p.json" '.results[0].perfeng.runs >= 10' "not before the minimum 10 runs"
jq_ok "$T/p.json" '.results[0].perfeng.median_ci_halfwidth_rel | . > 0 and . <= 0.5' "median_ci_halfwidth_rel is within the target"
like "$PE_OUT" 'Stopped after: +[0-9]+ runs: precision reached \(median 95% CI ±[0-9.]+%, target ±50\.00%\)' "the text says the precision was reached"

# An unreachable precision: the time budget stops it.
run_pe bench --precision 0.01% --time-budget 1s --export-json "$T/b.json" "$H/pe-sleep 5"
rc_is 0 "--precision 0.01% --time-budget 1s: exit 0"
jq_is "$T/b.json" '.results[0].perfeng.stop_reason' '"time-budget"' "it stops with time-budget"
# The budget counts the time spent on the runs, at least the sum of their wall times.
jq_ok "$T/b.json" '.results[0].times | (.[:-1]|add) < 1 and add >= 0.5' "after about 1 s of runs (the last one started before 1 s)"
jq_ok "$T/b.json" '.results[0].perfeng.median_ci_halfwidth_rel > 0.0001' "the half-width reached is above the target"
like "$PE_OUT" 'Stopped after: +[0-9]+ runs: time budget ran out before the precision was reached \(median 95% CI ±[0-9.]+%, target ±0\.01%\)' \
	"the text says the budget ran out before the precision was reached"

# --time-budget alone bounds the default mode too.
run_pe bench -q --time-budget 300ms --export-json "$T/tb.json" "$H/pe-sleep 50"
jq_is "$T/tb.json" '.results[0].perfeng.stop_reason' '"time-budget"' "--time-budget 300ms in the default mode: stop_reason time-budget"
jq_ok "$T/tb.json" '.results[0] | .perfeng.runs <= 6 and (.times[:-1]|add) < 0.3' "after about 300 ms: at most 6 runs of 50 ms, the last started before 300 ms"

done_testing
