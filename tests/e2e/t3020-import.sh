#!/bin/bash
# perfeng import (docs/store.md): hyperfine's JSON and perfeng's become runs
# with the right metrics; --name and --tag; bad files are refused with a
# clear message, and every file is checked before anything is written.
. "$(dirname "$0")/lib.sh"

export PERFENG_STORE=$T/results.db
cd "$T" || exit 1
ids() { # the ids of every run in the store, as [1,2,...]
	"$PERFENG_BIN" runs list --json 2>/dev/null | jq -c '[.[].id]'
}
show() { # REF FILE: runs show REF --json into FILE
	run_pe runs show "$1" --json
	printf '%s' "$PE_OUT" >"$2"
}

# --- hyperfine's JSON ----------------------------------------------------------------------
if ! command -v hyperfine >/dev/null 2>&1; then
	fail "hyperfine is installed (scripts/install-deps.sh installs it)"
fi
timeout -k 5 "$PE_TIMEOUT" hyperfine -N -r 5 --export-json "$T/hf.json" true </dev/null >/dev/null 2>&1
ok "hyperfine -N -r 5 --export-json writes its JSON" test -s "$T/hf.json"
t0=$(date +%s%6N)
run_pe import "$T/hf.json"
t1=$(date +%s%6N)
rc_is 0 "import of hyperfine's JSON: exit 0"
is "$PE_OUT" "imported $T/hf.json as run 1 (true)" "it says which run it made, named after the command"
show 1 "$T/r1.json"
jq_is "$T/r1.json" '[.metrics[].name]' '["wall","user","system"]' "the run has wall, user and system"
jq_is "$T/r1.json" '[.metrics[]|.n]' '[5,0,0]' "wall has hyperfine's 5 samples; user and system none"
times=$(jq -c '.results[0].times' "$T/hf.json")
jq_ok "$T/r1.json" "(.metrics[0].samples) as \$s | $times as \$t | [range(5) | \$s[.] == \$t[.]] | all" \
	"the wall samples are hyperfine's times, in order"
for m in 1:user 2:system; do
	k=${m%%:*} name=${m#*:}
	v=$(jq ".results[0].$name" "$T/hf.json")
	jq_ok "$T/r1.json" ".metrics[$k] | has(\"samples\") == false and .mean == $v" "$name holds hyperfine's mean ($v), no samples"
done
jq_is "$T/r1.json" '[.version, .kind, .git]' '["hyperfine","bench",null]' "version hyperfine, kind bench, no git"
jq_ok "$T/r1.json" ".started_us >= $t0 and .started_us <= $t1" "it is stamped with the import time"

# --- perfeng's JSON -----------------------------------------------------------------------------
run_pe bench -q -r 4 -n fast -n slow --export-json "$T/pe.json" "$H/pe-exit 0" "$H/pe-spin 2"
rc_is 0 "(bench --export-json of two commands)"
run_pe import "$T/pe.json"
rc_is 0 "import of perfeng's JSON: exit 0"
is "$PE_OUT" "imported $T/pe.json as run 2 (fast)
imported $T/pe.json as run 3 (slow)" "one run per result, named after each command"
show slow "$T/r3.json"
jq_is "$T/r3.json" '.id' 3 "slow is run 3"
jq_is "$T/r3.json" '[.metrics[]|select(.name=="wall" or .name=="user" or .name=="system")|.n]' '[4,4,4]' \
	"wall, user and system each have the 4 samples"
for m in wall:times user:perfeng.resources.user system:perfeng.resources.system minor_faults:perfeng.resources.minor_faults; do
	name=${m%%:*} key=${m#*:}
	want=$(jq -c ".results[1].$key" "$T/pe.json")
	is "$(jq -c ".metrics[]|select(.name==\"$name\")|.samples" "$T/r3.json")" "$want" "$name: the samples of results[1].$key"
done
started=$(jq -r '.perfeng.started' "$T/pe.json")
want=$(date -u -d "$started" +%s%6N)
jq_is "$T/r3.json" '.started_us' "$want" "started_us is perfeng.started ($started)"
jq_is "$T/r3.json" '.command_line' "$(jq -c '.perfeng.invocation' "$T/pe.json")" "command_line is perfeng.invocation"
jq_is "$T/r3.json" '.environment.cpu_model' "$(jq -c '.perfeng.environment.cpu_model' "$T/pe.json")" "the environment is the file's"
jq_is "$T/r3.json" '.version' "$(jq -c '.perfeng.version' "$T/pe.json")" "the version is the file's"
supported=$(jq -c '[.results[1].perfeng.counters|to_entries[]|select(.value.supported)|.key]|sort' "$T/pe.json")
jq_ok "$T/r3.json" "[.metrics[].name] as \$m | $supported | all(. as \$c | \$m | index(\$c))" \
	"each supported counter is a metric ($supported)"

# --- --name, --tag ------------------------------------------------------------------------------
run_pe import --name svc --tag imported --tag v2 "$T/hf.json"
rc_is 0 "import --name svc --tag imported --tag v2: exit 0"
is "$PE_OUT" "imported $T/hf.json as run 4 (svc)" "the run is named svc"
show svc@v2 "$T/r4.json"
jq_is "$T/r4.json" '[.id, .tags]' '[4,["imported","v2"]]' "svc@v2 is run 4, with both tags"
run_pe import --name multi "$T/pe.json"
is "$PE_OUT" "imported $T/pe.json as run 5 (multi/fast)
imported $T/pe.json as run 6 (multi/slow)" "--name with several results: NAME/<command>"
# oldest first: runs 5 and 6 keep the start time of pe.json, before run 4's import time
is "$(ids)" '[1,2,3,5,6,4]' "six runs so far, listed by their start time"

# --- bad files: exit 3, the file named, nothing written -------------------------------------
bad() { # DESC MESSAGE ARGS...: import ARGS fails with exactly MESSAGE and writes nothing
	local desc=$1 msg=$2 before
	shift 2
	before=$(ids)
	run_pe import "$@"
	rc_is 3 "$desc: exit 3"
	is "$PE_ERR" "perfeng: error: $msg" "$desc: the message"
	is "$(ids)" "$before" "$desc: nothing is written"
}
printf '{\n  "results": [\n    {"command": "x", "times": [1, 2,]}\n  ]\n}\n' >"$T/trailing-comma.json"
bad "malformed JSON" "'$T/trailing-comma.json' is not valid JSON: unexpected token near ']' at line 3, column 37" "$T/trailing-comma.json"
jq -c . "$T/hf.json" | head -c 100 >"$T/cut.json"
before=$(ids)
run_pe import "$T/cut.json"
rc_is 3 "JSON cut short: exit 3"
like "$PE_ERR" "^perfeng: error: '$T/cut\.json' is not valid JSON: .* at line 1, column [0-9]+$" "JSON cut short: the message names the file, line and column"
is "$(ids)" "$before" "JSON cut short: nothing is written"
printf '{"results": []}\n' >"$T/empty.json"
bad "no results" "'$T/empty.json' holds no results" "$T/empty.json"
printf '{"benchmarks": [1]}\n' >"$T/other.json"
bad "another program's JSON" "'$T/other.json' is neither perfeng's nor hyperfine's JSON: no \"results\" array" "$T/other.json"
printf '{"results": [{"command": "x", "times": [1, "a"]}]}\n' >"$T/str.json"
bad "a time that is a string" "'$T/str.json': results[0].times[1] is not a number" "$T/str.json"
printf '{"results": [{"command": "x"}]}\n' >"$T/notimes.json"
bad "a result with no times and no mean" "'$T/notimes.json': results[0] has neither \"times\" nor \"mean\"" "$T/notimes.json"
jq '.perfeng.started = "yesterday"' "$T/pe.json" >"$T/when.json"
bad "a bad perfeng.started" "'$T/when.json': perfeng.started: 'yesterday' is not a UTC timestamp (YYYY-MM-DDTHH:MM:SS.ssssssZ)" "$T/when.json"
bad "a missing file" "cannot read '$T/nosuch.json': No such file or directory" "$T/nosuch.json"

# Impossible values: refused on the way in, the field and the value named.
printf '{"results": [{"command": "x", "times": [0.1, -0.2, 0.3]}]}\n' >"$T/neg.json"
bad "a negative time" "'$T/neg.json': results[0].times[1] is -0.2: a time cannot be negative" "$T/neg.json"
printf '{"results": [{"command": "x", "times": [1e308, 1e308]}]}\n' >"$T/huge.json"
bad "a time of 1e308 s" "'$T/huge.json': results[0].times[0] is 1e+308 s: more than 1e9 s (31 years), no run took that long" \
	"$T/huge.json"
jq '.results[0].mean = "abc"' "$T/hf.json" >"$T/abc.json"
bad "a mean that is a string (beside good times)" "'$T/abc.json': results[0].mean is \"abc\", not a number" "$T/abc.json"
printf '{"results": [{"command": "x", "mean": -1}]}\n' >"$T/negmean.json"
bad "a negative mean (no times)" "'$T/negmean.json': results[0].mean is -1: a time cannot be negative" "$T/negmean.json"
jq '.results[0].times = []' "$T/hf.json" >"$T/notime.json"
bad "an empty times list" "'$T/notime.json': results[0].times is empty: no run to import" "$T/notime.json"
printf '{"results": [{"command": "x", "times": [null, null]}]}\n' >"$T/nulls.json"
bad "times that are all null" "'$T/nulls.json': results[0].times is empty: no run to import" "$T/nulls.json"
jq '.results[0].user = -0.5' "$T/hf.json" >"$T/neguser.json"
bad "a negative user time" "'$T/neguser.json': results[0].user is -0.5: a time cannot be negative" "$T/neguser.json"
jq '.results[1].perfeng.resources.minor_faults[2] = -3' "$T/pe.json" >"$T/negfaults.json"
bad "a negative count" "'$T/negfaults.json': results[1].perfeng.resources.minor_faults[2] is -3: a count cannot be negative" \
	"$T/negfaults.json"
jq '.results[1].perfeng.resources.max_rss_kib[0] = 1e30' "$T/pe.json" >"$T/bigrss.json"
bad "a count past 2^64" "'$T/bigrss.json': results[1].perfeng.resources.max_rss_kib[0] is 1e+30: more than 2^64, which no counter holds" \
	"$T/bigrss.json"
bad "a good file then one with a negative time" "'$T/neg.json': results[0].times[1] is -0.2: a time cannot be negative" \
	"$T/hf.json" "$T/neg.json"
# compare reads JSON files through the same checks: no "-100%, unchanged" from a negative time
run_pe compare "$T/hf.json" "$T/neg.json"
rc_is 3 "compare with a file of impossible times: exit 3"
is "$PE_ERR" "perfeng: error: '$T/neg.json': results[0].times[1] is -0.2: a time cannot be negative" \
	"compare with a file of impossible times: the message"

# Every file is checked before anything is written: a good file, then a bad one.
bad "a good file then a malformed one" "'$T/trailing-comma.json' is not valid JSON: unexpected token near ']' at line 3, column 37" \
	"$T/hf.json" "$T/pe.json" "$T/trailing-comma.json"
bad "a good file then an empty one" "'$T/empty.json' holds no results" "$T/pe.json" "$T/empty.json"
# ... also when the second file is valid JSON whose run the store would refuse
jq '.results[0].command = "42"' "$T/hf.json" >"$T/digits.json"
bad "a good file then one whose command reads as a run id" \
	"'$T/digits.json': results[0]: '42' cannot be a run name: it would read as a run id; give one with --name" \
	"$T/hf.json" "$T/digits.json"
jq '.results[0].command = ""' "$T/hf.json" >"$T/nocmd.json"
bad "a good file then one with an empty command" \
	"'$T/nocmd.json': results[0] has an empty command: give the run a name with --name" "$T/hf.json" "$T/nocmd.json"
jq '.results[1].perfeng.counters.user = {"supported": true, "values": [1, 2, 3, 4]}' "$T/pe.json" >"$T/twice.json"
bad "a good file then one with two metrics of one name" \
	"'$T/twice.json': results[1].perfeng.counters.user.values: a second metric named 'user'" "$T/hf.json" "$T/twice.json"
bad "--tag latest" "'latest' cannot be a tag: NAME@latest already means a run by age" --tag latest "$T/hf.json" "$T/pe.json"
bad "--name 7" "'7' cannot be a run name: it would read as a run id" --name 7 "$T/hf.json"
run_pe import --name digits "$T/digits.json"
rc_is 0 "--name names a result whose command reads as an id: exit 0"
is "$PE_OUT" "imported $T/digits.json as run 7 (digits)" "it is imported as digits"

run_pe import
rc_is 2 "import without a file: exit 2"
like "$PE_ERR" '^perfeng import: import needs at least one file$' "the message says a file is needed"

printf 'SQLite format 3\000 but not really' >"$T/bad.db"
cp "$T/bad.db" "$T/bad.orig"
run_pe import --store "$T/bad.db" "$T/hf.json"
rc_is 3 "import into a file that is no store: exit 3"
like "$PE_ERR" "'$T/bad\.db' is not a perfeng store" "the message names the store"
ok "the file is unchanged" cmp "$T/bad.db" "$T/bad.orig"

done_testing
