#!/bin/bash
# perfeng report: saved runs (two bench runs, a load run, a sweep, a
# profile, a diagnose) as one HTML page, opened in Debian's headless Chromium through
# playwright-core (tests/helpers/report-js, npm ci): no console error, no
# request leaving the file, a section per run, each chart with the points
# its run holds, the flame graph zooming on a click, laid out on a phone's
# width too; a screenshot. Then --markdown, and the failures.
. "$(dirname "$0")/lib.sh"

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
	fail "chromium is installed (make deps)"
	done_testing
	exit 1
fi
js_deps report-js playwright-core
SPID=
trap '_rc=$?; [ -n "$SPID" ] && kill -KILL "$SPID" 2>/dev/null; (exit $_rc); _tap_exit' EXIT
httpd_start
export PERFENG_STORE=$T/store.db CHROMIUM

"$PERFENG_BIN" bench -q -N -r 7 --save a 'sleep 0.01' >/dev/null 2>&1
"$PERFENG_BIN" bench -q -N -r 9 --save a 'sleep 0.02' >/dev/null 2>&1
"$PERFENG_BIN" load -c 2 -d 3s --save api "$U/" >/dev/null 2>&1
"$PERFENG_BIN" load --sweep 1,2,4,8 --step-duration 1s --warmup 0s -t 2 --save sw "$U/slots/8/20" >/dev/null 2>&1
"$PERFENG_BIN" profile --save pr -- "$H/pe-burn" 1 300 >/dev/null 2>&1
"$PERFENG_BIN" diagnose --save dg -- "$H/pe-sleep" 300 >/dev/null 2>&1
# a series with a step: 6 runs of a 2 ms sleep, then 6 of 20 ms (one change point, +900%)
for i in 1 2 3 4 5 6; do "$PERFENG_BIN" bench -q -N -r 3 --save st 'sleep 0.002' >/dev/null 2>&1; done
for i in 1 2 3 4 5 6; do "$PERFENG_BIN" bench -q -N -r 3 --save st 'sleep 0.02' >/dev/null 2>&1; done
secs=$("$PERFENG_BIN" runs show api --json | jq '[.metrics[] | select(.name == "rps") | .samples | length] | .[0]')

run_pe report -o "$T/r.html" --title "a report" --history st 'a@latest~1' a@latest api sw pr dg
rc_is 0 "report of six runs and a history: exit 0"
is "$PE_OUT" "" "-o: nothing on standard output"
ok "the page is well-formed enough for xmllint's HTML parser" xmllint --html --noout "$T/r.html"
is "$(grep -cE '<script[^>]* src=|<link |@import|url\(|src="https?:|href="https?:' "$T/r.html")" 0 \
	"no external script, style sheet, font or image in the page"
node "$JS/check.mjs" "$T/r.html" "$T/shot.png" >"$T/c.json" 2>"$T/c.err"
is "$?" 0 "Chromium opened it" || diag "$(tail -5 "$T/c.err")"
jq_is "$T/c.json" '.console_errors' '[]' "no console errors"
jq_is "$T/c.json" '.requests' '[]' "no request leaves the file (no CDN, no font, no script from elsewhere)"
jq_is "$T/c.json" '.title' '"a report"' "--title"
jq_is "$T/c.json" '.sections' '["bench","bench","load","sweep","profile","diagnose"]' "a section per run, in order"
jq_is "$T/c.json" '.verdicts' '["off-cpu-bound"]' "the diagnose run's verdict"
jq_is "$T/c.json" '.series_points[-1]' 12 "the history: a point per run of st (12)"
like "$(cat "$T/r.html")" '<section class="history"><h2>history: st <small>\(wall, 12 runs, 1 change point\)' \
	"its change point found, with the primary metric (wall)"
jq_ok "$T/c.json" '(.breakdown_parts | index("sleep")) != null' "and its threads' time by state, sleep among it"
jq_is "$T/c.json" '.bench_points' '[7,9]' "the bench charts: a point per run of each"
jq_is "$T/c.json" '.comparisons' 1 "the second bench run against the first"
jq_is "$T/c.json" ".series_points[0]" "$secs" "the load's responses/s: a point per second ($secs)"
jq_is "$T/c.json" '.sweep_points' 4 "the sweep's chart: its 4 points and the model"
jq_ok "$T/c.json" '.flamegraph_frames > 1' "the flame graph is drawn ($(jq .flamegraph_frames "$T/c.json") frames)"
jq_is "$T/c.json" '[.unzoom_hidden_before, .unzoom_hidden_after]' '[true,false]' "and a click on a frame zooms it"
ok "a screenshot is written" test -s "$T/shot.png"
node "$JS/check.mjs" "$T/r.html" "$T/phone.png" 390 >"$T/p.json" 2>"$T/p.err"
jq_ok "$T/p.json" '.page_width <= 400' "on a phone's 390 px the page does not scroll sideways ($(jq .page_width "$T/p.json") px)"
like "$(cat "$T/r.html")" 'prefers-color-scheme:dark' "a dark style"

run_pe report --markdown --history st:wall 'a@latest~1' a@latest pr
rc_is 0 "--markdown: exit 0"
like "$PE_OUT" '### history: st \(wall, 12 runs\)' "the history's heading"
like "$PE_OUT" '\| [0-9]+ \| [0-9.e-]+ \| [0-9.e-]+ \| \+[0-9.]+% \|' "and its change point as a row"
like "$PE_OUT" '### run 1: a \(bench\)' "a heading per run"
like "$PE_OUT" 'Against the first bench run: median ratio \*\*[0-9.]+\*\*' "the comparison"
like "$PE_OUT" '\| burn \| [0-9.]+% \|' "the profile's top functions"
unlike "$PE_OUT" '<script' "no script in Markdown"

run_pe report --json -o "$T/j.html" 'a@latest~1' a@latest
rc_is 0 "--json with -o: exit 0"
jq_is "$T/out" '[.runs[].kind, .output]' "[\"bench\",\"bench\",\"$T/j.html\"]" "--json: the runs and where the page went"
jq_ok "$T/out" '.markdown | test("median ratio")' "and the Markdown"
ok "the page was written too" test -s "$T/j.html"

run_pe report
rc_is 2 "no run: exit 2"
run_pe report --markdown -o "$T/x.md" a
rc_is 2 "--markdown with -o: exit 2"
run_pe report --history nosuch
rc_is 3 "--history of an unknown name: exit 3"
run_pe report nosuch
rc_is 3 "an unknown run: exit 3"
like "$PE_ERR" "no run named 'nosuch'" "the message names it"
run_pe report -o /nonexistent/dir/r.html a
rc_is 3 "a page that cannot be written: exit 3"

done_testing
