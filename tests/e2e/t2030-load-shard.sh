#!/bin/bash
# perfeng load --shard K/N and perfeng merge: three load processes on
# loopback each run a third of the plan against the test server and write
# an interval log; merge adds the histograms. References: the server's own
# request count (exact), and hdr-histogram-js (an independent HdrHistogram
# implementation, tests/helpers/hlog-js) adding the same logs: the merged
# count, p50, p99 and max must equal its.
. "$(dirname "$0")/lib.sh"

HTTPD=$H/pe-httpd
JS=$(cd "$(dirname "$0")/../helpers/hlog-js" && pwd)
[ -x "$HTTPD" ] || { echo "Bail out! no $HTTPD (make build-tests)"; exit 1; }
SPID=
trap '_rc=$?; [ -n "$SPID" ] && kill -KILL "$SPID" 2>/dev/null; (exit $_rc); _tap_exit' EXIT

httpd_start
served() { curl -s "$U/stats" | jq -r .requests; }

# --- three shards of -n 1000 -c 5, at the same time ----------------------------------------
before=$(served)
pids=
for k in 1 2 3; do
	timeout -k 5 60 "$PERFENG_BIN" load --shard $k/3 -c 5 -t 1 -n 1000 --hlog "$T/s$k.hlog" --json "$U/delay/1" \
		>"$T/s$k.json" 2>"$T/s$k.err" &
	pids="$pids $!"
done
rcs=
for p in $pids; do wait "$p" && rcs="$rcs 0" || rcs="$rcs $?"; done
is "$rcs" " 0 0 0" "three shards exit 0"
is "$(jq -c '[.requests, .responses, .connections_requested]' "$T"/s[123].json | tr '\n' ' ')" \
	"[334,334,2] [333,333,2] [333,333,1] " "-n 1000 and -c 5 split exactly: remainders to the first shards"
is "$(jq -c .shard "$T"/s[123].json | tr '\n' ' ')" \
	'{"index":1,"count":3} {"index":2,"count":3} {"index":3,"count":3} ' "each JSON names its shard"
is "$(( $(served) - before ))" 1000 "the server saw exactly 1000 requests"

run_pe merge --json "$T/s1.hlog" "$T/s2.hlog" "$T/s3.hlog"
rc_is 0 "merge of the three logs: exit 0"
echo "$PE_OUT" >"$T/m.json"
jq_is "$T/m.json" '[.responses, .latency.count, .logs]' '[1000,1000,3]' "the merged count is the server's count"
jq_ok "$T/m.json" ".intervals >= 3 and .duration > 0 and .rps > 0" "intervals, duration and rate"
sum=$(jq -s 'map(.latency.count) | add' "$T"/s[123].json)
is "$sum" 1000 "the shards' own counts add up to it too"

# the independent reference: hdr-histogram-js adds the same three logs
if [ ! -f "$JS/node_modules/hdr-histogram-js/package.json" ]; then
	(cd "$JS" && npm ci --no-audit --no-fund) >"$T/npm.log" 2>&1 || diag "npm ci failed: $(tail -5 "$T/npm.log")"
fi
if node "$JS/read-hlog.js" "$T/s1.hlog" "$T/s2.hlog" "$T/s3.hlog" >"$T/js.json" 2>"$T/js.err"; then
	pass "hdr-histogram-js reads the three logs"
else
	fail "hdr-histogram-js reads the three logs" "$(cat "$T/js.err")"
fi
is "$(jq -c '.latency | [.count, .p50, .p99, .max] | map(if . < 1 then . * 1e6 | round else . end)' "$T/m.json")" \
	"$(jq -c '.all | [.total, .p50, .p99, .max]' "$T/js.json")" \
	"merged count, p50, p99 and max (us) equal hdr-histogram-js's sum of the same histograms"
jq_ok "$T/m.json" '.latency.p50 >= 0.001' "the 1 ms delay shows in the merged p50"

is "$(grep -c '^#\[perfeng counts: sent=' "$T/s1.hlog")" 1 "each log ends with perfeng's counts line, which hdr-histogram-js skipped"
jq_is "$T/m.json" '[.requests, .error_rate, .errors.read, .status["2xx"], .no_counts]' '[1000,0,0,1000,[]]' \
	"the merged counts: 1000 sent, no error, 1000 2xx"

run_pe merge "$T/s1.hlog" "$T/s2.hlog" "$T/s3.hlog"
like "$PE_OUT" 'perfeng merge: 3 interval logs' "text: the logs merged"
like "$PE_OUT" '1000 responses' "text: the count"
like "$PE_OUT" 'merged +[0-9.]+ +[0-9.]+ +[0-9.]+' "text: the latency row"

# --- two shards with failures: merge's counts are the sum of the shards' ---------------------
# each connection walks the 4 lines in turn from its own start: 2xx, closed mid-response, 503, 404
printf 'GET /\nGET /close-mid\nGET /status/503\nGET /status/404\n' >"$T/mix.txt"
before=$(served)
for k in 1 2; do
	run_pe load --shard $k/2 -c 4 -n 103 --requests-file "$T/mix.txt" --hlog "$T/f$k.hlog" --json "$U"
	echo "$PE_OUT" >"$T/f$k.json"
	rc_is 0 "shard $k/2 of a load with failures: exit 0 (some requests succeed)"
done
is "$(( $(served) - before ))" 103 "the server saw the 103 requests"
run_pe merge --json "$T/f1.hlog" "$T/f2.hlog"
rc_is 0 "merge of the two: exit 0"
echo "$PE_OUT" >"$T/fm.json"
counts='[.requests, .unfinished, .errors, .status, .bytes_in, .bytes_out, .connections_opened]'
is "$(jq -c "$counts" "$T/fm.json")" \
	"$(jq -s -c "map($counts) | transpose | map(if .[0] | type == \"object\" then (.[0] | keys_unsorted) as \$k | [.[0], .[1]] as \$p | reduce \$k[] as \$x ({}; .[\$x] = \$p[0][\$x] + \$p[1][\$x]) else add end)" "$T/f1.json" "$T/f2.json")" \
	"requests, unfinished, errors by kind, status classes, bytes and connections: the shards' sums"
# a shard's two connections start at lines 0 and 1: shard 1 sends 26 + 26, 13 2xx, 14 read, 13 5xx,
# 12 4xx; shard 2 sends 26 + 25 (the 26th of the second, line 2, not): 13 2xx, 14 read, 12 5xx, 12 4xx
jq_is "$T/fm.json" '[.requests, .responses, .status["2xx"], .errors.read, .errors.status_5xx, .errors.status_4xx]' '[103,75,26,28,25,24]' \
	"exactly: 103 sent, 75 responses; 26 2xx, 28 read errors, 25 5xx, 24 4xx"
jq_ok "$T/fm.json" ".error_rate == (77 / 103)" "the merged error rate: 77 of 103"
like "$PE_ERR" "warning: 77 of 103 requests failed \(74\.8%\): read 28, status 5xx 25, status 4xx 24" \
	"merge warns of the failed share as load does"
run_pe merge "$T/f1.hlog" "$T/f2.hlog"
like "$PE_OUT" 'errors: connect 0, tls 0, timeout 0, read 28, write 0, parse 0; status 4xx 24, 5xx 25' \
	"text: load's errors line, with the sums"
like "$PE_OUT" '103 requests sent, 75 responses' "text: requests sent and responses"

# a log without the counts line (another tool's, an older perfeng's): errors unknown, not zero
grep -v '^#\[perfeng counts:' "$T/f2.hlog" >"$T/old.hlog"
run_pe merge --json "$T/f1.hlog" "$T/old.hlog"
rc_is 0 "merge with a log without counts: exit 0"
echo "$PE_OUT" >"$T/om.json"
jq_is "$T/om.json" "[.errors, .requests, .error_rate, .no_counts, .responses]" \
	"[null,null,null,[\"$T/old.hlog\"],75]" "JSON: errors, requests and error rate null, the log named; the latencies merged"
like "$PE_ERR" "warning: 1 of 2 logs carry no perfeng counts \(.*old\.hlog: .*\): the errors are unknown, not zero" \
	"stderr: the errors are unknown, not zero"
run_pe merge "$T/f1.hlog" "$T/old.hlog"
like "$PE_OUT" 'errors: unknown, not zero: 1 of 2 logs carry no perfeng counts \(.*old\.hlog\)' "text: unknown, not zero"
unlike "$PE_OUT" 'requests sent' "text: no count of requests sent"

# a counts line that is not one
{ cat "$T/old.hlog"; echo '#[perfeng counts: sent=x]'; } >"$T/badc.hlog"
run_pe merge "$T/badc.hlog"
rc_is 3 "a malformed counts line: exit 3"
like "$PE_ERR" "badc\.hlog:$(( $(lines "$T/old.hlog") + 1 )): perfeng counts: not NAME=COUNT" "the message names the file and line"
{ cat "$T/old.hlog"; echo '#[perfeng counts: sent=3]'; } >"$T/part.hlog"
run_pe merge "$T/part.hlog"
rc_is 3 "a counts line without load's counts: exit 3"
like "$PE_ERR" "'.*part\.hlog': its perfeng counts line has no 'connect'" "the message names the first count missing"

# --- open model and stages: rates divided by N ----------------------------------------------
run_pe load --shard 2/3 -R 300 -c 3 -d 1s --json "$U/"
echo "$PE_OUT" >"$T/r.json"
jq_is "$T/r.json" '[.target_rate, .connections_requested]' '[100,1]' "-R 300 -c 3, shard 2/3: 100 req/s on one connection"
before=$(served)
run_pe load --shard 3/3 --stages 1s:300 -c 3 --json "$U/"
echo "$PE_OUT" >"$T/st.json"
jq_is "$T/st.json" '[.requests, .target_rate]' '[50,50]' "--stages 1s:300, shard 3/3: a 0->100 ramp, 50 requests"
is "$(( $(served) - before ))" 50 "the server saw 50"

# --- the store: shard tags, and merge --save --------------------------------------------------
export PERFENG_STORE=$T/store.db
run_pe load --shard 1/2 -c 2 -n 20 --save api "$U/"
rc_is 0 "--shard with --save: exit 0"
run_pe merge --save api-all --tag merged "$T/s1.hlog" "$T/s2.hlog" "$T/s3.hlog"
rc_is 0 "merge --save: exit 0"
like "$PE_ERR" "saved as run 2 \(api-all\)" "it says where it saved"
run_pe runs list --json
echo "$PE_OUT" >"$T/runs.json"
jq_is "$T/runs.json" 'sort_by(.name) | [.[] | [.name, .kind, (.tags | sort)]]' '[["api","load",["shard=1/2"]],["api-all","load",["merged"]]]' \
	"the shard is a tag of the run; merge saves a run of kind load"
jq_is "$T/runs.json" '[.[] | select(.name == "api-all") | .metrics[].name]' '["rps","error_rate","p50","p90","p99","p999"]' \
	"merged: rps, the error rate (from the logs' counts) and percentiles"
jq_is "$T/runs.json" '[.[] | select(.name == "api-all") | .metrics[] | select(.name == "error_rate") | .mean]' '[0]' \
	"the saved error rate is the merged one: 0"
run_pe merge --save api-fail "$T/f1.hlog" "$T/f2.hlog"
run_pe merge --save api-old "$T/f1.hlog" "$T/old.hlog"
run_pe runs list --json
echo "$PE_OUT" >"$T/runs2.json"
jq_ok "$T/runs2.json" '[.[] | select(.name == "api-fail") | .metrics[] | select(.name == "error_rate") | .mean] == [77 / 103]' \
	"merge --save of the shards with failures: error rate 77/103"
jq_is "$T/runs2.json" '[.[] | select(.name == "api-old") | .metrics[].name]' '["rps","p50","p90","p99","p999"]' \
	"merge --save with a log without counts: no error rate (unknown, not zero)"
jq_ok "$T/runs.json" "(.[] | select(.name == \"api-all\") | .metrics[] | select(.name == \"p99\") | .mean) == $(jq .latency.p99 "$T/m.json")" "the saved p99 is the merged p99"
unset PERFENG_STORE

# --- bad input ------------------------------------------------------------------------------------
run_pe merge
rc_is 2 "merge without a file: exit 2"
run_pe merge --tag x "$T/s1.hlog"
rc_is 2 "merge --tag without --save: exit 2"
run_pe merge "$T/missing.hlog"
rc_is 3 "a file that does not exist: exit 3"
like "$PE_ERR" "cannot open histogram log '.*missing\.hlog'" "the message names it"
printf '#[BaseTime: 1.0]\n0.000,1.000,1.0,HISTFAAAA\n' >"$T/bad64.hlog"
run_pe merge "$T/s1.hlog" "$T/bad64.hlog"
rc_is 3 "a histogram that does not decode: exit 3"
like "$PE_ERR" "bad64\.hlog:2: " "the message names the file and line"
printf 'hello\n' >"$T/text.hlog"
run_pe merge "$T/text.hlog"
rc_is 3 "a line that is no interval: exit 3"
like "$PE_ERR" "text\.hlog:1: not an interval line" "says what the line is not"
: >"$T/empty.hlog"
run_pe merge "$T/empty.hlog"
rc_is 3 "an empty file: exit 3"
like "$PE_ERR" "'.*empty\.hlog' has no interval" "says it has no interval"

for args in "--shard 0/3" "--shard 4/3" "--shard 1/0" "--shard x" "--shard 1/3 -c 2" "--shard 1/3 -n 2 -c 1"; do
	# shellcheck disable=SC2086
	run_pe load -n 10 $args "$U/"
	rc_is 2 "load $args: usage error, exit 2"
done
run_pe load --shard 1/2 --find-max --slo 'p99<1s' "$U/"
rc_is 2 "--shard with --find-max: exit 2"

kill -TERM "$SPID"
wait "$SPID" 2>/dev/null
SPID=
done_testing
