// An independent reader of perfeng's pprof output: pprof-format (the npm
// package Datadog's and Node's profilers use) decodes the gzipped
// profile.proto, and this prints what a user would check, as JSON: the
// sample and period types, and per function its self and total weight
// (a function counted once per sample however often it recurs).
'use strict';
const fs = require('fs');
const zlib = require('zlib');
const { Profile } = require('pprof-format');

const file = process.argv[2];
if (!file) {
	console.error('usage: node read-pprof.js FILE.pb.gz');
	process.exit(2);
}
const prof = Profile.decode(zlib.gunzipSync(fs.readFileSync(file)));
const str = (i) => prof.stringTable.strings[Number(i)];
const fnName = new Map(prof.function.map((f) => [String(f.id), str(f.name)]));
const locFns = new Map(prof.location.map((l) => [String(l.id), l.line.map((ln) => fnName.get(String(ln.functionId)))]));
const self = {}, total = {};
let sum = 0;
for (const s of prof.sample) {
	const v = Number(s.value[0]);
	const names = s.locationId.map((id) => locFns.get(String(id))).flat();
	sum += v;
	if (names.length) self[names[0]] = (self[names[0]] || 0) + v;
	for (const n of new Set(names)) total[n] = (total[n] || 0) + v;
}
const vt = (t) => (t ? { type: str(t.type), unit: str(t.unit) } : null);
console.log(JSON.stringify({
	sample_type: prof.sampleType.map(vt),
	period_type: vt(prof.periodType),
	period: Number(prof.period),
	strings0: prof.stringTable.strings[0],
	samples: prof.sample.length,
	sum,
	self,
	total,
}, null, 1));
