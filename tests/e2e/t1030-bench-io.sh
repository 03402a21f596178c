#!/bin/bash
# perfeng bench --input and --output: what the commands read and where what
# they write goes.
. "$(dirname "$0")/lib.sh"

# An input with a NUL, bytes above 127 and no final newline: it must arrive exactly.
printf 'line one\nline two \377\000 tail' >"$T/in"

run_pe bench -q -w 1 -r 3 --input "$T/in" --output "$T/outfile" cat
rc_is 0 "--input FILE --output FILE with cat: exit 0"
for _ in 1 2 3 4; do cat "$T/in"; done >"$T/expected"
ok "the output file holds the input's bytes exactly 4 times (1 warmup + 3 runs: every run reads the input from its start)" \
	cmp "$T/outfile" "$T/expected"

# The output file is truncated at the start, not appended to.
printf 'old contents that must go\n' >"$T/outfile2"
run_pe bench -q -r 1 --input "$T/in" --output "$T/outfile2" cat
ok "--output FILE replaces what the file held" cmp "$T/outfile2" "$T/in"

run_pe bench -q -r 2 --output null "$H/pe-stdout 4096"
rc_is 0 "--output null: exit 0"
unlike "$PE_OUT" 'abcdefghij' "--output null: the command's output is not on stdout"

run_pe bench -q -r 2 "$H/pe-stdout 4096"
unlike "$PE_OUT" 'abcdefghij' "by default the command's output is not on stdout"

# pipe: perfeng reads and discards; a command writing 1 MiB must not block.
run_pe bench -q -r 3 --output pipe --export-json "$T/p.json" "$H/pe-stdout 1048576"
rc_is 0 "--output pipe with 1 MiB of output: exit 0"
jq_is "$T/p.json" '.results[0].exit_codes' '[0,0,0]' "--output pipe: every write succeeded (pe-stdout exits 0)"
unlike "$PE_OUT" 'abcdefghij' "--output pipe: the output is discarded"

run_pe bench -q -r 2 --output inherit "$H/pe-stdout 26"
rc_is 0 "--output inherit: exit 0"
like "$PE_OUT" "^abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzShell: 'sh -c'" \
	"--output inherit: the command's output reaches perfeng's stdout, once per run, before the report"

run_pe bench -q -r 2 --output inherit "$H/pe-stderr to-stderr 0"
like "$PE_ERR" 'to-stderrto-stderr' "--output inherit: the command's stderr reaches perfeng's stderr"

# By default the input is /dev/null: cat reads nothing and exits at once.
run_pe bench -q -r 1 --output "$T/empty" cat
rc_is 0 "without --input cat does not wait for input"
is "$(wc -c <"$T/empty" | tr -d ' ')" 0 "the default input is empty (/dev/null)"
run_pe bench -q -r 1 --input null --output "$T/empty2" cat
is "$(wc -c <"$T/empty2" | tr -d ' ')" 0 "--input null is empty"

# Bad files: exit 3 and a message that names the file, before anything runs.
run_pe bench -q -r 1 --input "$T/missing" "$H/pe-count $T/ran"
rc_is 3 "--input of a missing file: exit 3"
like "$PE_ERR" "--input: cannot read '$T/missing'" "the message names --input and the file"
is "$(lines "$T/ran")" 0 "nothing ran"

run_pe bench -q -r 1 --output "$T/no/such/dir/out" "$H/pe-count $T/ran"
rc_is 3 "--output into a missing directory: exit 3"
like "$PE_ERR" "--output: cannot write '$T/no/such/dir/out'" "the message names --output and the file"
is "$(lines "$T/ran")" 0 "nothing ran"

done_testing
