#!/bin/bash
# perfeng profile: shares of a workload with known CPU split, symbols from a
# shared library, a PIE executable, stripped binaries with debug files, JIT
# maps, inlined frames and lines, DWARF unwinding, attaching to a PID,
# unprivileged use, off-CPU time, and the faults (missing command, missing or
# foreign PID, deleted binary, many children, Ctrl-C).
. "$(dirname "$0")/lib.sh"

W=$H/pe-prof-work
[ -x "$W" ] || { echo "Bail out! $W not built (make build-tests)"; exit 1; }

# share FOLDED PATTERN: percent of the weight in stacks matching PATTERN (awk regex).
share() {
	awk -v pat="$2" '{ n = $NF; tot += n; if ($0 ~ pat) hit += n }
		END { if (tot) printf "%.2f", 100 * hit / tot; else print "nan" }' "$1"
}
# total FOLDED: the summed weight.
total() {
	awk '{ t += $NF } END { print t + 0 }' "$1"
}
# top_total FUNCTION: the total% column of FUNCTION's row in the last top table.
top_total() {
	printf '%s\n' "$PE_OUT" | awk -v f="$1" '$4 == f { print $2; exit }'
}

# --- the reference: pe-prof-work spins the same loop 7 units in lib_hot (the
# shared library) for every 3 in exe_hot (the executable), on 4 threads, so
# by construction 70% and 30% of its CPU time. 600 rounds are about 2.5 s of
# CPU: over 1200 samples at 499 Hz, a standard error of 1.3 points.
run_pe profile -o "$T/w.folded" -o "$T/w.svg" -- "$W" 4 600
rc_is 0 "profile of a command exits 0"
like "$PE_OUT" '^perfeng profile: [0-9]+ samples, 0 lost, event cpu-clock at 499 Hz' "summary names samples, lost, event and frequency"
like "$PE_OUT" 'lib_hot +libpeprof\.so' "lib_hot is found in the shared library"
like "$PE_OUT" 'exe_hot +pe-prof-work' "exe_hot is found in the PIE executable"
n=$(total "$T/w.folded")
num_ok "$n" '>' 500 "enough samples for the shares ($n)"
s=$(share "$T/w.folded" ';lib_hot[; ]')
num_ok "$s" '>=' 65 "lib_hot has 70% of the samples within 5 points ($s%)"
num_ok "$s" '<=' 75 "lib_hot has at most 75% ($s%)"
s=$(share "$T/w.folded" ';exe_hot[; ]')
num_ok "$s" '>=' 25 "exe_hot has 30% of the samples within 5 points ($s%)"
num_ok "$s" '<=' 35 "exe_hot has at most 35% ($s%)"
# lib_hot sets up no frame: a frame-pointer walk alone would skip worker
s=$(share "$T/w.folded" '^pe-prof-work;.*worker;lib_hot[; ]')
num_ok "$s" '>=' 60 "the caller of the frameless leaf is recovered from its CFI ($s% under worker;lib_hot)"
like "$(head -c 200 "$T/w.svg")" '<svg' "the SVG is written too"

# --- --call-graph dwarf unwinds through libc, which has no frame pointers
run_pe profile --call-graph dwarf -o "$T/d.folded" -- "$W" 2 200
rc_is 0 "--call-graph dwarf exits 0"
like "$PE_OUT" 'dwarf stacks' "the summary says dwarf"
s=$(share "$T/d.folded" 'start_thread;worker;(lib_hot|exe_hot) ')
num_ok "$s" '>=' 80 "dwarf stacks reach start_thread above worker ($s%)"

# --- lost samples are counted and said: 64 KiB stacks at 20 kHz overflow any ring
run_pe profile -F 20000 --call-graph dwarf --stack-size 65528 --top 0 -- "$W" 2 100
rc_is 0 "an overflowing ring still exits 0"
like "$PE_OUT" ', [1-9][0-9]* lost,' "the summary counts the lost samples"
like "$PE_ERR" 'the kernel dropped [1-9][0-9]* samples' "and warns about them"

# --- --inline and --lines: exe_step is inlined into exe_hot
run_pe profile --inline --lines -o "$T/i.folded" -- "$W" 2 200
rc_is 0 "--inline --lines exits 0"
like "$(cat "$T/i.folded")" ';exe_hot \(pe-prof-work\.c:[0-9]+\);exe_step \(pe-prof-work\.c:[0-9]+\)' "the inlined exe_step is a frame under exe_hot, with lines"
like "$(cat "$T/i.folded")" ';lib_hot \(libpeprof\.c:[0-9]+\)' "lib_hot has its source line"

# --- -p PID: attach to a running process and all its threads
"$W" 3 1000000 100000 "$T" >/dev/null &
wp=$!
sleep 0.3
run_pe profile -p "$wp" -d 1s -o "$T/p.folded"
rc_is 0 "-p PID -d 1s exits 0"
kill -0 "$wp" 2>/dev/null && pass "the attached process still runs after profiling" || fail "the attached process still runs after profiling"
s=$(share "$T/p.folded" ';lib_hot[; ]')
num_ok "$s" '>=' 55 "attached: lib_hot has about 70% ($s%)"
kill "$wp"; wait "$wp" 2>/dev/null

# --- -d bounds a command: it is stopped with what it started
run_pe profile -d 500ms -o "$T/dd.folded" -- "$W" 2 1000000 100000 "$T/dmark"
rc_is 0 "-d 500ms with a long command exits 0"
is "$(procs_with "$T/dmark")" "" "the command is killed at the end of the duration"

# --- unprivileged, as perf_event_paranoid=2 allows for one's own processes
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && nobody test -x "$W" && nobody test -x "$PERFENG_BIN"; then
	chmod o+rx "$T"
	out=$(cd / && timeout 60 setpriv --reuid=65534 --regid=65534 --clear-groups "$PERFENG_BIN" profile --top 5 -- "$W" 4 400 2>"$T/uerr") && urc=0 || urc=$?
	PE_OUT=$out
	is "$urc" 0 "unprivileged profile exits 0 (kernel.perf_event_paranoid=$(cat /proc/sys/kernel/perf_event_paranoid))"
	s=$(top_total lib_hot)
	num_ok "$s" '>=' 65 "unprivileged: lib_hot total is 70% within 5 points ($s%)"
	num_ok "$s" '<=' 75 "unprivileged: lib_hot total is at most 75% ($s%)"
	# another user's process: root's sleep, profiled by nobody
	"$H/pe-sleep" 20000 "$T" &
	sp=$!
	out=$(timeout 30 setpriv --reuid=65534 --regid=65534 --clear-groups "$PERFENG_BIN" profile -p "$sp" -d 1s 2>&1) && urc=0 || urc=$?
	is "$urc" 3 "a process of another user: exit 3"
	like "$out" "pid $sp belongs to another user" "the error says whose process it is"
	kill "$sp"; wait "$sp" 2>/dev/null
	# off-CPU unprivileged: times without stacks, and a warning that says why
	out=$(cd / && timeout 30 setpriv --reuid=65534 --regid=65534 --clear-groups "$PERFENG_BIN" profile --off-cpu -- "$H/pe-sleep" 300 2>&1) && urc=0 || urc=$?
	is "$urc" 0 "unprivileged --off-cpu exits 0"
	like "$out" 'perf_event_paranoid=[0-9]+ an unprivileged user gets the time' "unprivileged --off-cpu says stacks need privileges"
	like "$out" 'nanoseconds off the CPU: 0\.(29|[3-9])' "unprivileged --off-cpu still measures the 300 ms asleep"
else
	skip "not root, no setpriv, or the build is not readable by nobody: unprivileged checks" 9
fi

# --- --off-cpu: where a sleeping program waits, in nanoseconds
run_pe profile --off-cpu -o "$T/off.folded" -- "$H/pe-sleep" 300
rc_is 0 "--off-cpu exits 0"
like "$PE_OUT" 'event off-cpu' "the event is off-cpu"
n=$(total "$T/off.folded")
num_ok "$n" '>=' 290000000 "off-CPU time covers the 300 ms sleep ($n ns)"
num_ok "$n" '<' 3000000000 "and not wildly more ($n ns)"
if [ "$(id -u)" = 0 ]; then
	like "$(cat "$T/off.folded")" 'nanosleep' "as root the blocked stack is there (nanosleep)"
else
	skip "stacks of --off-cpu need root here" 1
fi

# --- JIT maps: /tmp/perf-PID.map (here in $T through PERFENG_JIT_DIR)
if [ "$(uname -m)" = x86_64 ]; then
	PERFENG_JIT_DIR=$T run_pe profile -- "$H/pe-jit" "$T" 500
	rc_is 0 "profile of a JIT-like program exits 0"
	like "$PE_OUT" 'jit_spin +\[jit\]' "code in anonymous memory is named from perf-PID.map"
else
	skip "pe-jit is x86-64 code" 2
fi

# --- a frame-pointer walk out of libc (no frame pointers) reads one bogus
# address past main; the stack ends before it, so samples of main share one
# stack instead of ending each in a frame of its own
run_pe profile -o "$T/spin.folded" -- "$H/pe-spin" 500
rc_is 0 "profile of pe-spin exits 0"
is "$(grep -c '\[anon\]' "$T/spin.folded")" 0 "no [anon] frame: nothing of pe-spin runs in anonymous memory"
num_ok "$(wc -l <"$T/spin.folded")" '<' 20 "a handful of distinct stacks, not one a sample"
s=$(share "$T/spin.folded" ';main ')
num_ok "$s" '>=' 80 "main's own stack holds most samples ($s%)"

# --- C++ names demangled (pe-mangled's functions carry mangled names; the
# readable ones are what c++filt prints for them), when libstdc++ is there
if [ -e /usr/lib/x86_64-linux-gnu/libstdc++.so.6 ] || ldconfig -p 2>/dev/null | grep -q 'libstdc++\.so\.6 '; then
	run_pe profile -o "$T/m.folded" -- "$H/pe-mangled" 400
	rc_is 0 "profile of a program with C++ names exits 0"
	like "$PE_OUT" 'demo::leaf\(int\) +pe-mangled' "the top table names demo::leaf(int), not _ZN4demo4leafEi"
	s=$(share "$T/m.folded" ';demo::spin::run\(long\);demo::leaf\(int\) ')
	num_ok "$s" '>=' 90 "the stacks read demo::spin::run(long);demo::leaf(int) ($s%)"
	is "$(grep -c '_ZN4demo' "$T/m.folded")" 0 "no mangled name is left in the folded stacks"
else
	skip "no libstdc++.so.6: names stay mangled" 4
fi

# --- a stripped binary with its debug file: by .gnu_debuglink next to it, and by build-id
mkdir -p "$T/s1" "$T/s2" "$T/dbg"
cp "$W" "$H/libpeprof.so" "$T/s1/"
objcopy --only-keep-debug "$T/s1/pe-prof-work" "$T/s1/pe-prof-work.debug"
strip -s "$T/s1/pe-prof-work"
objcopy --add-gnu-debuglink="$T/s1/pe-prof-work.debug" "$T/s1/pe-prof-work"
run_pe profile -o "$T/s1.folded" -- "$T/s1/pe-prof-work" 2 200
like "$(cat "$T/s1.folded")" ';exe_hot( |;)' "stripped executable: symbols from the debuglink file"
cp "$W" "$H/libpeprof.so" "$T/s2/"
bid=$(readelf -n "$W" | awk '/Build ID/ { print $3 }')
mkdir -p "$T/dbg/.build-id/${bid:0:2}"
objcopy --only-keep-debug "$T/s2/pe-prof-work" "$T/dbg/.build-id/${bid:0:2}/${bid:2}.debug"
strip -s "$T/s2/pe-prof-work"
run_pe profile -o "$T/s2a.folded" -- "$T/s2/pe-prof-work" 2 200
like "$(cat "$T/s2a.folded")" ';pe-prof-work\+0x[0-9a-f]+( |;)' "stripped, no debug file found: module+0xOFFSET, not [unknown]"
unlike "$(cat "$T/s2a.folded")" '\[unknown\]' "never a bare [unknown]"
run_pe profile --debug-dir "$T/dbg" -o "$T/s2.folded" -- "$T/s2/pe-prof-work" 2 200
like "$(cat "$T/s2.folded")" ';exe_hot( |;)' "stripped executable: symbols by build-id under --debug-dir"

# --- a binary deleted after it started: read through /proc/PID
mkdir -p "$T/del"
cp "$W" "$H/libpeprof.so" "$T/del/"
"$T/del/pe-prof-work" 2 1000000 >/dev/null &
dp=$!
sleep 0.3
rm -f "$T/del/pe-prof-work" "$T/del/libpeprof.so"
run_pe profile -p "$dp" -d 1s
rc_is 0 "profile of a process whose binaries were deleted exits 0"
like "$PE_OUT" 'exe_hot +pe-prof-work' "the deleted executable still symbolizes"
like "$PE_OUT" 'lib_hot +libpeprof\.so' "the deleted library still symbolizes"
kill "$dp"; wait "$dp" 2>/dev/null

# --- a target that forks hundreds of children, each of which runs the workload briefly
run_pe profile -o "$T/f.folded" -- sh -c "for i in \$(seq 300); do $W 1 1 >/dev/null & done; wait"
rc_is 0 "300 children: exits 0"
like "$(cat "$T/f.folded")" '^pe-prof-work;.*(lib_hot|exe_hot)' "children are followed across fork and exec"

# --- faults
run_pe profile -- "$T/no-such-command"
rc_is 3 "a command that does not exist: exit 3"
like "$PE_ERR" "command not found: '$T/no-such-command'" "the error names the command"
run_pe profile -o "$T/e.folded" -- "$H/pe-exit" 0
rc_is 0 "a target that exits at once: exit 0"
ok "the output file is still written" test -f "$T/e.folded"
run_pe profile -- "$H/pe-exit" 4
rc_is 0 "a target exiting 4: profile still exits 0"
like "$PE_ERR" 'the command exited with status 4' "and says how the command exited"
run_pe profile -p abc
rc_is 2 "-p with no number: usage"
run_pe profile -p 4194303 -d 1s
rc_is 3 "-p of no process: exit 3"
like "$PE_ERR" 'no process with pid 4194303' "the error names the pid"
run_pe profile -e cycles -- "$H/pe-exit" 0
if [ "$PE_RC" = 0 ]; then
	# This machine has hardware counters: the profile must be of cycles,
	# not a silent fall-back to cpu-clock, and say nothing went wrong.
	like "$PE_OUT" '^perfeng profile: [0-9]+ samples, [0-9]+ lost, event cycles at ' "-e cycles works: the summary names the cycles event"
	unlike "$PE_ERR" 'error|not available' "and -e cycles writes no error"
else
	rc_is 3 "-e cycles without hardware counters: exit 3"
	like "$PE_ERR" "event 'cycles' is not available: this machine has no hardware performance counters" "the error says why"
fi
run_pe profile
rc_is 2 "no command and no pid: usage"
run_pe profile -p 1 -- true
rc_is 2 "a command and a pid: usage"
run_pe profile -o "$T/x.txt" -- true
rc_is 2 "-o with an unknown extension: usage"
like "$PE_ERR" "unknown format" "the error says so"
like "$PE_ERR" "-o: '$T/x.txt': unknown format; use a name ending in .svg, .folded, .pb.gz or .speedscope.json" \
	"the one message of every -o, listing the formats"
run_pe profile -e bogus -- true
rc_is 2 "-e with an unknown event: usage"
run_pe profile --call-graph lbr -- true
rc_is 2 "--call-graph with an unknown mode: usage"

# --- every option is honoured or refused
run_pe profile --stack-size 4096 -- true
rc_is 2 "--stack-size without --call-graph dwarf: usage (it was ignored)"
like "$PE_ERR" "--stack-size applies only to --call-graph dwarf" "the error says why"
run_pe profile --call-graph dwarf --stack-size 16x -- true
rc_is 2 "--stack-size 16x: usage"
like "$PE_ERR" "'16x' is not a size" "names the bad size"
run_pe profile --call-graph dwarf --stack-size 16k -o "$T/s16k.folded" -- "$W" 1 50
rc_is 0 "--stack-size 16k (a size, as everywhere else): exit 0"
like "$PE_OUT" 'dwarf stacks' "the dwarf unwinder ran"
run_pe profile --title T -- true
rc_is 2 "--title with no SVG written: usage (it was ignored)"
like "$PE_ERR" "--title: no SVG or speedscope file is written" "the error says why"
run_pe profile --inverted -o "$T/inv.folded" -- true
rc_is 2 "--inverted with only .folded written: usage"
like "$PE_ERR" "--inverted: no SVG is written" "the error says why"

# --- --json: the summary and the top functions, for scripts
# (the workload prints to the same standard output: its own sent elsewhere)
run_pe profile --json --top 3 -- sh -c 'exec "$0" 2 200 >/dev/null' "$W"
rc_is 0 "--json exits 0"
printf '%s\n' "$PE_OUT" >"$T/p.json"
jq_ok "$T/p.json" '.samples > 100 and .lost == 0 and .event == "cpu-clock" and .freq == 499 and .duration_s > 0' \
	"samples, lost, event, frequency and duration ($(jq -c '[.samples,.lost,.event,.duration_s]' "$T/p.json"))"
jq_is "$T/p.json" '[.call_graph, .off_cpu, .unit, (.top_functions | length)]' '["fp",false,"samples",3]' \
	"call graph, off-cpu, unit and --top 3 functions"
jq_is "$T/p.json" '.top_functions[0] | [.function, .module]' '["lib_hot","libpeprof.so"]' "the hottest is lib_hot"
jq_ok "$T/p.json" '[.top_functions[].function] | index("pe-prof-work") == null' "the process name is no function"
jq_ok "$T/p.json" '.top_functions[0].self > 0.5 and .top_functions[0].samples <= .samples' "shares and samples"

# --- Ctrl-C writes what was collected, exits 130, and stops the command
timeout -k 5 60 "$PERFENG_BIN" profile -o "$T/c.folded" -- "$W" 2 1000000 100000 "$T/cmark" >"$T/cout" 2>"$T/cerr" &
pp=$!
wait_for 10 test -n "$(procs_with "$T/cmark")"
sleep 1
kill -INT "$pp"
wait "$pp" && crc=0 || crc=$?
is "$crc" 130 "Ctrl-C: exit 130"
like "$(cat "$T/c.folded")" ';lib_hot' "Ctrl-C: the profile so far is written"
like "$(cat "$T/cerr")" 'interrupted' "Ctrl-C: says it was interrupted"
is "$(procs_with "$T/cmark")" "" "Ctrl-C: the command is stopped"

# --- --save keeps the top functions in the results store
PERFENG_STORE=$T/store.db run_pe profile --save prof1 --top 3 -- "$W" 2 100
rc_is 0 "--save exits 0"
like "$PE_ERR" 'saved as run [0-9]+ \(prof1\)' "--save says where"

done_testing
