#!/bin/bash
# perfeng load when requests fail: a warning that names the share that
# failed and of what kind once it is 1% or more, and exit 3 with the fault
# named when no request succeeded (no connection at all, connections whose
# every request failed, every response a 5xx). "connections opened" counts
# the connections established, never the attempts. Both ways: a healthy
# run, and one with a failure under 1%, exit 0 with nothing on stderr.
# Counts are exact, against the test server's own (tests/helpers/pe-httpd).
. "$(dirname "$0")/lib.sh"

HTTPD=$H/pe-httpd
[ -x "$HTTPD" ] || { echo "Bail out! no $HTTPD (make build-tests)"; exit 1; }
SPID= LPID= LATE=
trap '_rc=$?; for p in $SPID $LPID $LATE; do kill -KILL "$p" 2>/dev/null; done; (exit $_rc); _tap_exit' EXIT

httpd_start
stats() { curl -s "$U/stats"; }
conns() { stats | jq -r .connections; }

# --- healthy: exit 0, no warning -----------------------------------------------------------
run_pe load -c 2 -n 100 --json "$U/"
rc_is 0 "a healthy run: exit 0"
is "$PE_ERR" "" "a healthy run: nothing on stderr"

# one failure in 200 (0.5%): counted, no warning
{ echo "GET /close-mid"; for _ in $(seq 199); do echo "GET /"; done; } >"$T/one-bad.txt"
before=$(conns)
run_pe load -c 1 -n 200 --requests-file "$T/one-bad.txt" --json "$U"
rc_is 0 "1 request of 200 failed: exit 0"
echo "$PE_OUT" >"$T/one-bad.json"
jq_is "$T/one-bad.json" '[.responses, .errors.read, .connections_opened]' '[199,1,2]' \
	"199 responses, 1 read error, 2 connections opened (the first closed mid-response, then its reconnect)"
is "$(( $(conns) - before ))" 2 "the server saw 2 connections"
is "$PE_ERR" "" "0.5% failed: under 1%, no warning"

# --- a noticeable share failed, some succeeded: warning, exit 0 ----------------------------
printf 'GET /\nGET /close-mid\n' >"$T/half-read.txt"
run_pe load -c 2 -n 10 --requests-file "$T/half-read.txt" --json "$U"
rc_is 0 "half the requests closed mid-response, half answered: exit 0"
echo "$PE_OUT" >"$T/half.json"
jq_is "$T/half.json" '[.requests, .responses, .errors.read]' '[10,5,5]' "10 sent, 5 responses, 5 read errors"
is "$PE_ERR" "perfeng: warning: 5 of 10 requests failed (50.0%): read 5" "the warning names the share and the kind"

printf 'GET /\nGET /status/503\nGET /status/404\nGET /close-mid\n' >"$T/mix.txt"
run_pe load -c 4 -n 40 --requests-file "$T/mix.txt" --json "$U"
rc_is 0 "a mix of 2xx, 5xx, 4xx and read errors: exit 0"
echo "$PE_OUT" >"$T/mix.json"
jq_is "$T/mix.json" '[.responses, .status["2xx"], .errors.status_5xx, .errors.status_4xx, .errors.read]' '[30,10,10,10,10]' \
	"10 of each"
is "$PE_ERR" "perfeng: warning: 30 of 40 requests failed (75.0%): read 10, status 4xx 10, status 5xx 10" \
	"the warning lists every kind, equal counts in the order of the errors line"

# with an SLO it fails, a verdict: exit 1 (something succeeded)
printf 'GET /\nGET /status/500\n' >"$T/half-500.txt"
run_pe load -c 2 -n 10 --requests-file "$T/half-500.txt" --json --slo 'error_rate<50%' "$U"
rc_is 1 "half 500s with error_rate<50%: the SLO fails, exit 1"
echo "$PE_OUT" >"$T/slo.json"
jq_is "$T/slo.json" '.slo[0] | [.value, .met]' '[0.5,false]' "error rate 0.5, not met"
like "$PE_ERR" "warning: 5 of 10 requests failed \(50\.0%\): status 5xx 5" "and the warning"

# --- no request succeeded: exit 3, the fault named ------------------------------------------
before=$(conns)
run_pe load -c 2 -n 6 --json "$U/close-mid"
rc_is 3 "every response closed mid-body: exit 3"
echo "$PE_OUT" >"$T/cm.json"
jq_is "$T/cm.json" '[.requests, .responses, .errors.read, .connections_opened]' '[6,0,6,6]' \
	"6 sent, 0 responses, 6 read errors, 6 connections opened"
is "$(( $(conns) - before ))" 6 "the server saw 6 connections"
is "$PE_ERR" "perfeng: warning: 6 of 6 requests failed (100.0%): read 6
perfeng: error: 6 connections established but every request failed on read (the server closed the connection mid-response)" \
	"the warning, then the fault: connections were made, every read failed"
run_pe load -c 2 -n 6 "$U/close-mid"
like "$PE_OUT" '; 6 connections opened$' "text: 6 connections opened"

run_pe load -c 2 -n 10 --json "$U/status/503"
rc_is 3 "every response 503: exit 3"
echo "$PE_OUT" >"$T/5xx.json"
jq_is "$T/5xx.json" '[.responses, .errors.status_5xx, .status["2xx"]]' '[10,10,0]' "10 responses, all 5xx"
like "$PE_ERR" "error: every response was 5xx: status 5xx 10 of 10 responses$" "the fault: every response was 5xx, with the count"

run_pe load -c 2 -d 500ms --json "$U/never"
rc_is 3 "no response within the run (-d 500ms, /never): exit 3"
echo "$PE_OUT" >"$T/never.json"
jq_is "$T/never.json" '[.responses, .unfinished, .connections_opened]' '[0,2,2]' "0 responses, 2 in flight at the end, 2 opened"
like "$PE_ERR" "error: 2 connections established but no request got a response: 2 still in flight at the end$" \
	"the fault: nothing came back before the end"

# a port that is bound but does not listen: every connect refused
"$HTTPD" -L -p 0 -T 120 >"$T/late.out" 2>"$T/late.err" &
LATE=$!
wait_for 10 grep -q '^port [0-9][0-9]*$' "$T/late.out" || { echo "Bail out! pe-httpd -L did not start"; exit 1; }
LPORT=$(sed -n '1s/^port //p' "$T/late.out")
run_pe load -c 2 -n 20 --json "http://127.0.0.1:$LPORT/close-mid"
rc_is 3 "every connect refused: exit 3"
echo "$PE_OUT" >"$T/ref.json"
jq_is "$T/ref.json" '[.requests, .errors.connect, .connections_opened, .connections_established]' '[20,20,0,0]' \
	"20 attempts, 20 connect errors, 0 connections opened (attempts are not connections)"
like "$PE_ERR" "error: cannot connect to 127\.0\.0\.1:$LPORT: no connection could be established \(failed attempts: connect 20\)$" \
	"the fault: no connection could be established"
run_pe load -c 2 -n 20 "http://127.0.0.1:$LPORT/"
like "$PE_OUT" '; 0 connections opened$' "text: 0 connections opened"

# the server starts late, then breaks every response: some connects failed,
# then many connections were made and every request on them failed on read.
# The server listens once the load's /metrics shows a refused connect.
timeout -k 5 60 "$PERFENG_BIN" load -c 1 -n 2000 --json --metrics 127.0.0.1:0 "http://127.0.0.1:$LPORT/close-mid" \
	>"$T/late.json" 2>"$T/late-load.err" &
LPID=$!
metrics_port() { sed -n 's|^perfeng: OpenMetrics at http://127\.0\.0\.1:\([0-9]*\)/metrics$|\1|p' "$T/late-load.err"; }
refused() { curl -s "http://127.0.0.1:$(metrics_port)/metrics" | grep -q '^perfeng_load_errors_total{kind="connect"} [1-9]'; }
wait_for 15 refused || diag "no refused connect seen on /metrics: $(cat "$T/late-load.err")"
kill -USR1 "$LATE"
wait "$LPID" && PE_RC=0 || PE_RC=$?
LPID=
PE_ERR=$(cat "$T/late-load.err")
rc_is 3 "a late server whose every response breaks: exit 3, although connections were made"
kill -TERM "$LATE"
wait "$LATE" 2>/dev/null
LATE=
tail -1 "$T/late.out" >"$T/late-stats.json"
c=$(jqr "$T/late.json" .errors.connect)
r=$(jqr "$T/late.json" .errors.read)
jq_is "$T/late.json" '[.requests, .responses, .errors.connect + .errors.read, .errors.connect > 0]' '[2000,0,2000,true]' \
	"2000 sent: some refused, the rest read errors, no response"
is "$(jq -c '[.requests, .connections]' "$T/late-stats.json")" "[$r,$r]" \
	"the server got one request on each of $r connections: each a read error"
jq_is "$T/late.json" '.connections_opened' "$r" "connections opened: the $r established, not the $c refused"
if [ "$r" -ge "$c" ]; then kinds="read $r (the server closed the connection mid-response), connect $c (refused or timed out)"
else kinds="connect $c (refused or timed out), read $r (the server closed the connection mid-response)"; fi
like "$PE_ERR" "error: $r connections established but no request got a response: $(printf '%s' "$kinds" | sed 's/[().]/\\&/g')$" \
	"the fault: connections established, every request failed (not 'every connection attempt failed')"

kill -TERM "$SPID"
wait "$SPID" 2>/dev/null
SPID=
done_testing
