#!/bin/bash
# perfeng bench --save/--tag/--store (docs/store.md, docs/bench.md): what a
# saved run holds (every sample of the export, the git state), names for
# several commands, tags, and the errors that must come before any run.
. "$(dirname "$0")/lib.sh"

export PERFENG_STORE=$T/results.db
CMD="$H/pe-spin 2"

# A git repository with one commit; perfeng reads the git state of its
# working directory. No user or system git configuration is read.
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
mkdir "$T/repo"
git -C "$T/repo" init -q -b main
echo one >"$T/repo/file"
git -C "$T/repo" add file
git -C "$T/repo" commit -q -m one
HEAD=$(git -C "$T/repo" rev-parse HEAD)

# --- two saves of one name ---------------------------------------------------------------
cd "$T/repo" || exit 1
run_pe bench --save api -r 5 --export-json "$T/e1.json" "$CMD"
rc_is 0 "bench --save api in a clean repository: exit 0"
like "$PE_ERR" "^perfeng: saved as run 1 \(api\) in $T/results\.db$" "stderr says which run it saved, and where"
echo two >>"$T/repo/file"
run_pe bench -q --save api -r 5 --export-json "$T/e2.json" "$CMD"
rc_is 0 "bench --save api again, with a tracked file modified: exit 0"
cd "$T" || exit 1

run_pe runs list --json
rc_is 0 "runs list --json: exit 0"
echo "$PE_OUT" >"$T/list.json"
jq_is "$T/list.json" '[.[].name]' '["api","api"]' "the store holds exactly two runs, both named api"
jq_is "$T/list.json" '[.[].id]' '[1,2]' "with ids 1 and 2, oldest first"
jq_is "$T/list.json" '[.[].kind]' '["bench","bench"]' "both of kind bench"

for k in 1 2; do
	run_pe runs show "$k" --json
	echo "$PE_OUT" >"$T/show$k.json"
	jq_is "$T/show$k.json" '[.metrics[]|select(.name=="wall")|.n]' '[5]' "run $k: one wall metric, of 5 samples"
	jq_is "$T/show$k.json" '.metrics[]|select(.name=="wall")|.unit' '"s"' "run $k: wall is in seconds"
	jq_ok "$T/show$k.json" '.metrics[]|select(.name=="wall")|.higher_is_better == false' "run $k: lower wall is better"
	times=$(jq -c '.results[0].times' "$T/e$k.json")
	jq_ok "$T/show$k.json" "[.metrics[]|select(.name==\"wall\")|.samples] as [\$s] | $times as \$t |
		(\$s|length) == 5 and ([range(5) | ((\$s[.] - \$t[.])|fabs) <= 1e-12 * \$t[.]] | all)" \
		"run $k: the wall samples are the times of --export-json, in order"
	mean=$(jq '.results[0].mean' "$T/e$k.json")
	jq_ok "$T/show$k.json" ".metrics[]|select(.name==\"wall\")|((.mean - $mean)|fabs) <= 1e-12 * $mean" \
		"run $k: the wall mean is the export's mean"
	for m in user system; do
		jq_is "$T/show$k.json" "[.metrics[]|select(.name==\"$m\")|.n]" '[5]' "run $k: $m has 5 samples too"
	done
	jq_is "$T/show$k.json" '.git.commit' "\"$HEAD\"" "run $k: git.commit is the repository's HEAD"
	jq_is "$T/show$k.json" '.git.branch' '"main"' "run $k: git.branch is main"
	jq_is "$T/show$k.json" '.tags' '[]' "run $k: no tags"
done
jq_is "$T/show1.json" '.git.dirty' false "run 1 (clean work tree): git.dirty is false"
jq_is "$T/show2.json" '.git.dirty' true "run 2 (a tracked file modified): git.dirty is true"
jq_ok "$T/show1.json" '.command_line | startswith("perfeng bench --save api -r 5")' "the run keeps perfeng's command line"
jq_ok "$T/show1.json" '.environment | (.cores|type) == "number" and .cores >= 1 and (.kernel|length) > 0' \
	"the run keeps the environment: cores, kernel"
jq_ok "$T/show1.json" '.ended_us >= .started_us and .started_us > 1500000000000000' "started_us <= ended_us, in microseconds of Unix time"

# Outside a repository, a run has no git state.
run_pe bench -q --save nogit -r 2 "$CMD"
rc_is 0 "bench --save outside a repository: exit 0"
run_pe runs show nogit --json
echo "$PE_OUT" >"$T/nogit.json"
jq_is "$T/nogit.json" '.git' null "outside a repository: git is null"

# --- several commands: NAME/<command name> ------------------------------------------------
run_pe bench -q --save multi -r 2 -n fast -n slow "$H/pe-exit 0" "$H/pe-spin 1"
rc_is 0 "bench --save multi with two named commands: exit 0"
run_pe runs list --json
echo "$PE_OUT" >"$T/list.json"
jq_is "$T/list.json" '[.[]|select(.name|startswith("multi"))|.name]' '["multi/fast","multi/slow"]' \
	"two runs, named multi/fast and multi/slow"
run_pe bench -q --save unnamed -r 1 "$H/pe-exit 0" "$H/pe-spin 1"
rc_is 0 "bench --save unnamed with two commands, no -n: exit 0"
run_pe runs list --json
echo "$PE_OUT" >"$T/list.json"
jq_is "$T/list.json" '[.[]|select(.name|startswith("unnamed"))|.name]' "[\"unnamed/$H/pe-exit 0\",\"unnamed/$H/pe-spin 1\"]" \
	"without -n: unnamed/<the command>"

# --- tags ---------------------------------------------------------------------------------------
run_pe bench -q --save tagged --tag v1.4 --tag nightly -r 2 "$CMD"
rc_is 0 "bench --save --tag v1.4 --tag nightly: exit 0"
run_pe runs show tagged --json
echo "$PE_OUT" >"$T/tagged.json"
jq_is "$T/tagged.json" '.tags' '["nightly","v1.4"]' "the run carries both tags"
run_pe runs list --tag v1.4 --json
echo "$PE_OUT" >"$T/list.json"
jq_is "$T/list.json" '[.[].name]' '["tagged"]' "runs list --tag v1.4 finds it alone"

# --- errors before any run ----------------------------------------------------------------------
nruns() { "$PERFENG_BIN" runs list --json 2>/dev/null | jq length; }
before=$(nruns)

run_pe bench --tag v1 -r 1 -p "$H/pe-count $T/ran" "$CMD"
rc_is 2 "--tag without --save: exit 2"
like "$PE_ERR" '^perfeng bench: --tag and --store need --save NAME$' "the message says --tag needs --save"
run_pe bench --store "$T/other.db" -r 1 -p "$H/pe-count $T/ran" "$CMD"
rc_is 2 "--store without --save: exit 2"
ok "--store without --save creates no store" test ! -e "$T/other.db"

mkdir "$T/adir"
run_pe bench --save api --store "$T/adir" -r 3 -p "$H/pe-count $T/ran" "$CMD"
rc_is 3 "a store path that is a directory: exit 3"
like "$PE_ERR" "'$T/adir'" "the message names the directory"

head -c 4096 /dev/urandom >"$T/garbage"
cp "$T/garbage" "$T/garbage.orig"
run_pe bench --save api --store "$T/garbage" -r 3 -p "$H/pe-count $T/ran" "$CMD"
rc_is 3 "a store file of garbage: exit 3"
like "$PE_ERR" "^perfeng: error: '$T/garbage' is not a perfeng store" "the message names the file and says it is not a perfeng store"
ok "the garbage file is byte-for-byte as it was" cmp "$T/garbage" "$T/garbage.orig"
is "$(ls "$T" | grep -c '^garbage-')" 0 "no -wal or -shm file is left beside it"

printf 'my notes\n' >"$T/notes.txt"
cp "$T/notes.txt" "$T/notes.orig"
run_pe bench --save api --store "$T/notes.txt" -r 3 -p "$H/pe-count $T/ran" "$CMD"
rc_is 3 "a store file of text: exit 3"
ok "the text file is byte-for-byte as it was" cmp "$T/notes.txt" "$T/notes.orig"

if command -v sqlite3 >/dev/null 2>&1; then
	sqlite3 "$T/foreign.db" 'CREATE TABLE t (x); INSERT INTO t VALUES (42);'
	cp "$T/foreign.db" "$T/foreign.orig"
	run_pe bench --save api --store "$T/foreign.db" -r 3 -p "$H/pe-count $T/ran" "$CMD"
	rc_is 3 "an SQLite database of another program: exit 3"
	like "$PE_ERR" "'$T/foreign\.db' is not a perfeng store" "the message says it is not a perfeng store"
	ok "the foreign database is byte-for-byte as it was" cmp "$T/foreign.db" "$T/foreign.orig"
else
	skip "an SQLite database of another program is refused" "no sqlite3 (scripts/install-deps.sh installs it)"
fi
is "$(lines "$T/ran")" 0 "none of these errors let a single run (or its prepare hook) happen"
is "$(nruns)" "$before" "and the store holds as many runs as before"

# Bad names and tags are usage errors, refused before the benchmark rather than
# after it (the measurements would be lost).
run_pe bench -q --save 123 -r 2 -p "$H/pe-count $T/ran" "$CMD"
if [ "$PE_RC" = 2 ] && [ "$(lines "$T/ran")" = 0 ]; then pass "--save 123 (would read as an id): exit 2 before any run"; else fail "--save 123 (would read as an id): exit 2 before any run" "exit $PE_RC, $(lines "$T/ran") runs" "$PE_ERR"; fi
rm -f "$T/ran"
run_pe bench -q --save api --tag latest -r 2 -p "$H/pe-count $T/ran" "$CMD"
if [ "$PE_RC" = 2 ] && [ "$(lines "$T/ran")" = 0 ]; then pass "--tag latest: exit 2 before any run"; else fail "--tag latest: exit 2 before any run" "exit $PE_RC, $(lines "$T/ran") runs" "$PE_ERR"; fi
rm -f "$T/ran"
is "$(nruns)" "$before" "neither saved anything"

# --- an interrupted benchmark saves nothing ---------------------------------------------------
finished_runs() { [ "$(lines "$T/done")" -ge "$1" ]; }
timeout -k 5 "$PE_TIMEOUT" "$PERFENG_BIN" bench --save api -r 1000 --conclude "$H/pe-count $T/done" \
	"$H/pe-sleep 20 $T" </dev/null >"$T/out" 2>"$T/err" &
tpid=$!
wait_for 30 finished_runs 2 || diag "perfeng made no 2 runs in 30 s"
kill -TERM "$(pgrep -P "$tpid")"
wait "$tpid" && PE_RC=0 || PE_RC=$?
PE_ERR=$(cat "$T/err")
rc_is 130 "an interrupted bench --save: exit 130"
like "$PE_ERR" 'interrupted: nothing saved to the store' "stderr says nothing was saved"
is "$(nruns)" "$before" "the store holds as many runs as before"

done_testing
