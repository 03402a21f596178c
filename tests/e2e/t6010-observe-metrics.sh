#!/bin/bash
# perfeng observe --metrics ADDR: the latest interval as OpenMetrics (to
# Prometheus's Accept header) or the classic Prometheus text format (to no
# Accept header) while observe runs. The OpenMetrics is checked by an
# independent, strict parser (prometheus_client's OpenMetrics parser,
# tests/helpers/om-check.py), the text format by `promtool check metrics`
# and the same library's text parser, both with curl. On the pair-5.15/t1
# fixture root (tests/fixtures/sys) every value is known: the figures
# below are computed by hand from its files (both samples of an interval
# read the same files, so rates are 0 and the counters are the files'
# numbers); the GPU's are libfake-nvml's fixed values. A live run with -p checks the pid label and values that /proc
# itself gives. Then usage and runtime errors.
. "$(dirname "$0")/lib.sh"

FIX=$(cd "$(dirname "$0")/../fixtures/sys" && pwd)
OMCHECK=$(cd "$(dirname "$0")/../helpers" && pwd)/om-check.py
NVML=$H/libfake-nvml.so
[ -f "$NVML" ] || { echo "Bail out! no $NVML (make build-tests)"; exit 1; }
export PERFENG_NVML_LIB=/nonexistent/libnvidia-ml.so.1	# no real GPU unless asked
if ! /usr/bin/python3 -c 'import prometheus_client.openmetrics.parser' 2>/dev/null || ! command -v promtool >/dev/null; then
	fail "python3-prometheus-client and prometheus (promtool) are installed (make deps)"
	done_testing
	exit 1
fi
OPID=
WPID=
trap '_rc=$?; for p in $OPID $WPID; do kill -KILL "$p" 2>/dev/null; done; (exit $_rc); _tap_exit' EXIT

# sample FAMILY JQ-CONDITION: the value of FAMILY's sample matching the condition, from $T/m.json
sample() { jq -r --arg f "$1" ".[\$f].samples[] | select($2) | .[2]" "$T/m.json"; }
# addr ERRFILE: HOST:PORT from "OpenMetrics at http://HOST:PORT/metrics"
addr() { sed -n 's|.*OpenMetrics at http://\(.*\)/metrics$|\1|p' "$1"; }
# scrape ADDR N: GET /metrics as Prometheus 2.42 asks (its scrape/scrape.go Accept header)
# into $T/m.txt (headers $T/h.txt) until N intervals are in it
PROM_ACCEPT='application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'
scrape() {
	for _ in $(seq 1 100); do
		curl -s -m 2 -H "Accept: $PROM_ACCEPT" -D "$T/h.txt" -o "$T/m.txt" "http://$1/metrics" || return 1
		grep -qE "^perfeng_observe_intervals_total ([$2-9]|[1-9][0-9])" "$T/m.txt" && return 0
		sleep 0.1
	done
	return 1
}
# om_ok DESC: the strict parser accepts $T/m.txt; its JSON into $T/m.json
om_ok() {
	if /usr/bin/python3 "$OMCHECK" <"$T/m.txt" >"$T/m.json" 2>"$T/om.err"; then
		pass "$1"
	else
		fail "$1" "$(cat "$T/om.err")"
	fi
}

# --- the fixture root, with the fake NVML ----------------------------------------------------
PERFENG_NVML_LIB=$NVML timeout -k 5 60 "$PERFENG_BIN" observe --root "$FIX/pair-5.15/t1" --json \
	--metrics 127.0.0.1:0 0.1 >"$T/run.jsonl" 2>"$T/run.err" &
OPID=$!
wait_for 10 grep -q 'OpenMetrics at http://' "$T/run.err"
A=$(addr "$T/run.err")
like "$A" '^127\.0\.0\.1:[0-9]+$' "stderr says where (port 0 picks one): $A"
scrape "$A" 2 && ok=1 || ok=0
is "$ok" 1 "GET /metrics during the run, once two intervals are done"
like "$(tr -d '\r' <"$T/h.txt")" 'Content-Type: application/openmetrics-text; version=1\.0\.0; charset=utf-8' \
	"the OpenMetrics content type"
is "$(tail -1 "$T/m.txt")" "# EOF" "it ends with # EOF"
om_ok "prometheus_client's OpenMetrics parser accepts it"
# every family's type: counters for the raw monotonic counts, gauges for the rest
jq_is "$T/m.json" '[to_entries[] | select(.value.type == "counter") | .key]' \
	'["perfeng_observe_intervals","perfeng_observe_cpu_seconds","perfeng_observe_context_switches","perfeng_observe_memory_scanned_pages","perfeng_observe_memory_reclaimed_pages","perfeng_observe_swap_pages","perfeng_observe_major_faults","perfeng_observe_oom_kills","perfeng_observe_disk_ops","perfeng_observe_disk_bytes","perfeng_observe_disk_io_time_seconds","perfeng_observe_disk_io_time_weighted_seconds","perfeng_observe_network_bytes","perfeng_observe_network_packets","perfeng_observe_network_errors","perfeng_observe_network_drops","perfeng_observe_tcp_sent_segments","perfeng_observe_tcp_retransmitted_segments","perfeng_observe_tcp_receive_errors","perfeng_observe_cgroup_cpu_seconds","perfeng_observe_cgroup_periods","perfeng_observe_cgroup_throttled_periods","perfeng_observe_cgroup_throttled_seconds","perfeng_observe_cgroup_memory_events","perfeng_observe_gpu_ecc_uncorrected_errors"]' \
	"the counter families"
jq_ok "$T/m.json" '[to_entries[] | .value.type] | all(. == "counter" or . == "gauge")' "all others are gauges"
jq_ok "$T/m.json" '[to_entries[] | select(.value.type == "gauge") | .key | test("_(ratio|bytes|seconds|per_second|per_cpu|length|in_flight|blocked|allocated|limit|reasons|watts|up|threads|fds|saturated)$")] | all' \
	"gauge names end in their unit (or say what they count)"
# meminfo: 1 - 2000000/8000000; file-nr 9000/10000; cgroup 536870912 of 1073741824;
# no statvfs below the fixture; GPU: libfake-nvml's 42 %
jq_is "$T/m.json" '[.perfeng_observe_utilization_ratio.samples[] | [.[1].resource, .[2]]]' \
	'[["mem",0.75],["disk",0],["net",0],["fd",0.9],["cgroup",0.5],["gpu",0.42]]' \
	"utilization by resource (no CPU share: the counters did not move)"
# runq (4 - 1) / 2 CPUs > 1; fd 0.9 >= 0.9; GPU reasons 0x4 (SW power cap); memory.max
# events did not grow, PSI did not move: mem, disk, net, cgroup not saturated
jq_is "$T/m.json" '[.perfeng_observe_saturated.samples[] | [.[1].resource, .[2]]]' \
	'[["cpu",1],["mem",0],["disk",0],["net",0],["fd",1],["cgroup",0],["gpu",1]]' "saturated by resource"
is "$(sample perfeng_observe_cpu_runnable_per_cpu true)" 1.5 "runnable per CPU: (4 - 1) / 2"
num_ok "$(sample perfeng_observe_interval_seconds true)" '>' 0.05 "the interval is about 0.1 s (the samples' own times)"
# /proc/stat "cpu  300 0 150 1300 150 0 0 100" at USER_HZ 100
jq_is "$T/m.json" '[.perfeng_observe_cpu_seconds.samples[] | [.[1].mode, .[2]]]' \
	'[["user",3],["nice",0],["system",1.5],["idle",13],["iowait",1.5],["irq",0],["softirq",0],["steal",1]]' \
	"CPU seconds by mode: the ticks / 100"
is "$(sample perfeng_observe_context_switches true)" 5000 "ctxt 5000"
is "$(sample perfeng_observe_memory_total_bytes true)" 8192000000 "MemTotal 8000000 kB in bytes"
is "$(sample perfeng_observe_swap_used_ratio true)" 0.75 "swap: 1 - 250000/1000000"
is "$(sample perfeng_observe_memory_scanned_pages true)" 4000 "pgscan_kswapd 3000 + pgscan_direct 1000"
# diskstats: sda 1300 reads of 10400 sectors, io_ticks 1800 ms; partitions and idle loop0 left out
jq_is "$T/m.json" '[.perfeng_observe_disk_ops.samples[] | select(.[1].op == "read") | [.[1].device, .[2]]]' \
	'[["sda",1300],["nvme0n1",1100],["loop1",10]]' "reads per disk (no partitions)"
is "$(sample perfeng_observe_disk_bytes '.[1].device == "sda" and .[1].op == "read"')" 5324800 "sda: 10400 sectors * 512"
is "$(sample perfeng_observe_disk_io_time_seconds '.[1].device == "nvme0n1"')" 1.9 "nvme0n1: io_ticks 1900 ms"
is "$(sample perfeng_observe_disk_utilization_ratio '.[1].device == "sda"')" 0 "sda busy 0 over the interval"
is "$(sample perfeng_observe_network_bytes '.[1].interface == "eth0" and .[1].direction == "receive"')" 125000000 \
	"eth0 received 125000000 bytes"
is "$(sample perfeng_observe_network_drops '.[1].interface == "eth0" and .[1].direction == "receive"')" 14 "eth0 rx drops 14"
is "$(sample perfeng_observe_network_speed_bytes_per_second '.[1].interface == "eth0"')" 125000000 \
	"eth0 speed 1000 Mb/s in bytes/s"
is "$(sample perfeng_observe_network_speed_bytes_per_second '.[1].interface == "lo"')" "" "lo has no speed: no sample"
is "$(sample perfeng_observe_tcp_retransmitted_segments true)" 120 "RetransSegs 120"
is "$(sample perfeng_observe_fds_allocated true) $(sample perfeng_observe_fds_limit true)" "9000 10000" "file-nr"
is "$(sample perfeng_observe_cgroup_memory_max_bytes true)" 1073741824 "memory.max"
is "$(sample perfeng_observe_cgroup_throttled_periods true)" 60 "cpu.stat nr_throttled 60"
jq_is "$T/m.json" '[.perfeng_observe_cgroup_memory_events.samples[] | [.[1].event, .[2]]]' \
	'[["high",0],["max",5],["oom",2],["oom_kill",2]]' "memory.events"
# libfake-nvml: util 42 %, 8 of 16 GiB, 150 of 300 W, 1200 of 1800 MHz, reasons 0x4, 3 ECC errors
jq_is "$T/m.json" '[.perfeng_observe_gpu_utilization_ratio, .perfeng_observe_gpu_memory_used_bytes, .perfeng_observe_gpu_power_watts, .perfeng_observe_gpu_clock_ratio, .perfeng_observe_gpu_throttle_reasons, .perfeng_observe_gpu_ecc_uncorrected_errors | .samples[] | .[2]]' \
	'[0.42,8589934592,150,0.6666666666666666,4,3]' "the fake GPU's values"
jq_is "$T/m.json" '.perfeng_observe_gpu_power_ratio.samples[0][1]' '{"gpu":"0","name":"Fake GPU 0"}' "GPU labels: index and name"
is "$(jq -r 'keys[] | select(startswith("perfeng_observe_process_"))' "$T/m.json")" "" "no process families without -p"
jq -r '.[] | .samples[] | .[0]' "$T/m.json" | sort -u >"$T/names.fixture"
# the classic text format of the same interval's figures
curl -s -m 2 -D "$T/ht.txt" -o "$T/t.txt" "http://$A/metrics"
like "$(tr -d '\r' <"$T/ht.txt")" 'Content-Type: text/plain; version=0\.0\.4; charset=utf-8' \
	"no Accept header: the Prometheus text format"
if promtool check metrics <"$T/t.txt" >"$T/promtool.out" 2>&1; then
	pass "promtool check metrics accepts it"
else
	fail "promtool check metrics accepts it" "$(cat "$T/promtool.out")"
fi
/usr/bin/python3 "$OMCHECK" --text <"$T/t.txt" >"$T/t.json" 2>"$T/tc.err" || fail "prometheus_client's text parser accepts it" "$(cat "$T/tc.err")"
is "$(jq -c '[to_entries[] | [.key, .value.type]]' "$T/t.json")" "$(jq -c '[to_entries[] | [.key, .value.type]]' "$T/m.json")" \
	"the same families and types as the OpenMetrics"
jq_is "$T/t.json" '[.perfeng_observe_cpu_seconds.samples[] | [.[1].mode, .[2]]]' \
	'[["user",3],["nice",0],["system",1.5],["idle",13],["iowait",1.5],["irq",0],["softirq",0],["steal",1]]' \
	"and the same CPU seconds"
is "$(curl -s -o /dev/null -w '%{http_code}' "http://$A/other")" 404 "another path: 404"
is "$(curl -s -o /dev/null -w '%{http_code}' "http://$A/metrics/x")" 404 "a path below /metrics: 404"
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://$A/metrics")" 405 "POST: 405"
run_pe observe --no-gpu --metrics "$A" 0.1 1
rc_is 3 "--metrics on the port in use: exit 3"
like "$PE_ERR" "cannot listen on '127\.0\.0\.1:[0-9]+'" "the message names the address"
kill -INT "$OPID"
wait "$OPID" && rc=0 || rc=$?
OPID=
is "$rc" 130 "Ctrl-C ends it: exit 130"
jq_ok "$T/run.jsonl" 'select(.summary) | .summary.intervals >= 2' "and it still prints its summary"
curl -s -m 2 "http://$A/metrics" >/dev/null && crc=0 || crc=$?
isnt "$crc" 0 "the metrics server is gone after the run"

# --- live, watching a process ----------------------------------------------------------------
sleep 60 &
WPID=$!
timeout -k 5 60 "$PERFENG_BIN" observe -p "$WPID" --metrics 127.0.0.1:0 0.2 >"$T/live.out" 2>"$T/live.err" &
OPID=$!
wait_for 10 grep -q 'OpenMetrics at http://' "$T/live.err"
A=$(addr "$T/live.err")
scrape "$A" 1 && ok=1 || ok=0
is "$ok" 1 "a live run serves its intervals"
om_ok "the parser accepts the live exposition"
is "$(sample perfeng_observe_process_up ".[1].pid == \"$WPID\"")" 1 "process_up{pid=\"$WPID\"} 1"
is "$(sample perfeng_observe_process_threads ".[1].pid == \"$WPID\"")" 1 "sleep has one thread"
# /proc itself as the reference
is "$(sample perfeng_observe_memory_total_bytes true)" "$(awk '/^MemTotal:/ {printf "%.0f\n", $2 * 1024}' /proc/meminfo)" \
	"memory_total_bytes = /proc/meminfo MemTotal * 1024"
is "$(jq '.perfeng_observe_cpu_core_utilization_ratio.samples | length' "$T/m.json")" "$(grep -c '^cpu[0-9]' /proc/stat)" \
	"one cpu label per CPU line of /proc/stat"
jq_ok "$T/m.json" '[.perfeng_observe_cpu_core_utilization_ratio.samples[] | .[2] >= 0 and .[2] <= 1] | all' \
	"per-CPU utilization within 0..1"
lo_rx=$(sample perfeng_observe_network_bytes '.[1].interface == "lo" and .[1].direction == "receive"')
num_ok "$lo_rx" '>' 0 "lo counted some bytes (this test's scrapes)"
num_ok "$(sample perfeng_observe_filesystem_size_bytes '.[1].mountpoint == "/"')" '>' 0 "the root filesystem has a size"
# docs/observe.md lists every sample name, and every name it lists is served by one of the two runs
jq -r '.[] | .samples[] | .[0]' "$T/m.json" | sort -u | sort -u - "$T/names.fixture" >"$T/names.served"
sed -n '/^## OpenMetrics/,/^## Exit codes/p' "$(dirname "$0")/../../docs/observe.md" | grep '^| `perfeng_observe' |
	cut -d'|' -f2 | grep -oE 'perfeng_observe_[a-z_]+' | sort -u >"$T/names.doc"
is "$(comm -23 "$T/names.served" "$T/names.doc" | tr '\n' ' ')" "" "every name served is in docs/observe.md"
is "$(comm -13 "$T/names.served" "$T/names.doc" | tr '\n' ' ')" "" "every name in docs/observe.md is served"
kill "$WPID"
wait "$WPID" 2>/dev/null
WPID=
wait "$OPID" && rc=0 || rc=$?
OPID=
is "$rc" 0 "observe -p ends when the process exits: exit 0"

# --- usage errors ------------------------------------------------------------------------------
for a in bogus 127.0.0.1 127.0.0.1:x 127.0.0.1:70000 '[::1'; do
	run_pe observe --metrics "$a" 0.1 1
	rc_is 2 "--metrics $a: usage error, exit 2"
done
like "$PE_ERR" "is not HOST:PORT" "the message says what is expected"
run_pe observe --replay "$FIX/pair-5.15.rec" --metrics 127.0.0.1:0
rc_is 2 "--metrics with --replay: exit 2"
like "$PE_ERR" "--metrics serves a live run" "and says why"
done_testing
