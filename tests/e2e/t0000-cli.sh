#!/bin/bash
# The command line in general: help, version, dispatch, usage errors, and
# that docs/bench.md and `perfeng bench --help` name the same options.
. "$(dirname "$0")/lib.sh"

DOCS=$(dirname "$0")/../../docs/bench.md

run_pe --help
rc_is 0 "--help exits 0"
like "$PE_OUT" '^usage: perfeng ' "--help prints the usage on stdout"
like "$PE_OUT" '^ +bench +[a-z]' "--help lists the bench command"
is "$PE_ERR" "" "--help writes nothing to stderr"

run_pe -h
rc_is 0 "-h exits 0"

run_pe --version
rc_is 0 "--version exits 0"
like "$PE_OUT" '^perfeng 0\.1\.0 \(([^()]*-g)?[0-9a-f]{7,40}(-dirty)?\)$' "--version prints 'perfeng 0.1.0 (' and a commit id"
is "$(printf '%s\n' "$PE_OUT" | wc -l | tr -d ' ')" 1 "--version prints one line"

run_pe help bench
rc_is 0 "help bench exits 0"
cp "$T/out" "$T/help-bench"
run_pe bench --help
rc_is 0 "bench --help exits 0"
ok "help bench and bench --help print the same bytes" cmp "$T/help-bench" "$T/out"
like "$PE_OUT" '^usage: perfeng bench \[options\] <command>\.\.\.' "bench --help starts with its usage line"
HELP=$PE_OUT
run_pe bench -h
ok "bench -h prints the same as bench --help" cmp "$T/help-bench" "$T/out"

run_pe frobnicate
rc_is 2 "an unknown command exits 2"
like "$PE_ERR" "'frobnicate' is not a perfeng command" "the message names the unknown command"
is "$PE_OUT" "" "an unknown command prints nothing on stdout"

run_pe help frobnicate
rc_is 2 "help of an unknown command exits 2"
like "$PE_ERR" "'frobnicate'" "and names it"

run_pe
rc_is 2 "no arguments exit 2"
like "$PE_ERR" '^usage: perfeng ' "no arguments print the usage on stderr"
is "$PE_OUT" "" "no arguments print nothing on stdout"

# --- each command's doc and its --help name the same options -----------------
# The option column of --help: lines that begin with spaces and a dash.
help_options() {
	"$PERFENG_BIN" "$1" --help | sed -n 's/^ \{4,\}\(-[^ ,]*\(, --[^ ]*\)\{0,1\}\).*/\1/p' |
		tr ',' '\n' | tr -d ' ' | grep -E '^-' | sort -u
}
# The first cell of the rows of the options table under heading $2 of doc $1.
doc_options() {
	awk -v h="$2" 'index($0, h) == 1 { on = 1; next } on && /^## / { on = 0 } on' "$1" |
		grep -E '^\| `-' | cut -d'|' -f2 |
		grep -oE -- '(^|[ `,])--?[A-Za-z][A-Za-z-]*' | sed 's/^[ `,]//' | sort -u
}
check_docs() {	# command doc heading minimum
	local cmd=$1 doc=$2 heading=$3 min=$4 help_opts doc_opts o missing=
	help_opts=$(help_options "$cmd")
	doc_opts=$(doc_options "$doc" "$heading")
	num_ok "$(printf '%s\n' "$help_opts" | grep -c .)" '>=' "$min" "$cmd --help shows at least $min options (the parse of --help works)"
	num_ok "$(printf '%s\n' "$doc_opts" | grep -c .)" '>=' "$min" "$doc '$heading' has at least $min options (the parse of the docs works)"
	for o in $help_opts; do
		printf '%s\n' "$doc_opts" | grep -qxF -- "$o" || missing="$missing $o"
	done
	is "$missing" "" "every option of $cmd --help is in $doc's options table"
	missing=
	# -h/--help is handled before the option table, so --help does not list itself.
	for o in $doc_opts; do
		case $o in -h | --help) continue ;; esac
		printf '%s\n' "$help_opts" | grep -qxF -- "$o" || missing="$missing $o"
	done
	is "$missing" "" "every option of $doc's table for $cmd is in $cmd --help"
}
DOCDIR=$(dirname "$0")/../../docs
check_docs bench "$DOCS" "## Options" 30
check_docs compare "$DOCDIR/compare.md" "## Options" 6
check_docs history "$DOCDIR/history.md" "## Options" 6
check_docs runs "$DOCDIR/store.md" '## `perfeng runs`' 4
check_docs import "$DOCDIR/store.md" '## `perfeng import`' 3
check_docs load "$DOCDIR/load.md" "## Options" 12
check_docs merge "$DOCDIR/merge.md" "## Options" 5
check_docs profile "$DOCDIR/profile.md" "## Options" 15
check_docs flamegraph "$DOCDIR/flamegraph.md" '## `perfeng flamegraph` options' 12
check_docs diff "$DOCDIR/flamegraph.md" '## `perfeng diff` options' 8
check_docs diagnose "$DOCDIR/diagnose.md" "## Options" 8
check_docs observe "$DOCDIR/observe.md" "## Options" 7

# Every long option docs/bench.md mentions anywhere exists.
help_opts=$(help_options bench)
missing=
for o in $(grep -oE -- '--[a-z][a-z-]+' "$DOCS" | sort -u); do
	printf '%s\n' "$help_opts" | grep -qxF -- "$o" || case $o in --help) ;; *) missing="$missing $o" ;; esac
done
is "$missing" "" "every --option that docs/bench.md mentions is a real option"

# perfeng help CMD is CMD --help for every command in the table.
for c in $("$PERFENG_BIN" --help | awk '/^    [a-z]/ { print $1 }'); do
	a=$("$PERFENG_BIN" help "$c"; echo "rc=$?")
	b=$("$PERFENG_BIN" "$c" --help; echo "rc=$?")
	is "$a" "$b" "perfeng help $c is perfeng $c --help"
done

done_testing
