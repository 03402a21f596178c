#!/bin/bash
# The results store on PostgreSQL (docs/store.md): the user story of the
# SQLite tests against a throw-away server (tests/helpers/pg-cluster.sh),
# an unreachable server, and passwords that never show.
. "$(dirname "$0")/lib.sh"

export PERFENG_STORE=$T/never.db	# every command here names the PostgreSQL store
PGC=$(cd "$(dirname "$0")/../helpers" && pwd)/pg-cluster.sh
cd "$T" || exit 1

# The cluster lives outside $T: as root pg-cluster.sh runs the server as
# nobody, who cannot enter $T (mode 700). It is stopped on any exit.
PGDIR=$(mktemp -d "${TMPDIR:-/tmp}/perfeng-pg.XXXXXX") || { echo "Bail out! cannot create a directory for PostgreSQL"; exit 1; }
trap '_rc=$?; sh "$PGC" stop "$PGDIR" >/dev/null 2>&1; rm -rf "$PGDIR"; (exit $_rc); _tap_exit' EXIT
# CI installs postgresql: a server that does not start is a failure, not a skip.
if ! URL=$(sh "$PGC" start "$PGDIR" 2>"$T/pg.err"); then
	fail "pg-cluster.sh starts a PostgreSQL server" "$(cat "$T/pg.err")"
	done_testing
	exit 1
fi
like "$URL" '^postgres:///postgres\?host=/.*&user=perfeng$' "pg-cluster.sh starts a server and prints its URL"
ids() { # ARGS...: the ids runs list ARGS --json shows, as [1,2,...]
	"$PERFENG_BIN" runs list --store "$URL" "$@" --json 2>/dev/null | jq -c '[.[].id]'
}

# --- save twice, list, show ------------------------------------------------------------------
run_pe bench --save api -r 10 --store "$URL" --export-json "$T/e1.json" "$H/pe-spin 3"
rc_is 0 "bench --save api --store URL: exit 0"
like "$PE_ERR" "^perfeng: saved as run 1 \(api\) in $(printf '%s' "$URL" | sed 's/[?.]/\\&/g')$" "stderr says run 1, in the URL"
run_pe bench -q --save api -r 10 --store "$URL" --export-json "$T/e2.json" "$H/pe-spin 12"
rc_is 0 "bench --save api again: exit 0"
ok "no SQLite store is created beside" test ! -e "$T/never.db"

is "$(ids)" '[1,2]' "runs list: runs 1 and 2"
run_pe runs list --store "$URL" --json
printf '%s' "$PE_OUT" >"$T/list.json"
jq_is "$T/list.json" '[.[].name]' '["api","api"]' "both named api"
for k in 1 2; do
	run_pe runs show "$k" --store "$URL" --json
	printf '%s' "$PE_OUT" >"$T/show$k.json"
	jq_is "$T/show$k.json" '[.metrics[]|select(.name=="wall")|.n]' '[10]' "run $k: wall has 10 samples"
	times=$(jq -c '.results[0].times' "$T/e$k.json")
	jq_ok "$T/show$k.json" "[.metrics[]|select(.name==\"wall\")|.samples] as [\$s] | $times as \$t |
		[range(10) | ((\$s[.] - \$t[.])|fabs) <= 1e-12 * \$t[.]] | all" "run $k: the wall samples are the export's times"
done
run_pe runs show api@latest~1 --store "$URL" --json
printf '%s' "$PE_OUT" >"$T/ref.json"
jq_is "$T/ref.json" '.id' 1 "api@latest~1 is run 1"

# --- compare, history --------------------------------------------------------------------------
run_pe compare --store "$URL" api@latest~1 api@latest --metric wall --json
rc_is 0 "compare @latest~1 @latest: exit 0"
printf '%s' "$PE_OUT" >"$T/cmp.json"
jq_is "$T/cmp.json" '[.old.id, .new.id, .metrics[0].metric, .metrics[0].verdict]' '[1,2,"wall","regressed"]' "wall regressed from run 1 to run 2"
m1=$(jq '.results[0].median' "$T/e1.json")
jq_ok "$T/cmp.json" "((.metrics[0].old - $m1)|fabs) <= 1e-12 * $m1" "old is run 1's median"
run_pe compare --store "$URL" api@latest~1 api@latest --fail-on regression
rc_is 1 "--fail-on regression: exit 1"
like "$(printf '%s\n' "$PE_ERR" | tail -1)" '^perfeng: error: wall regressed by ' "the last line names wall"

run_pe history --store "$URL" api --json
rc_is 0 "history api: exit 0"
printf '%s' "$PE_OUT" >"$T/hist.json"
jq_is "$T/hist.json" '[.points[].id]' '[1,2]' "two points, runs 1 and 2"
for k in 1 2; do
	med=$(jq '.results[0].median' "$T/e$k.json")
	jq_ok "$T/hist.json" "((.points[$((k - 1))].value - $med)|fabs) <= 1e-12 * $med" "point $k is the median of run $k"
done

# --- tag, import, rm, PERFENG_STORE ------------------------------------------------------------
run_pe runs tag --store "$URL" api@latest~1 base
rc_is 0 "runs tag: exit 0"
is "$(ids --tag base)" '[1]' "runs list --tag base: run 1"
printf '{"results":[{"command":"hf","mean":0.002,"times":[0.002,0.002],"user":0.001,"system":0.0005}]}\n' >"$T/hf.json"
run_pe import --store "$URL" --tag imp "$T/hf.json"
rc_is 0 "import: exit 0"
is "$PE_OUT" "imported $T/hf.json as run 3 (hf)" "the run is 3"
printf '{"results": []}\n' >"$T/empty.json"
run_pe import --store "$URL" "$T/hf.json" "$T/empty.json"
rc_is 3 "import of a good and an empty file: exit 3"
is "$(ids)" '[1,2,3]' "nothing is written"
run_pe runs rm --store "$URL" 3 nosuch
rc_is 3 "runs rm with an unknown reference: exit 3"
is "$PE_ERR" "perfeng: error: no run named 'nosuch'" "the store's message"
is "$(ids)" '[1,2,3]' "nothing is removed"
run_pe runs rm --store "$URL" hf@imp
is "$PE_OUT" "removed run 3" "runs rm hf@imp removes run 3"
PERFENG_STORE=$URL run_pe runs list --json
is "$(printf '%s' "$PE_OUT" | jq -c '[.[].id]')" '[1,2]' "PERFENG_STORE may be the URL"

# --- an unreachable server ---------------------------------------------------------------------
BAD='postgres:///x?host=/nonexistent'
run_pe runs list --store "$BAD"
rc_is 3 "runs list on an unreachable server: exit 3"
like "$PE_ERR" "^perfeng: error: cannot connect to postgres:///x\?host=/nonexistent: " "the message names the URL"
run_pe bench --save api --store "$BAD" -r 3 -p "$H/pe-count $T/ran" "$H/pe-exit 0"
rc_is 3 "bench --save to an unreachable server: exit 3"
like "$PE_ERR" "cannot connect to postgres:///x\?host=/nonexistent" "the message names the URL"
is "$(lines "$T/ran")" 0 "before any run"
run_pe history --store "$BAD" api
rc_is 3 "history on an unreachable server: exit 3"
run_pe compare --store "$BAD" api@latest~1 api
rc_is 3 "compare on an unreachable server: exit 3"

# --- passwords never show ------------------------------------------------------------------------
PW=s3cretpw
host=${URL#*host=}
host=${host%%&*}
GOOD="postgres://perfeng:$PW@/postgres?host=$host"	# trust authentication: the password is ignored
all_output=$T/all-output
: >"$all_output"
pw_run() { # ARGS...: run_pe ARGS, keeping everything it printed
	run_pe "$@"
	printf '%s\n%s\n' "$PE_OUT" "$PE_ERR" >>"$all_output"
}
pw_run bench --save pw -r 2 --store "$GOOD" "$H/pe-exit 0"
rc_is 0 "bench --save with a password in the URL: exit 0"
like "$PE_ERR" "saved as run [0-9]+ \(pw\) in postgres://perfeng@/postgres\?host=" "stderr names the store with the password elided"
pw_run runs list --store "$GOOD"
pw_run history --store "$GOOD" pw
pw_run compare --store "$GOOD" pw pw
pw_run runs show --store "$GOOD" nosuch
like "$PE_ERR" "no run named 'nosuch'" "(an error from the store)"
for u in "postgres://perfeng:$PW@/nodb?host=$host" "postgresql://perfeng:$PW@/nodb?host=$host" \
	"postgres:///nodb?host=$host&user=perfeng&password=$PW" "postgres://perfeng:$PW@localhost:1/nodb" \
	"postgres://perfeng:s3cret%40pw@/nodb?host=$host"; do
	pw_run runs list --store "$u"
	rc_is 3 "a URL with a password and no such database or server: exit 3"
	like "$PE_ERR" "^perfeng: error: cannot connect to postgres(ql)?://" "the message names the URL"
	pw_run bench --save pw -r 1 --store "$u" "$H/pe-exit 0"
	rc_is 3 "bench --save to it: exit 3"
done
is "$(grep -c s3cret "$all_output")" 0 "the password appears in no output of any of these commands"
grep -q s3cret "$all_output" && diag "$(grep s3cret "$all_output")"

# runs list --json and runs show print the command line the run was saved with
run_pe runs show --store "$URL" pw --json
unlike "$(printf '%s' "$PE_OUT" | jq -r .command_line)" s3cret "the run saved with a password URL does not hold the password"

done_testing
