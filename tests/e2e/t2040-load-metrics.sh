#!/bin/bash
# perfeng load --metrics ADDR: OpenMetrics or the classic Prometheus text
# format served during the run, as the scraper's Accept header asks. The
# OpenMetrics answer (to Prometheus 2.42's own Accept header) is checked by
# an independent, strict parser (prometheus_client's OpenMetrics parser,
# tests/helpers/om-check.py) and with curl: content type, "# EOF", counters
# that agree with each other and with the run's own JSON. The text answer
# (no Accept header, as curl scrapes) by `promtool check
# metrics` (Debian's prometheus) and by prometheus_client's text parser.
. "$(dirname "$0")/lib.sh"

HTTPD=$H/pe-httpd
OMCHECK=$(cd "$(dirname "$0")/../helpers" && pwd)/om-check.py
[ -x "$HTTPD" ] || { echo "Bail out! no $HTTPD (make build-tests)"; exit 1; }
if ! /usr/bin/python3 -c 'import prometheus_client.openmetrics.parser' 2>/dev/null || ! command -v promtool >/dev/null; then
	fail "python3-prometheus-client and prometheus (promtool) are installed (make deps)"
	done_testing
	exit 1
fi
SPID=
LPID=
trap '_rc=$?; for p in $SPID $LPID; do kill -KILL "$p" 2>/dev/null; done; (exit $_rc); _tap_exit' EXIT

httpd_start

# metric VALUE of FAMILY's sample matching a jq condition, from $T/m.json
sample() { jq -r --arg f "$1" ".[\$f].samples[] | select($2) | .[2]" "$T/m.json"; }
# the Accept header of Prometheus 2.42's scrapes (scrape/scrape.go)
PROM_ACCEPT='application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'

# --- a 3 s open-model run, scraped once a second has been reported ------------------------
timeout -k 5 60 "$PERFENG_BIN" load -R 200 -c 4 -t 1 -d 3s --json --metrics 127.0.0.1:0 "$U/delay/1" \
	>"$T/run.json" 2>"$T/run.err" &
LPID=$!
wait_for 10 grep -q 'OpenMetrics at http://' "$T/run.err"
A=$(sed -n 's|.*OpenMetrics at http://\(.*\)/metrics$|\1|p' "$T/run.err")
like "$A" '^127\.0\.0\.1:[0-9]+$' "stderr says where (port 0 picks one): $A"
scraped=
for _ in $(seq 1 60); do
	curl -s -H "Accept: $PROM_ACCEPT" -D "$T/h.txt" -o "$T/m.txt" "http://$A/metrics" || break
	if grep -q '^perfeng_load_elapsed_seconds [1-9]' "$T/m.txt"; then scraped=1; break; fi
	sleep 0.1
done
is "$scraped" 1 "GET /metrics during the run, after its first second"
like "$(tr -d '\r' <"$T/h.txt")" 'Content-Type: application/openmetrics-text; version=1\.0\.0; charset=utf-8' \
	"the OpenMetrics content type"
is "$(tail -1 "$T/m.txt")" "# EOF" "it ends with # EOF"
if "$OMCHECK" <"$T/m.txt" >"$T/m.json" 2>"$T/om.err"; then
	pass "prometheus_client's OpenMetrics parser accepts it"
else
	fail "prometheus_client's OpenMetrics parser accepts it" "$(cat "$T/om.err")"
fi
jq_is "$T/m.json" '[to_entries[] | [.key, .value.type]]' \
	'[["perfeng_load_requests","counter"],["perfeng_load_responses","counter"],["perfeng_load_errors","counter"],["perfeng_load_bytes","counter"],["perfeng_load_latency_seconds","histogram"],["perfeng_load_latency_quantiles_seconds","summary"],["perfeng_load_rate","gauge"],["perfeng_load_target_rate","gauge"],["perfeng_load_elapsed_seconds","gauge"]]' \
	"the families and their types"
num_ok "$(sample perfeng_load_requests 'true')" '>' 100 "requests counted (200 req/s for a second or more)"
resp=$(jq '[.perfeng_load_responses.samples[] | .[2]] | add' "$T/m.json")
is "$(sample perfeng_load_latency_seconds '.[0] == "perfeng_load_latency_seconds_count"')" "$resp" \
	"histogram count = responses (both from the same seconds)"
is "$(sample perfeng_load_latency_seconds '.[1].le == "+Inf"')" "$resp" "+Inf bucket = count"
is "$(sample perfeng_load_latency_seconds '.[1].le == "0.001"')" 0 "no response under 1 ms from /delay/1"
is "$(sample perfeng_load_responses '.[1].class == "2xx"')" "$resp" "all 2xx"
is "$(sample perfeng_load_errors 'true' | sort -u)" 0 "no errors of any kind"
is "$(sample perfeng_load_target_rate 'true')" 200 "target rate 200"
num_ok "$(sample perfeng_load_latency_quantiles_seconds '.[1].quantile == "0.5"')" '>=' 0.001 "p50 quantile >= 1 ms"
# the classic text format, asked for by no Accept header at all
curl -s -D "$T/ht.txt" -o "$T/t.txt" "http://$A/metrics"
like "$(tr -d '\r' <"$T/ht.txt")" 'Content-Type: text/plain; version=0\.0\.4; charset=utf-8' \
	"no Accept header: the Prometheus text format's content type"
isnt "$(tail -1 "$T/t.txt")" "# EOF" "no # EOF in the text format"
is "$(grep -c '^# HELP perfeng_load_requests_total Requests sent\.$' "$T/t.txt")" 1 "a counter's HELP names its _total sample"
if promtool check metrics <"$T/t.txt" >"$T/promtool.out" 2>&1; then
	pass "promtool check metrics accepts the text format"
else
	fail "promtool check metrics accepts the text format" "$(cat "$T/promtool.out")"
fi
"$OMCHECK" --text <"$T/t.txt" >"$T/t.json" 2>"$T/tc.err" || fail "prometheus_client's text parser accepts it" "$(cat "$T/tc.err")"
is "$(jq -c '[to_entries[] | [.key, .value.type]]' "$T/t.json")" "$(jq -c '[to_entries[] | [.key, .value.type]]' "$T/m.json")" \
	"the text format has the same families and types"
curl -s -H 'Accept: text/plain;version=0.0.4' -D "$T/ht2.txt" -o /dev/null "http://$A/metrics"
like "$(tr -d '\r' <"$T/ht2.txt")" 'Content-Type: text/plain; version=0\.0\.4' "Accept: text/plain: the text format"
curl -s -H 'Accept: application/openmetrics-text' -o "$T/m2.txt" "http://$A/metrics"
is "$(tail -1 "$T/m2.txt")" "# EOF" "Accept: application/openmetrics-text: OpenMetrics"
is "$(curl -s -o /dev/null -w '%{http_code}' "http://$A/other")" 404 "another path: 404"
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://$A/metrics")" 405 "POST: 405"
is "$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $(head -c 9000 /dev/zero | tr '\0' a)" "http://$A/metrics")" 431 \
	"headers over 8 KiB: 431"
wait "$LPID" && rc=0 || rc=$?
LPID=
is "$rc" 0 "the run ends as usual: exit 0"
jq_ok "$T/run.json" ".responses >= $resp" "its JSON has at least the responses scraped"
curl -s -m 2 "http://$A/metrics" >/dev/null && crc=0 || crc=$?
isnt "$crc" 0 "the metrics server is gone after the run"

# --- errors by kind ------------------------------------------------------------------------
timeout -k 5 60 "$PERFENG_BIN" load -R 50 -c 1 -t 1 -d 2.5s --metrics 127.0.0.1:0 "$U/status/503" \
	>"$T/run2.out" 2>"$T/run2.err" &
LPID=$!
wait_for 10 grep -q 'OpenMetrics at http://' "$T/run2.err"
A=$(sed -n 's|.*OpenMetrics at http://\(.*\)/metrics$|\1|p' "$T/run2.err")
for _ in $(seq 1 60); do
	curl -s -H "Accept: $PROM_ACCEPT" -o "$T/m.txt" "http://$A/metrics" || break
	grep -q '^perfeng_load_elapsed_seconds [1-9]' "$T/m.txt" && break
	sleep 0.1
done
"$OMCHECK" <"$T/m.txt" >"$T/m.json" 2>"$T/om.err" || fail "the parser accepts the 503 run's metrics" "$(cat "$T/om.err")"
resp=$(jq '[.perfeng_load_responses.samples[] | .[2]] | add' "$T/m.json")
num_ok "$resp" '>' 0 "503 responses counted"
is "$(sample perfeng_load_responses '.[1].class == "5xx"')" "$resp" "all in class 5xx"
wait "$LPID"
LPID=

# --- usage and runtime errors -------------------------------------------------------------------
for a in bogus 127.0.0.1 127.0.0.1:x 127.0.0.1:70000 '[::1'; do
	run_pe load -n 5 --metrics "$a" "$U/"
	rc_is 2 "--metrics $a: usage error, exit 2"
done
like "$PE_ERR" "is not HOST:PORT" "the message says what is expected"
run_pe load -n 5 --metrics "127.0.0.1:$PORT" "$U/"
rc_is 3 "--metrics on a port in use: exit 3"
like "$PE_ERR" "cannot listen on '127\.0\.0\.1:$PORT'" "the message names the address"
run_pe load --find-max --slo 'p99<1s' --metrics 127.0.0.1:0 "$U/"
rc_is 2 "--metrics with --find-max: exit 2"

kill -TERM "$SPID"
wait "$SPID" 2>/dev/null
SPID=
done_testing
