#!/bin/bash
# The HdrHistogram interval log (src/out/hlog.c, src/stats/hdr_codec.c) read back by
# an independent implementation: hdr-histogram-js 3.0.1's HistogramLogReader
# (tests/helpers/hlog-js) decodes the log that `test_hdr_codec --write-hlog` writes
# and finds the counts, min, max and percentiles recorded. The expected
# values are worked out in tests/unit/hdr_known.h (known_interval).
. "$(dirname "$0")/lib.sh"

JS=$(cd "$(dirname "$0")/../helpers/hlog-js" && pwd)
W=$PERFENG_BUILD/tests/unit/test_hdr_codec
L=$T/lat.hlog
R=$T/read.json

# CI installs node and npm (scripts/install-deps.sh): their absence is a failure, not a skip.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	fail "node and npm are installed (make deps)"
	done_testing
	exit 1
fi
[ -x "$W" ] || { echo "Bail out! no $W (make build-tests)"; exit 1; }
# A fresh clone has no node_modules: install the locked versions once.
if [ ! -f "$JS/node_modules/hdr-histogram-js/package.json" ]; then
	if ! (cd "$JS" && npm ci --no-audit --no-fund) >"$T/npm.log" 2>&1; then
		fail "npm ci installs hdr-histogram-js in tests/helpers/hlog-js" "$(tail -20 "$T/npm.log")"
		done_testing
		exit 1
	fi
fi

# --- the log as perfeng writes it -----------------------------------------------
TZ=UTC "$W" --write-hlog "$L" >"$T/w.out" 2>&1 && rc=0 || rc=$?
is "$rc" 0 "test_hdr_codec --write-hlog exits 0"
is "$(sed -n 1p "$L")" "#[StartTime: 1700000000.123 (seconds since epoch), Tue Nov 14 22:13:20 UTC 2023]" \
	"StartTime: seconds since the epoch and Java's Date.toString()"
is "$(sed -n 2p "$L")" "#[BaseTime: 1700000000.123 (seconds since epoch)]" "BaseTime is the start"
is "$(sed -n 3p "$L")" "#[Histogram log format version 1.3]" "format version 1.3"
is "$(sed -n 4p "$L")" '"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"' "the legend"
is "$(sed -n '5,$p' "$L" | cut -d, -f1-3 | tr '\n' ' ')" "0.000,1.000,10.007 1.000,1.000,3000.319 " \
	"interval lines: start from BaseTime, length, max in ms (3 decimals)"
is "$(lines "$L")" 6 "four header lines and two intervals"

# --- read by hdr-histogram-js -------------------------------------------------------
if node "$JS/read-hlog.js" "$L" >"$R" 2>"$T/node.err"; then
	pass "hdr-histogram-js reads the log"
else
	fail "hdr-histogram-js reads the log" "$(cat "$T/node.err")"
fi
jq_is "$R" '.start_sec' 1700000000.123 "StartTime as the reader parses it"
jq_is "$R" '.intervals|length' 2 "two intervals"
jq_is "$R" '[.intervals[]|[.start_ms,.end_ms]]' '[[1700000000123,1700000001123],[1700000001123,1700000002123]]' \
	"interval start and end timestamps (ms since the epoch)"
jq_is "$R" '[.intervals[]|[.lowest,.highest,.digits]]' '[[1,3600000000,3],[1,3600000000,3]]' \
	"the layout: 1 us .. 1 h, 3 digits"
jq_is "$R" '.intervals[0]|[.total,.min,.max,.p50,.p99,.p100]' '[10000,1,10007,5003,9903,10007]' \
	"interval 0 (1..10000 us): total, min, max, p50, p99, p100"
jq_is "$R" '.intervals[1]|[.total,.min,.max,.p50,.p99,.p100]' '[1000,100,3000319,100,25007,3000319]' \
	"interval 1 (980 x 100 us, 19 x 25 ms, one 3 s): total, min, max, p50, p99, p100"
jq_is "$R" '.all|[.total,.min,.max,.p50,.p99]' '[11000,1,3000319,4523,9911]' \
	"both intervals added: total, min, max, p50, p99"
jq_ok "$R" '[.intervals[]|.max/1000] == [10.007, 3000.319]' "Interval_Max is the decoded max in ms"

done_testing
