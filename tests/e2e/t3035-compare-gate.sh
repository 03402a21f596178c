#!/bin/bash
# perfeng compare's gate (docs/compare.md "The gate"): only the primary
# metric gates unless --metric names others, Holm's correction over what is
# gated, the band learned from earlier runs of the name (and --no-history),
# how the two runs were taken, and the conditions that differ. Fixed inputs:
# crafted JSON files and runs imported from them, so every p and CI is exact.
. "$(dirname "$0")/lib.sh"

export PERFENG_STORE=$T/results.db
cd "$T" || exit 1

# mk FILE STARTED LOADAVG WALL_MEAN USER_MEAN: a perfeng JSON result of 8 runs
# whose wall and user times are the means times fixed factors (spread 1%).
mk() { # FILE STARTED LOADAVG WALL USER
	jq -n --arg st "$2" --argjson la "$3" --argjson w "$4" --argjson u "$5" '
		[1.000, 1.010, 0.990, 1.005, 0.995, 1.002, 0.998, 1.001] as $f
		| ($f | map(. * $w)) as $t | ($f | map(. * $u)) as $ut
		| {results: [{command: "c", mean: ($t|add/length), times: $t,
			perfeng: {resources: {user: $ut, system: ($f | map(. * 0.001))}}}],
		   perfeng: {version: "0.1.0", kind: "bench", started: $st, ended: $st,
			invocation: ("perfeng bench " + $st),
			environment: {cpu_model: "M", cores: 2, kernel: "Linux 6.1", hostname: "h",
				governor: "performance", loadavg_before: [$la, 0, 0]}}}' >"$1"
}

# --- only the primary metric gates ------------------------------------------------------------
mk a.json 2024-01-01T00:00:00.000000Z 0.1 1.0 0.5
mk b.json 2024-01-01T01:00:00.000000Z 0.1 1.0 0.75
run_pe compare a.json b.json --fail-on regression
rc_is 0 "user +50%, wall unchanged, --fail-on regression: exit 0 (wall alone gates a bench run)"
like "$PE_OUT" '^user .* regressed \(not gated\)$' "user is shown as regressed, not gated"
like "$PE_OUT" '^wall .* unchanged$' "wall unchanged"
like "$PE_OUT" '^gate: regression when p < 0\.05 \(Holm over 1 gated metric\)' "the gate line says one metric is gated"
like "$PE_OUT" '^false alarms: at most 5% of identical pairs' "and the false-alarm rate it implies"
run_pe compare a.json b.json --fail-on regression --json
printf '%s' "$PE_OUT" >g.json
jq_is g.json '.gate.gated' '["wall"]' "--json: gate.gated is [wall]"
jq_is g.json '[.metrics[] | select(.metric == "user") | .gated, .verdict]' '[false,"regressed"]' "user: not gated, regressed"
jq_is g.json '.gate | [.alpha, .correction]' '[0.05,"holm"]' "alpha 0.05, Holm"
run_pe compare a.json b.json --fail-on regression --metric user
rc_is 1 "--metric user: user gates, exit 1"
like "$(printf '%s\n' "$PE_ERR" | tail -1)" '^perfeng: error: user regressed by 50\.00%' "the message names user"

# --- Holm: two gated metrics at the edge --------------------------------------------------------
# 4 against 4 with no overlap: p = 2/70 = 0.0286 (R's exact wilcox.test); alone it fires, with a
# second gated metric Holm doubles it to 0.0571 and nothing fires.
four() { # FILE W
	jq -n --argjson w "$2" '[1.00, 1.01, 1.02, 1.03] as $f
		| {results: [{command: "c", mean: ($f|map(. * $w)|add/4), times: ($f|map(. * $w)),
			perfeng: {resources: {user: ($f|map(. * $w)), system: [1, 1, 1, 1]}}}]}' >"$1"
}
four h1.json 1
four h2.json 2
run_pe compare h1.json h2.json --fail-on regression --metric wall
rc_is 1 "wall alone, p = 0.0286: exit 1"
run_pe compare h1.json h2.json --fail-on regression --metric wall --metric user --json
rc_is 0 "wall and user gated, each p = 0.0286: Holm's 0.0571 passes, exit 0"
printf '%s' "$PE_OUT" >holm.json
jq_ok holm.json '[.metrics[] | select(.metric == "wall" or .metric == "user") | .p_adjusted] | all(. > 0.057 and . < 0.0572)' \
	"both Holm-adjusted p-values are 4/70 = 0.0571"
jq_is holm.json '[.metrics[] | select(.metric == "wall") | .verdict]' '["unchanged"]' "wall: unchanged after the correction"

# --- the band learned from history ------------------------------------------------------------
# Eight runs of 'noisy' whose means swing by 4-8% from run to run. The seven
# before the latest differ by +4.000, -6.731, +6.186, -6.796, +8.333, -5.769%:
# median -0.885%, median absolute deviation from it 5.879%, robust SD
# 1.4826 * 5.879 = 8.716%, band 2.326 * 8.716 = 20.27% (by hand).
i=0
for w in 1.00 1.04 0.97 1.03 0.96 1.04 0.98 1.05; do
	i=$((i + 1))
	mk "n$i.json" "2024-02-01T0$i:00:00.000000Z" 0.1 "$w" 0.5
	run_pe import --name noisy "n$i.json"
done
rc_is 0 "(eight runs of 'noisy' imported)"
run_pe compare noisy@latest~1 noisy@latest --fail-on regression
rc_is 0 "+7.1% among runs that swing by that much: exit 0"
like "$PE_OUT" '^  wall: band ±[0-9.]+% \(default, widened by history\); 6 earlier pairs of .noisy. differ by [0-9.]+% \(robust SD\)' \
	"it says the band was widened, and from what"
run_pe compare noisy@latest~1 noisy@latest --fail-on regression --json
printf '%s' "$PE_OUT" >n.json
jq_ok n.json '.metrics[0] | (.band - 0.2027|fabs) < 0.0001 and .history.pairs == 6' "the band is 20.27%, from 6 pairs"
jq_is n.json '.gate.history' '"noisy"' "gate.history names the series"
run_pe compare noisy@latest~1 noisy@latest --fail-on regression --no-history
rc_is 1 "--no-history: the same +7.1% against the 5% band fails, exit 1"
like "$PE_OUT" 'history not used \(--no-history\)' "and says the history was not used"
# a quiet history does not widen the band
for k in 1 2 3 4 5 6 7; do
	mk "q$k.json" "2024-03-01T0$k:00:00.000000Z" 0.1 "1.00$k" 0.5
	run_pe import --name quiet "q$k.json"
done
mk q8.json 2024-03-01T08:00:00.000000Z 0.1 1.10 0.5
run_pe import --name quiet q8.json
run_pe compare quiet@latest~1 quiet@latest --fail-on regression --json
rc_is 1 "+9.2% after runs within 0.1% of each other: exit 1"
printf '%s' "$PE_OUT" >q.json
jq_is q.json '.metrics[0].band' '0.05' "the band stays at the default 5%"

# --- how the runs were taken, and under which conditions -------------------------------------
like "$(cat n.json)" '"taken": "apart"' "separate runs: taken apart"
run_pe compare noisy@latest~1 noisy@latest
like "$PE_OUT" '^taken: at different times, 1\.0 h apart: drift between them is not cancelled' \
	"the text says they were taken an hour apart"
mk la1.json 2024-04-01T00:00:00.000000Z 0.1 1.0 0.5
mk la2.json 2024-04-01T01:00:00.000000Z 1.9 1.0 0.5
run_pe compare la1.json la2.json
like "$PE_ERR" '^perfeng: warning: the runs were taken under different conditions \(load average 0\.10 before A / 1\.90 before B\)' \
	"a load average 1.8 higher before B: a warning"
mk la3.json 2024-04-01T02:00:00.000000Z 0.6 1.0 0.5
run_pe compare la1.json la3.json
unlike "$PE_ERR" 'different conditions' "0.5 higher on 2 cores: no warning"
sed 's/"performance"/"powersave"/; s/6\.1/6.5/' la1.json >gov.json
run_pe compare la1.json gov.json
like "$PE_ERR" 'kernel Linux 6\.1 \(A\) / Linux 6\.5 \(B\); CPU frequency governor performance \(A\) / powersave \(B\)' \
	"kernel and governor differences are named"
run_pe bench -q -r 3 --interleave --save pair "$H/pe-exit 0" "$H/pe-spin 1"
run_pe compare "pair/$H/pe-exit 0" "pair/$H/pe-spin 1"
like "$PE_OUT" '^taken: in one bench run, interleaved: drift between the two is cancelled$' "one interleaved bench: drift cancelled"
run_pe bench -q -r 3 --no-interleave --save seq "$H/pe-exit 0" "$H/pe-spin 1"
run_pe compare "seq/$H/pe-exit 0" "seq/$H/pe-spin 1"
like "$PE_OUT" '^taken: in one bench run, one after the other' "one bench with --no-interleave: one after the other"

# --- FILE#0 ---------------------------------------------------------------------------------
run_pe compare 'a.json#0' b.json
rc_is 3 "FILE#0: exit 3"
is "$PE_ERR" "perfeng: error: 'a.json#0': results are numbered from 1: 'a.json#1' is the first" "the message says N counts from 1"

done_testing
