#!/bin/bash
# perfeng load against the test server (tests/helpers/pe-httpd) on loopback:
# exact request counts at the server, each fault counted in its kind, the
# open model's coordinated-omission correction, SLO gates as exit codes,
# usage errors. Every run is bounded (-n or -d, and run_pe's timeout).
. "$(dirname "$0")/lib.sh"

HTTPD=$H/pe-httpd
[ -x "$HTTPD" ] || { echo "Bail out! no $HTTPD (make build-tests)"; exit 1; }
SPID=
trap '_rc=$?; [ -n "$SPID" ] && kill -KILL "$SPID" 2>/dev/null; (exit $_rc); _tap_exit' EXIT

"$HTTPD" -p 0 -T 120 >"$T/httpd.out" 2>"$T/httpd.err" &
SPID=$!
wait_for 10 grep -q '^port [0-9][0-9]*$' "$T/httpd.out"
PORT=$(sed -n '1s/^port //p' "$T/httpd.out")
U=http://127.0.0.1:$PORT
stats() { curl -s "$U/stats"; }
served() { stats | jq -r .requests; }

# --- exact counts -----------------------------------------------------------------
before=$(served)
run_pe load -c 7 -t 2 -n 1000 --json "$U/"
rc_is 0 "-n 1000: exit 0"
echo "$PE_OUT" >"$T/n.json"
jq_is "$T/n.json" '[.requests, .responses, .unfinished, .connections_requested, .connections_established]' '[1000,1000,0,7,7]' \
	"-n 1000 over 7 connections: 1000 sent, 1000 answered, 7 connections (1000 is not a multiple of 7)"
is "$(( $(served) - before ))" 1000 "the server saw exactly 1000 requests"
jq_is "$T/n.json" '.latency.count' 1000 "1000 latencies recorded"
jq_ok "$T/n.json" '.latency.p50 <= .latency.p99 and .latency.p99 <= .latency.max and .latency.min > 0' "p50 <= p99 <= max, min > 0"
jq_is "$T/n.json" '.status["2xx"]' 1000 "all 2xx"

before=$(served)
run_pe load -c 3 -t 3 -n 10 --pipeline 4 --json "$U/"
echo "$PE_OUT" >"$T/p.json"
jq_is "$T/p.json" '[.requests, .responses]' '[10,10]' "--pipeline 4: exactly 10 requests and responses"
is "$(( $(served) - before ))" 10 "the server saw exactly 10"

# A light closed-model load (each response 2 ms late) runs on fewer threads
# than -t, and every request is still counted once; the open model keeps them all.
before=$(served)
run_pe load -c 8 -t 4 -n 800 --json "$U/delay/2"
echo "$PE_OUT" >"$T/light.json"
jq_is "$T/light.json" '[.requests, .responses, .threads]' '[800,800,4]' "-t 4 -n 800, 2 ms a response: exactly 800 sent and answered"
is "$(( $(served) - before ))" 800 "the server saw exactly 800"
jq_ok "$T/light.json" '.threads_active >= 1 and .threads_active < 2' \
	"a load of a few percent of a CPU ran on fewer threads than 4 (from the first look, 25 ms in)"
jq_is "$T/light.json" '.latency.count' 800 "800 latencies recorded"
run_pe load -c 8 -t 4 -R 400 -n 100 --json "$U/"
echo "$PE_OUT" >"$T/light-open.json"
jq_is "$T/light-open.json" '[.responses, (.threads_active * 1000 | round)]' '[100,4000]' "the open model runs all 4 threads"

run_pe load -c 10 -n 3 --json "$U/"
echo "$PE_OUT" >"$T/few.json"
jq_is "$T/few.json" '[.requests, .connections_requested]' '[3,3]' "-n 3 -c 10: 3 connections, no idle one"

# --- duration, closed model ---------------------------------------------------------
run_pe load -c 4 -d 1s --json "$U/"
rc_is 0 "-d 1s: exit 0"
echo "$PE_OUT" >"$T/d.json"
jq_ok "$T/d.json" '.duration >= 0.99 and .duration < 3' "-d 1s lasts about a second"
jq_ok "$T/d.json" '.responses > 100 and .requests == .responses + .unfinished' "requests = responses + in flight at the end"
jq_ok "$T/d.json" '(.per_second | length) >= 1 and (.per_second[0].rps > 0)' "a per-second series"
jq_is "$T/d.json" '.model' '"closed"' "closed model"

# --- faults, each in its kind ---------------------------------------------------------
fault() {	# path jq-filter desc
	run_pe load -c 2 -n 6 --timeout 300ms --json "$U/$1"
	echo "$PE_OUT" >"$T/f.json"
	jq_is "$T/f.json" "$2" "$3" "/$1: $4"
}
fault never '[.responses, .errors.timeout]' '[0,6]' "6 requests never answered: 6 timeouts (counted by the timer, no late response needed)"
fault close-mid '[.responses, .errors.read]' '[0,6]' "closed mid-response: 6 read errors"
fault reset '[.responses, .errors.read]' '[0,6]' "reset: 6 read errors"
fault bad-status '[.responses, .errors.parse]' '[0,6]' "malformed status line: 6 parse errors"
fault bad-header '[.responses, .errors.parse]' '[0,6]' "malformed header: 6 parse errors"
fault big-header/70000 '[.responses, .errors.parse]' '[0,6]' "70 kB header: 6 parse errors"
fault bad-chunk '[.responses, .errors.parse]' '[0,6]' "bad chunk size: 6 parse errors"
fault status/503 '[.responses, .errors.status_5xx, .error_rate]' '[6,6,1]' "503: 6 responses, 6 in 5xx, error rate 1"
fault status/404 '[.responses, .errors.status_4xx]' '[6,6]' "404: 6 in 4xx"
fault close '[.responses, .errors.read, .connections_opened >= 6]' '[6,0,true]' "Connection: close: 6 responses, reconnects, no error"
fault chunked/5000 '[.responses, .bytes_in > 30000]' '[6,true]' "chunked bodies: 6 responses"
run_pe load -c 2 -n 6 -m HEAD --json "$U/head-ok"
echo "$PE_OUT" >"$T/h.json"
jq_is "$T/h.json" '[.responses, .errors.parse, .bytes_in < 2000]' '[6,0,true]' "HEAD with Content-Length 1000: no body read, 6 responses"

run_pe load -c 2 -d 1s "http://127.0.0.1:1/"
rc_is 3 "a port nobody listens on: exit 3"
like "$PE_ERR" "cannot connect to 127\.0\.0\.1:1" "the message names the address"
like "$PE_OUT" "errors: connect [1-9]" "connect errors are counted"

# --- open model: coordinated omission ----------------------------------------------------
# every other second the server pauses 500 ms: at 100 req/s, requests pile up
# behind the pause; from their intended times they waited up to 0.5 s.
run_pe load -c 2 -d 2.5s -R 100 --json "$U/stall/2/500"
rc_is 0 "-R 100 against a stalling server: exit 0"
echo "$PE_OUT" >"$T/o.json"
jq_is "$T/o.json" '.model' '"open"' "open model"
jq_ok "$T/o.json" '.latency.p99 > 0.2' "corrected p99 shows the 500 ms stall (> 200 ms)"
jq_ok "$T/o.json" '.latency.p50 >= .latency_uncorrected.p50 and .latency.p90 > .latency_uncorrected.p90' \
	"the uncorrected figures understate it"
jq_ok "$T/o.json" '(.requests / .duration) > 80 and (.requests / .duration) < 120' "about 100 req/s sent (achieved against target)"

# --- --hlog: an interval log, one line a second --------------------------------------------
run_pe load -c 2 -d 1.5s --hlog "$T/l.hlog" "$U/"
rc_is 0 "--hlog: exit 0"
like "$(sed -n 3p "$T/l.hlog")" '^#\[Histogram log format version 1\.3\]$' "the log says its format"
is "$(grep -c '^[0-9]' "$T/l.hlog")" 2 "two intervals for 1.5 s"
like "$(grep '^[0-9]' "$T/l.hlog" | tail -1)" '^1\.000,0\.5[0-9]*,[0-9.]+,HISTF' "the last one starts at 1 s and lasts about 0.5 s"
run_pe load -c 2 -n 5 --hlog /nonexistent/dir/l.hlog "$U/"
rc_is 3 "--hlog in a directory that does not exist: exit 3"
like "$PE_ERR" "/nonexistent/dir/l\.hlog" "the message names the file"

# --- --stages: the count is the area under the rate ------------------------------------------
before=$(served)
run_pe load -c 4 --stages 1s:200,1s:200,1s:0 --json "$U/"
rc_is 0 "--stages: exit 0"
echo "$PE_OUT" >"$T/st.json"
jq_is "$T/st.json" '[.requests, .model]' '[400,"open"]' "0->200 over 1 s, 200 for 1 s, 200->0 over 1 s: exactly 100 + 200 + 100 requests"
is "$(( $(served) - before ))" 400 "the server saw 400"
jq_ok "$T/st.json" '(.target_rate * 1000 | round) == 133333' "the average target is 400 / 3 s"
run_pe load --stages 1s:10 -d 5s "$U/"
rc_is 2 "--stages with -d: usage error"
run_pe load --stages 1s "$U/"
rc_is 2 "--stages without a rate: usage error"

# --- SLOs ------------------------------------------------------------------------------
run_pe load -c 2 -n 200 --slo 'p99<10s' --slo 'error_rate<1%' --slo 'rps>1' "$U/"
rc_is 0 "SLOs met: exit 0"
like "$PE_OUT" 'p99<10s .* pass' "the table says pass"
run_pe load -c 2 -n 20 --slo 'p50<1ms' --slo 'error_rate<0.1%' "$U/delay/20"
rc_is 1 "p50<1ms against a 20 ms server: exit 1"
like "$PE_OUT" 'p50<1ms .* FAIL' "the table names the failed SLO"
like "$PE_ERR" "1 of 2 SLOs failed" "and stderr says how many"
run_pe load -c 2 -n 10 --json --slo 'error_rate<50%' "$U/status/500"
echo "$PE_OUT" >"$T/s.json"
rc_is 3 "error_rate<50% with all 500s: exit 3, no request succeeded (a fault before any verdict; t2015 has the SLO's exit 1)"
jq_is "$T/s.json" '.slo[0] | [.slo, .value, .met]' '["error_rate<50%",1,false]' "the JSON has the SLO, its value and the verdict"

# --- Ctrl-C: the summary of what was measured, exit 130 ---------------------------------
timeout -k 10 --preserve-status -s INT 1 "$PERFENG_BIN" load -c 2 -d 30s --json "$U/" >"$T/int.json" 2>"$T/int.err" \
	&& PE_RC=0 || PE_RC=$?
is "$PE_RC" 130 "SIGINT during -d 30s: exit 130 (and well before 30 s)"
jq_ok "$T/int.json" '.interrupted and .responses > 0 and .duration < 10' "the JSON summary of what was measured, marked interrupted"

# --- --save: runs that compare and history read ---------------------------------------------
export PERFENG_STORE=$T/store.db
run_pe load -c 2 -d 1.2s --save api --tag base "$U/"
rc_is 0 "--save: exit 0"
like "$PE_ERR" "saved as run 1 \(api\)" "it says where it saved"
run_pe load -c 2 -d 1.2s --save api "$U/delay/2"
run_pe runs list api --json
echo "$PE_OUT" >"$T/runs.json"
jq_is "$T/runs.json" '[.[] | .kind]' '["load","load"]' "two runs of kind load"
jq_is "$T/runs.json" '[.[0].metrics[].name]' '["rps","error_rate","p50","p90","p99","p999"]' "with rps, error_rate and the percentiles"
jq_ok "$T/runs.json" '(.[1].metrics[] | select(.name == "p50") | .mean) > 0.002' "the second run's p50 shows the 2 ms delay"
run_pe compare api@base api@latest --metric p99 --json
rc_is 0 "compare of the two load runs: exit 0"
run_pe runs list api
like "$(printf '%s\n' "$PE_OUT" | sed -n 2p)" ' api +load +.* rps [0-9]+(\.[0-9]+)? req/s +base$' \
	"runs list shows a load run's requests per second as its headline"
run_pe load -n 5 --tag x "$U/"
rc_is 2 "--tag without --save: exit 2"
run_pe load -n 5 --save 123 "$U/"
rc_is 2 "--save with a name that reads as an id: exit 2"
run_pe load -n 5 --save api --store "$T" "$U/"
rc_is 3 "--store that is a directory: exit 3, before any request"
unset PERFENG_STORE

# --- --requests-file: a mix of endpoints, round robin -------------------------------------
# pe-httpd's /stats counts requests and request body bytes per path kind
printf '{"k": "0123456789"}\n' >"$T/body.json"	# 20 bytes
printf '# three endpoints, used in turn\nGET /size/100\nPOST /status/201 body.json\n\n\tHEAD   /head-ok\r\n' >"$T/reqs.txt"
stats >"$T/s0.json"
run_pe load -c 3 -t 2 -n 300 --requests-file "$T/reqs.txt" --json "$U"
rc_is 0 "--requests-file with paths under the URL given: exit 0"
echo "$PE_OUT" >"$T/rf.json"
stats >"$T/s1.json"
jq_is "$T/rf.json" '[.requests, .responses, .status["2xx"], .requests_file != null]' '[300,300,300,true]' \
	"300 requests, 300 responses, all 2xx (200 and 201)"
delta() { jq -n -c --slurpfile a "$T/s0.json" --slurpfile b "$T/s1.json" "$1"; }
is "$(delta '["size", "status", "head-ok"] | map($b[0].paths[.].requests - $a[0].paths[.].requests)')" "[100,100,100]" \
	"the server saw exactly 100 of each: /size/100, /status/201, /head-ok"
is "$(delta '["size", "status", "head-ok"] | map($b[0].paths[.].body_bytes - $a[0].paths[.].body_bytes)')" "[0,2000,0]" \
	"the POSTs carried body.json: 100 x 20 bytes, the others none"
stats >"$T/s0.json"
run_pe load -c 3 -n 30 --requests-file "$T/reqs.txt" -H 'Connection: close' "$U"
stats >"$T/s1.json"
is "$(delta '[$b[0].connections - $a[0].connections, $b[0].requests - $a[0].requests]')" "[30,30]" \
	"-H applies to every request: with Connection: close, 30 requests came on 30 connections"

printf 'GET %s/size/10\nGET %s/\n' "$U" "$U" >"$T/abs.txt"
before=$(served)
run_pe load -c 2 -n 10 --requests-file "$T/abs.txt" --json
rc_is 0 "--requests-file with whole URLs and no URL given: exit 0"
echo "$PE_OUT" >"$T/abs.json"
jq_is "$T/abs.json" '[.responses, .url]' "[10,\"$U/\"]" "10 responses; the url is the server's"
is "$(( $(served) - before ))" 10 "the server saw exactly 10"

rf_fail() {	# file-content args regex desc
	printf '%b' "$1" >"$T/bad.txt"
	# shellcheck disable=SC2086
	run_pe load -n 3 --requests-file "$T/bad.txt" $2
	rc_is 2 "--requests-file, $4: exit 2"
	like "$PE_ERR" "$3" "$4: the message"
}
rf_fail 'GET /\n\nGET\n' "$U" "bad\.txt:3: 'GET': expected METHOD URL \[BODY_FILE\]" "a line without a URL (line number and text quoted)"
rf_fail 'get /\n' "$U" "bad\.txt:1: 'get /': the method is not an HTTP method" "a lowercase method"
rf_fail 'GET / a b\n' "$U" "bad\.txt:1: 'GET / a b': more than METHOD URL" "four fields"
rf_fail 'POST / nonexistent.json\n' "$U" "bad\.txt:1: cannot read '.*nonexistent\.json'" "a missing body file"
rf_fail "GET $U/\nGET http://localhost:$PORT/\n" "" "bad\.txt:2: 'http://localhost:$PORT/' is not on http://127\.0\.0\.1:$PORT like the first request" "another host"
rf_fail "GET http://127.0.0.1:1/\n" "$U" "bad\.txt:1: .* is not on http://127\.0\.0\.1:$PORT like the URL given" "another port than the URL"
rf_fail "GET /\n" "" "bad\.txt:1: '/' is a path: give the server's URL" "a path and no URL"
rf_fail "GET ftp://x/\n" "" "bad\.txt:1: 'ftp://x/' is not an http:// or https:// URL" "a bad URL"
rf_fail "# nothing\n\n" "$U" "bad\.txt: no request in it" "no request"
rf_fail "GET /\n" "-m POST $U" "-m and -b go without --requests-file" "-m with --requests-file"
run_pe load -n 3 --requests-file "$T/nonexistent.txt" "$U"
rc_is 2 "--requests-file that does not exist: exit 2"
like "$PE_ERR" "--requests-file: cannot read '.*nonexistent\.txt'" "the message names the file"

# --- usage errors -----------------------------------------------------------------------
for args in "$U/" "-n 10" "-n 10 ftp://x/" "-n 10 -c 0 $U/" "-n 10 --slo p99~1ms $U/" \
	"-n 10 --slo bogus<1 $U/" "-n 10 -H NoColon $U/" "-n 10 -R 0 $U/" "-n 10 --pipeline 65 $U/" \
	"-n 10 -m get $U/"; do
	# shellcheck disable=SC2086
	run_pe load $args
	rc_is 2 "perfeng load $args: usage error, exit 2"
done
run_pe load -n 1 "http://no-such-host.invalid/"
rc_is 3 "a host that does not resolve: exit 3"

run_pe load -n 1 -b @/nonexistent/body "$U/"
rc_is 3 "-b @FILE that cannot be read: exit 3"

kill -TERM "$SPID"
wait "$SPID" 2>/dev/null
SPID=
done_testing
