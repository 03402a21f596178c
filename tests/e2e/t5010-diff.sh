#!/bin/bash
# perfeng diff BEFORE AFTER: the change table, the two-column folded output
# (difffolded.pl's format) and the differential SVG's colours and tooltips,
# from two small profiles whose shares are worked out by hand below; the same
# from runs saved in the store; usage and runtime errors.
. "$(dirname "$0")/lib.sh"

D=$(cd "$(dirname "$0")/../data" && pwd)
export PERFENG_STORE=$T/store.db

# BEFORE: 100 samples; self shares parse 60%, inner 30%, io 10%.
# AFTER: 120 samples; parse 20/120 = 16.67%, inner 70/120 = 58.33%,
# compute 10/120 = 8.33%, newthing 20/120 = 16.67%, io gone.
printf 'main;parse 60\nmain;compute;inner 30\nmain;io 10\n' >"$T/before.folded"
printf 'main;parse 20\nmain;compute;inner 70\nmain;compute 10\nmain;newthing 20\n' >"$T/after.folded"

run_pe diff --top 0 "$T/before.folded" "$T/after.folded"
rc_is 0 "--top 0: exit 0"
is "$PE_OUT" " before%   after%    change  function
   60.00    16.67    -43.33  parse
   30.00    58.33    +28.33  inner
    0.00    16.67    +16.67  newthing
   10.00     0.00    -10.00  io
    0.00     8.33     +8.33  compute
    0.00     0.00     +0.00  main" "the change table: self shares before and after, largest change first"
run_pe diff --top 2 "$T/before.folded" "$T/after.folded"
is "$(printf '%s\n' "$PE_OUT" | wc -l)" 3 "--top 2: two rows and the heading"

run_pe diff -o "$T/d.folded" -o "$T/d.svg" "$T/before.folded" "$T/after.folded"
rc_is 0 "-o .folded -o .svg: exit 0"
is "$(cat "$T/d.folded")" "main;compute 0 10
main;compute;inner 30 70
main;newthing 0 20
main;parse 60 20
main;io 10 0" "the two-column folded output: 'stack before after', stacks only in BEFORE last"
xmllint --noout "$T/d.svg" && ok=1 || ok=0
is "$ok" 1 "the differential SVG is well-formed XML"
like "$(cat "$T/d.svg")" 'id="title"[^>]*>Differential Flame Graph<' "its default title"
# The largest change is parse's: its total share went from 60% to 16.67%, so
# it is the fully saturated blue; main did not change (100% in both).
like "$(cat "$T/d.svg")" '<title>parse
after: 20 samples \(16.67%\)
before: 60 samples \(60.00%\)
change: -43.33 points</title><rect [^>]*fill="rgb\(0,30,255\)"' "parse shrank most: full blue, both counts and the change in its tooltip"
like "$(cat "$T/d.svg")" '<title>inner
after: 70 samples \(58.33%\)
before: 30 samples \(30.00%\)
change: \+28.33 points</title><rect [^>]*fill="rgb\(255,' "inner grew: red"
like "$(cat "$T/d.svg")" '<title>main
after: 120 samples \(100.00%\)
before: 100 samples \(100.00%\)
change: \+0.00 points</title><rect [^>]*fill="rgb\(235,235,235\)"' "main's share did not change: neutral grey"
like "$(cat "$T/d.svg")" '<title>newthing
after: 20 samples \(16.67%\)
before: 0 samples \(0.00%\)' "a new frame: 0 before"
unlike "$(cat "$T/d.svg")" '<title>io' "widths come from AFTER: io, gone, is not drawn"

run_pe diff "$T/before.folded" "$T/after.folded"
rc_is 0 "SVG on stdout by default"
like "$PE_OUT" '^<\?xml' "stdout holds the SVG"

# --- runs in the store ---------------------------------------------------------------
run_pe flamegraph --save app -o "$T/x.folded" "$T/before.folded"
rc_is 0 "save BEFORE"
run_pe flamegraph --save app --tag new -o "$T/x.folded" "$T/after.folded"
rc_is 0 "save AFTER"
run_pe diff -o "$T/s.folded" app@latest~1 app@new
rc_is 0 "diff of two stored runs: exit 0"
is "$(cat "$T/s.folded")" "$(cat "$T/d.folded")" "stored runs give the same diff as the files"
run_pe diff --top 1 1 "$T/after.folded"
is "$PE_OUT" " before%   after%    change  function
   60.00    16.67    -43.33  parse" "a run id and a file"

# perf script text against folded: a warning that the units differ.
run_pe diff --top 1 "$T/before.folded" "$D/perf-script-cpu-task-clock.txt"
rc_is 0 "folded against perf script: exit 0"
like "$PE_ERR" "BEFORE is in samples and AFTER in nanoseconds" "the units differ: said"

# --- errors ---------------------------------------------------------------------------
run_pe diff "$T/before.folded"
rc_is 2 "one profile: exit 2"
like "$PE_ERR" "diff needs two profiles, BEFORE and AFTER; 1 given" "says what is missing"
run_pe diff -o "$T/d.pb.gz" "$T/before.folded" "$T/after.folded"
rc_is 2 "-o .pb.gz: exit 2"
# the one -o check of out/profile_out.c, limited to the formats diff writes
like "$PE_ERR" "-o: '$T/d.pb.gz': this command does not write .pb.gz; use a name ending in .svg or .folded" \
	"names the formats it writes"
run_pe diff -o "$T/d.png" "$T/before.folded" "$T/after.folded"
rc_is 2 "-o .png: exit 2"
like "$PE_ERR" "-o: '$T/d.png': unknown format; use a name ending in .svg or .folded" "lists diff's formats"
run_pe diff --inverted -o "$T/d2.folded" "$T/before.folded" "$T/after.folded"
rc_is 2 "--inverted with only .folded written: exit 2"
like "$PE_ERR" "--inverted: no SVG is written to invert" "says why"
run_pe diff "$T/before.folded" no-such-run
rc_is 3 "neither a file nor a stored run: exit 3"
like "$PE_ERR" "'no-such-run' is not a file nor a profile in the store" "names the argument"
printf 'x 1\nbroken\n' >"$T/bad.folded"
run_pe diff "$T/bad.folded" "$T/after.folded"
rc_is 3 "a bad line in BEFORE: exit 3"
like "$PE_ERR" "'$T/bad.folded', line 2" "the error names the file and line"
run_pe diff - -
rc_is 2 "both on standard input: exit 2"

done_testing
