#!/bin/bash
# perfeng runs list|show|tag|rm (docs/store.md): filters, run references
# (id, NAME, NAME@latest~N, NAME@TAG), tags, removal that resolves every
# reference first, and the store's messages for references that name no run.
. "$(dirname "$0")/lib.sh"

export PERFENG_STORE=$T/results.db
cd "$T" || exit 1   # not in a git repository: runs have no commit
C="$H/pe-exit 0"

# runs 1-4 named svc (2 and 4 tagged rc, 3 tagged beta), run 5 named other,
# run 6 named mail@host
save() { # NAME [ARGS...]
	local name=$1
	shift
	run_pe bench -q --save "$name" "$@" -r 2 "$C"
	[ "$PE_RC" = 0 ] || diag "bench --save $name: exit $PE_RC" "$PE_ERR"
}
save svc
save svc --tag rc
save svc --tag beta
save svc --tag rc
save other
save mail@host
ids() { # ARGS...: the ids that runs ARGS --json lists, as [1,2,...]
	run_pe runs "$@" --json
	printf '%s' "$PE_OUT" | jq -c '[.[].id]'
}

# --- list --------------------------------------------------------------------------------
is "$(ids list)" '[1,2,3,4,5,6]' "runs list: every run, oldest first"
is "$(ids list svc)" '[1,2,3,4]' "runs list svc: the four runs of svc"
is "$(ids list --tag rc)" '[2,4]' "runs list --tag rc: the two tagged rc"
is "$(ids list svc --tag beta)" '[3]' "runs list svc --tag beta: run 3"
is "$(ids list other --tag rc)" '[]' "runs list other --tag rc: none"
is "$(ids list --limit 2)" '[5,6]' "--limit 2: the newest two, oldest first"
is "$(ids list svc --limit 3)" '[2,3,4]' "runs list svc --limit 3: the newest three of svc, oldest first"
is "$(ids list svc --tag rc --limit 1)" '[4]' "--tag rc --limit 1: the newest tagged rc"
is "$(ids list svc --limit 10)" '[1,2,3,4]' "a --limit above the count lists them all"
run_pe runs list --json
printf '%s' "$PE_OUT" >"$T/list.json"
jq_is "$T/list.json" '[.[].name]' '["svc","svc","svc","svc","other","mail@host"]' "the names are as saved"
jq_is "$T/list.json" '[.[].tags]' '[[],["rc"],["beta"],["rc"],[],[]]' "the tags are listed with each run"
jq_ok "$T/list.json" '[.[].metrics[]|select(.name=="wall")] | length == 6 and all(.median > 0 and .min <= .median and .median <= .max)' \
	"each listed run has its wall summary"
jq_ok "$T/list.json" '[.[].metrics[]|select(.name=="wall")|.n // 2] | all(. == 2)' \
	"runs list --json claims no sample count it did not read (no n = 0 for 2 samples)"

run_pe runs list svc
rc_is 0 "runs list svc (text): exit 0"
is "$(printf '%s\n' "$PE_OUT" | sed -n 1p)" \
	"    id  started (UTC)        name                      kind      commit        headline            tags" "the text list has its header"
is "$(printf '%s\n' "$PE_OUT" | wc -l)" 5 "then one line per run"
like "$(printf '%s\n' "$PE_OUT" | sed -n 3p)" \
	'^     2  [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}  svc {23}bench     - {13}wall [0-9.]+ (ns|µs|ms|s) +rc$' \
	"a row: id, start time, name, kind, no commit (-), the wall median, the tags"
run_pe runs list nosuch
rc_is 0 "runs list of a name with no runs: exit 0"
is "$PE_OUT" "no runs named 'nosuch' in $T/results.db" "it says there are none, and where it looked"
run_pe runs list svc --tag nosuch
is "$PE_OUT" "no runs named 'svc' with that tag in $T/results.db" "and with a tag too"

# --- show and references ---------------------------------------------------------------------
show_id() { # REF: the id that runs show REF --json shows, or "exit N: message"
	run_pe runs show "$1" --json
	if [ "$PE_RC" = 0 ]; then printf '%s' "$PE_OUT" | jq '.id'; else echo "exit $PE_RC: $PE_ERR"; fi
}
is "$(show_id 3)" 3 "show 3: run 3"
is "$(show_id svc)" 4 "show svc: the newest run of svc"
is "$(show_id svc@latest)" 4 "show svc@latest: the same"
is "$(show_id svc@latest~0)" 4 "show svc@latest~0: the same"
is "$(show_id svc@latest~1)" 3 "show svc@latest~1: the one before"
is "$(show_id svc@latest~3)" 1 "show svc@latest~3: the oldest of four"
is "$(show_id svc@rc)" 4 "show svc@rc: the newest tagged rc"
is "$(show_id svc@beta)" 3 "show svc@beta: run 3"
is "$(show_id mail@host)" 6 "show mail@host: a name with '@' is found whole when no tag matches"
is "$(show_id mail@host@latest)" 6 "show mail@host@latest: splits at the last '@'"

is "$(show_id svc@latest~4)" "exit 3: perfeng: error: 'svc' has 4 runs; svc@latest~4 does not exist" \
	"svc@latest~4: exit 3, 'svc' has 4 runs; svc@latest~4 does not exist"
is "$(show_id svc@nosuch)" "exit 3: perfeng: error: no run of 'svc' is tagged 'nosuch'" "svc@nosuch: exit 3, no run of 'svc' is tagged 'nosuch'"
is "$(show_id nosuch)" "exit 3: perfeng: error: no run named 'nosuch'" "nosuch: exit 3, no run named 'nosuch'"
is "$(show_id nosuch@rc)" "exit 3: perfeng: error: no run named 'nosuch'" "nosuch@rc: exit 3, no run named 'nosuch'"
is "$(show_id 999)" "exit 3: perfeng: error: no run 999" "999: exit 3, no run 999"
is "$(show_id 99999999999999999999)" "exit 3: perfeng: error: no run 99999999999999999999" "an id beyond int64: exit 3, no run"
is "$(show_id @rc)" "exit 3: perfeng: error: '@rc' is not a run reference (try 42, NAME, NAME@latest, NAME@latest~1 or NAME@TAG)" \
	"@rc: exit 3, not a run reference"
is "$(show_id svc@latest~x)" "exit 3: perfeng: error: 'svc@latest~x' is not a run reference (try 42, NAME, NAME@latest, NAME@latest~1 or NAME@TAG)" \
	"svc@latest~x: exit 3, not a run reference"
is "$(show_id svc@)" "exit 3: perfeng: error: 'svc@' is not a run reference (try 42, NAME, NAME@latest, NAME@latest~1 or NAME@TAG)" \
	"svc@: exit 3, not a run reference"

run_pe runs show svc@latest~1 --json
printf '%s' "$PE_OUT" >"$T/show.json"
jq_is "$T/show.json" 'keys' '["command_line","ended_us","environment","git","id","kind","metrics","name","started","started_us","tags","version"]' \
	"show --json: id, name, kind, started, started_us, ended_us, version, command_line, environment, git, tags, metrics"
jq_is "$T/show.json" '.environment|keys' '["cores","cpu_model","governor","hostname","kernel","loadavg_after","loadavg_before"]' \
	"environment: hostname, cpu_model, governor, kernel, cores, load averages"
jq_is "$T/show.json" '.metrics[0]|keys' '["higher_is_better","max","mean","median","min","n","name","samples","stddev","unit"]' \
	"a metric: name, unit, direction, mean, stddev, median, min, max, n, samples"
jq_is "$T/show.json" '[.metrics[0].name, .metrics[0].n, (.metrics[0].samples|length)]' '["wall",2,2]' "wall first, with its 2 samples"
jq_ok "$T/show.json" '.metrics[0] | .min == (.samples|min) and .max == (.samples|max) and ((.mean - (.samples|add/2))|fabs) <= 1e-12 * .mean' \
	"the summary agrees with the samples"
jq_ok "$T/show.json" '.started == (.started_us / 1000000 | floor | strftime("%Y-%m-%d %H:%M:%S"))' "started is started_us in UTC"
jq_is "$T/show.json" '[.name, .kind, .tags]' '["svc","bench",["beta"]]' "name, kind, tags of run 3"

# options a verb would not use are refused, not ignored
run_pe runs show 3 --limit 2
rc_is 2 "runs show --limit: exit 2"
like "$PE_ERR" "--limit applies to runs list only" "says which verb takes it"
run_pe runs show 3 --tag rc
rc_is 2 "runs show --tag: exit 2"
like "$PE_ERR" "--tag applies to runs list only" "says which verb takes it"
run_pe runs tag 3 x --json
rc_is 2 "runs tag --json: exit 2"
like "$PE_ERR" "--json applies to runs list and runs show only" "says which verbs take it"
run_pe runs show 3
rc_is 0 "runs show 3 (text): exit 0"
is "$(printf '%s\n' "$PE_OUT" | sed -n 1p)" "run 3: svc (bench)" "it starts with the id, name and kind"
like "$PE_OUT" '  tags:      beta' "it lists the tags"
like "$PE_OUT" '  wall  +[0-9.]+ (ns|µs|ms|s) .* 2 $' "and the wall metric with its 2 samples"

# --- tag -----------------------------------------------------------------------------------------
run_pe runs tag svc@latest~2 rc
rc_is 0 "runs tag svc@latest~2 rc: exit 0"
is "$(ids list --tag rc)" '[2,4]' "tagging a run twice with one tag changes nothing"
run_pe runs tag svc@latest~3 ga
rc_is 0 "runs tag svc@latest~3 ga: exit 0"
is "$(ids list --tag ga)" '[1]' "run 1 now carries ga"
is "$(show_id svc@ga)" 1 "and svc@ga finds it"
run_pe runs tag nosuch ga
rc_is 3 "runs tag of an unknown run: exit 3"
is "$PE_ERR" "perfeng: error: no run named 'nosuch'" "the store's message"
run_pe runs tag 1 latest
isnt "$PE_RC" 0 "runs tag 1 latest: refused"
is "$PE_ERR" "perfeng: error: 'latest' cannot be a tag: NAME@latest already means a run by age" "the message says why"
run_pe runs tag 1 a@b
like "$PE_ERR" "'a@b' cannot be a tag: it contains '@'" "a tag with '@' is refused"
run_pe runs show 1 --json
printf '%s' "$PE_OUT" >"$T/show.json"
jq_is "$T/show.json" '.tags' '["ga"]' "run 1 carries only ga"

# --- rm ------------------------------------------------------------------------------------------
run_pe runs rm 5 svc@latest~2 nosuch 1
rc_is 3 "runs rm with an unknown reference among others: exit 3"
is "$PE_ERR" "perfeng: error: no run named 'nosuch'" "the message names the reference"
is "$PE_OUT" "" "nothing is reported removed"
is "$(ids list)" '[1,2,3,4,5,6]' "and nothing is removed"
run_pe runs rm 1 svc@latest~1 other
rc_is 0 "runs rm 1 svc@latest~1 other: exit 0"
is "$PE_OUT" "removed run 1
removed run 3
removed run 5" "it reports each removed run"
is "$(ids list)" '[2,4,6]' "runs 1, 3 and 5 are gone"
is "$(ids list --tag beta)" '[]' "with their tags"
run_pe runs rm 2 svc@rc~0
is "$(show_id svc@latest~0)" 4 "(svc@rc~0 is no reference; run 4 stays)"
run_pe runs rm svc 4
rc_is 0 "runs rm of one run by two references (svc and 4): exit 0"
is "$PE_OUT" "removed run 4" "it is removed once"
is "$(ids list)" '[2,6]' "run 4 is gone"
run_pe runs rm 4
rc_is 3 "runs rm of a removed run: exit 3"
is "$PE_ERR" "perfeng: error: no run 4" "no run 4"
is "$(show_id svc)" 2 "svc is now run 2"

# --- usage errors -------------------------------------------------------------------------------
usage_error() { # DESC MESSAGE ARGS...
	local desc=$1 msg=$2
	shift 2
	run_pe runs "$@"
	rc_is 2 "$desc: exit 2"
	like "$PE_ERR" "$msg" "$desc: the message"
}
usage_error "runs without a verb" '^perfeng runs: runs needs a verb: list, show, tag or rm$'
usage_error "runs bogus" "^perfeng runs: 'bogus' is not list, show, tag or rm$" bogus
usage_error "runs list a b" '^perfeng runs: runs list takes at most one name$' list a b
usage_error "runs show without a run" '^perfeng runs: runs show takes one run$' show
usage_error "runs tag without a tag" '^perfeng runs: runs tag takes a run and a tag$' tag 2
usage_error "runs rm without a run" '^perfeng runs: runs rm takes one or more runs$' rm
usage_error "runs list --limit x" "^perfeng runs: option '--limit': 'x' is not a whole number$" list --limit x
is "$(ids list)" '[2,6]' "usage errors change nothing"

# --- a store that is not one ------------------------------------------------------------------
printf 'not a database\n' >"$T/bad.db"
cp "$T/bad.db" "$T/bad.orig"
run_pe runs list --store "$T/bad.db"
rc_is 3 "runs list --store on a text file: exit 3"
is "$PE_ERR" "perfeng: error: '$T/bad.db' is not a perfeng store: file is not a database" "the message names the file"
ok "the file is unchanged" cmp "$T/bad.db" "$T/bad.orig"
run_pe runs list --store "$T/new.db"
rc_is 0 "runs list --store on a missing file: exit 0 (an empty store)"
is "$PE_OUT" "no runs in $T/new.db" "it says there are none"

done_testing
