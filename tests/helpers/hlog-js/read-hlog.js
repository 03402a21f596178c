// Reads an HdrHistogram interval log with hdr-histogram-js, an implementation
// independent of perfeng's, and prints what it found as JSON: one entry per
// interval, and the intervals added up (over all the files given). Used by
// tests/e2e/t2090-hlog-js.sh and t2030-load-shard.sh.
//
//   node read-hlog.js FILE...
"use strict";

const fs = require("fs");
const hdr = require("hdr-histogram-js");

const out = { start_sec: null, intervals: [], all: null };
let all = null;

const summary = (h) => ({
	total: h.totalCount,
	min: h.minNonZeroValue,
	max: h.maxValue,
	p50: h.getValueAtPercentile(50),
	p99: h.getValueAtPercentile(99),
	p100: h.getValueAtPercentile(100),
});

for (const file of process.argv.slice(2)) {
	const reader = new hdr.HistogramLogReader(fs.readFileSync(file, "utf8"), 64);
	for (let h; (h = reader.nextIntervalHistogram()) !== null;) {
		out.start_sec = reader.startTimeSec;
		out.intervals.push({
			start_ms: Math.round(h.startTimeStampMsec),
			end_ms: Math.round(h.endTimeStampMsec),
			lowest: h.lowestDiscernibleValue,
			highest: h.highestTrackableValue,
			digits: h.numberOfSignificantValueDigits,
			...summary(h),
		});
		if (!all)
			all = hdr.build({
				lowestDiscernibleValue: h.lowestDiscernibleValue,
				highestTrackableValue: h.highestTrackableValue,
				numberOfSignificantValueDigits: h.numberOfSignificantValueDigits,
				bitBucketSize: 64,
			});
		all.add(h);
	}
}
if (all)
	out.all = summary(all);
process.stdout.write(JSON.stringify(out) + "\n");
