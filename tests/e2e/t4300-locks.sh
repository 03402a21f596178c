#!/bin/bash
# perfeng locks -- CMD: which locks the threads wait for and who holds them,
# on tests/helpers/pe-locks.c, whose contention is known by construction
# (T threads blocked on the lock main holds, then ROUNDS acquisitions
# each: T * ROUNDS + 1 acquisitions exactly, at least T contended and at
# most T * ROUNDS; one thread alone ("solo"): none contended): mutexes, read-write locks, spinlocks, condition waits kept
# apart; a program without locks shows none. Flame graph, --save, failures.
. "$(dirname "$0")/lib.sh"

L=$H/pe-locks
[ -x "$L" ] || { echo "Bail out! no $L (make build-tests)"; exit 1; }
export PERFENG_STORE=$T/store.db

run_pe locks --json -- "$L" 4 10
rc_is 0 "locks --json -- pe-locks 4 10: exit 0"
echo "$PE_OUT" >"$T/m.json"
jq_is "$T/m.json" '[.acquisitions, (.locks | length), .locks[0].kind, .locks[0].acquisitions]' '[41,1,"mutex",41]' \
	"41 acquisitions of one mutex"
jq_ok "$T/m.json" '.contended >= 4 and .contended <= 40 and .locks[0].contended == .contended' \
	"contended: between 4 (each thread's first) and 40"
jq_ok "$T/m.json" '.locks[0].wait > 0 and .locks[0].max_wait <= .locks[0].wait and .locks[0].max_wait > 0' \
	"time waited: the longest wait within the total"
# each acquisition holds the lock for 1 ms of sleep: 40 ms at the least
jq_ok "$T/m.json" '.locks[0].held >= 0.040 and .locks[0].held_while_waited <= .locks[0].held' \
	"time held: at least the 40 x 1 ms of sleep, and more than while others waited"
jq_is "$T/m.json" '.locks[0].waiters[0].function' '"worker"' "the waiters' stacks name worker"
jq_is "$T/m.json" '[.locks[0].holders[] | select(.samples > 0) | .function] | sort' '["main","worker"]' \
	"the holders': main (it held the lock 50 ms while all four waited) and worker (in whichever order a busy machine makes)"
"$PERFENG_BIN" locks --json -- "$H/pe-burn" 1 50 >"$T/burn.json" 2>/dev/null
jq_ok "$T/burn.json" 'type == "object"' "with --json, what the command prints (pe-burn's cpu_ms) is kept off the JSON"

run_pe locks --json -- "$L" 1 10 solo
jq_is "$T/out" '[.acquisitions, .contended]' '[10,0]' "one thread alone: 10 acquisitions, none contended"
run_pe locks -- "$L" 1 10 solo
like "$PE_OUT" 'no lock was contended' "text: says so"
run_pe locks --json -- "$H/pe-burn" 1 100
jq_is "$T/out" '[.acquisitions, .contended, (.locks | length)]' '[0,0,0]' "a program without locks: none"

for m in rwlock spin; do
	run_pe locks --json -- "$L" 2 5 "$m"
	jq_is "$T/out" '[.acquisitions, .locks[0].kind]' "[11,\"$( [ $m = spin ] && echo spinlock || echo rwlock)\"]" \
		"$m: 11 acquisitions, its kind"
	jq_ok "$T/out" '.contended >= 2 and .contended <= 10' "$m: contended between 2 and 10"
done
run_pe locks --json -- "$L" 3 5 cond
jq_is "$T/out" '[(.conditions | length), .conditions[0].kind]' '[1,"condition"]' \
	"condition waits: kept apart from the locks"
jq_ok "$T/out" '.conditions[0].contended >= 1 and .conditions[0].contended <= 15' "at most one wait for each of the 15 signals"
jq_ok "$T/out" '.locks[0].acquisitions >= 30' \
	"the mutex under it: 15 by the workers, 15 by main's signals, and one again after each wait"

# --- text, flame graph, --save -------------------------------------------------------------------
run_pe locks -o "$T/w.folded" -o "$T/w.svg" -- "$L" 4 10
rc_is 0 "-o folded and svg: exit 0"
like "$PE_OUT" '41 acquisitions of 1 lock, [0-9]+ contended' "text: the totals"
like "$PE_OUT" 'waited for in  worker \(pe-locks\)' "text: where it was waited for"
like "$(cat "$T/w.folded")" ';worker [0-9]+$' "the folded wait stacks end in worker"
ok "the SVG is well-formed XML" xmllint --noout "$T/w.svg"
run_pe locks --save lk -- "$L" 4 10
rc_is 0 "--save: exit 0"
run_pe runs show lk --json
jq_is "$T/out" '[.kind, [.metrics[].name]]' '["locks",["lock_wait","contended","acquisitions"]]' \
	"the saved run: kind locks, wait, contended, acquisitions"

# --- failures ----------------------------------------------------------------------------------------
run_pe locks
rc_is 2 "no command: exit 2"
run_pe locks --top 0 -- "$L" 1 1
rc_is 2 "--top 0: exit 2"
run_pe locks -o "$T/x.png" -- "$L" 1 1
rc_is 2 "-o x.png: exit 2"
PERFENG_LOCKS_LIB=$T/nonexistent.so run_pe locks -- "$L" 1 1
rc_is 3 "PERFENG_LOCKS_LIB that does not exist: exit 3"
like "$PE_ERR" "PERFENG_LOCKS_LIB '.*nonexistent\.so'" "and the message names it"
run_pe locks -- "$T/nonexistent"
rc_is 3 "a command that does not exist: exit 3"

done_testing
