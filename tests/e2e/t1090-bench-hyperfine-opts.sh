#!/bin/bash
# perfeng bench and the options of hyperfine's that its users rely on:
# --style, --show-output and --min-benchmarking-time (the markup exports
# are in t1040). Each test shows the option's effect or its refusal.
. "$(dirname "$0")/lib.sh"

SGR=$'\033\\[[0-9;]*m'	# a colour escape
CR=$'\r'		# the progress bar redraws its line

# --- --style ----------------------------------------------------------------------
# Here stdout and stderr are files and NO_COLOR is set (lib.sh): auto means neither.
run_pe bench -r 2 "$H/pe-exit 0"
unlike "$PE_OUT$PE_ERR" "$SGR|$CR" "auto, no terminal: no colour and no progress bar"

run_pe bench -r 2 --style color "$H/pe-exit 0"
rc_is 0 "--style color: exit 0"
like "$PE_OUT" $'^\033\\[1mBenchmark 1: .*pe-exit 0\033\\[0m$' "--style color: the text is in colour, whatever NO_COLOR says"
like "$PE_OUT" $'Time \\(mean ± σ\\): +\033\\[1;32m' "--style color: the mean in bold green"
unlike "$PE_ERR" "$CR" "--style color: no progress bar"
run_pe bench -r 1 --style color "$H/pe-exit 1"
like "$PE_ERR" $'^perfeng: \033\\[1;31merror:\033\\[0m ' "--style color: errors in colour too"

run_pe bench -r 2 --style full "$H/pe-exit 0"
like "$PE_OUT" "$SGR" "--style full: colour in the text"
like "$PE_ERR" "${CR}"$'\033\\[KBenchmark 1 .* 2/2 ' "--style full: the progress bar, although stderr is a file"

run_pe bench -r 2 --style nocolor "$H/pe-exit 0"
like "$PE_ERR" "${CR}"$'\033\\[KBenchmark 1 ' "--style nocolor: the progress bar"
unlike "$PE_OUT$PE_ERR" "$SGR" "--style nocolor: no colour anywhere"

run_pe bench -r 2 --style none --export-json "$T/none.json" "$H/pe-exit 0"
rc_is 0 "--style none: exit 0"
is "$PE_OUT" "" "--style none: nothing on stdout"
is "$PE_ERR" "" "--style none: nothing on stderr (no note, no warning)"
jq_is "$T/none.json" '.results[0].times|length' 2 "--style none: the exports are still written"
run_pe bench -r 1 --style none "$H/pe-stderr broken 1"
rc_is 3 "--style none, a failing command: exit 3"
like "$PE_ERR" "failed with exit code 1" "--style none: errors are still said"

# On a terminal (script(1) gives perfeng one): auto is colour and progress, basic neither.
if command -v script >/dev/null 2>&1 && script -qec true /dev/null >/dev/null 2>&1; then
	tty_bench() { NO_COLOR= timeout -k 5 "$PE_TIMEOUT" script -qec "$PERFENG_BIN bench -r 2 $* $H/pe-exit" /dev/null </dev/null; }
	out=$(tty_bench)
	like "$out" "$SGR" "auto on a terminal: colour"
	like "$out" "${CR}"$'\033\\[KBenchmark 1 ' "auto on a terminal: the progress bar"
	out=$(tty_bench --style basic)
	like "$out" 'Benchmark 1: ' "--style basic on a terminal: the text"
	unlike "$out" "$SGR" "--style basic on a terminal: no colour"
	unlike "$out" $'\033\\[K' "--style basic on a terminal: no progress bar"
else
	skip "--style on a terminal" "script(1) cannot give perfeng a terminal here"
fi

run_pe bench -r 1 --style fancy "$H/pe-exit 0"
rc_is 2 "--style fancy: exit 2"
like "$PE_ERR" "--style: 'fancy' is not one of auto, basic, full, nocolor, color, none" "--style fancy: the message lists the styles"
run_pe bench -r 1 --style none --json "$H/pe-exit 0"
rc_is 2 "--style none with --json: exit 2"
like "$PE_ERR" "--style none prints nothing and --json prints the JSON; choose one" "--style none with --json: the message"

# --- --show-output -------------------------------------------------------------------
run_pe bench -q -r 3 --show-output "$H/pe-stdout 5"
rc_is 0 "--show-output: exit 0"
like "$PE_OUT" '^abcdeabcdeabcdeShell:' "--show-output: the command's stdout reaches perfeng's (a file here), once per run, before the report"
run_pe bench -q -r 2 --show-output "$H/pe-stderr said 0"
like "$PE_ERR" '^saidsaid$' "--show-output: the command's stderr reaches perfeng's"
run_pe bench -q -r 2 --show-output --output inherit "$H/pe-stdout 3"
like "$PE_OUT" '^abcabcShell:' "--show-output with --output inherit, the same thing: accepted"
run_pe bench -q -r 2 --show-output --output null "$H/pe-stdout 3"
rc_is 2 "--show-output with --output null: exit 2"
like "$PE_ERR" "--show-output is --output inherit; it cannot be combined with --output null" "the message says why"

# --- --min-benchmarking-time ---------------------------------------------------------
# pe-sleep 100 runs at least 100 ms; -m 1 leaves the decision to the time.
run_pe bench -q -N -m 1 --min-benchmarking-time 0.5 --export-json "$T/mt.json" "$H/pe-sleep 100"
rc_is 0 "--min-benchmarking-time 0.5: exit 0"
jq_is "$T/mt.json" '.results[0].perfeng.stop_reason' '"min-time"' "it stops by the time rule"
jq_ok "$T/mt.json" '.results[0].perfeng.elapsed >= 0.5' "at least 0.5 s of timing runs"
jq_ok "$T/mt.json" '.results[0].times | (.[:-1] | add // 0) < 0.5' "and no run more than needed: the runs before the last took less than 0.5 s"
jq_ok "$T/mt.json" '.results[0].times | all(. >= 0.1)' "(each run slept its 100 ms)"
jq_ok "$T/mt.json" '.results[0].perfeng.runs <= 5' "at most the 5 runs of 100 ms that make 0.5 s"
jq_ok "$T/mt.json" '.results[0].perfeng.runs >= 2' "more than the 1 run -m asks: the time decided"
like "$PE_OUT" 'Stopped after: +[0-9]+ runs \(at least 1 run and 0\.5 s\)' "the text states the rule"

run_pe bench -q -N -m 3 --min-benchmarking-time 0 --export-json "$T/m0.json" "$H/pe-sleep 100"
jq_is "$T/m0.json" '.results[0].perfeng|[.runs, .stop_reason]' '[3,"min-time"]' "--min-benchmarking-time 0: -m 3 alone decides, 3 runs (the default 3 s would take 30)"

for bad in "--runs 3" "--precision 5%"; do
	run_pe bench -q $bad --min-benchmarking-time 1 "$H/pe-exit 0"
	rc_is 2 "--min-benchmarking-time with $bad: exit 2"
	like "$PE_ERR" "--min-benchmarking-time cannot be combined with ${bad% *}" "with $bad: the message"
done
run_pe bench -q --min-benchmarking-time soon "$H/pe-exit 0"
rc_is 2 "--min-benchmarking-time soon: exit 2"
like "$PE_ERR" "'soon' is not a duration" "--min-benchmarking-time soon: the message"

done_testing
