#!/bin/bash
# A tiny TAP library for perfeng's end-to-end tests; each tests/e2e/t*.sh
# sources it. It writes TAP to stdout (run the scripts with `prove`), gives
# each script a temporary directory $T that is removed on exit, and runs
# perfeng with a time limit so that a hang fails instead of blocking CI.
#
#   . "$(dirname "$0")/lib.sh"
#   plan 3                       # or done_testing at the end
#   run_pe bench -r 2 "$H/pe-exit 0"
#   is "$PE_RC" 0 "exits 0"
#   like "$PE_OUT" 'Benchmark 1:' "prints the benchmark"
#   jq_is "$T/r.json" '.results|length' 1 "one result"
#
# The binary is $PERFENG_BIN and the build directory $PERFENG_BUILD (the
# Makefile's test target exports both); by hand from the repository root the
# defaults ./perfeng and ./obj apply. Helper programs are in $H.

# Run by itself (prove tests/e2e/ runs every .sh, see .proverc) it is no test.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	echo "1..0 # SKIP the library of the e2e tests, sourced by them"
	exit 0
fi

set -u

PERFENG_BIN=${PERFENG_BIN:-./perfeng}
PERFENG_BUILD=${PERFENG_BUILD:-./obj}
case $PERFENG_BIN in /*) ;; *) PERFENG_BIN=$PWD/$PERFENG_BIN ;; esac
case $PERFENG_BUILD in /*) ;; *) PERFENG_BUILD=$PWD/$PERFENG_BUILD ;; esac
H=$PERFENG_BUILD/tests/helpers
# The time limit of one perfeng run, in seconds; then SIGTERM, and SIGKILL 5 s later.
PE_TIMEOUT=${PE_TIMEOUT:-60}
# perfeng's messages must not depend on the terminal or the colour setting.
export NO_COLOR=1

_tap_n=0
_tap_failed=0
_tap_planned=
_tap_todo=

T=$(mktemp -d "${TMPDIR:-/tmp}/perfeng-e2e.XXXXXX") || { echo "Bail out! cannot create a temporary directory"; exit 1; }

# Kills whatever a test left running with $T in its command line (every
# helper a test starts names a file under $T or takes $T as a marker
# argument), then removes $T.
_tap_cleanup() {
	local pids
	pids=$(pgrep -f -- "$T" 2>/dev/null | grep -vx "$$" || true)
	[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
	rm -rf "$T"
}

_tap_exit() {
	local rc=$?
	_tap_cleanup
	if [ -n "$_tap_planned" ] && [ "$_tap_planned" != "$_tap_n" ]; then
		echo "# planned $_tap_planned tests but ran $_tap_n"
		[ "$rc" -eq 0 ] && rc=255
	fi
	[ "$_tap_failed" -gt 0 ] && [ "$rc" -eq 0 ] && rc=1
	exit "$rc"
}
trap _tap_exit EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

[ -x "$PERFENG_BIN" ] || { echo "Bail out! no perfeng binary at $PERFENG_BIN (set PERFENG_BIN)"; exit 1; }
[ -d "$H" ] || { echo "Bail out! no helpers in $H (make build-tests; set PERFENG_BUILD)"; exit 1; }

plan() {
	_tap_planned=$1
	echo "1..$1"
}

done_testing() {
	echo "1..$_tap_n"
	_tap_planned=$_tap_n
}

# skip_all REASON: the whole script has nothing to test here.
skip_all() {
	echo "1..0 # SKIP $*"
	_tap_planned=0
	exit 0
}

# diag TEXT...: each line as a TAP comment; at most 60 lines per call.
diag() {
	printf '%s\n' "$@" | awk 'NR <= 60 { print "# " $0 } END { if (NR > 60) print "# ... (" NR - 60 " more lines)" }'
}

# todo REASON: the next test is expected to fail, for REASON (a known bug).
todo() {
	_tap_todo=$*
}

# pass DESC / fail DESC [DIAGNOSTIC...]: report one test.
pass() {
	_tap_n=$((_tap_n + 1))
	if [ -n "$_tap_todo" ]; then
		echo "ok $_tap_n - $1 # TODO $_tap_todo"
		_tap_todo=
	else
		echo "ok $_tap_n - $1"
	fi
}

fail() {
	local desc=$1
	shift
	_tap_n=$((_tap_n + 1))
	if [ -n "$_tap_todo" ]; then
		echo "not ok $_tap_n - $desc # TODO $_tap_todo"
		_tap_todo=
	else
		echo "not ok $_tap_n - $desc"
		_tap_failed=$((_tap_failed + 1))
	fi
	[ $# -gt 0 ] && diag "$@"
	return 0
}

# skip DESC REASON: a test that cannot be run here.
skip() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1 # SKIP $2"
}

# ok DESC CMD [ARGS...]: passes when CMD exits 0.
ok() {
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1) && rc=0 || rc=$?
	if [ "$rc" -eq 0 ]; then
		pass "$desc"
	else
		fail "$desc" "command: $*" "exit code: $rc" ${out:+"output: $out"}
	fi
}

# is GOT EXPECTED DESC: exact string equality.
is() {
	if [ "$1" = "$2" ]; then
		pass "$3"
	else
		fail "$3" "     got: '$1'" "expected: '$2'"
	fi
}

isnt() {
	if [ "$1" != "$2" ]; then
		pass "$3"
	else
		fail "$3" "     got: '$1'" "expected anything else"
	fi
}

# like TEXT REGEX DESC: TEXT (possibly many lines) matches the extended regex
# somewhere. unlike: it matches nowhere.
like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		pass "$3"
	else
		fail "$3" "text:" "$1" "does not match: /$2/"
	fi
}

unlike() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		fail "$3" "text:" "$1" "matches: /$2/"
	else
		pass "$3"
	fi
}

# num_ok A OP B DESC: numeric comparison of decimals (OP: < <= > >= == !=).
num_ok() {
	if awk -v a="$1" -v b="$3" -v op="$2" 'BEGIN {
		if (a !~ /^-?[0-9.]+([eE][-+]?[0-9]+)?$/ || b !~ /^-?[0-9.]+([eE][-+]?[0-9]+)?$/) exit 1
		a += 0; b += 0
		r = (op == "<") ? a < b : (op == "<=") ? a <= b : (op == ">") ? a > b : \
		    (op == ">=") ? a >= b : (op == "==") ? a == b : (op == "!=") ? a != b : 0
		exit !r }'; then
		pass "$4"
	else
		fail "$4" "expected: $1 $2 $3"
	fi
}

# run_pe ARGS...: runs perfeng ARGS with stdin from /dev/null and a time
# limit; stdout goes to $T/out and $PE_OUT, stderr to $T/err and $PE_ERR,
# the exit status to $PE_RC (124 or 137: it ran past $PE_TIMEOUT seconds).
run_pe() {
	timeout -k 5 "$PE_TIMEOUT" "$PERFENG_BIN" "$@" </dev/null >"$T/out" 2>"$T/err" && PE_RC=0 || PE_RC=$?
	PE_OUT=$(cat "$T/out")
	PE_ERR=$(cat "$T/err")
	if [ "$PE_RC" -eq 124 ] || [ "$PE_RC" -eq 137 ]; then
		diag "perfeng $* ran past ${PE_TIMEOUT}s and was killed"
	fi
}

# rc_is EXPECTED DESC: $PE_RC of the last run_pe, with its stderr on failure.
rc_is() {
	if [ "$PE_RC" = "$1" ]; then
		pass "$2"
	else
		fail "$2" "exit code: $PE_RC, expected $1" "stderr:" "$PE_ERR"
	fi
}

# jq_is FILE FILTER EXPECTED DESC: `jq -c FILTER FILE` prints exactly EXPECTED.
jq_is() {
	local got
	got=$(jq -c "$2" "$1" 2>&1)
	if [ "$got" = "$3" ]; then
		pass "$4"
	else
		fail "$4" "jq: $2" "     got: $got" "expected: $3"
	fi
}

# jq_ok FILE FILTER DESC: FILTER yields true.
jq_ok() {
	local got
	got=$(jq -c "$2" "$1" 2>&1)
	if [ "$got" = true ]; then
		pass "$3"
	else
		fail "$3" "jq: $2" "gave: $got"
	fi
}

# jqr FILE FILTER: the raw value, for use in other assertions.
jqr() {
	jq -r "$2" "$1"
}

# procs_with TEXT: ids of the processes whose command line contains TEXT
# (not this shell); empty when none.
procs_with() {
	pgrep -f -- "$1" 2>/dev/null | grep -vx "$$" | tr '\n' ' ' | sed 's/ $//'
}

# wait_for SECONDS CMD...: polls CMD every 50 ms until it succeeds; 1 when
# SECONDS pass first.
wait_for() {
	local deadline=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -ge "$deadline" ] && return 1
		sleep 0.05
	done
}

# lines FILE: the number of lines in FILE, 0 when it does not exist.
lines() {
	if [ -f "$1" ]; then wc -l <"$1" | tr -d ' '; else echo 0; fi
}

# httpd_start [ARGS...]: starts tests/helpers/pe-httpd on a free loopback
# port (stopped after 120 s in any case) and sets SPID, PORT and U (its
# base URL). The caller's EXIT trap kills $SPID.
httpd_start() {
	"$H/pe-httpd" -p 0 -T 120 "$@" >"$T/httpd.out" 2>"$T/httpd.err" &
	SPID=$!
	wait_for 10 grep -q '^port [0-9][0-9]*$' "$T/httpd.out" || { echo "Bail out! pe-httpd did not start"; exit 1; }
	PORT=$(sed -n '1s/^port //p' "$T/httpd.out")
	U=http://127.0.0.1:$PORT
}

# js_deps DIR PACKAGE: the locked npm packages of tests/helpers/DIR installed
# once (npm ci) when PACKAGE is not there yet; bails out the test when that
# fails. Sets JS to the directory.
js_deps() {
	JS=$(cd "$(dirname "$0")/../helpers/$1" && pwd)
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
		fail "node and npm are installed (make deps)"
		done_testing
		exit 1
	fi
	[ -f "$JS/node_modules/$2/package.json" ] && return 0
	if ! (cd "$JS" && npm ci --no-audit --no-fund) >"$T/npm.log" 2>&1; then
		fail "npm ci installs $2 in tests/helpers/$1" "$(tail -20 "$T/npm.log")"
		done_testing
		exit 1
	fi
}
