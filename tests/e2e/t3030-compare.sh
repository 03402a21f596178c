#!/bin/bash
# perfeng compare (docs/compare.md): verdicts and the CI gate on saved runs,
# JSON files (perfeng's, hyperfine's, FILE#N), zero variance, --metric,
# --json, --markdown, and the errors.
. "$(dirname "$0")/lib.sh"

export PERFENG_STORE=$T/results.db
cd "$T" || exit 1

# A crafted JSON file of one result with the given wall times; perfeng's
# when CPU is given (with that CPU model), hyperfine's otherwise.
craft() { # FILE CPU|- TIME...
	local f=$1 cpu=$2
	shift 2
	jq -n --arg cpu "$cpu" --argjson t "[$(IFS=,; echo "$*")]" '
		{results: [{command: "c", mean: ($t|add/length), times: $t, user: 0.5, system: 0.1}]}
		| if $cpu == "-" then . else .perfeng = {version: "0.1.0", kind: "bench",
			started: "2024-01-02T03:04:05.000000Z", ended: "2024-01-02T03:04:06.000000Z",
			environment: {cpu_model: $cpu, cores: 4, kernel: "Linux 6.1", hostname: "h"}} end' >"$f"
}
# no_nan FILE: JSON output holds no NaN or infinity (printed or as a string).
no_nan() {
	unlike "$(cat "$1")" '[Nn]a[Nn]|[Ii]nf' "$2"
}

# --- a slow and a fast run of one name ------------------------------------------------------
run_pe bench -q --save svc -r 10 --export-json "$T/fast.json" "$H/pe-spin 5"
rc_is 0 "(bench --save svc, the fast one)"
run_pe bench -q --save svc -r 10 --export-json "$T/slow.json" "$H/pe-spin 20"
rc_is 0 "(bench --save svc, the slow one)"

run_pe compare svc@latest~1 svc@latest
rc_is 0 "compare old fast with new slow, no gate: exit 0"
like "$(printf '%s\n' "$PE_OUT" | sed -n 1p)" '^old: svc@latest~1 \(run 1, [0-9-]+ [0-9:]+ UTC\)$' "the first line names the old run"
like "$(printf '%s\n' "$PE_OUT" | sed -n 2p)" '^new: svc@latest \(run 2, [0-9-]+ [0-9:]+ UTC\)$' "the second the new one"
like "$PE_OUT" '^wall +[0-9.]+ ms +[0-9.]+ ms +\+[0-9.]+% +\[\+[0-9.]+%, \+[0-9.]+%\] +p [<=] [0-9.]+ +regressed$' "wall regressed"

run_pe compare svc@latest~1 svc@latest --fail-on regression
rc_is 1 "--fail-on regression: exit 1"
like "$(printf '%s\n' "$PE_ERR" | tail -1)" '^perfeng: error: wall regressed by [0-9.]+% \(95% CI \+[0-9.]+% … \+[0-9.]+%, p = [0-9.e-]+\)$' \
	"the last line of stderr names wall, its change, CI and p"
like "$PE_OUT" '^wall .* regressed$' "the table is printed all the same"

run_pe compare svc@latest svc@latest~1 --fail-on regression --metric wall
rc_is 0 "reversed (old slow, new fast) with --fail-on regression: exit 0"
like "$PE_OUT" '^wall +[0-9.]+ ms +[0-9.]+ ms +-[0-9.]+% +\[-[0-9.]+%, -[0-9.]+%\] +p [<=] [0-9.]+ +improved$' "wall improved"

run_pe compare svc@latest~1 svc@latest --metric wall --max-regression 1000%
rc_is 0 "--max-regression 1000% with a regression of about +300%: exit 0"
like "$PE_OUT" '^wall .* regressed$' "the regression is shown"
run_pe compare svc@latest~1 svc@latest --metric wall --max-regression 50%
rc_is 1 "--max-regression 50%: exit 1"
like "$(printf '%s\n' "$PE_ERR" | tail -1)" '^perfeng: error: wall regressed by [0-9.]+% \(95% CI .*\), more than the 50\.00% allowed$' \
	"the message names wall and the allowance"

run_pe compare svc@latest~1 svc@latest --metric wall
is "$(printf '%s\n' "$PE_OUT" | grep -cE '^[a-z_-]+ +([0-9.]+ |n/a)')" 1 "--metric wall: one row"
run_pe compare svc@latest~1 svc@latest --metric wall --metric user --json
printf '%s' "$PE_OUT" >"$T/two.json"
jq_is "$T/two.json" '[.metrics[].metric]' '["wall","user"]' "--metric wall --metric user: those two rows, in the runs' order"

# --- --json -------------------------------------------------------------------------------
run_pe compare svc@latest~1 svc@latest --json
rc_is 0 "--json: exit 0"
J=$T/c.json
printf '%s' "$PE_OUT" >"$J"
jq_is "$J" 'keys' '["failed","gate","metrics","new","noise","old"]' "top level: old, new, noise, metrics, gate, failed"
jq_is "$J" '.old|keys' '["cpu_model","git_commit","id","kernel","name","ref"]' "old: ref, id, name, commit, CPU, kernel"
jq_is "$J" '[.old.ref, .old.id, .old.name, .new.ref, .new.id]' '["svc@latest~1",1,"svc","svc@latest",2]' "the references and ids"
jq_is "$J" '[.noise, .failed]' '[0.05,null]' "noise 0.05 (the default band); no gate failed"
jq_is "$J" '.metrics[0]|keys' '["band","change","change_ci95","gated","higher_is_better","history","metric","new","new_mean","old","old_mean","p_adjusted","p_value","unit","verdict"]' \
	"a metric row: metric, unit, higher_is_better, old, new (medians), old_mean, new_mean, change, change_ci95, p_value, verdict"
jq_is "$J" '.metrics[0] | [.metric, .unit, .higher_is_better, (.old|type), (.new|type), (.change|type), (.change_ci95|map(type)), (.p_value|type), .verdict]' \
	'["wall","s",false,"number","number","number",["number","number"],"number","regressed"]' "wall: its types, and regressed"
for k in 0:fast 1:slow; do
	i=${k%%:*} f=${k#*:}
	side=$([ "$i" = 0 ] && echo old || echo new)
	m=$(jq '.results[0].median' "$T/$f.json")
	jq_ok "$J" "((.metrics[0].$side - $m)|fabs) <= 1e-12 * $m" "wall $side is the median of $f.json (the verdict is on medians)"
	m=$(jq '.results[0].mean' "$T/$f.json")
	jq_ok "$J" "((.metrics[0].${side}_mean - $m)|fabs) <= 1e-12 * $m" "wall ${side}_mean is the mean of $f.json"
done
jq_ok "$J" '.metrics[0] | ((.change - (.new / .old - 1))|fabs) <= 1e-12' "change is new/old - 1"
jq_ok "$J" '.metrics[0] | .change_ci95[0] <= .change and .change <= .change_ci95[1] and .change_ci95[0] > 0.01' \
	"the CI holds the change and lies above the noise band"
jq_ok "$J" '.metrics[0].p_value < 0.05' "p < 0.05"
jq_ok "$J" '[.metrics[].verdict] | all(. == "regressed" or . == "improved" or . == "unchanged" or . == "n/a")' "every verdict is one of the four"
no_nan "$J" "no NaN or inf in the JSON"
ci=$(jq -c '.metrics[]|select(.metric=="system")|[.change_ci95, .p_value]' "$J")
run_pe compare svc@latest~1 svc@latest --metric system --json
is "$(printf '%s' "$PE_OUT" | jq -c '.metrics[0]|[.change_ci95, .p_value]')" "$ci" "--metric system gives system the CI and p it has among all metrics"
run_pe compare svc@latest~1 svc@latest --json --fail-on regression
rc_is 1 "--json --fail-on regression: exit 1"
printf '%s' "$PE_OUT" >"$T/f.json"
jq_ok "$T/f.json" '.failed | type == "string" and startswith("wall regressed by ")' "failed holds the gate's message"

# --- --markdown -----------------------------------------------------------------------------
run_pe compare svc@latest~1 svc@latest --markdown --metric wall
rc_is 0 "--markdown: exit 0"
like "$(printf '%s\n' "$PE_OUT" | sed -n 1p)" '^Comparing `svc@latest~1 \(run 1, .*\)` \(old\) with `svc@latest \(run 2, .*\)` \(new\)$' "it says what it compares"
is "$(printf '%s\n' "$PE_OUT" | sed -n 3p)" '| Metric | Old (median) | New (median) | Change | 95% CI | p | Verdict |' "the table header"
is "$(printf '%s\n' "$PE_OUT" | sed -n 4p)" '|:---|---:|---:|---:|:---:|---:|:---|' "the rule, with alignments"
p=$(jq '.metrics[0].p_value' "$J")
if awk -v p="$p" 'BEGIN { exit !(p < 0.001) }'; then want='< 0\.001'; else want='0\.0[0-9][0-9]'; fi
like "$(printf '%s\n' "$PE_OUT" | sed -n 5p)" "^\| wall \| [0-9.]+ ms \| [0-9.]+ ms \| \+[0-9.]+% \| \+[0-9.]+% … \+[0-9.]+% \| $want \| \*\*regressed\*\* :x: \|$" \
	"the wall row: medians, change, CI, p ($p), **regressed**"

# --- one run against itself ------------------------------------------------------------------
run_pe compare svc svc --json
rc_is 0 "a run against itself: exit 0"
printf '%s' "$PE_OUT" >"$T/self.json"
jq_ok "$T/self.json" '[.metrics[].verdict] | all(. == "unchanged" or . == "n/a")' "every metric unchanged (or n/a where the old value is 0 or absent)"
jq_is "$T/self.json" '.metrics[0] | [.metric, .change, .p_value, .verdict]' '["wall",0,1,"unchanged"]' "wall: change 0, p 1"
jq_ok "$T/self.json" '.metrics[0].change_ci95 | .[0] <= 0 and 0 <= .[1]' "its CI holds 0"
no_nan "$T/self.json" "no NaN or inf in the JSON"

# --- JSON files --------------------------------------------------------------------------------
run_pe compare "$T/fast.json" "$T/slow.json" --json --metric wall
rc_is 0 "two --export-json files as A and B: exit 0"
printf '%s' "$PE_OUT" >"$T/files.json"
jq_is "$T/files.json" '[.old.ref, .old.id, .old.name]' "[\"$T/fast.json\",null,\"$H/pe-spin 5\"]" "old: the file, no id, the command"
jq_is "$T/files.json" '.metrics[0].verdict' '"regressed"' "wall regressed"
jq_ok "$T/files.json" "(.metrics[0].old == $(jq '.results[0].median' "$T/fast.json")) and (.metrics[0].new == $(jq '.results[0].median' "$T/slow.json"))" \
	"old and new are the files' medians"
run_pe compare "$T/fast.json" svc@latest --json --metric wall
printf '%s' "$PE_OUT" >"$T/mixed.json"
jq_is "$T/mixed.json" '[.old.id, .new.id, .metrics[0].verdict]' '[null,2,"regressed"]' "a file against a stored run"
jq_is "$T/mixed.json" '.metrics[0].new' "$(jq -c '.metrics[0].new' "$J")" "the stored run's median is the same as before"

run_pe bench -q -r 3 -n a -n b --export-json "$T/ab.json" "$H/pe-exit 0" "$H/pe-spin 1"
run_pe compare "$T/ab.json#1" "$T/ab.json#2" --json
rc_is 0 "FILE#1 FILE#2: exit 0"
printf '%s' "$PE_OUT" >"$T/ab-cmp.json"
jq_is "$T/ab-cmp.json" '[.old.name, .new.name, .old.ref]' "[\"a\",\"b\",\"$T/ab.json#1\"]" "#1 is a, #2 is b"
run_pe compare "$T/ab.json" "$T/fast.json"
rc_is 3 "a file of two results without #N: exit 3"
is "$PE_ERR" "perfeng: error: '$T/ab.json' holds 2 results; pick one with $T/ab.json#N" "the message says to pick one with #N"
run_pe compare "$T/ab.json#3" "$T/fast.json"
rc_is 3 "FILE#3 of two results: exit 3"
is "$PE_ERR" "perfeng: error: '$T/ab.json' holds 2 results; there is no #3" "the message says there is no #3"

# hyperfine's JSON against perfeng's: user and system have no samples in hyperfine's.
timeout -k 5 "$PE_TIMEOUT" hyperfine -N -r 10 --export-json "$T/hf.json" "$H/pe-spin 5" </dev/null >/dev/null 2>&1
ok "(hyperfine -N -r 10 --export-json)" test -s "$T/hf.json"
run_pe compare "$T/hf.json" "$T/slow.json"
rc_is 0 "hyperfine's JSON against perfeng's: exit 0"
like "$(printf '%s\n' "$PE_OUT" | sed -n 1p)" "^old: $T/hf\.json \('$H/pe-spin 5'\)$" "old: the file and command, no time (hyperfine's JSON has none)"
like "$PE_OUT" '^wall .* regressed$' "wall compares, regressed"
like "$PE_OUT" '^user +[0-9.]+ ms +[0-9.]+ ms +\+[0-9.]+% +n/a +n/a +n/a \(no samples\)$' "user: means and change, n/a (no samples)"
like "$PE_OUT" '^system .* n/a \(no samples\)$' "system: n/a (no samples)"
is "$(printf '%s\n' "$PE_OUT" | grep -cE '^[a-z_-]+ +([0-9.]+ |n/a)')" 3 "only the three metrics both have"
run_pe compare "$T/hf.json" "$T/slow.json" --json
printf '%s' "$PE_OUT" >"$T/hf-cmp.json"
jq_is "$T/hf-cmp.json" '[.metrics[]|[.metric, .verdict, .p_value, .change_ci95]]' \
	'[["wall","regressed",'"$(jq -c '.metrics[0].p_value' "$T/hf-cmp.json")"','"$(jq -c '.metrics[0].change_ci95' "$T/hf-cmp.json")"'],["user","n/a",null,[null,null]],["system","n/a",null,[null,null]]]' \
	"--json: user and system n/a with null p and CI"
no_nan "$T/hf-cmp.json" "no NaN or inf in the JSON"

run_pe compare svc@latest~1 svc@latest --metric bogus
rc_is 3 "--metric bogus: exit 3"
is "$PE_ERR" "perfeng: error: 'svc@latest~1' and 'svc@latest' have no metric in common among those given with --metric" "the message says no metric in common"
is "$PE_OUT" "" "nothing on stdout"

# --- zero variance ------------------------------------------------------------------------------
craft "$T/one.json" - 1.0 1.0 1.0 1.0 1.0
craft "$T/two.json" - 2.0 2.0 2.0 2.0 2.0
run_pe compare "$T/one.json" "$T/one.json" --json --fail-on regression
rc_is 0 "all 1.0 against all 1.0: exit 0"
printf '%s' "$PE_OUT" >"$T/z1.json"
jq_is "$T/z1.json" '.metrics[0]|[.metric, .change, .change_ci95, .p_value, .verdict]' '["wall",0,[0,0],1,"unchanged"]' \
	"unchanged, change 0, CI [0, 0], p 1"
no_nan "$T/z1.json" "no NaN or inf in the JSON"
run_pe compare "$T/one.json" "$T/two.json" --json
rc_is 0 "all 1.0 against all 2.0: exit 0"
printf '%s' "$PE_OUT" >"$T/z2.json"
jq_is "$T/z2.json" '.metrics[0]|[.metric, .change, .change_ci95, .verdict]' '["wall",1,[1,1],"regressed"]' \
	"regressed, change +100%, CI [+100%, +100%]"
# R: wilcox.test(rep(1, 5), rep(2, 5))$p.value: all tied within each group, so the
# normal approximation with tie and continuity correction: sigma^2 = 25/12 *
# (11 - 240/90), z = (12.5 - 0.5) / sigma, p = 2 (1 - Phi(z)) = 0.003976752
jq_ok "$T/z2.json" '((.metrics[0].p_value - 0.003976752)|fabs) < 1e-9' "p is R's wilcox.test p, 0.003976752"
no_nan "$T/z2.json" "no NaN or inf in the JSON"
run_pe compare "$T/one.json" "$T/two.json"
like "$PE_OUT" '^wall +1\.000 s +2\.000 s +\+100\.00% +\[\+100\.00%, \+100\.00%\] +p = 0\.004 +regressed$' "text: +100.00% [+100.00%, +100.00%] p = 0.004 regressed"
run_pe compare "$T/one.json" "$T/two.json" --fail-on regression
rc_is 1 "--fail-on regression: exit 1"
is "$(printf '%s\n' "$PE_ERR" | tail -1)" "perfeng: error: wall regressed by 100.00% (95% CI +100.00% … +100.00%, p = 0.00398)" "the gate's message"
run_pe compare "$T/two.json" "$T/one.json" --json
printf '%s' "$PE_OUT" >"$T/z3.json"
jq_is "$T/z3.json" '.metrics[0]|[.change, .change_ci95, .verdict]' '[-0.5,[-0.5,-0.5],"improved"]' "all 2.0 against all 1.0: improved, -50%"
# the noise band: +0.5% is within the default 5%, outside 0.1%
craft "$T/onep.json" - 1.005 1.005 1.005 1.005 1.005
run_pe compare "$T/one.json" "$T/onep.json" --json
printf '%s' "$PE_OUT" >"$T/n1.json"
jq_ok "$T/n1.json" '.metrics[0] | .verdict == "unchanged" and .p_value < 0.05 and ((.change - 0.005)|fabs) < 1e-12' \
	"+0.5% with p < 0.05 is unchanged within the default noise band of 5%"
run_pe compare "$T/one.json" "$T/onep.json" --json --noise 0.1%
printf '%s' "$PE_OUT" >"$T/n2.json"
jq_is "$T/n2.json" '[.noise, .metrics[0].verdict]' '[0.001,"regressed"]' "--noise 0.1%: regressed"

# --- different machines ---------------------------------------------------------------------------
craft "$T/ma.json" "Model A" 1.0 1.1 1.2 1.0 1.1
craft "$T/ma2.json" "Model A" 1.0 1.1 1.2 1.0 1.1
craft "$T/mb.json" "Model B" 1.0 1.1 1.2 1.0 1.1
run_pe compare "$T/ma.json" "$T/mb.json"
rc_is 0 "runs from different CPU models: exit 0"
like "$PE_ERR" '^perfeng: warning: the runs were taken under different conditions \(CPU Model A \(A\) / Model B \(B\)\): a difference may come from them, not from the code$' \
	"a warning names both machines"
like "$(printf '%s\n' "$PE_OUT" | sed -n 1p)" "^old: $T/ma\.json \('c', 2024-01-02 03:04 UTC\)$" "old: the file, its command and its start time"
run_pe compare "$T/ma.json" "$T/ma2.json"
is "$PE_ERR" "" "the same machine: no warning"
run_pe compare "$T/ma.json" "$T/one.json"
is "$PE_ERR" "" "a file without a machine (hyperfine's): no warning"

# --- errors -------------------------------------------------------------------------------------------
run_pe compare svc
rc_is 2 "one run: exit 2"
like "$PE_ERR" '^perfeng compare: compare needs two runs, A \(old\) and B \(new\); 1 given$' "the message"
run_pe compare svc svc --fail-on improvement
rc_is 2 "--fail-on improvement: exit 2"
like "$PE_ERR" "^perfeng compare: --fail-on: 'improvement' is not 'regression'$" "the message"
run_pe compare svc svc --noise 100%
rc_is 2 "--noise 100%: exit 2"
run_pe compare svc nosuch
rc_is 3 "an unknown run: exit 3"
is "$PE_ERR" "perfeng: error: no run named 'nosuch'" "the store's message"
run_pe compare svc@latest~2 svc
rc_is 3 "svc@latest~2 of two runs: exit 3"
is "$PE_ERR" "perfeng: error: 'svc' has 2 runs; svc@latest~2 does not exist" "the store's message"
printf '{"results": [' >"$T/cut.json"
run_pe compare "$T/cut.json" svc
rc_is 3 "a malformed JSON file: exit 3"
like "$PE_ERR" "^perfeng: error: '$T/cut\.json' is not valid JSON: .* at line 1, column [0-9]+$" "the message names the file, line and column"
printf 'garbage\n' >"$T/bad.db"
run_pe compare --store "$T/bad.db" svc@latest~1 svc
rc_is 3 "a store that is not one: exit 3"
like "$PE_ERR" "'$T/bad\.db' is not a perfeng store" "the message names it"

done_testing
