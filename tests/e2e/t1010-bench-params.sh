#!/bin/bash
# perfeng bench -P/-D/-L: the benchmarks parameters make, their order, {VAR}
# substitution in commands, names and hooks, and the parameters in the exports.
. "$(dirname "$0")/lib.sh"

E=$H/pe-exit

run_pe bench -q -r 1 --export-json "$T/p.json" -P n 1 3 "$E 0 {n}"
rc_is 0 "-P n 1 3 exits 0"
jq_is "$T/p.json" '.results|length' 3 "-P n 1 3 makes 3 benchmarks"
jq_is "$T/p.json" '[.results[].parameters]' '[{"n":"1"},{"n":"2"},{"n":"3"}]' "their parameters are n = 1, 2, 3, as strings"
jq_is "$T/p.json" '[.results[].command]' "[\"$E 0 1\",\"$E 0 2\",\"$E 0 3\"]" "{n} is substituted in the command names"
jq_is "$T/p.json" '[.results[].perfeng.command_line]' "[\"$E 0 1\",\"$E 0 2\",\"$E 0 3\"]" "and in the command lines run"
like "$PE_OUT" "Benchmark 3: $E 0 3" "the text shows the third benchmark"

# The value really reaches the command: pe-count writes it.
run_pe bench -q -r 1 -P n 1 3 "$H/pe-count $T/seen {n}"
is "$(tr '\n' ' ' <"$T/seen")" "1 2 3 " "the commands run with 1, 2, 3 in that order"

run_pe bench -q -r 1 --export-json "$T/d.json" -P x 0 1 -D 0.5 "$E 0 {x}"
rc_is 0 "-P x 0 1 -D 0.5 exits 0"
jq_is "$T/d.json" '[.results[].parameters.x]' '["0","0.5","1"]' "-P x 0 1 -D 0.5 gives 0, 0.5, 1"
jq_is "$T/d.json" '[.results[].command]' "[\"$E 0 0\",\"$E 0 0.5\",\"$E 0 1\"]" "written as the user would: 0, 0.5, 1"

run_pe bench -q -r 1 --export-json "$T/d2.json" -P x 0.1 0.3 -D 0.1 "$E 0 {x}"
jq_is "$T/d2.json" '[.results[].parameters.x]' '["0.1","0.2","0.3"]' "-P x 0.1 0.3 -D 0.1 gives 0.1, 0.2, 0.3 (no rounding drift, the end included)"

run_pe bench -q -r 1 --export-json "$T/l.json" -L a 1,2 -L b x,y "$E 0 {a}{b}"
rc_is 0 "two -L lists exit 0"
jq_is "$T/l.json" '[.results[].parameters]' '[{"a":"1","b":"x"},{"a":"1","b":"y"},{"a":"2","b":"x"},{"a":"2","b":"y"}]' \
	"two -L lists give every combination, the first list varying slowest"
jq_is "$T/l.json" '[.results[].command]' "[\"$E 0 1x\",\"$E 0 1y\",\"$E 0 2x\",\"$E 0 2y\"]" "both substituted in the commands"

run_pe bench -q -r 1 --export-json "$T/pl.json" -L b x,y -P n 1 2 "$E 0 {n}{b}"
jq_is "$T/pl.json" '[.results[]|.parameters.n + .parameters.b]' '["1x","1y","2x","2y"]' "-P varies slowest, before the -L lists"

run_pe bench -q -r 1 --export-json "$T/c.json" -L n 1,2 "$E 0 {n}" "$H/pe-spin 0 {n}"
jq_is "$T/c.json" '[.results[].command]' "[\"$E 0 1\",\"$E 0 2\",\"$H/pe-spin 0 1\",\"$H/pe-spin 0 2\"]" \
	"two commands with a list: each command with each value, command by command"

run_pe bench -q -r 1 --export-json "$T/n.json" -L n 1,2 -n 'exit-{n}' "$E 0 {n}" -n 'spin {n}!' "$H/pe-spin 0 {n}"
rc_is 0 "-n with {n} exits 0"
jq_is "$T/n.json" '[.results[].command]' '["exit-1","exit-2","spin 1!","spin 2!"]' "-n names take {VAR} substituted"
jq_is "$T/n.json" '[.results[].perfeng.command_line]' "[\"$E 0 1\",\"$E 0 2\",\"$H/pe-spin 0 1\",\"$H/pe-spin 0 2\"]" \
	"perfeng.command_line keeps the command run"
like "$PE_OUT" 'Benchmark 4: spin 2!' "the text uses the names"

run_pe bench -q -r 1 --export-json "$T/n1.json" -n first "$E 0" "$E 1"
rc_is 3 "a second command without a name still runs (and fails: pe-exit 1)"
run_pe bench -q -r 1 --export-json "$T/n1.json" -n first "$E 0" "$E 00"
jq_is "$T/n1.json" '[.results[].command]' "[\"first\",\"$E 00\"]" "-n names the commands in order; the rest keep their text"

# Hooks take {VAR} too (the benchmarks alternate, the default order).
run_pe bench -q -r 2 -L v a,b -p "$H/pe-count $T/hook prep-{v}" "$E 0"
is "$(tr '\n' ' ' <"$T/hook")" "prep-a prep-b prep-a prep-b " "--prepare takes {VAR}, substituted per benchmark"

run_pe bench -q -r 1 --export-csv "$T/p.csv" -L n 1,2 -L m u,v "$E 0 {n}{m}"
rc_is 0 "CSV export with parameters exits 0"
is "$(head -1 "$T/p.csv" | tr ',' '\n' | tail -2 | tr '\n' ' ')" "parameter_n parameter_m " "the CSV header ends with parameter_n,parameter_m"
is "$(tail -n +2 "$T/p.csv" | awk -F, '{ print $(NF-1) $NF }' | tr '\n' ' ')" "1u 1v 2u 2v " "each CSV row ends with its parameter values"
is "$(lines "$T/p.csv")" 5 "the CSV has a header and 4 rows"

# A value with a comma cannot come from -L (commas separate), but a space can.
run_pe bench -q -r 1 --export-csv "$T/q.csv" -L s 'a b,c' "$E 0"
is "$(tail -n +2 "$T/q.csv" | awk -F, '{ print $NF }' | tr '\n' '|')" "a b|c|" "-L values keep their spaces"

done_testing
