#!/bin/bash
# perfeng bench -S/--shell, -N and --shell=none: commands through a shell,
# its start-up subtracted, and no shell by default.
. "$(dirname "$0")/lib.sh"

run_pe bench -S sh -r 3 --output "$T/o" --export-json "$T/s.json" 'echo hi | cat'
rc_is 0 "-S sh runs a pipe: exit 0"
is "$(cat "$T/o")" "$(printf 'hi\nhi\nhi')" "the pipe really ran: 'hi' once per run"
jq_is "$T/s.json" '.perfeng.shell' '"sh"' "perfeng.shell is sh"
jq_ok "$T/s.json" '.perfeng.shell_spawn_subtracted.wall | type == "number" and . > 0' "shell_spawn_subtracted has a positive wall"
jq_ok "$T/s.json" '.perfeng.shell_spawn_subtracted | (.user|type) == "number" and (.system|type) == "number"' "and user and system times"
jq_is "$T/s.json" '.results[0].exit_codes' '[0,0,0]' "exit codes 0"
jq_is "$T/s.json" '.results[0].command' '"echo hi | cat"' "the command is the text given, not the shell's argv"
jq_ok "$T/s.json" '.results[0].times|all(. >= 0)' "the times, less the shell's start-up, are not negative"
like "$PE_ERR" "the shell's start-up \([0-9.]+ [mµ]?s\) is subtracted from each run" "stderr says the shell's start-up is subtracted"

run_pe bench -q -S sh -r 3 'echo hi | cat'
unlike "$PE_ERR" "start-up" "-q: no note about the shell"

run_pe bench -S sh -r 2 'exit 3'
rc_is 3 "-S sh with a failing command: exit 3"
like "$PE_ERR" "'exit 3' failed with exit code 3" "the shell's exit code is the command's"

run_pe bench -q -S sh -r 2 -p "echo prepared >> $T/p" "true"
is "$(lines "$T/p")" 2 "with -S, hooks run through the shell too (a redirection in --prepare works)"

run_pe bench -q --shell=sh -r 2 --output "$T/v" 'echo "$0"'
is "$(sort -u "$T/v")" "sh" "--shell=sh runs 'sh -c': \$0 is sh"

run_pe bench -S "no-such-shell-$$" -r 2 true
rc_is 3 "-S with a shell that does not exist: exit 3"
like "$PE_ERR" "cannot use the shell 'no-such-shell-$$': command not found" "the message names the shell"

# No shell: the default, -N and --shell=none refuse shell syntax.
for how in "" "-N" "--shell=none" "-S sh -N"; do
	run_pe bench $how -r 2 'echo hi | cat'
	rc_is 2 "${how:-no option}: a pipe is refused with exit 2"
	like "$PE_ERR" "uses '\|', which needs a shell; quote it, or run with --shell=sh" "${how:-no option}: the message suggests --shell"
done

run_pe bench -N -r 2 --output "$T/q" --export-json "$T/n.json" "printf '%s|%s\n' 'a b' \"c\""
rc_is 0 "-N: quoted shell characters are plain words"
is "$(sort -u "$T/q")" "a b|c" "-N: quotes are split as a shell would, without one"
jq_is "$T/n.json" '.perfeng.shell' null "-N: perfeng.shell is null"
jq_is "$T/n.json" '.perfeng.shell_spawn_subtracted' null "-N: nothing subtracted"

done_testing
