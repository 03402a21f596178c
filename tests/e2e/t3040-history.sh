#!/bin/bash
# perfeng history (docs/history.md): the series of a metric over the runs of
# one name and its change points, as text, JSON and SVG; --stat, --by commit,
# and the errors.
. "$(dirname "$0")/lib.sh"

export PERFENG_STORE=$T/results.db
cd "$T" || exit 1
# git must not find a repository above $T
export GIT_CEILING_DIRECTORIES=$(dirname "$T")
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com

# series NAME SEED SHIFTSPEC: 20 runs of NAME, imported from crafted perfeng
# JSON files, one a second from 2024-01-01 00:00:01; run i has the times
# v * (0.999, 1, 1.001) / 100 for the ith value v of `series-gen SEED 20 1%
# SHIFTSPEC` (a level of 100, 1% noise): its median is v / 100 seconds.
series() {
	local name=$1 seed=$2 spec=$3 i=0 v files=()
	"$H/series-gen" "$seed" 20 1% "$spec" >"$T/$name.values"
	while read -r v; do
		i=$((i + 1))
		jq -n --argjson v "$v" --argjson i "$i" '{
			perfeng: {version: "0.1.0", kind: "bench",
				started: ("2024-01-01T00:00:" + (if $i < 10 then "0" else "" end) + ($i|tostring) + ".000000Z"),
				environment: {cpu_model: "M", cores: 4, kernel: "k", hostname: "h"}},
			results: [{command: "c", times: [$v * 0.999 / 100, $v / 100, $v * 1.001 / 100]}]}' >"$T/$name-$i.json"
		files+=("$T/$name-$i.json")
	done <"$T/$name.values"
	run_pe import --name "$name" "${files[@]}"
	[ "$PE_RC" = 0 ] || diag "import of $name: exit $PE_RC" "$PE_ERR"
}

# --- a step of +20% at run 11 (index 10) ------------------------------------------------------
series step 7 10:+20%
run_pe history step --json
rc_is 0 "history --json: exit 0"
J=$T/step.json
printf '%s' "$PE_OUT" >"$J"
jq_is "$J" 'keys' '["alpha","change_points","failed","higher_is_better","metric","min_change","name","order","points","smaller_change_points","stat"]' \
	"name, metric, stat, order, alpha, min_change, direction, points, change_points, the smaller ones, failed"
jq_is "$J" '[.alpha, .min_change, .higher_is_better, .smaller_change_points, .failed]' '[0.01,0.02,false,0,null]' \
	"the defaults: alpha 0.01, --min-change 2%, lower is better, none smaller, no gate"
jq_is "$J" '[.name, .metric, .stat, .order]' '["step","wall","median","time"]' "the defaults: wall, median, by time"
jq_is "$J" '.points|length' 20 "20 points"
jq_is "$J" '.points[0]|keys' '["commit","id","started_us","value"]' "a point: id, started_us, commit, value"
jq_is "$J" '[.points[].id]' "[$(seq -s, 1 20)]" "the runs in order, 1 to 20"
jq_is "$J" '[.points[].started_us] == [range(1; 21) | . * 1000000 + 1704067200000000]' true "started_us one second apart from the files' start times"
values=$(paste -sd, "$T/step.values")
jq_ok "$J" "[$values] as \$v | [range(20) as \$i | ((.points[\$i].value - \$v[\$i] / 100)|fabs) <= 1e-12 * .points[\$i].value] | all" \
	"each value is its run's median, series-gen's value / 100"
jq_is "$J" '.change_points|length' 1 "exactly one change point"
jq_ok "$J" '.change_points[0].index | . >= 9 and . <= 11' "at index 10 (±1)"
jq_is "$J" '.change_points[0]|keys' '["after_median","before_median","change","commit_after","commit_before","index","p_value","regression","run_after","run_before"]' \
	"a change point: index, runs and commits either side, medians, change, p, regression"
jq_ok "$J" '.change_points[0] as $c | $c.run_after == .points[$c.index].id and $c.run_before == .points[$c.index - 1].id' \
	"run_before and run_after are the runs either side of the index"
jq_ok "$J" '.change_points[0] | ((.change - 0.2)|fabs) < 0.03' "the change is about +20%"
jq_ok "$J" '.change_points[0] | ((.change - (.after_median / .before_median - 1))|fabs) < 1e-12' "change is after/before - 1"
jq_ok "$J" '.change_points[0] | ((.before_median - 1)|fabs) < 0.02 and ((.after_median - 1.2)|fabs) < 0.024' "medians about 1.00 s before and 1.20 s after"
jq_ok "$J" '.change_points[0].p_value < 0.05' "p < 0.05"
idx=$(jq '.change_points[0].index' "$J")
after=$(jq ".points[$idx].id" "$J")
pct=$(jq -r '.change_points[0].change * 100' "$J")

run_pe history step
rc_is 0 "history (text): exit 0"
is "$(printf '%s\n' "$PE_OUT" | sed -n 1p)" "step: median of wall over 20 runs (by time)" "the first line says what the series is"
like "$(printf '%s\n' "$PE_OUT" | sed -n 2p)" '^  [▁▂▃▄▅▆▇█]{20}$' "a sparkline of 20 points"
like "$PE_OUT" "^1 change point \(E-divisive means, α = 0\.01\):$" "1 change point"
like "$PE_OUT" "^ +$after  -\.\.- +[0-9.]+ (ms|s) +[0-9.]+ (ms|s) +\\$(printf '%+.2f' "$pct")% +0\.0[0-9]{2}$" \
	"the change point row: the first run after it, no commits, the medians, $(printf '%+.2f' "$pct")%, p"

run_pe history step --svg "$T/step.svg"
rc_is 0 "history --svg: exit 0"
ok "the SVG is well-formed XML (xmllint --noout)" xmllint --noout "$T/step.svg"
label=$(printf '%+.1f%%' "$pct")
like "$(cat "$T/step.svg")" ">[^<]*$(printf '%s' "$label" | sed 's/[+.]/\\&/g')[^<]*<" "it shows the change label $label"
like "$(cat "$T/step.svg")" '<svg [^>]*xmlns="http://www.w3.org/2000/svg"' "it is an SVG document"
run_pe history step --svg "$T/no/dir/x.svg"
rc_is 3 "--svg into a missing directory: exit 3"
is "$PE_ERR" "perfeng: error: --svg: cannot write '$T/no/dir/x.svg'" "the message names the file"

# --- --stat -----------------------------------------------------------------------------------------
for s in min:0.999 max:1.001 mean:1; do
	stat=${s%%:*} f=${s#*:}
	run_pe history step --stat "$stat" --json
	printf '%s' "$PE_OUT" >"$T/stat.json"
	jq_ok "$T/stat.json" ".stat == \"$stat\" and ([$values] as \$v | [range(20) as \$i | ((.points[\$i].value - \$v[\$i] * $f / 100)|fabs) <= 1e-9 * .points[\$i].value] | all)" \
		"--stat $stat: each value is the run's $stat (series-gen's value * $f / 100)"
done
run_pe history step --stat stddev --json
printf '%s' "$PE_OUT" >"$T/stat.json"
jq_ok "$T/stat.json" "[$values] as \$v | [range(20) as \$i | ((.points[\$i].value - \$v[\$i] * 0.001 / 100)|fabs) <= 1e-6 * .points[\$i].value] | all" \
	"--stat stddev: each value is the sample standard deviation of its run (v * 0.001 / 100)"

# --- a stationary series ----------------------------------------------------------------------
series flat 3 -
run_pe history flat --json
rc_is 0 "a stationary series: exit 0"
printf '%s' "$PE_OUT" >"$T/flat.json"
jq_is "$T/flat.json" '[(.points|length), .change_points]' '[20,[]]' "20 points, no change point"
run_pe history flat
like "$PE_OUT" '^no change point \(E-divisive means, α = 0\.01\)$' "the text says there is none"
run_pe history flat --svg "$T/flat.svg"
ok "its SVG is well-formed XML too" xmllint --noout "$T/flat.svg"

# --- a metric without samples ---------------------------------------------------------------------
printf '{"results":[{"command":"true","mean":0.002,"times":[0.002,0.002],"user":0.001,"system":0.0005}]}\n' >"$T/hf.json"
run_pe import --name hf "$T/hf.json" "$T/hf.json" "$T/hf.json"
run_pe history hf --metric user --stat mean --json
rc_is 0 "hyperfine's user by its mean: exit 0"
printf '%s' "$PE_OUT" >"$T/hf-h.json"
jq_is "$T/hf-h.json" '[.points[].value]' '[0.001,0.001,0.001]' "three points of 1 ms"
run_pe history hf --metric user
rc_is 3 "hyperfine's user by its median (there is none): exit 3"
is "$PE_ERR" "perfeng: error: no run of 'hf' has a median of 'user': the metric has no samples (runs imported from hyperfine have only the mean of user and system: try --stat mean)" \
	"the message says why and what to try"

# --- --by commit ---------------------------------------------------------------------------------
# commits c1, c2, c3 on main, s1 on a branch from c1; runs saved at c2, c1,
# c3, s1 and c1 again (ids 1 to 5 of a store of their own)
export PERFENG_STORE=$T/byc.db
mkdir "$T/repo"
git -C "$T/repo" init -q -b main
for c in c1 c2 c3; do
	echo "$c" >"$T/repo/f"
	git -C "$T/repo" add f
	git -C "$T/repo" commit -q -m "$c"
	eval "$c=\$(git -C \"\$T/repo\" rev-parse HEAD)"
done
cd "$T/repo" || exit 1
git checkout -q -b side "$c1"
echo s1 >f
git commit -q -am s1
s1=$(git rev-parse HEAD)
for at in "$c2" "$c1" "$c3" "$s1" "$c1"; do
	git checkout -q "$at"
	run_pe bench -q --save byc -r 2 "$H/pe-exit 0"
	[ "$PE_RC" = 0 ] || diag "bench --save byc at $at: exit $PE_RC" "$PE_ERR"
done
git checkout -q main
run_pe history byc --json
printf '%s' "$PE_OUT" >"$T/bytime.json"
jq_is "$T/bytime.json" '[.points[].id]' '[1,2,3,4,5]' "--by time: the runs in the order they were saved"
jq_is "$T/bytime.json" '[.points[].commit]' "[\"$c2\",\"$c1\",\"$c3\",\"$s1\",\"$c1\"]" "with the commits they were saved at"
run_pe history byc --by commit --json
rc_is 0 "--by commit in the repository: exit 0"
printf '%s' "$PE_OUT" >"$T/bycommit.json"
jq_is "$T/bycommit.json" '.order' '"commit"' "order is commit"
jq_is "$T/bycommit.json" '[.points[].id]' '[2,5,1,3]' "the runs in commit order: c1 (runs 2 and 5, in time order), c2, c3"
jq_is "$T/bycommit.json" '[.points[].commit]' "[\"$c1\",\"$c1\",\"$c2\",\"$c3\"]" "their commits in the order of git rev-list"
is "$PE_ERR" "perfeng: warning: 1 run of 'byc' left out: its commit is not in the history of HEAD" \
	"the run at s1 (not in HEAD's history) is left out, with a warning"
run_pe history byc --by commit
like "$(printf '%s\n' "$PE_OUT" | sed -n 1p)" '^byc: median of wall over 4 runs \(by commit\)$' "the text says by commit, over 4 runs"
git checkout -q side
run_pe history byc --by commit --json
printf '%s' "$PE_OUT" >"$T/bycommit.json"
jq_is "$T/bycommit.json" '[.points[].id]' '[2,5,4]' "with side checked out: c1's runs, then s1's; c2 and c3 left out"
cd "$T" || exit 1
run_pe history byc --by commit
rc_is 3 "--by commit outside a repository: exit 3"
is "$PE_ERR" "perfeng: error: --by commit needs a git repository: 'git rev-list HEAD' failed here" "the message says so"

# --- errors ----------------------------------------------------------------------------------------
export PERFENG_STORE=$T/results.db
run_pe history nosuch
rc_is 3 "an unknown name: exit 3"
is "$PE_ERR" "perfeng: error: no run named 'nosuch'" "the store's message"
run_pe history step --metric bogus
rc_is 3 "an unknown metric: exit 3"
is "$PE_ERR" "perfeng: error: no run of 'step' has a metric 'bogus'" "the store's message"
usage_error() { # DESC MESSAGE ARGS...
	local desc=$1 msg=$2
	shift 2
	run_pe history "$@"
	rc_is 2 "$desc: exit 2"
	is "$PE_ERR" "perfeng history: $msg
see 'perfeng history --help'" "$desc: the message"
}
usage_error "--stat p99" "--stat: 'p99' is not median, mean, min, max or stddev" step --stat p99
usage_error "--by date" "--by: 'date' is not time or commit" step --by date
usage_error "--alpha 0" "--alpha must be between 0 and 1" step --alpha 0
usage_error "--last without --fail-on" "--last needs --fail-on change" step --last 5
usage_error "--fail-on regression" "--fail-on: 'regression' is not 'change'" step --fail-on regression
usage_error "no name" "history needs one run name"
usage_error "two names" "history needs one run name" step flat
run_pe history step --by date --svg "$T/u.svg"
ok "a usage error with --svg writes no SVG" test ! -e "$T/u.svg"
run_pe history nosuch --svg "$T/u.svg"
rc_is 3 "an unknown name with --svg: exit 3"
ok "it creates no (empty) SVG" test ! -e "$T/u.svg"
cp "$T/step.svg" "$T/keep.svg"
run_pe history nosuch --svg "$T/keep.svg"
ok "and leaves an existing plot as it was" cmp "$T/keep.svg" "$T/step.svg"

# --- the gate: --fail-on change, --last, --min-change --------------------------------------------
series late 11 15:+10%
run_pe history late --fail-on change --json
rc_is 1 "+10% from the 16th run of 20, --fail-on change (last 10 runs): exit 1"
printf '%s' "$PE_OUT" >"$T/late.json"
id16=$(jq '.points[15].id' "$T/late.json")
jq_is "$T/late.json" '[.failed, .change_points[0].index, .change_points[0].regression]' "[$id16,15,true]" \
	"--json: failed names the 16th run, the change point at index 15 is a regression"
run_pe history late --fail-on change
like "$(printf '%s\n' "$PE_ERR" | tail -1)" "^perfeng: error: late: wall regressed by [0-9.]+% from run $id16 on \\(p = 0\\.0[0-9]+\\), within the last 10 runs\$" \
	"the message names the run the regression starts at"
run_pe history late --fail-on change --last 4
rc_is 0 "--last 4: the step 5 runs back is older than that, exit 0"
run_pe history step --fail-on change --last 5
rc_is 0 "the +20% step 10 runs back, --last 5: exit 0"
run_pe history step --fail-on change
rc_is 1 "and within the default last 10: exit 1"
series better 12 15:-10%
run_pe history better --fail-on change --json
rc_is 0 "a -10% step (an improvement of a time) in the last runs: exit 0"
printf '%s' "$PE_OUT" >"$T/better.json"
jq_is "$T/better.json" '[(.change_points|length), .change_points[0].regression, .failed]' '[1,false,null]' \
	"the change point is found, and is not a regression"
run_pe history flat --fail-on change
rc_is 0 "a stationary series with --fail-on change: exit 0"
run_pe history step --min-change 30% --fail-on change
rc_is 0 "--min-change 30% hides the +20% step: exit 0"
like "$PE_OUT" '^no change point .*$' "no change point is shown"
like "$PE_OUT" '^\(1 change point smaller than --min-change 30\.0% not shown\)$' "and the text says one was left out"

done_testing
