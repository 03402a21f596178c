#!/bin/bash
# perfeng bench: the run counts of each mode, the JSON document (hyperfine's
# keys, perfeng's additions, statistics that agree with the times), and the
# text report.
. "$(dirname "$0")/lib.sh"

# --- -r 5: JSON, --json and the text ------------------------------------------
run_pe bench -N -r 5 --export-json "$T/r.json" "$H/pe-exit 0"
rc_is 0 "-r 5 on pe-exit 0 exits 0"
J=$T/r.json
jq_is "$J" '.results|length' 1 "one result"
jq_is "$J" '.results[0]|[has("command","mean","stddev","median","user","system","min","max","times","exit_codes")]|all' true \
	"results[0] has every key hyperfine writes"
jq_is "$J" '.results[0].command' "\"$H/pe-exit 0\"" "command is the command line"
jq_is "$J" '[.results[0]|.mean,.stddev,.median,.user,.system,.min,.max|type]|unique' '["number"]' "the summary values are numbers"
jq_is "$J" '.results[0].times|length' 5 "times has the 5 runs"
jq_ok "$J" '.results[0].times|all(type=="number" and . > 0)' "every time is a positive number"
jq_is "$J" '.results[0].exit_codes' '[0,0,0,0,0]' "exit_codes are all 0"
jq_is "$J" '.perfeng.schema_version' 1 "perfeng.schema_version is 1"
jq_is "$J" '.results[0].perfeng.runs' 5 "perfeng.runs is 5"
jq_is "$J" '.results[0].perfeng.warmup_runs' 0 "perfeng.warmup_runs is 0"
jq_is "$J" '.results[0].perfeng.stop_reason' '"runs"' "stop_reason is runs"
jq_is "$J" '.results[0].perfeng.command_line' "\"$H/pe-exit 0\"" "perfeng.command_line is the command"
jq_is "$J" '.perfeng.interrupted' false "perfeng.interrupted is false"
jq_is "$J" '.perfeng.reference' null "no reference with one command"
jq_is "$J" '.perfeng.shell' null "-N: no shell"
like "$(jqr "$J" '.perfeng.version')" '^0\.1\.0 \(' "perfeng.version is 0.1.0 (commit)"

# The statistics against a computation from the times (jq works in doubles).
jq_ok "$J" '.results[0] | ((.times|add/length) as $m | ((.mean - $m)|fabs) <= 1e-12 * $m)' "mean is the arithmetic mean of times (1e-12 relative)"
jq_ok "$J" '.results[0] | .min == (.times|min) and .max == (.times|max)' "min and max are those of times"
jq_ok "$J" '.results[0] | (.times|sort) as $s | .median == $s[2]' "median is the middle one of the 5 sorted times"
jq_ok "$J" '.results[0] | (.times|add/length) as $m | ((.times|map((. - $m)*(. - $m))|add)/4|sqrt) as $sd
	| ((.stddev - $sd)|fabs) <= 1e-9 * $sd' "stddev is the sample standard deviation (n-1)"
jq_ok "$J" '.results[0] | .perfeng.wall.mean == .mean and .perfeng.wall.median == .median and .perfeng.wall.min == .min' \
	"perfeng.wall agrees with hyperfine's keys"
jq_ok "$J" '.results[0] | (.perfeng.resources.user|add/length) as $u | (.perfeng.resources.system|add/length) as $s
	| ((.user - $u)|fabs) <= 1e-12 * ($u + 1e-9) and ((.system - $s)|fabs) <= 1e-12 * ($s + 1e-9)' \
	"user and system are the means of the per-run values"
jq_ok "$J" '.results[0].perfeng.wall | .mean_ci95[0] <= .mean and .mean <= .mean_ci95[1] and .median_ci95[0] <= .median and .median <= .median_ci95[1]' \
	"the 95% CIs contain the mean and the median"
jq_ok "$J" '.results[0].perfeng.wall | .min <= .p5 and .p5 <= .median and .median <= .p95 and .p95 <= .max' \
	"min <= p5 <= median <= p95 <= max"

T1=$(cat "$T/out")
like "$T1" '^Benchmark 1: .*/pe-exit 0$' "the text has 'Benchmark 1:' and the command"
like "$T1" 'Time \(mean ± σ\):' "the text has 'Time (mean ± σ)'"
like "$T1" 'Range \(min … max\):.* 5 runs$' "the text has 'Range (min … max)' and '5 runs'"
like "$T1" 'Stopped after: +the requested 5 runs' "the text says why it stopped"
unlike "$T1" 'Warmup:' "no warmup line without --warmup"

run_pe bench -r 3 --json --export-json "$T/same.json" "$H/pe-exit 0"
rc_is 0 "--json with --export-json exits 0"
ok "--json prints the same document as --export-json" cmp "$T/out" "$T/same.json"
ok "--json prints valid JSON" jq -e '.results[0].times|length == 3' "$T/out"
unlike "$PE_OUT" 'Benchmark 1:' "--json prints no text"

# Not a terminal: no progress bar, no colour, on either stream.
run_pe bench -r 3 "$H/pe-sleep 2"
unlike "$PE_ERR$PE_OUT" $'[\r\033]' "without a terminal neither stream has a carriage return or an escape sequence"

# -u sets the text's unit; the JSON stays in seconds.
run_pe bench -q -r 3 -u microsecond --export-json "$T/u.json" "$H/pe-sleep 2"
like "$PE_OUT" 'Time \(mean ± σ\): +[0-9]{4,}\.[0-9]+ µs ±' "-u microsecond: the text shows a 2 ms command in µs"
like "$PE_OUT" 'Range \(min … max\): +[0-9.]+ µs … +[0-9.]+ µs' "-u microsecond: the range in µs too"
jq_ok "$T/u.json" '.results[0].mean > 0.0019 and .results[0].mean < 1' "-u microsecond: the JSON is still in seconds"
run_pe bench -q -r 3 -u second "$H/pe-sleep 2"
like "$PE_OUT" 'Time \(mean ± σ\): +0\.[0-9]+ s ±' "-u second: the text shows it in s"

# --- run counts ---------------------------------------------------------------------
run_pe bench -q -w 3 -r 4 --export-json "$T/w.json" -p "$H/pe-count $T/prep" "$H/pe-exit 0"
rc_is 0 "-w 3 -r 4 exits 0"
is "$(lines "$T/prep")" 7 "-w 3 -r 4: the command ran 7 times (3 warmups + 4 runs, counted by --prepare)"
jq_is "$T/w.json" '.results[0].perfeng|[.runs, .warmup_runs]' '[4,3]' "JSON: 4 runs, 3 warmup runs"
jq_is "$T/w.json" '.results[0].times|length' 4 "the warmups are not in times"
like "$PE_OUT" 'Warmup: +3 runs, not counted' "the text shows the warmups"

run_pe bench -q -r 6 "$H/pe-count $T/cmd6"
is "$(lines "$T/cmd6")" 6 "-r 6 runs the command exactly 6 times"

run_pe bench -q -m 3 -M 3 --export-json "$T/m.json" "$H/pe-count $T/cmd3"
rc_is 0 "-m 3 -M 3 exits 0"
is "$(lines "$T/cmd3")" 3 "-m 3 -M 3 runs the command exactly 3 times"
jq_is "$T/m.json" '.results[0].perfeng|[.runs, .stop_reason]' '[3,"max-runs"]' "-m 3 -M 3: 3 runs, stop_reason max-runs (before the 3 s)"
like "$PE_OUT" 'Stopped after: +3 runs: --max-runs reached' "the text says --max-runs stopped it"

run_pe bench -q -M 4 --export-json "$T/m4.json" "$H/pe-exit 0"
jq_is "$T/m4.json" '.results[0].perfeng|[.runs, .stop_reason]' '[4,"max-runs"]' "-M 4 alone (below the default --min-runs 10): 4 runs, max-runs"

# The default mode: at least 10 runs and 3 s. pe-sleep 1 takes about 1 ms.
run_pe bench -N -q --export-json "$T/d.json" "$H/pe-sleep 1"
rc_is 0 "the default mode exits 0"
jq_is "$T/d.json" '.results[0].perfeng.stop_reason' '"min-time"' "the default mode stops with min-time"
num_ok "$(jqr "$T/d.json" '.results[0].perfeng.runs')" '>=' 10 "the default mode makes at least 10 runs"
# 3 s of time spent on the runs: at least the sum of their wall times, a little more.
jq_ok "$T/d.json" '.results[0].times | (.[:-1]|add) < 3 and add >= 2' "the default mode's runs add up to about 3 s (the last started before 3 s)"
jq_ok "$T/d.json" '.results[0] | (.times|length) == .perfeng.runs and (.exit_codes|length) == .perfeng.runs' "times and exit_codes have one entry per run"
like "$PE_OUT" 'Stopped after: +[0-9]+ runs \(at least 10 runs and 3 s\)' "the text says the default rule stopped it"

# -m with a slow command: more than 3 s is not needed when -m runs take longer.
run_pe bench -q -m 2 --export-json "$T/m2.json" "$H/pe-sleep 1600"
jq_is "$T/m2.json" '.results[0].perfeng|[.runs, .stop_reason]' '[2,"min-time"]' "-m 2 with 1.6 s runs: 2 runs reach the 3 s"

done_testing
