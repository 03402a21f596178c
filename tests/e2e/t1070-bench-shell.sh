#!/bin/bash
# perfeng bench and the shell: commands run through `sh -c` by default, as
# hyperfine runs them, with the shell's start-up measured and subtracted;
# -S/--shell picks another shell; -N and --shell=none run without one.
. "$(dirname "$0")/lib.sh"

# --- the default: sh -c ---------------------------------------------------------
run_pe bench -r 3 --output "$T/o" --export-json "$T/s.json" 'echo hi | cat'
rc_is 0 "a pipe, with no option: exit 0"
is "$(cat "$T/o")" "$(printf 'hi\nhi\nhi')" "the pipe really ran: 'hi' once per run"
jq_is "$T/s.json" '.perfeng.shell' '"sh"' "perfeng.shell is sh by default"
jq_ok "$T/s.json" '.perfeng.shell_spawn_subtracted.wall | type == "number" and . > 0' "shell_spawn_subtracted has a positive wall"
jq_ok "$T/s.json" '.perfeng.shell_spawn_subtracted | (.user|type) == "number" and (.system|type) == "number"' "and user and system times"
jq_is "$T/s.json" '.perfeng.shell_spawn_subtracted.runs' 50 "the start-up is the mean of 50 runs, as hyperfine's"
jq_is "$T/s.json" '.results[0].exit_codes' '[0,0,0]' "exit codes 0"
jq_is "$T/s.json" '.results[0].command' '"echo hi | cat"' "the command is the text given, not the shell's argv"
jq_ok "$T/s.json" '.results[0].times|all(. >= 0)' "the times, less the shell's start-up, are not negative"
like "$PE_OUT" "^Shell: 'sh -c', its start-up \([0-9.]+ [mµ]?s, mean of 50 runs of 'sh -c \"\"'\) subtracted from each time; -N for none$" \
	"the text says that the shell's start-up was subtracted"
like "$(printf '%s\n' "$PE_OUT" | sed -n 3p)" '^Benchmark 1: echo hi \| cat$' "the note comes once, before the first benchmark"

run_pe bench -q -r 2 'true && true' 'true; true'
rc_is 0 "&& and ; work too: exit 0"
is "$(printf '%s\n' "$PE_OUT" | grep -c '^Shell:')" 1 "with two commands the note is said once"
run_pe bench -q -r 2 --json 'echo hi | cat'
unlike "$PE_OUT" 'Shell:' "--json: no note (the JSON says it)"

# What is subtracted is what the calibration measured: a shell that takes
# 60 ms to run '' and a few ms for the command leaves 0 of each run (the
# times are clamped at 0, never negative).
printf '#!/bin/sh\ncase $2 in "") exec %s 60 ;; *) exec sh -c "$2" ;; esac\n' "$H/pe-sleep" >"$T/slowsh"
chmod +x "$T/slowsh"
run_pe bench -q -r 3 -S "$T/slowsh" --export-json "$T/slow.json" "$H/pe-exit 0"
rc_is 0 "-S a slow shell: exit 0"
jq_ok "$T/slow.json" '.perfeng.shell_spawn_subtracted.wall >= 0.06' "the slow shell's 60 ms start-up is measured"
jq_is "$T/slow.json" '.results[0].times' '[0,0,0]' "and subtracted: each run is left 0"

# --- -S/--shell ---------------------------------------------------------------------
run_pe bench -S sh -r 2 'exit 3'
rc_is 3 "a failing command through the shell: exit 3"
like "$PE_ERR" "'exit 3' failed with exit code 3" "the shell's exit code is the command's"

run_pe bench -q -r 2 -p "echo prepared >> $T/p" "true"
is "$(lines "$T/p")" 2 "hooks run through the shell too (a redirection in --prepare works)"

run_pe bench -q --shell=bash -r 2 --output "$T/v" 'echo "$0"'
is "$(sort -u "$T/v")" "bash" "--shell=bash runs 'bash -c': \$0 is bash"
run_pe bench -q --shell='bash --norc' -r 2 --output "$T/v2" --export-json "$T/b.json" 'echo "$0"'
rc_is 0 "a shell with arguments ('bash --norc'): exit 0"
is "$(sort -u "$T/v2")" "bash" "'bash --norc' runs bash"
jq_is "$T/b.json" '.perfeng.shell' '"bash --norc"' "perfeng.shell is the whole shell command line"
run_pe bench -q --shell=default -r 2 --output "$T/v3" 'echo "$0"'
is "$(sort -u "$T/v3")" "sh" "--shell=default is sh, as hyperfine's"

run_pe bench -S "no-such-shell-$$" -r 2 true
rc_is 3 "-S with a shell that does not exist: exit 3"
like "$PE_ERR" "cannot use the shell 'no-such-shell-$$': command not found" "the message names the shell"

# --- no shell: -N and --shell=none refuse shell syntax, as before ---------------------
for how in "-N" "--shell=none" "-S sh -N"; do
	run_pe bench $how -r 2 'echo hi | cat'
	rc_is 2 "$how: a pipe is refused with exit 2"
	like "$PE_ERR" "uses '\|', which needs a shell; quote it, or leave out -N / --shell=none" "$how: the message says how to get a shell"
done
run_pe bench -N -r 2 'a && b'
rc_is 2 "-N: && is refused"
run_pe bench -N -r 2 'echo $HOME'
rc_is 2 "-N: \$HOME is refused"

run_pe bench -N -r 2 --output "$T/q" --export-json "$T/n.json" "printf '%s|%s\n' 'a b' \"c\""
rc_is 0 "-N: quoted shell characters are plain words"
is "$(sort -u "$T/q")" "a b|c" "-N: quotes are split as a shell would, without one"
jq_is "$T/n.json" '.perfeng.shell' null "-N: perfeng.shell is null"
jq_is "$T/n.json" '.perfeng.shell_spawn_subtracted' null "-N: nothing subtracted"
unlike "$PE_OUT" 'Shell:' "-N: no note about a shell in the text"

done_testing
