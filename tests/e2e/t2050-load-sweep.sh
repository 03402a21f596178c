#!/bin/bash
# perfeng load --sweep: one measured step per connection count (or rate,
# --sweep-rates), then the scalability model fitted to them, against the
# test server's /slots/8/20: 8 servers of 20 ms each, so by construction
# throughput is min(connections, 8) x 50 req/s, and past 8 connections the
# latency grows with the queue. --save, and perfeng model RUN refitting the
# saved points; the sweep lists in their three forms; bad lists refused.
. "$(dirname "$0")/lib.sh"

SPID=
trap '_rc=$?; [ -n "$SPID" ] && kill -KILL "$SPID" 2>/dev/null; (exit $_rc); _tap_exit' EXIT
httpd_start
export PERFENG_STORE=$T/store.db

run_pe load --sweep 1,2,3,4,6,8,12,16,24,32 --step-duration 1s --warmup 0s -t 2 --json --save sw "$U/slots/8/20"
rc_is 0 "load --sweep 1..32 against /slots/8/20: exit 0"
echo "$PE_OUT" >"$T/sw.json"
jq_is "$T/sw.json" '[.steps[].connections]' '[1,2,3,4,6,8,12,16,24,32]' "one step per connection count, in order"
# min(c, 8) x 50 req/s, within 15% (a step of 1 s on a shared machine)
jq_ok "$T/sw.json" '[.steps[] | (.rps / ([.connections, 8] | min) / 50) | . > 0.85 and . < 1.15] | all' \
	"each step's throughput is min(connections, 8) x 50 req/s, within 15%"
jq_ok "$T/sw.json" '[.steps[] | select(.connections <= 8) | .mean > 0.019 and .mean < 0.03] | all' \
	"up to 8 connections the mean latency is the 20 ms of service"
jq_ok "$T/sw.json" '(.steps[-1].mean / .steps[5].mean) > 3' "at 32 connections it has grown with the queue (4x the service time)"
jq_is "$T/sw.json" '.model.model' '"usl"' "the model: the USL (throughput stops growing at the server's limit)"
jq_ok "$T/sw.json" '.model.knee.concurrency >= 4 and .model.knee.concurrency <= 16' \
	"the knee lands near the server's 8: $(jq .model.knee.concurrency "$T/sw.json")"
jq_ok "$T/sw.json" '.model.peak.concurrency >= 8 and .model.peak.concurrency <= 32' \
	"the peak lies past it, within the sweep: $(jq .model.peak.concurrency "$T/sw.json")"
jq_ok "$T/sw.json" '[.model.points[] | (.little_l / .concurrency) | . > 0.9 and . < 1.1] | all' \
	"Little's law: X·W matches the connections at every step"
like "$PE_ERR" "saved as run [0-9]+ \(sw\)" "--save: saved"

# perfeng model RUN fits the saved points again: the same model
run_pe model --json sw@latest
rc_is 0 "perfeng model sw@latest: exit 0"
is "$(jq -c '[.model, .fits.usl.kappa.value, .fits.usl.sigma.value, (.points | length)]' "$T/out")" \
	"$(jq -c '[.model.model, .model.fits.usl.kappa.value, .model.fits.usl.sigma.value, (.model.points | length)]' "$T/sw.json")" \
	"the same fit from the saved run"

run_pe load --sweep 1..4x2 --step-duration 1s --warmup 0s -t 1 "$U/slots/8/20"
rc_is 0 "--sweep 1..4x2: exit 0"
like "$PE_OUT" 'perfeng load --sweep: .*, 3 steps' "1..4x2 is 1, 2, 4"
like "$PE_OUT" 'the data supports linear' "below the limit, linear scaling"

run_pe load --sweep-rates 50..150+50 -c 8 --step-duration 1s --warmup 0s -t 1 --json "$U/slots/8/20"
rc_is 0 "--sweep-rates 50..150+50: exit 0"
jq_is "$T/out" '[.swept, [.steps[].rate]]' '["rate",[50,100,150]]' "three rates"
jq_ok "$T/out" '[.steps[] | (.rps / .rate) | . > 0.85 and . < 1.15] | all' "each served at its rate"
jq_ok "$T/out" '[.model.points[] | .concurrency > 0.5 and .concurrency < 5] | all' \
	"the points' concurrency is X·W (1 to 3 requests in flight at 20 ms)"

# --- bad sweeps: usage errors ----------------------------------------------------------------------
for a in "--sweep 4" "--sweep 4,2" "--sweep 0,1" "--sweep 1.5,2" "--sweep 1..64x1" "--sweep 1..8" "--sweep 1,2 -d 5s" \
	"--sweep 1,2 --sweep-rates 1,2" "--sweep 1,2 --find-max --slo p99<1s" "--sweep 1,2 --hlog $T/x.hlog"; do
	# shellcheck disable=SC2086
	run_pe load $a "$U/"
	rc_is 2 "load $a: usage error, exit 2"
done
like "$PE_ERR" "--sweep chooses the steps" "with another mode: the message says what goes with what"

run_pe load --sweep 1,2 --step-duration 1s --warmup 0s "http://127.0.0.1:1/"
rc_is 3 "a sweep against a refused port: exit 3"
like "$PE_ERR" "no step got a response" "and says so"

done_testing
