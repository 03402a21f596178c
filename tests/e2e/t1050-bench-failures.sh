#!/bin/bash
# perfeng bench when things go wrong: every documented failure gives its
# message and exit code, loses nothing (the command's stderr, the runs so far
# on an interrupt, an earlier export file) and leaves no process behind.
. "$(dirname "$0")/lib.sh"

# --- commands that cannot run -------------------------------------------------------
# Without a shell (-N) perfeng's own exec finds out.
run_pe bench -N -r 2 "no-such-command-$$ arg"
rc_is 3 "-N: a command that does not exist: exit 3"
like "$PE_ERR" "command not found: 'no-such-command-$$'" "-N: stderr names the command not found"
unlike "$PE_ERR" 'ignore-failure' "-N: no --ignore-failure advice (it cannot make the command exist)"
is "$PE_OUT" "" "-N: nothing on stdout"

run_pe bench -N -r 2 -i "no-such-command-$$"
rc_is 3 "-N: -i does not excuse a command that does not exist"

printf '#!/bin/sh\nexit 0\n' >"$T/not-executable"
chmod 644 "$T/not-executable"
run_pe bench -N -r 2 "$T/not-executable"
rc_is 3 "-N: a file that is not executable: exit 3"
like "$PE_ERR" "cannot execute '$T/not-executable': permission denied" "-N: stderr says permission denied and names it"

# Through the shell (the default) the shell finds out, and says so with 127 or 126.
run_pe bench -r 2 "no-such-command-$$ arg"
rc_is 3 "shell: a command that does not exist: exit 3"
like "$PE_ERR" "'no-such-command-$$ arg' failed with exit code 127" "shell: the message gives the shell's exit code 127"
like "$PE_ERR" "no-such-command-$$: not found" "shell: the shell's own message is shown"
like "$PE_ERR" "127 is the shell's code for a command not found" "shell: perfeng says what 127 means"
unlike "$PE_ERR" 'ignore-failure' "shell: no --ignore-failure advice"
run_pe bench -r 2 "$T/not-executable"
rc_is 3 "shell: a file that is not executable: exit 3"
like "$PE_ERR" "126 is the shell's code for a command that cannot be executed" "shell: perfeng says what 126 means"

# --- runs that fail -----------------------------------------------------------------------
run_pe bench -r 3 --export-json "$T/fail.json" "$H/pe-stderr boom 3"
rc_is 3 "a command exiting 3: exit 3"
like "$PE_ERR" "'$H/pe-stderr boom 3' failed with exit code 3" "stderr names the command and its exit code 3"
like "$PE_ERR" '^boom$' "stderr shows the command's standard error"
like "$PE_ERR" '--ignore-failure' "stderr mentions --ignore-failure"
ok "a failed benchmark leaves no export file it created" test ! -e "$T/fail.json"

# An earlier export survives a benchmark that fails.
printf '{"earlier":"results"}\n' >"$T/keep.json"
cp "$T/keep.json" "$T/keep.orig"
run_pe bench -r 2 --export-json "$T/keep.json" "$H/pe-exit 1"
rc_is 3 "a failing benchmark with an existing --export-json file: exit 3"
ok "the existing export file is left as it was" cmp "$T/keep.json" "$T/keep.orig"
run_pe bench -q -r 2 --export-json "$T/keep.json" "$H/pe-exit 0"
jq_is "$T/keep.json" '[has("earlier"), (.results|length)]' '[false,1]' "a successful benchmark replaces it entirely"

# Only the last 4 KiB of a long stderr are kept, the end included.
long=$(printf 'START%05000dEND-OF-STDERR' 0)
run_pe bench -r 1 "$H/pe-stderr $long 1"
rc_is 3 "a command with 5 KiB of stderr exiting 1: exit 3"
like "$PE_ERR" 'its standard error \(last 4 KiB\):' "stderr says only the last 4 KiB are shown"
tail_shown=$(printf '%s\n' "$PE_ERR" | sed -n '/its standard error/,$p')
like "$tail_shown" '^0+END-OF-STDERR$' "the end of the command's stderr is shown"
unlike "$tail_shown" 'START' "its beginning is not"
is "$(printf '%s\n' "$tail_shown" | sed -n 2p | tr -d '\n' | wc -c | tr -d ' ')" 4096 "exactly its last 4096 bytes are shown"

run_pe bench -r 3 -i --export-json "$T/i.json" "$H/pe-stderr boom 3"
rc_is 0 "-i with a command exiting 3: exit 0"
jq_is "$T/i.json" '.results[0].exit_codes' '[3,3,3]' "the JSON has exit_codes 3, 3, 3"
jq_is "$T/i.json" '.results[0].times|length' 3 "the failed runs are measured"
like "$PE_ERR" '3 of 3 runs failed' "stderr warns that 3 of 3 runs failed"

# -N: the signal reaches perfeng as the command's; a shell would report 128+N.
run_pe bench -N -r 2 "$H/pe-kill-self 9"
rc_is 3 "a command killed by SIGKILL: exit 3"
like "$PE_ERR" 'was killed by signal 9 \(Killed\)' "stderr names the signal"
like "$PE_ERR" '--ignore-failure' "and mentions --ignore-failure"

run_pe bench -N -r 2 -i --export-json "$T/k.json" "$H/pe-kill-self 15"
rc_is 0 "-i with a command killed by SIGTERM: exit 0"
jq_is "$T/k.json" '.results[0].exit_codes' '[null,null]' "exit_codes are null for runs killed by a signal"

# --- timeouts kill the whole process group ---------------------------------------------------
# pe-fork-linger forks a child that sleeps 60 s in its group; $T marks both.
run_pe bench -r 2 --timeout 300ms "$H/pe-fork-linger 10000 $T"
rc_is 3 "--timeout 300ms on a 10 s command: exit 3"
like "$PE_ERR" "'$H/pe-fork-linger 10000 $T' timed out" "stderr says the command timed out"
is "$(procs_with "pe-fork-linger 10000 $T")" "" "no pe-fork-linger process (leader or child) is left"

run_pe bench -r 2 -i --timeout 200ms --export-json "$T/t.json" "$H/pe-fork-linger 10000 $T"
rc_is 0 "-i with --timeout: exit 0"
jq_is "$T/t.json" '.results[0].exit_codes' '[null,null]' "timed-out runs have null exit codes"
jq_ok "$T/t.json" '.results[0].times|all(. >= 0.19 and . < 5)' "timed-out runs last about the timeout"
is "$(procs_with "pe-fork-linger 10000 $T")" "" "no pe-fork-linger process is left"

# A bare number is seconds.
run_pe bench -r 2 -i --timeout 0.2 --export-json "$T/t2.json" "$H/pe-sleep 10000 $T"
jq_ok "$T/t2.json" '.results[0].times|all(. >= 0.19 and . < 5)' "--timeout 0.2 is 0.2 s"
is "$(procs_with "pe-sleep 10000 $T")" "" "no pe-sleep process is left"

# A child that keeps the command's stderr open does not make perfeng wait for it.
run_pe bench -r 2 "$H/pe-fork-linger 0 $T"
rc_is 0 "a command leaving a child behind that holds its stderr: exit 0 (not blocked for 60 s)"
# docs/bench.md: a background process left by a run that exited is not killed
# (as with a shell), and perfeng does not wait for it either.
leftover=$(procs_with "pe-fork-linger 0 $T")
isnt "$leftover" "" "the background child of a successful run is left running, as documented"
[ -n "$leftover" ] && kill -KILL $leftover 2>/dev/null

# --- Ctrl-C and SIGTERM -----------------------------------------------------------------
# Started under timeout, perfeng gets SIGINT with its default action (timeout
# installs a handler, and exec resets it) even though bash starts background
# jobs with SIGINT ignored; the signal goes to perfeng itself, as a
# terminal's Ctrl-C would (each run is in its own process group).
# --conclude counts the finished runs, so the test waits for real progress.
finished_runs() { # N: at least N lines in $T/done
	[ "$(lines "$T/done")" -ge "$1" ]
}
interrupt_test() { # SIGNAL
	local sig=$1 tpid pepid rc
	rm -f "$T/done" "$T/int.json"
	timeout -k 5 "$PE_TIMEOUT" "$PERFENG_BIN" bench -r 1000 --conclude "$H/pe-count $T/done" \
		--export-json "$T/int.json" "$H/pe-sleep 50 $T" </dev/null >"$T/out" 2>"$T/err" &
	tpid=$!
	wait_for 30 finished_runs 3 || diag "perfeng made no 3 runs in 30 s"
	pepid=$(pgrep -P "$tpid")
	kill -"$sig" "$pepid"
	wait "$tpid" && rc=0 || rc=$?
	PE_OUT=$(cat "$T/out") PE_ERR=$(cat "$T/err") PE_RC=$rc
	rc_is 130 "SIG$sig: exit 130"
	like "$PE_OUT" "^Benchmark 1: $H/pe-sleep 50" "SIG$sig: stdout shows the benchmark"
	like "$PE_OUT" 'Stopped after: +[0-9]+ runs: interrupted' "SIG$sig: the text says it was interrupted"
	like "$PE_ERR" 'interrupted; the runs measured so far are shown and exported' "SIG$sig: stderr says so"
	jq_is "$T/int.json" '.perfeng.interrupted' true "SIG$sig: the JSON is written, with perfeng.interrupted true"
	jq_ok "$T/int.json" '.results[0].times|length >= 3' "SIG$sig: the JSON has the runs measured so far (at least the 3 seen to finish)"
	jq_ok "$T/int.json" '.results[0] | (.exit_codes|length) == (.times|length) and .perfeng.runs == (.times|length)' \
		"SIG$sig: times, exit_codes and runs agree"
	jq_is "$T/int.json" '.results[0].perfeng.stop_reason' '"interrupted"' "SIG$sig: stop_reason is interrupted"
	jq_ok "$T/int.json" '.results[0].times|all(. > 0.045 and . < 5)' "SIG$sig: the interrupted run is not among the times"
	is "$(procs_with "pe-sleep 50 $T")" "" "SIG$sig: no pe-sleep process is left"
}
interrupt_test INT
interrupt_test TERM

# --- usage errors: exit 2, a clear message, nothing run ------------------------------------
C="$H/pe-count $T/ran"
usage_error() { # DESC REGEX ARGS...
	local desc=$1 re=$2
	shift 2
	run_pe bench "$@"
	rc_is 2 "$desc: exit 2"
	like "$PE_ERR" "$re" "$desc: the message"
	like "$PE_ERR" "see 'perfeng bench --help'" "$desc: points to --help"
}
usage_error "an unknown option" "unknown option '--frobnicate'" --frobnicate "$C"
usage_error "an unknown short option" "unknown option '-Z'" -Z "$C"
usage_error "-r abc" "option '--runs': 'abc' is not a whole number" -r abc "$C"
usage_error "-r -1" "option '--runs': '-1' is not a whole number" -r -1 "$C"
usage_error "-r 0" "--runs must be at least 1" -r 0 "$C"
usage_error "-r without a value" "option '--runs' needs 1 value" "$C" -r
usage_error "-P x 5 1" "--parameter-scan x: the minimum 5 is above the maximum 1" -P x 5 1 "$C {x}"
usage_error "-P x a b" "--parameter-scan x: 'a' is not a number" -P x a b "$C {x}"
usage_error "-P x 1.5 3 without -D" "'1.5' and '3' must be whole numbers unless --parameter-step-size is given" -P x 1.5 3 "$C {x}"
usage_error "-D 0" "--parameter-step-size: '0' is not a positive number" -P x 0 1 -D 0 "$C {x}"
usage_error "-D without -P" "--parameter-step-size needs --parameter-scan" -D 0.5 "$C"
usage_error "-L x twice" "parameter 'x' is given twice" -L x 1 -L x 2 "$C"
usage_error "--runs with --min-runs" "--runs cannot be combined with --min-runs or --max-runs" --runs 3 --min-runs 2 "$C"
usage_error "--runs with --precision" "--runs cannot be combined with --precision" -r 3 --precision 1% "$C"
usage_error "--max-runs below --min-runs" "--max-runs 3 is below --min-runs 5" -m 5 -M 3 "$C"
usage_error "no command" "no command to benchmark" -r 3
usage_error "an empty command" "empty command" -r 3 ""
usage_error "--sort bogus" "--sort: 'bogus' is not one of auto, command, mean-time" --sort bogus "$C"
usage_error "-u parsec" "'parsec' is not a time unit" -u parsec "$C"
usage_error "--timeout 5x" "option '--timeout': '5x' is not a duration" --timeout 5x "$C"
usage_error "--noise 150%" "--noise must be between 0% and 100%" --noise 150% "$C"
usage_error "--precision 2" "--precision must be between 0% and 100%" --precision 2 "$C"
usage_error "more -n names than commands" "2 command names for 1 command" -n one -n two "$C"
usage_error "-N: an unquoted |" "uses '\|', which needs a shell; quote it, or leave out -N / --shell=none" -N "$C | cat"
usage_error "-N: \$VAR" "uses '\\$', which needs a shell" -N "$C \$HOME"
usage_error "-N: an unterminated quote" "unterminated ' in command" -N "$C 'oops"
usage_error "an empty command with the shell" "empty command" -r 3 " "
is "$(lines "$T/ran")" 0 "no usage error ran the command"

# --- warnings --------------------------------------------------------------------------------
# pe-exit takes about 1 ms; on a very busy machine its mean may pass 5 ms,
# and then no warning is right: the rule is on the mean measured.
run_pe bench -r 10 --export-json "$T/fast.json" "$H/pe-exit 0"
rc_is 0 "a fast command: exit 0"
if [ "$(jqr "$T/fast.json" '.results[0].mean < 0.005')" = true ]; then
	like "$PE_ERR" "warning: '$H/pe-exit 0' takes less than 5 ms" "a ~1 ms command gets the 'less than 5 ms' warning"
else
	unlike "$PE_ERR" 'less than 5 ms' "pe-exit took more than 5 ms on this busy machine: no 'less than 5 ms' warning"
fi
run_pe bench -q -r 5 "$H/pe-exit 0"
unlike "$PE_ERR" 'less than 5 ms' "-q silences it"
run_pe bench -r 3 "$H/pe-spin 20"
rc_is 0 "a 20 ms command: exit 0"
unlike "$PE_ERR" 'less than 5 ms' "a 20 ms command gets no 'less than 5 ms' warning"

done_testing
