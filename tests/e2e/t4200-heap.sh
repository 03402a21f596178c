#!/bin/bash
# perfeng heap -- CMD: allocations, frees, bytes, the peak, leaks and their
# stacks, exact on tests/helpers/pe-heap.c (whose heap use is known by
# construction: see its comment) and cross-checked with valgrind's own
# counts on the same program (valgrind replaces malloc itself, so the two
# count independently). C++'s operator new and delete on a program built
# here with g++, against valgrind too. Children with and without
# --follow-fork, a program ended by a signal, flame graphs, --fail-on leak
# both ways, --save, and the documented failures.
. "$(dirname "$0")/lib.sh"

HEAP=$H/pe-heap
[ -x "$HEAP" ] || { echo "Bail out! no $HEAP (make build-tests)"; exit 1; }
export PERFENG_STORE=$T/store.db

# valgrind FIELD: from "total heap usage: A allocs, F frees, B bytes allocated" of $T/vg.txt
vg() { sed -n 's/.*total heap usage: \([0-9,]*\) allocs, \([0-9,]*\) frees, \([0-9,]*\) bytes allocated.*/\1 \2 \3/p' "$T/vg.txt" | tr -d , | cut -d' ' -f"$1"; }

run_pe heap --json -- "$HEAP"
rc_is 0 "heap --json -- pe-heap: exit 0"
echo "$PE_OUT" >"$T/h.json"
jq_is "$T/h.json" '[.allocations, .frees, .bytes_allocated]' '[1115,1112,10527660]' \
	"1115 allocations, 1112 frees, 10527660 bytes (by construction)"
jq_is "$T/h.json" '[.leaked_bytes, .leaked_allocations]' '[3000,3]' "3000 bytes leaked in 3 allocations"
jq_is "$T/h.json" '.peak_bytes' 10517760 "the peak: 10 MiB held by peak_phase + the 32000 of make_small"
jq_is "$T/h.json" '.temporary' 102 "102 temporary allocations"
jq_is "$T/h.json" '[.top.leaked[] | select(.samples > 0) | [.function, .samples]]' '[["leaky",3000]]' \
	"the leak's stack names leaky"
jq_is "$T/h.json" '[.top.allocated[] | select(.samples > 0) | [.function, .samples]]' \
	'[["peak_phase",10485760],["make_small",32000],["temporary",6400],["leaky",3000],["grow",500]]' \
	"bytes allocated by function"
jq_is "$T/h.json" '[.top.peak[] | select(.samples > 0) | [.function, .samples]]' \
	'[["peak_phase",10485760],["make_small",32000]]' "live at the peak by function"
jq_is "$T/h.json" '[.lost_events, .unknown_frees, .processes]' '[0,0,1]' "no event lost, every free paired, 1 process"
if command -v valgrind >/dev/null; then
	valgrind --leak-check=full "$HEAP" >"$T/vg.txt" 2>&1
	is "$(vg 1) $(vg 2) $(vg 3)" "1115 1112 10527660" "valgrind counts the same allocations, frees and bytes"
	like "$(cat "$T/vg.txt")" 'in use at exit: 3,000 bytes in 3 blocks' "and the same 3000 bytes in 3 blocks at exit"
else
	fail "valgrind is installed (make deps)"
fi

# --- the text, and the top tables ---------------------------------------------------------------
run_pe heap -- "$HEAP"
like "$PE_OUT" 'allocations  1115 \(10\.0 MiB\), frees 1112, temporary 102' "text: the totals"
like "$PE_OUT" 'leaked       3000 bytes \(3 KiB\) in 3 allocations' "text: the leak"
like "$PE_OUT" 'bytes leaked \(still allocated at exit\), by function:' "text: the leak's table"

# --- C++: operator new and delete (plain, array, aligned, nothrow) ----------------------------------
if command -v g++ >/dev/null; then
	cat >"$T/t.cc" <<'EOF'
#include <new>
struct S { char b[48]; };
__attribute__((noinline)) void news() { for (int i = 0; i < 10; i++) { S *volatile s = new S; delete s; } }
__attribute__((noinline)) void arrays() { int *volatile a = new int[100]; delete[] a; }
__attribute__((noinline)) void aligned() { struct alignas(64) A { char c[64]; }; A *volatile a = new A; delete a; }
__attribute__((noinline)) void nothrow() { S *volatile s = new (std::nothrow) S; delete s; }
__attribute__((noinline)) void leak_new() { S *volatile s = new S; (void)s; }
int main() { news(); arrays(); aligned(); nothrow(); leak_new(); return 0; }
EOF
	g++ -O1 -g -o "$T/cxx" "$T/t.cc"
	run_pe heap --json -- "$T/cxx"
	echo "$PE_OUT" >"$T/cxx.json"
	jq_is "$T/cxx.json" '[.top.allocated[] | select(.function | test("\\(\\)$")) | [.function, .samples]]' \
		'[["news()",480],["arrays()",400],["aligned()",64],["leak_new()",48],["nothrow()",48]]' \
		"C++: every form of new counted once, by the function that called it"
	jq_is "$T/cxx.json" '[.top.leaked[] | select(.function == "leak_new()") | .samples]' '[48]' "C++: the leaked new names leak_new()"
	valgrind "$T/cxx" >"$T/vg.txt" 2>&1
	# valgrind calls libstdc++'s __gnu_cxx::__freeres at exit, which frees its emergency
	# exception pool; a normal exit does not, so perfeng sees one free fewer
	is "$(jq -c '[.allocations, .frees + 1, .bytes_allocated]' "$T/cxx.json")" "[$(vg 1),$(vg 2),$(vg 3)]" \
		"C++: valgrind's allocations and bytes (and its frees, but the pool it frees at exit)"
else
	fail "g++ is installed (make deps)"
fi

# --- children, signals ---------------------------------------------------------------------------------
run_pe heap --json -- "$HEAP" fork
jq_is "$T/out" '[.processes, .allocations, .leaked_bytes]' '[1,1115,3000]' "a child is not recorded by default"
run_pe heap --json --follow-fork -- "$HEAP" fork
jq_is "$T/out" '[.processes, .allocations, .leaked_bytes]' '[2,1116,8555]' \
	"--follow-fork: the child's malloc(5555), leaked at its _exit, is counted"
run_pe heap --json -- "$HEAP" term
jq_is "$T/out" '[.status, .allocations, .leaked_bytes]' '["signaled",1115,3000]' \
	"a program ended by SIGTERM: every event still written"
like "$PE_ERR" 'did not exit normally' "and a warning says it ended early"
run_pe heap --json -- "$HEAP" kill
rc_is 0 "SIGKILL: still a report, exit 0"
like "$PE_ERR" 'killed by SIGKILL, which cannot be caught' "and the warning says what that costs"

# --- flame graphs --------------------------------------------------------------------------------------------
run_pe heap -o "$T/a.folded" -o "$T/a.svg" -o "$T/a.pb.gz" -o "$T/a.speedscope.json" -- "$HEAP"
rc_is 0 "-o in four formats: exit 0"
is "$(awk '{ s += $NF } END { print s }' "$T/a.folded")" 10527660 "folded (allocated): the bytes add up to the total"
ok "the SVG is well-formed XML" xmllint --noout "$T/a.svg"
jq_is "$T/a.speedscope.json" '.profiles[0].unit' '"bytes"' "speedscope: unit bytes"
run_pe heap --measure leaked -o "$T/l.folded" -- "$HEAP"
like "$(cat "$T/l.folded")" 'main;leaky 3000$' "--measure leaked: main;leaky 3000"
run_pe heap --measure count -o "$T/c.folded" -- "$HEAP"
is "$(awk '{ s += $NF } END { print s }' "$T/c.folded")" 1115 "--measure count: 1115 allocations"

# --- --fail-on leak, both ways; --save -------------------------------------------------------------------------
run_pe heap --fail-on leak -- "$HEAP"
rc_is 1 "--fail-on leak with a leak: exit 1"
run_pe heap --fail-on leak -- "$HEAP" noleak
rc_is 0 "--fail-on leak without one: exit 0"
run_pe heap --save mem -- "$HEAP"
rc_is 0 "--save: exit 0"
run_pe runs show mem --json
jq_is "$T/out" '[.kind, ([.metrics[] | {(.name): .mean}] | add)]' \
	'["heap",{"heap_peak":10517760,"leaked":3000,"allocated":10527660,"allocations":1115}]' \
	"the saved run: kind heap, peak, leaked, allocated, allocations"

# --- failures ----------------------------------------------------------------------------------------------------
run_pe heap
rc_is 2 "no command: exit 2"
run_pe heap --measure size -o "$T/x.svg" -- "$HEAP"
rc_is 2 "--measure size: exit 2"
run_pe heap --measure leaked -- "$HEAP"
rc_is 2 "--measure without -o: exit 2"
run_pe heap -o "$T/x.png" -- "$HEAP"
rc_is 2 "-o x.png: exit 2"
run_pe heap --fail-on nothing -- "$HEAP"
rc_is 2 "--fail-on nothing: exit 2"
PERFENG_HEAP_LIB=$T/nonexistent.so run_pe heap -- "$HEAP"
rc_is 3 "PERFENG_HEAP_LIB that does not exist: exit 3"
like "$PE_ERR" "PERFENG_HEAP_LIB '.*nonexistent\.so'" "and the message names it"
if [ -x /sbin/ldconfig ] && file /sbin/ldconfig 2>/dev/null | grep -q static; then
	run_pe heap -- /sbin/ldconfig -p
	rc_is 3 "a statically linked program (ldconfig): exit 3"
	like "$PE_ERR" "did not load perfeng's interposer \(statically linked" "and the message says why"
fi
run_pe heap -- "$T/nonexistent"
rc_is 3 "a command that does not exist: exit 3"

done_testing
