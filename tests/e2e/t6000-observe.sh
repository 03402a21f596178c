#!/bin/bash
# perfeng observe: the live table and its width, JSON Lines, a watched
# process (and one that exits), record and replay giving the same output,
# fixture roots (tests/fixtures/sys, values computed by hand from the
# fixture files), the NVML path through our fake libnvidia-ml
# (tests/helpers/libfake-nvml.c, whose fixed values are asserted), usage and
# runtime errors, Ctrl-C.
. "$(dirname "$0")/lib.sh"

FIX=$(cd "$(dirname "$0")/../fixtures/sys" && pwd)
NVML=$H/libfake-nvml.so
[ -f "$NVML" ] || { echo "Bail out! no $NVML (make build-tests)"; exit 1; }
export PERFENG_NVML_LIB=/nonexistent/libnvidia-ml.so.1	# no real GPU in these tests unless asked

# --- live table ---------------------------------------------------------------------
run_pe observe 0.2 3
rc_is 0 "observe 0.2 3 exits 0"
printf '%s\n' "$PE_OUT" >"$T/live.txt"
like "$(head -1 "$T/live.txt")" '^ *time \|cpu% runq cpsi \|mem% scan/s mpsi oom \|dsk%' "a header line first"
is "$(sed -n '2,4p' "$T/live.txt" | grep -cE '^ +[0-9.]+ \|')" 3 "three interval rows"
is "$(awk 'length($0) > 120' "$T/live.txt" | wc -l)" 0 "no line is wider than 120 columns"
like "$PE_OUT" 'summary: 3 intervals' "a summary of 3 intervals"
like "$PE_OUT" $'\ncpu +[0-9.]+ +[0-9.]+ ' "the summary has a cpu row"
like "$PE_ERR" 'note: no GPU data: no NVIDIA driver' "no NVML: a one-line note"
is "$(printf '%s\n' "$PE_ERR" | grep -c .)" 1 "and nothing else on stderr"

run_pe observe -v 0.1 1
rc_is 0 "-v exits 0"
like "$PE_OUT" $'\n +cpu0 +busy ' "-v shows per-CPU lines"
like "$PE_OUT" $'\n +net  lo ' "-v shows per-interface lines"
like "$PE_OUT" $'\n +fs   / +used +[0-9.]+%  inodes +[0-9.]+%' "-v shows per-filesystem lines"

# --- JSON Lines ---------------------------------------------------------------------
run_pe observe --json 0.2 3
rc_is 0 "--json exits 0"
printf '%s\n' "$PE_OUT" >"$T/j.jsonl"
is "$(wc -l <"$T/j.jsonl" | tr -d ' ')" 4 "three interval objects and a summary, one per line"
# (cpu.u is null when an interval was too short for a 10 ms tick to pass: a late sample)
jq_is "$T/j.jsonl" 'select(.t) | [(.cpu.u == null or (.cpu.u >= 0 and .cpu.u <= 1)), (.mem.u > 0 and .mem.u < 1), .interval > 0]' \
	"$(printf '[true,true,true]\n[true,true,true]\n[true,true,true]')" "cpu.u and mem.u are fractions"
is "$(jq -s '[.[0:3][].cpu.u | numbers] | length > 0' "$T/j.jsonl")" true "cpu.u is a number in at least one interval"
# deadlines are absolute (a late sample shortens the next interval), so the sum holds
is "$(jq -s '[.[0:3][].interval] | add | . > 0.55 and . < 1.5' "$T/j.jsonl")" true "the three intervals add up to about 0.6 s"
is "$(jq -cs '[.[0:3][].t] | (.[0] < .[1] and .[1] < .[2])' "$T/j.jsonl")" true "times increase"
jq_is "$T/j.jsonl" 'select(.summary) | .summary.intervals' 3 "the last line is the summary of 3 intervals"
jq_is "$T/j.jsonl" 'select(.summary) | .summary.cpu | keys' '["e_max","e_mean","s_max","s_mean","saturated_share","u_max","u_mean"]' "summary fields per resource"

# cross-check with procps: free(1) reads the same MemTotal and MemAvailable a moment apart
if command -v free >/dev/null; then
	ref=$(free -k | awk '/^Mem:/ { printf "%.6f", 1 - $7 / $2 }')
	got=$(jq -r 'select(.t) | .mem.u' "$T/j.jsonl" | tail -1)
	num_ok "$(awk -v a="$got" -v b="$ref" 'BEGIN { d = a - b; print (d < 0 ? -d : d) }')" '<' 0.01 \
		"mem.u ($got) is free's 1 - available/total ($ref) within 0.01"
else
	skip "mem.u against free(1)" "free is not installed"
fi

# and with coreutils: df's Use% of / (rounded up to a whole percent) against -v's fs line
run_pe observe --json --no-gpu 0.1 1
printf '%s\n' "$PE_OUT" >"$T/fs.jsonl"
got=$(jq -r 'select(.t) | .fs.mounts[] | select(.mount == "/") | .used * 100' "$T/fs.jsonl")
ref=$(df --output=pcent / | tail -1 | tr -dc '0-9')
if [ -n "$got" ]; then
	num_ok "$(awk -v a="$got" -v b="$ref" 'BEGIN { d = b - a; print (d < 0 ? -d : d) }')" '<=' 1 \
		"fs used of / ($got %) is df's Use% ($ref %) within its rounding"
else
	skip "fs of / against df" "/ is not a block-device filesystem here"
fi

# --- -p PID --------------------------------------------------------------------------
"$H/pe-spin" 20000 "$T" &
SPIN=$!
run_pe observe -p "$SPIN" --json 0.5 2
printf '%s\n' "$PE_OUT" >"$T/p.jsonl"
rc_is 0 "-p of a spinning helper exits 0"
run_pe observe -p "$SPIN" 0.3 1
kill "$SPIN" 2>/dev/null; wait "$SPIN" 2>/dev/null
like "$PE_OUT" "pid $SPIN: cpu ([1-9][0-9]*|[1-9]\.[0-9])%  runq-delay [0-9.]+ ms/s  rss [0-9.]+ MiB  faults [0-9.k]+/s \(major [0-9.]+/s\)  io r [0-9.k-]+ w [0-9.k-]+ KiB/s  cs [0-9.k]+/s \(invol [0-9.k]+/s\)  threads 1  fds [0-9]+" \
	"the text line of a spinner: a CPU share above 1 %, every field"
is "$(jq -cs '[.[0:2][].process | .pid == '"$SPIN"' and .alive and .threads == 1 and .fds >= 3]' "$T/p.jsonl")" '[true,true]' \
	"process: pid, alive, 1 thread, fds counted"
is "$(jq -cs '[.[0:2][].process.cpu] | min > 0.02' "$T/p.jsonl")" true "a spinner's CPU share shows (above 2 %: it runs whenever it gets a CPU, even on a crowded machine)"

"$H/pe-sleep" 700 "$T" &
SLP=$!
run_pe observe -p "$SLP" 0.2 30
wait "$SLP"
rc_is 0 "a watched process that exits ends observe cleanly (exit 0)"
like "$PE_OUT" "pid $SLP: exited" "the row says the process exited"
num_ok "$(printf '%s\n' "$PE_OUT" | grep -cE '^ +[0-9.]+ \|')" '<' 10 "and observe stopped there, well before 30 rows"
like "$PE_OUT" "pid $SLP: cpu 0.0%" "before that, the sleeper used no CPU"

# a zombie: its parent (exec'd into sleep) never reaps it
sh -c 'sleep 0.4 & echo $! >"$1"; exec sleep 8' zombie-parent "$T/zpid" &
ZPARENT=$!
wait_for 5 test -s "$T/zpid"
ZPID=$(cat "$T/zpid")
run_pe observe -p "$ZPID" 0.2 30
kill "$ZPARENT" 2>/dev/null; wait "$ZPARENT" 2>/dev/null
rc_is 0 "a watched process that becomes a zombie ends observe cleanly"
like "$PE_OUT" "pid $ZPID: exited" "a zombie counts as exited"
num_ok "$(printf '%s\n' "$PE_OUT" | grep -cE '^ +[0-9.]+ \|')" '<' 10 "observe stopped there"

run_pe observe -p 2147483000 0.1 1
rc_is 3 "-p of a process that does not exist: exit 3"
like "$PE_ERR" 'process 2147483000: no such process' "and says so"

# --- record and replay ----------------------------------------------------------------
run_pe observe --record "$T/r.rec" -p $$ 0.1 3
rc_is 0 "--record exits 0"
printf '%s\n' "$PE_OUT" >"$T/rec-live.txt"
like "$(head -1 "$T/r.rec")" '^perfeng-observe-record 1$' "the record starts with its magic and version"
is "$(grep -c '^sample ' "$T/r.rec")" 4 "4 samples (the first and one per interval)"
run_pe observe --replay "$T/r.rec"
rc_is 0 "--replay exits 0"
printf '%s\n' "$PE_OUT" >"$T/replay.txt"
is "$(diff "$T/rec-live.txt" "$T/replay.txt" && echo same)" same "replay prints exactly what the live run printed"
run_pe observe --replay "$T/r.rec" 1 2
is "$(printf '%s\n' "$PE_OUT" | grep -cE '^ +[0-9.]+ \|')" 2 "COUNT limits the rows of a replay"
run_pe observe --record "$T/j.rec" --json -v 0.1 2
printf '%s\n' "$PE_OUT" >"$T/rec-live.jsonl"
"$PERFENG_BIN" observe --replay - --json -v <"$T/j.rec" >"$T/stdin.jsonl" 2>"$T/stdin.err"
is "$(diff "$T/rec-live.jsonl" "$T/stdin.jsonl" && echo same)" same "--replay - reads the record from stdin"
run_pe observe --replay "$T/j.rec" --json -v
printf '%s\n' "$PE_OUT" >"$T/replay.jsonl"
is "$(diff "$T/rec-live.jsonl" "$T/replay.jsonl" && echo same)" same "replay --json -v equals the live --json -v"

# A committed version-1 record (the pair-5.15 fixture's two samples, 2 s apart): the
# figures are those computed by hand in tests/unit/test_sys.c (test_pair_derive), and
# later perfeng versions must go on reading this file.
run_pe observe --replay "$FIX/pair-5.15.rec"
rc_is 0 "a committed version-1 record replays"
is "$PE_OUT" "$(cat <<'EOF2'
  time |cpu% runq cpsi |mem% scan/s mpsi oom |dsk%  aqu dpsi |net% drop/s err/s | fd%  fs% |cgm% thr%
   2.0 |  40 1.50   20 |  75   1.5k   15 0.5 |  95 3.00  5.0 |  10    2.0   2.0 |  90    - |  50   25

summary: 1 intervals, 2.0 s
resource  U mean   U max  S mean   S max  E mean   E max   sat%  S is
cpu           40      40    1.50    1.50       -       -    100  runnable/CPU
mem           75      75    1.5k    1.5k     0.5     0.5    100  pages scanned/s
disk          95      95    3.00    3.00       -       -    100  queue (aqu)
net           10      10     2.0     2.0     2.0     2.0    100  drops/s
fd            90      90       -       -       -       -    100  -
cgroup        50      50      25      25     1.0     1.0    100  periods throttled %
EOF2
)" "its table and summary, exactly (cpu 40 %: 400 busy of 1000 ticks; mem 1 - 2/8 GB; ...)"
run_pe observe --replay "$FIX/pair-5.15.rec" --json -v
printf '%s\n' "$PE_OUT" >"$T/pr.jsonl"
jq_is "$T/pr.jsonl" 'select(.t) | [.cpu.u, .cpu.psi, .cpu.sched_wait, .mem.scan_s, .mem.swapio_s, .disk.devices[0].await_ms, .net.retrans_s, .cgroup.throttled, .cpu.cpus[1].steal]' \
	'[0.4,0.2,0.15,1500,200,3.2,10,0.25,0.1]' "its JSON: the hand-computed figures"
jq_is "$T/pr.jsonl" 'select(.summary) | .summary | [.intervals, .seconds, .cpu.saturated_share, .disk.u_max]' '[1,2,1,0.95]' "its JSON summary"

printf 'perfeng-observe-record 1\nhz 100\nsample 1 1\ncpu all 1 2\nend\n' >"$T/bad.rec"
run_pe observe --replay "$T/bad.rec"
rc_is 3 "a malformed record: exit 3"
like "$PE_ERR" "bad.rec' line 4: malformed 'cpu all 1 2'" "names the file, the line and the text"
printf 'hello\n' >"$T/notrec"
run_pe observe --replay "$T/notrec"
rc_is 3 "not a record: exit 3"
like "$PE_ERR" 'is not an observe record' "and says so"
head -c 300 "$T/r.rec" >"$T/cut.rec"
run_pe observe --replay "$T/cut.rec"
rc_is 3 "a record cut short: exit 3"
like "$PE_ERR" "no 'end'|malformed" "and says where"
run_pe observe --replay "$T/missing.rec"
rc_is 3 "a missing record: exit 3"
like "$PE_ERR" "cannot open '.*missing.rec': No such file" "and names it"
run_pe observe --record /dev/full --no-gpu 0.1 1
rc_is 3 "a record file that cannot be written to (a full disk): exit 3"
like "$PE_ERR" "'/dev/full': cannot write the record file: No space left on device" "and says why"
printf 'perfeng-observe-record 1\nhz 100\n' >"$T/empty.rec"
run_pe observe --replay "$T/empty.rec"
rc_is 3 "a record without samples: exit 3"
like "$PE_ERR" "empty.rec' holds no sample" "and says so"
run_pe observe --record /nonexistent/dir/x.rec 0.1 1
rc_is 3 "an unwritable record path: exit 3"
like "$PE_ERR" "cannot write '/nonexistent/dir/x.rec'" "and names it"

# --- fixture roots (values by hand from the files) -------------------------------------
run_pe observe --root "$FIX/container-nodisks" --json --no-gpu 0.1 2
rc_is 0 "a container-like root with missing files: exit 0"
printf '%s\n' "$PE_OUT" >"$T/c.jsonl"
# meminfo: 1 - 1500000/2000000; one CPU, procs_running 1 (the reader: runq 0); nothing else there
jq_is "$T/c.jsonl" 'select(.t) | [.mem.u, .cpu.runq, .cpu.u, .disk.u, .fd.u, .cgroup.u, .cgroup.s, .net.u, .cpu.psi]' \
	"$(printf '[0.25,0,null,null,null,null,null,null,null]\n[0.25,0,null,null,null,null,null,null,null]')" \
	"missing files give nulls; mem 0.25, runq 0 (counters unchanged: no CPU share)"
is "$PE_ERR" "" "no warning for missing files"
# an unreadable file (a directory where meminfo should be: read fails with EISDIR even for root)
cp -r "$FIX/pair-5.15/t1" "$T/unread"
rm "$T/unread/proc/meminfo" && mkdir "$T/unread/proc/meminfo"
run_pe observe --root "$T/unread" --json --no-gpu 0.1 1
rc_is 0 "an unreadable meminfo: exit 0"
printf '%s\n' "$PE_OUT" >"$T/u.jsonl"
jq_is "$T/u.jsonl" 'select(.t) | [.mem.u, .mem.scan_s, .fd.u]' '[null,null,0.9]' "its figures are null, the others stay"
run_pe observe --root "$FIX/pair-5.15/t1" --json --no-gpu 0.1 1
printf '%s\n' "$PE_OUT" >"$T/p1.jsonl"
# 1 - 2000000/8000000; 9000/10000 fds; 512 MiB of 1 GiB; 4 running (3 and the reader) on 2 CPUs
jq_is "$T/p1.jsonl" 'select(.t) | [.mem.u, .mem.swap, .fd.u, .fd.saturated, .cgroup.u, .cpu.runq, .cpu.saturated]' \
	'[0.75,0.75,0.9,true,0.5,1.5,true]' "pair-5.15/t1: mem, swap, fd, cgroup, runq and saturation flags"
run_pe observe --root "$FIX/pair-5.15/t1" --no-gpu 0.1 1
like "$PE_OUT" $'\n +0\\.1 \\| +- 1\\.50 +0\\.0 \\|  75 ' "the table row of the same root"
# highlighting: only on a terminal (script(1) gives one) and not with NO_COLOR
if command -v script >/dev/null; then
	NO_COLOR= timeout 20 script -qec "$PERFENG_BIN observe --root $FIX/pair-5.15/t1 --no-gpu 0.1 1" /dev/null >"$T/tty.out" 2>&1
	like "$(cat -v "$T/tty.out")" '\^\[\[1;31m *1\.50' "on a terminal, the saturated runq is bold red"
	NO_COLOR=1 timeout 20 script -qec "$PERFENG_BIN observe --root $FIX/pair-5.15/t1 --no-gpu 0.1 1" /dev/null >"$T/tty2.out" 2>&1
	unlike "$(cat -v "$T/tty2.out")" '\^\[\[' "NO_COLOR: no escape sequences"
	unlike "$(cat -v "$T/out")" '\^\[\[' "not a terminal: no escape sequences"
else
	for i in 1 2 3; do skip "highlighting $i" "script(1) is not installed: no terminal to test with"; done
fi
run_pe observe --root /nonexistent/root 0.1 1
rc_is 3 "a root that does not exist: exit 3"
like "$PE_ERR" "cannot read '/nonexistent/root'" "and names it"

# --- GPUs through the fake NVML --------------------------------------------------------
PERFENG_NVML_LIB=$NVML run_pe observe --json -v 0.1 1
rc_is 0 "fake NVML: exit 0"
printf '%s\n' "$PE_OUT" >"$T/g.jsonl"
# libfake-nvml: util 42 %, 8 of 16 GiB, 150 of 300 W, 1200 of 1800 MHz, reasons 0x4
jq_is "$T/g.jsonl" 'select(.t) | .gpu.devices' \
	'[{"name":"Fake GPU 0","util":0.42,"mem":0.5,"power":0.5,"clock":0.6666666667,"throttle":4,"ecc_s":0}]' \
	"the fake GPU's values, exactly"
jq_is "$T/g.jsonl" 'select(.t) | [.gpu.u, .gpu.s, .gpu.e, .gpu.saturated]' '[0.42,0.5,0,true]' \
	"gpu U 0.42, S power/limit 0.5, no ECC errors, saturated by the SW power cap"
is "$PE_ERR" "" "no note when NVML works"
PERFENG_NVML_LIB=$H/libfake-nvml-events.so run_pe observe --json 0.1 1
printf '%s\n' "$PE_OUT" >"$T/gev.jsonl"
jq_is "$T/gev.jsonl" 'select(.t) | .gpu.devices[0].throttle' 8 \
	"a driver with both names: the new nvmlDeviceGetCurrentClocksEventReasons is the one called (0x8, not 0x4)"
PERFENG_NVML_LIB=$NVML run_pe observe -v 0.1 1
like "$PE_OUT" '\|gpu% pwr% ecc' "the table grows GPU columns"
like "$PE_OUT" '\|  42   50   0' "with the fake values"
like "$PE_OUT" 'gpu0  Fake GPU 0 +util +42%  mem +50%  power +50%  clock +67%  throttle 0x4' "and -v a GPU line"
is "$(awk 'length($0) > 120' "$T/out" | grep -v '^    ' | wc -l)" 0 "rows with GPU columns still fit 120 columns"
FAKE_NVML_MODE=two PERFENG_NVML_LIB=$NVML run_pe observe --json 0.1 1
printf '%s\n' "$PE_OUT" >"$T/g2.jsonl"
jq_is "$T/g2.jsonl" 'select(.t) | [.gpu.devices[] | [.name, .util, .power]]' '[["Fake GPU 0",0.42,0.5],["Fake GPU 1",0.07,0.4]]' \
	"a second fake GPU: 7 %, 100 of 250 W"
jq_is "$T/g2.jsonl" 'select(.t) | .gpu.u' 0.42 "gpu U is the busiest GPU's"
FAKE_NVML_MODE=errors PERFENG_NVML_LIB=$NVML run_pe observe --json 0.1 1
rc_is 0 "NVML refusing every query: exit 0"
printf '%s\n' "$PE_OUT" >"$T/g3.jsonl"
jq_is "$T/g3.jsonl" 'select(.t) | .gpu.devices[0] | [.name, .util, .mem, .power, .clock, .ecc_s]' '["Fake GPU 0",null,null,null,null,null]' \
	"refused values are null, the name stays"
FAKE_NVML_MODE=initfail PERFENG_NVML_LIB=$NVML run_pe observe 0.1 1
rc_is 0 "nvmlInit failing: exit 0"
like "$PE_ERR" 'note: no GPU data: nvmlInit failed \(NVML error 9\)' "a one-line note"
FAKE_NVML_MODE=nogpu PERFENG_NVML_LIB=$NVML run_pe observe 0.1 1
like "$PE_ERR" 'note: no GPU data: NVML found no GPU' "no device: a one-line note"
PERFENG_NVML_LIB=$NVML run_pe observe --no-gpu 0.1 1
unlike "$PE_OUT" 'gpu%' "--no-gpu: no GPU columns"

# --- usage errors ------------------------------------------------------------------------
for args in "0" "1 0" "abc" "1 2 3" "0.001" "--replay x --root /" "--replay x -p 1"; do
	# shellcheck disable=SC2086
	run_pe observe $args
	rc_is 2 "observe $args: usage error (exit 2)"
done
like "$PE_ERR" "see 'perfeng observe --help'" "usage errors point to --help"

# --- Ctrl-C ------------------------------------------------------------------------------
"$PERFENG_BIN" observe 0.1 >"$T/int.out" 2>"$T/int.err" &
OPID=$!
wait_for 20 grep -qE '^ +[0-9.]+ \|' "$T/int.out"	# a row: the handler is in place
kill -INT "$OPID"
wait "$OPID" && rc=0 || rc=$?
is "$rc" 130 "Ctrl-C: exit 130"
like "$(cat "$T/int.out")" 'summary: [0-9]+ intervals' "Ctrl-C still prints the summary"

done_testing
