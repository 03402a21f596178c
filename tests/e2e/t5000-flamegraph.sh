#!/bin/bash
# perfeng flamegraph: real `perf script` text folded as stackcollapse-perf.pl
# folds it (expected output written by hand, tests/data/README.md), the SVG
# well-formed for xmllint whatever the names hold, pprof read back by an
# independent decoder (pprof-format, tests/helpers/pprof-js) with the same
# totals per function as the folded output, speedscope's JSON, the top
# table, and bad input: a clear error or a clean partial result, never a crash.
. "$(dirname "$0")/lib.sh"

D=$(cd "$(dirname "$0")/../data" && pwd)
JS=$(cd "$(dirname "$0")/../helpers/pprof-js" && pwd)
PS=$D/perf-script-cpu-task-clock.txt

# --- perf script -> folded, as stackcollapse-perf.pl -----------------------------
run_pe flamegraph -o "$T/a.folded" "$PS"
rc_is 0 "perf script text to .folded: exit 0"
is "$(cat "$T/a.folded")" "$(cat "$D/perf-script-cpu-task-clock.folded")" \
	"the folded stacks are the ones written by hand from the samples (first event, period weights)"
like "$PE_ERR" "kept the samples of 'cpu-clock'; 15 samples of other events \(such as 'task-clock'\) left out" \
	"the task-clock samples left out are counted and named"
is "$PE_OUT" "" "nothing on stdout when -o is given"

run_pe flamegraph --event task-clock -o "$T/t.folded" "$PS"
rc_is 0 "--event task-clock: exit 0"
is "$(cat "$T/t.folded")" "$(cat "$D/perf-script-cpu-task-clock.folded")" \
	"--event task-clock: the same stacks (each task-clock sample repeats the cpu-clock one)"
like "$PE_ERR" "kept the samples of 'task-clock'" "the event kept is named"

run_pe flamegraph --annotate -o "$T/k.folded" "$PS"
like "$(cat "$T/k.folded")" "dd;read;entry_SYSCALL_64_after_hwframe_\[k\];do_syscall_64_\[k\] 6012024" \
	"--annotate marks kernel frames _[k], as stackcollapse-perf.pl --all"

# Folded stacks read back and written again are the same file.
run_pe flamegraph -o "$T/b.folded" "$T/a.folded"
rc_is 0 "folded input: exit 0"
is "$(cat "$T/b.folded")" "$(cat "$T/a.folded")" "folded -> folded is the identity"
timeout 20 "$PERFENG_BIN" flamegraph -o "$T/c.folded" <"$PS" 2>/dev/null
is "$(cat "$T/c.folded")" "$(cat "$T/a.folded")" "standard input when no FILE is given"
cat "$PS" "$PS" | timeout 20 "$PERFENG_BIN" flamegraph -o "$T/p.folded" - 2>/dev/null
is "$(sed -n 1p "$T/p.folded")" "dd;[unknown];get_common_indices.constprop.0 4008016" \
	"a pipe (read, not mapped), as '-': the file twice, weights doubled"

# --- the top table -----------------------------------------------------------------
run_pe flamegraph --top 3 "$PS"
rc_is 0 "--top 3: exit 0"
# hot: 4 of 15 samples, self and total (26.67%); do_syscall_64: self 3, in 8 stacks (53.33%).
is "$PE_OUT" "  self%  total%  nanoseconds  function       module
  26.67   26.67      8016032  hot            w
  20.00   53.33      6012024  do_syscall_64  [kernel.kallsyms]
  20.00   20.00      6012024  write_null     [kernel.kallsyms]" "the top table: shares, weights in ns (periods), modules"
printf 'a;b;a;b 3\na;c 1\n' >"$T/rec.folded"
run_pe flamegraph --top 0 "$T/rec.folded"
like "$PE_OUT" "  0.00  100.00            0  a " "recursion: a's total counts each stack once (4 of 4, not 7)"

# --- SVG -----------------------------------------------------------------------------
run_pe flamegraph "$PS"
rc_is 0 "SVG on stdout by default"
echo "$PE_OUT" >"$T/a.svg"
xmllint --noout "$T/a.svg" 2>"$T/xml.err" && ok=1 || ok=0
is "$ok" 1 "the SVG is well-formed XML (xmllint)"
is "$(grep -c '<g><title>' "$T/a.svg")" 21 "one frame per node: all, 2 processes, 18 others"
like "$(cat "$T/a.svg")" '<title>hot
8.016 ms, 26.67%
self: 8.016 ms, 26.67%</title>' "tooltips carry the weight (time, from the periods) and the share"
like "$(cat "$T/a.svg")" 'function zoom\(' "the script for zoom and search is in the file"
sed -n '/<!\[CDATA\[/,/\]\]>/p' "$T/a.svg" | sed '1d;$d' >"$T/fg.js"
node --check "$T/fg.js" 2>"$T/node.err" && ok=1 || ok=0
is "$ok" 1 "its script is valid JavaScript (node --check)"
unlike "$(cat "$T/a.svg")" 'https?://[^w]' "no link to load from the network (offline)"

# The script at work, against a stand-in DOM (tests/helpers/svg-js): dd is
# 2/3 of the width (786.67 of 1180 px), so zooming on it scales by 1.5; read
# starts 472 px into dd ([unknown] 78.67 + __GI___libc_write 393.33 before
# it) and is 314.67 px wide: 10 + 472 * 1.5 = 718, 314.67 * 1.5 = 472.
SJ=$(cd "$(dirname "$0")/../helpers/svg-js" && pwd)
node "$SJ/check-flamegraph.js" "$T/a.svg" click:dd frame:dd frame:read frame:w frame:all unzoom \
	key:Escape frame:dd unzoom search:do_sys matched 'search:^(hot|warm)$' matched 'search:(' matched \
	>"$T/js.out" 2>"$T/js.err"
is "$(wc -l <"$T/js.out")" 10 "the script runs every action"
jq -s -c '.' "$T/js.out" >"$T/js.json"
jq_ok "$T/js.json" '.[0] | .x == 10 and .width == 1180' "click on dd: it fills the width"
jq_ok "$T/js.json" '.[1] | (.x - 718 | fabs) < 0.02 and (.width - 472 | fabs) < 0.02 and .display == ""' \
	"click on dd: its child read is scaled by 1.5 and moved"
jq_is "$T/js.json" '.[2].display' '"none"' "click on dd: w, outside it, is hidden"
jq_is "$T/js.json" '[.[3].width, .[3].class, .[4].unzoom]' '[1180,"parent",""]' \
	"click on dd: all, its ancestor, spans the width greyed; Reset Zoom shows"
jq_is "$T/js.json" '[.[5].x, .[5].width, .[6].unzoom]' '[10,786.67,"hide"]' "Escape: back to the whole graph"
jq_is "$T/js.json" '.[7]' '{"matched":"Matched: 53.33% (2 frames)","search":"Search: do_sys"}' \
	"search do_sys: two frames, 8 of 15 samples"
jq_is "$T/js.json" '.[8].matched' '"Matched: 33.33% (2 frames)"' "a regular expression: ^(hot|warm)$, 5 of 15"
jq_is "$T/js.json" '.[9].matched' '"Matched: 0.00% (0 frames)"' "an invalid expression is searched as text"
# One match is "1 frame", not "1 frames".
node "$SJ/check-flamegraph.js" "$T/a.svg" 'search:^hot$' matched >"$T/js1.out" 2>"$T/js.err"
jq_is "$T/js1.out" '.matched' '"Matched: 26.67% (1 frame)"' "search ^hot$: one frame, in the singular"

# Hostile names: markup, quotes, ampersands, control characters, invalid UTF-8.
printf 'main;<script>alert("x&y")</script>;a\001b 5\nmain;caf\303\251;\377\376 3\nmain;it'"'"'s 2\n' >"$T/h.folded"
run_pe flamegraph --title '<b>&"title"' -o "$T/h.svg" -o "$T/h.speedscope.json" -o "$T/h.pb.gz" "$T/h.folded"
rc_is 0 "hostile names: exit 0"
xmllint --noout "$T/h.svg" 2>"$T/xml.err" && ok=1 || ok=0
is "$ok" 1 "hostile names: the SVG is still well-formed XML"
unlike "$(cat "$T/h.svg")" '<script>alert' "no name is written as markup"
like "$(cat "$T/h.svg")" '&lt;script&gt;alert\(&quot;x&amp;y&quot;\)&lt;/script&gt;' "names are escaped"
like "$(cat "$T/h.svg")" 'id="title" [^>]*>&lt;b&gt;&amp;&quot;title&quot;<' "the title is escaped"
like "$(cat "$T/h.svg")" "<title>it&#39;s" "quotes in names are escaped"
jq_is "$T/h.speedscope.json" '[.shared.frames[].name] | length' 6 "speedscope: hostile names are valid JSON (jq parses it)"

# Colours, icicle, thin frames.
run_pe flamegraph --colors kind --inverted --annotate -o "$T/k.svg" "$PS"
rc_is 0 "--colors kind --inverted: exit 0"
xmllint --noout "$T/k.svg" && ok=1 || ok=0
is "$ok" 1 "the icicle SVG is well-formed"
like "$(cat "$T/k.svg")" 'id="title"[^>]*>Icicle Graph<' "the icicle's default title"
y_all=$(grep -A1 '<title>all$' "$T/k.svg" | grep -o 'y="[0-9]*"' | head -1)
y_dd=$(grep -A1 '<title>dd$' "$T/k.svg" | grep -o 'y="[0-9]*"' | head -1)
num_ok "${y_dd//[^0-9]/}" '>' "${y_all//[^0-9]/}" "inverted: the root is above its children"
run_pe flamegraph -o "$T/m.svg" "$PS"
is "$(grep -c 'fill="rgb(' "$T/m.svg")" 21 "every frame has a fill colour"
# 1180 px for 103 samples: each b is 11.5 px, under 20; together 34 px, drawn as one.
printf 'a;b1 1\na;b2 1\na;b3 1\na;c 100\n' >"$T/thin.folded"
run_pe flamegraph --min-width 20 -o "$T/w.svg" "$T/thin.folded"
like "$(cat "$T/w.svg")" '<g data-merged="1"><title>3 frames too narrow to draw
3 samples, 2.91%</title><rect x="1155.63" y="[0-9]*" width="34.37"' \
	"--min-width 20: three thin frames merged into one, after their drawn sibling"
is "$(grep -c '<g><title>' "$T/w.svg")" 3 "--min-width 20: all, a and c drawn one by one"
a=$(md5sum <"$T/m.svg"); run_pe flamegraph -o "$T/m2.svg" "$PS"; b=$(md5sum <"$T/m2.svg")
is "$a" "$b" "the same input gives the same SVG (deterministic colours)"

# --- pprof, read back by pprof-format ---------------------------------------------
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	fail "node and npm are installed (make deps)"
elif [ ! -f "$JS/node_modules/pprof-format/package.json" ] &&
	! (cd "$JS" && npm ci --no-audit --no-fund) >"$T/npm.log" 2>&1; then
	fail "npm ci installs pprof-format in tests/helpers/pprof-js" "$(tail -20 "$T/npm.log")"
else
	run_pe flamegraph -o "$T/a.pb.gz" -o "$T/a2.folded" "$PS"
	rc_is 0 ".pb.gz: exit 0"
	gzip -t "$T/a.pb.gz" && ok=1 || ok=0
	is "$ok" 1 "the .pb.gz is gzip"
	node "$JS/read-pprof.js" "$T/a.pb.gz" >"$T/pprof.json" 2>"$T/node.err"
	jq_is "$T/pprof.json" '[.sample_type, .period_type, .period, .strings0]' \
		'[[{"type":"cpu","unit":"nanoseconds"}],{"type":"cpu","unit":"nanoseconds"},2004008,""]' \
		"pprof: sample type cpu/nanoseconds, the period, \"\" first in the string table"
	jq_is "$T/pprof.json" '.sum' 30060120 "pprof: the samples add up to the folded total (15 x 2004008)"
	# The same totals per function from the folded file, with awk.
	awk '{ n = split($1, f, ";"); self[f[n]] += $2; delete seen;
	       for (i = 1; i <= n; i++) if (!(f[i] in seen)) { seen[f[i]] = 1; tot[f[i]] += $2 } }
	     END { for (k in self) print "self", k, self[k]; for (k in tot) print "total", k, tot[k] }' \
		"$T/a2.folded" | sort >"$T/want.txt"
	jq -r '(.self | to_entries[] | "self \(.key) \(.value)"), (.total | to_entries[] | "total \(.key) \(.value)")' \
		"$T/pprof.json" | sort >"$T/got.txt"
	is "$(cat "$T/got.txt")" "$(cat "$T/want.txt")" "pprof-format reads the same self and total per function as the folded output"
	node "$JS/read-pprof.js" "$T/h.pb.gz" >"$T/hp.json" 2>"$T/node.err"
	jq_is "$T/hp.json" '.sum' 10 "pprof of hostile names decodes, totals intact"
fi

# --- speedscope ----------------------------------------------------------------------
run_pe flamegraph -o "$T/a.speedscope.json" --title run1 "$PS"
rc_is 0 ".speedscope.json: exit 0"
jq_is "$T/a.speedscope.json" '[."$schema", .profiles[0].type, .profiles[0].unit, .profiles[0].name]' \
	'["https://www.speedscope.app/file-format-schema.json","sampled","nanoseconds","run1"]' "speedscope: sampled profile in ns"
jq_is "$T/a.speedscope.json" '[(.profiles[0].weights | add), .profiles[0].endValue, (.profiles[0].samples | length)]' \
	'[30060120,30060120,8]' "speedscope: weights add up to the total, one sample per distinct stack"
jq_is "$T/a.speedscope.json" '[.profiles[0].samples[] as $s | .shared.frames[$s[-1]].name] | sort | .[0:3]' \
	'["__GI___libc_write","do_syscall_64","get_common_indices.constprop.0"]' "speedscope: stacks end in their leaf (root first)"
jq_is "$T/a.speedscope.json" '[.shared.frames[].name] | length == (unique | length)' true \
	"speedscope: each frame once in shared.frames"

# --- bad input and usage -------------------------------------------------------------
run_pe flamegraph "$T/nope.txt"
rc_is 3 "a missing file: exit 3"
like "$PE_ERR" "cannot open '$T/nope.txt': No such file or directory" "the error names the file"
printf 'a;b 1\nthis line has no count\n' >"$T/bad.folded"
printf 'a;b 1\nnospace\n' >"$T/bad2.folded"
run_pe flamegraph -o "$T/x.folded" "$T/bad.folded"
rc_is 3 "a bad folded line: exit 3"
like "$PE_ERR" "'$T/bad.folded', line 2: the count is not a non-negative integer" "the error gives the line number"
run_pe flamegraph -o "$T/x.folded" "$T/bad2.folded"
like "$PE_ERR" "'$T/bad2.folded', line 2: expected 'frame;frame;... COUNT'" "a line with no count at all"
run_pe flamegraph --skip-bad -o "$T/x.folded" "$T/bad.folded"
rc_is 0 "--skip-bad: exit 0"
like "$PE_ERR" "1 line not understood and skipped \(the first is line 2\)" "--skip-bad: the skipped line is counted"
is "$(cat "$T/x.folded")" "a;b 1" "--skip-bad: the good lines are kept"
: >"$T/empty"
run_pe flamegraph "$T/empty"
rc_is 3 "empty input: exit 3"
like "$PE_ERR" "no stacks" "empty input: says there are no stacks"
head -c 1000 "$PS" >"$T/cut.txt"
run_pe flamegraph -o "$T/cut.folded" "$T/cut.txt"
rc_is 0 "perf script text cut mid-line: exit 0 (a partial result)"
is "$(cat "$T/cut.folded")" "w;__libc_start_call_main;main;hot 4008016" "the complete samples before the cut are kept (2 of them)"
like "$PE_ERR" "the last sample is cut off \(no blank line after it\) and left out" "the cut sample is reported"
# Counts whose sum does not fit in 64 bits: refused, not saturated (each
# stack would be drawn at 100%).
printf 'a;b 18446744073709551615\na;c 18446744073709551615\n' >"$T/huge.folded"
run_pe flamegraph -o "$T/huge.svg" "$T/huge.folded"
rc_is 3 "folded counts past 2^64-1: exit 3"
like "$PE_ERR" "'$T/huge.folded', line 2: the counts add up to more than 18446744073709551615 \(2\^64-1\)" \
	"the error names the file, the line and the limit"
[ -e "$T/huge.svg" ] && fail "no SVG is written" || pass "no SVG is written"
run_pe flamegraph --skip-bad -o "$T/huge.svg" "$T/huge.folded"
rc_is 3 "--skip-bad does not skip an overflow: exit 3"
printf 'w 1 1.0: 18446744073709551615 cpu-clock:\n\t1 a (/bin/w)\n\nw 1 2.0: 1 cpu-clock:\n\t1 b (/bin/w)\n\n' >"$T/huge.txt"
run_pe flamegraph -o "$T/huge.svg" "$T/huge.txt"
rc_is 3 "perf script periods past 2^64-1: exit 3"
like "$PE_ERR" "'$T/huge.txt', line 4: the sample weights add up to more than 18446744073709551615 \(2\^64-1\)" \
	"the error names the file, the sample's line and the limit"
# A last sample with no blank line after it is whole: kept, no warning.
printf 'w 1 1.0: 3 cpu-clock:\n\t1 a (/bin/w)\n\nw 1 2.0: 5 cpu-clock:\n\t1 b (/bin/w)\n' >"$T/noblank.txt"
run_pe flamegraph -o "$T/noblank.folded" "$T/noblank.txt"
rc_is 0 "perf script with no blank line at the end: exit 0"
is "$(cat "$T/noblank.folded")" "w;a 3
w;b 5" "the last sample is kept"
unlike "$PE_ERR" "cut off" "and not reported as cut off"
head -c 20000 /dev/urandom >"$T/garbage"
run_pe flamegraph "$T/garbage"
num_ok "$PE_RC" '<=' 3 "random bytes: an error or a result, never a crash"
printf 'w 1 2.0: 5 cpu-clock:\n\n' >"$T/nog.txt"
run_pe flamegraph "$T/nog.txt"
rc_is 3 "perf script without call graphs: exit 3"
like "$PE_ERR" "was it recorded with -g" "says what to do"
run_pe flamegraph -o "$T/x.png" "$PS"
rc_is 2 "an unknown output extension: exit 2"
# one message for every command's -o (out/profile_out.c's table): "-o: 'FILE'", as diagnose and profile
like "$PE_ERR" "-o: '$T/x.png': unknown format; use a name ending in .svg, .folded, .pb.gz or .speedscope.json" \
	"names the formats"
# options that nothing written would use are refused, not ignored
run_pe flamegraph --top 3 --title T "$PS"
rc_is 2 "--title with only the top table: exit 2"
like "$PE_ERR" "--title: no SVG or speedscope file is written to carry it" "says why"
run_pe flamegraph --inverted -o "$T/inv.speedscope.json" "$PS"
rc_is 2 "--inverted with only a speedscope file: exit 2"
like "$PE_ERR" "--inverted: no SVG is written to invert" "says why"
run_pe flamegraph --inverted --title T "$PS"
rc_is 0 "--inverted --title with the SVG on standard output: exit 0"
like "$PE_OUT" "<svg" "the SVG is written"
run_pe flamegraph --colors rainbow "$PS"
rc_is 2 "--colors rainbow: exit 2"
like "$PE_ERR" "--colors: 'rainbow' is not 'module' or 'kind'" "names the choices"
run_pe flamegraph --min-width -1 "$PS"
rc_is 2 "--min-width -1: exit 2"
run_pe flamegraph "$PS" "$PS"
rc_is 2 "two files: exit 2"
run_pe flamegraph -o /nonexistent/dir/x.svg "$PS"
rc_is 3 "an output that cannot be created: exit 3"
like "$PE_ERR" "cannot create '/nonexistent/dir/x.svg'" "names the output"

# --- --save --------------------------------------------------------------------------
export PERFENG_STORE=$T/store.db
run_pe flamegraph --save prof1 --tag base "$PS"
rc_is 0 "--save: exit 0"
like "$PE_ERR" "saved as run 1 \(prof1\)" "--save reports the run"
run_pe runs show prof1 --json
echo "$PE_OUT" >"$T/run.json"
jq_is "$T/run.json" '[.kind, (.metrics | map(select(.name == "self:hot")) | .[0].mean), (.metrics | map(select(.name == "profile")) | .[0].unit)]' \
	'["profile",26.666666666666668,"nanoseconds"]' "the run: kind profile, hot's self share 26.67%, the profile's unit"
run_pe flamegraph --tag x "$PS"
rc_is 2 "--tag without --save: exit 2"

done_testing
