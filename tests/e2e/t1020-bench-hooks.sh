#!/bin/bash
# perfeng bench --setup/--prepare/--conclude/--cleanup: how often each runs,
# in what order, for which command, and what a failing hook does. pe-count
# appends a line per call, so the counts are exact.
. "$(dirname "$0")/lib.sh"

C=$H/pe-count
L=$T/log

run_pe bench -q -w 2 -r 3 -s "$C $L setup" -p "$C $L prepare" --conclude "$C $L conclude" -c "$C $L cleanup" "$C $L run"
rc_is 0 "all four hooks: exit 0"
is "$(grep -cx setup "$L")" 1 "--setup ran once"
is "$(grep -cx prepare "$L")" 5 "--prepare ran before every run, warmups included (2 + 3)"
is "$(grep -cx run "$L")" 5 "the command ran 5 times (2 warmups + 3 runs)"
is "$(grep -cx conclude "$L")" 5 "--conclude ran after every run, warmups included"
is "$(grep -cx cleanup "$L")" 1 "--cleanup ran once"
is "$(tr '\n' ' ' <"$L")" "setup$(printf ' prepare run conclude%.0s' 1 2 3 4 5) cleanup " \
	"the order: setup, then prepare/run/conclude for each run, then cleanup"

# Hooks given once apply to every command; each command gets its own setup and cleanup.
# (--no-interleave: the order of one command after the other; interleaved, the setups
# run first, as t1060 checks.)
rm -f "$L"
run_pe bench -q -r 2 --no-interleave -s "$C $L setup" -c "$C $L cleanup" -p "$C $L prepare" "$C $L A" "$C $L B"
rc_is 0 "hooks given once, two commands: exit 0"
is "$(tr '\n' ' ' <"$L")" "setup prepare A prepare A cleanup setup prepare B prepare B cleanup " \
	"hooks given once run for every command, setup and cleanup around each"

# Hooks given once per command go to their own command, in order.
rm -f "$L"
run_pe bench -q -r 2 --no-interleave -p "$C $L prepA" -p "$C $L prepB" --conclude "$C $L concA" --conclude "$C $L concB" \
	-s "$C $L setA" -s "$C $L setB" -c "$C $L cleanA" -c "$C $L cleanB" "$C $L A" "$C $L B"
rc_is 0 "hooks given once per command: exit 0"
is "$(tr '\n' ' ' <"$L")" "setA prepA A concA prepA A concA cleanA setB prepB B concB prepB B concB cleanB " \
	"each command gets its own hooks"

run_pe bench -q -r 1 -p "$C $L x" -p "$C $L y" -p "$C $L z" "$H/pe-exit 0" "$H/pe-exit 0"
rc_is 2 "--prepare given 3 times for 2 commands: exit 2"
like "$PE_ERR" '--prepare given 3 times for 2 commands' "the message says so"

# Hook output is discarded: not on perfeng's stdout.
run_pe bench -q -r 1 --output inherit -p "$H/pe-stdout 7" "$H/pe-exit 0"
unlike "$PE_OUT" 'abcdefg' "the output of a hook is discarded, even with --output inherit"

# A failing hook stops perfeng with exit 3, the hook's name and its stderr.
rm -f "$L"
run_pe bench -q -r 3 --export-json "$T/f.json" -p "$H/pe-stderr prep-said-no 1" "$C $L run"
rc_is 3 "a failing --prepare: exit 3"
like "$PE_ERR" "prepare command '.*pe-stderr prep-said-no 1' failed with exit code 1" "the message names prepare, the hook and its exit code"
like "$PE_ERR" 'prep-said-no' "the hook's standard error is shown"
unlike "$PE_ERR" 'ignore-failure' "no --ignore-failure advice for a hook (it would not help)"
is "$(lines "$L")" 0 "the command never ran"

for hook in setup conclude cleanup; do
	run_pe bench -q -r 2 "--$hook" "$H/pe-stderr $hook-broke 4" "$H/pe-exit 0"
	rc_is 3 "a failing --$hook: exit 3"
	like "$PE_ERR" "$hook command '.*' failed with exit code 4" "the message names $hook and the exit code"
	like "$PE_ERR" "$hook-broke" "the $hook's standard error is shown"
done

run_pe bench -N -q -r 2 -p "no-such-hook-$$" "$H/pe-exit 0"
rc_is 3 "-N: a --prepare that does not exist: exit 3"
like "$PE_ERR" "prepare command: command not found: 'no-such-hook-$$'" "-N: the message says the prepare hook's command is not found"
run_pe bench -q -r 2 -p "no-such-hook-$$" "$H/pe-exit 0"
rc_is 3 "through the shell: a --prepare that does not exist: exit 3"
like "$PE_ERR" "prepare command 'no-such-hook-$$' failed with exit code 127" "through the shell: the message names the hook as given, and the shell's 127"

run_pe bench -q -r 2 -i -p "$H/pe-exit 1" "$H/pe-exit 0"
rc_is 3 "-i does not excuse a failing hook"

done_testing
