#!/bin/bash
# perfeng load --find-max: the breaking-point search against the test
# server's /capacity/N path, which serves at most N requests a second over
# the whole server and queues the rest (tests/helpers/pe-httpd.c), so its
# latency grows without bound past N. The reference is N itself: with
# p99<50ms the knee must land in [0.7 N, 1.05 N] (the band docs/load.md
# documents). Steps of 1 s keep the whole script near 30 s.
. "$(dirname "$0")/lib.sh"

HTTPD=$H/pe-httpd
[ -x "$HTTPD" ] || { echo "Bail out! no $HTTPD (make build-tests)"; exit 1; }
SPID=
trap '_rc=$?; [ -n "$SPID" ] && kill -KILL "$SPID" 2>/dev/null; (exit $_rc); _tap_exit' EXIT

httpd_start

# --- the capacity path itself: 40 requests at 40/s take about a second ----------------
run_pe load -c 4 -n 40 --json "$U/capacity/40"
echo "$PE_OUT" >"$T/cap.json"
jq_is "$T/cap.json" '.responses' 40 "/capacity/40: 40 responses"
jq_ok "$T/cap.json" '.duration >= 0.9' "spaced 25 ms apart: the 40th is served after 0.975 s"

# --- the knee of a 400 req/s service ------------------------------------------------------
N=400
run_pe load --find-max --slo 'p99<50ms' --start-rate 100 --step-duration 1s --warmup 1s -c 10 -t 1 --json "$U/capacity/$N"
rc_is 0 "--find-max found a knee: exit 0"
echo "$PE_OUT" >"$T/fm.json"
knee=$(jqr "$T/fm.json" .knee)
num_ok "$knee" ">=" "$(( N * 7 / 10 ))" "knee $knee req/s >= 0.7 N ($N)"
num_ok "$knee" "<=" "$(( N * 105 / 100 ))" "knee $knee req/s <= 1.05 N"
jq_is "$T/fm.json" '.end' '"converged"' "the bisection converged"
jq_is "$T/fm.json" '[.steps[0:3][] | .target_rate]' '[100,200,400]' "it steps up from 100, doubling"
jq_ok "$T/fm.json" '.knee == ([.steps[] | select(.pass) | .target_rate] | max)' "the knee is the highest passing step"
jq_ok "$T/fm.json" '(.first_failing - .knee) <= 0.05 * .knee' "the first failing rate is within 5% of the knee"
jq_ok "$T/fm.json" '[.steps[] | select(.pass) | .p99 < 0.05] | all' "every passing step has p99 < 50 ms"
jq_ok "$T/fm.json" '[.steps[] | select(.pass | not) | (.p99 >= 0.05 or (.rate_met | not))] | all' \
	"every failing step missed p99 or the rate"
jq_ok "$T/fm.json" '[.steps[] | .slo[0].slo == "p99<50ms" and (.achieved_rate > 0) and (.duration > 0.5)] | all' \
	"each step has its SLO, achieved rate and measured seconds"
jq_ok "$T/fm.json" '(.steps | length) <= 40' "bounded number of steps"

# --- --save: the capacity as a run of kind find-max ------------------------------------------
PERFENG_STORE=$T/results.db run_pe load --find-max --slo 'p99<1s' --start-rate 50 --max-rate 100 --step-duration 1s \
	--warmup 0s -c 2 -t 1 --save cap --tag nightly "$U/"
rc_is 0 "--find-max --save: exit 0"
like "$PE_ERR" 'saved as run 1 \(cap\)' "it says where it saved"
PERFENG_STORE=$T/results.db run_pe runs show cap --json
printf '%s\n' "$PE_OUT" >"$T/cap.json"
jq_is "$T/cap.json" '[.kind, (.tags | sort)]' '["find-max",["nightly","slo:p99<1s"]]' "kind find-max, tagged with its SLO and --tag"
jq_is "$T/cap.json" '[.metrics[] | [.name, .unit, .mean]]' '[["max_rate","req/s",100]]' \
	"max_rate is the highest passing rate, 100 (every step passed: no first_failing)"
PERFENG_STORE=$T/results.db run_pe runs list
like "$PE_OUT" 'cap +find-max .*max_rate 100 req/s' "runs list shows max_rate as the headline"
PERFENG_STORE=$T/results.db run_pe load --find-max --slo 'p99<50ms' --start-rate 200 --step-duration 1s --warmup 0s \
	-c 10 -t 1 --save cap "$U/capacity/50"
rc_is 1 "no rate passes: exit 1, and still saved"
PERFENG_STORE=$T/results.db run_pe runs show cap --json
jq_is <(printf '%s\n' "$PE_OUT") '[.metrics[] | [.name, .mean]]' '[["max_rate",0],["first_failing",200]]' \
	"a search where nothing passed keeps max_rate 0 and the first failing rate"

# --- text: the table and the knee; the max rate ends the search ----------------------------
run_pe load --find-max --slo 'p99<1s' --start-rate 50 --max-rate 100 --step-duration 1s --warmup 0s -c 2 -t 1 "$U/"
rc_is 0 "every step passed up to --max-rate: exit 0"
like "$PE_OUT" 'step +phase +target/s +achieved/s +p50 ms +p99 ms +errors +p99<1s +result' "the table's header names the SLO"
like "$PE_OUT" '2 +up +100\.0 ' "the second step ran at 100 req/s"
like "$PE_OUT" 'knee: not reached; every step passed up to --max-rate 100\.0' "it says the knee was not reached"

# --- no rate passes: report it, exit 1 ----------------------------------------------------
run_pe load --find-max --slo 'p99<50ms' --start-rate 200 --step-duration 1s --warmup 0s -c 10 -t 1 --json "$U/capacity/50"
rc_is 1 "the start rate already fails: exit 1"
echo "$PE_OUT" >"$T/none.json"
jq_is "$T/none.json" '[.knee, .end, (.steps | length), .steps[0].pass]' '[null,"none_passed",1,false]' \
	"no knee, one step, reported in the JSON"
like "$PE_ERR" "no rate met every SLO" "stderr says so"

# --- no service, and Ctrl-C ----------------------------------------------------------------
run_pe load --find-max --slo 'p99<1s' --step-duration 1s --warmup 0s -c 2 "http://127.0.0.1:1/"
rc_is 3 "no response at all (nobody listens): exit 3"
like "$PE_ERR" "no response at 100\.0 req/s" "the message says so"
timeout -k 10 --preserve-status -s INT 2 "$PERFENG_BIN" load --find-max --slo 'p99<1s' --step-duration 20s \
	-c 2 --json "$U/" >"$T/int.json" 2>"$T/int.err" && PE_RC=0 || PE_RC=$?
is "$PE_RC" 130 "SIGINT during a 20 s step: exit 130, well before"
jq_is "$T/int.json" '[.end, (.steps | length), .knee]' '["interrupted",1,null]' "the step so far, marked interrupted"

# --- usage errors ------------------------------------------------------------------------
run_pe load --find-max "$U/"
rc_is 2 "--find-max without --slo: exit 2"
like "$PE_ERR" "--find-max needs at least one --slo" "the message says what is missing"
for args in "-R 100" "-d 5s" "-n 10" "--stages 1s:10" "--hlog $T/x.hlog" "--warmup 500ms" "--step-duration 100ms" \
	"--precision 0%" "--start-rate 0" "--start-rate 100 --max-rate 50"; do
	# shellcheck disable=SC2086
	run_pe load --find-max --slo 'p99<1s' $args "$U/"
	rc_is 2 "--find-max $args: usage error, exit 2"
done
run_pe load -n 10 --start-rate 100 "$U/"
rc_is 2 "--start-rate without --find-max: exit 2"

kill -TERM "$SPID"
wait "$SPID" 2>/dev/null
SPID=
done_testing
