#!/bin/bash
# perfeng bench counters and resources: task-clock always, the hardware
# counters counted or reported n/a with a reason (never 0), --no-counters,
# and the rusage of each run (max RSS of a command that touches 64 MiB, against
# GNU time's, and of a tiny one).
. "$(dirname "$0")/lib.sh"

RUNS=4
run_pe bench -r $RUNS --export-json "$T/c.json" "$H/pe-spin 3"
rc_is 0 "counters on pe-spin 3: exit 0"
J=$T/c.json
C='.results[0].perfeng.counters'

if [ "$(jqr "$J" "${C}[\"task-clock\"].supported")" = false ]; then
	# perf_event_open refused outright (a container without it, paranoid=3).
	skip "task-clock is counted" "perf_event_open is not available here: $(jqr "$J" "${C}[\"task-clock\"].reason")"
else
	jq_is "$J" "${C}[\"task-clock\"].supported" true "task-clock is supported"
	jq_is "$J" "${C}[\"task-clock\"].values|length" $RUNS "task-clock has one value per run"
	jq_ok "$J" "${C}[\"task-clock\"].values|all(type == \"number\" and . > 0)" "every task-clock value is > 0"
	# pe-spin 3 burns 3 ms of CPU; task-clock counts it in ns (with exec and exit).
	jq_ok "$J" "${C}[\"task-clock\"].values|all(. >= 2500000 and . < 1000000000)" "task-clock counts the 3 ms of CPU pe-spin burns (in ns)"
	jq_ok "$J" "${C}[\"task-clock\"] | ((.mean - (.values|add/length))|fabs) <= 1e-9 * .mean" "task-clock mean is the mean of its values"
	jq_ok "$J" "${C}[\"page-faults\"] | .supported == false or (.values|all(. > 0))" "page-faults are counted (> 0: exec faults pages in) or n/a"
fi

jq_is "$J" "${C}|keys|sort" '["branch-misses","cache-misses","context-switches","cpu-migrations","cycles","instructions","page-faults","task-clock"]' \
	"the eight documented counters are reported"
jq_ok "$J" "${C}|type == \"object\"" "counters is an object when counting"
for ctr in cycles instructions branch-misses cache-misses context-switches cpu-migrations; do
	jq_ok "$J" "${C}[\"$ctr\"] | if .supported then (.values|length) == $RUNS and (.values|all(type == \"number\")) and (has(\"reason\")|not)
		else (.reason|type == \"string\" and length > 0) and (has(\"values\")|not) and (has(\"mean\")|not) end" \
		"$ctr: counted once per run, or supported:false with a reason and no value"
done
for ctr in cycles instructions; do
	jq_ok "$J" "${C}[\"$ctr\"] | .supported == false or (.values|all(. > 0))" "$ctr: never 0 when counted (pe-spin runs millions)"
done
jq_ok "$J" '.perfeng.counters_excluding_kernel|type == "boolean"' "counters_excluding_kernel is a boolean when counting"

# The text: supported counters with a value, the others 'n/a (reason)'.
like "$PE_OUT" '^  Counters \(mean\): +task-clock [0-9.]+ [mµn]?s' "the text has a Counters line starting with task-clock"
for ctr in $(jq -r "${C}|to_entries[]|select(.value.supported|not)|.key" "$J"); do
	reason=$(jqr "$J" "${C}[\"$ctr\"].reason")
	like "$PE_OUT" "^ +([a-z-]+, )*$ctr(, [a-z-]+)*: n/a \(${reason//[()]/.}\)$" "the text shows $ctr as n/a ($reason)"
	unlike "$PE_OUT" "[ ,]$ctr [0-9]" "the text shows no number for $ctr"
done

run_pe bench -r 2 --no-counters --export-json "$T/n.json" "$H/pe-spin 1"
rc_is 0 "--no-counters: exit 0"
jq_is "$T/n.json" '.results[0].perfeng.counters' null "--no-counters: counters is null"
jq_is "$T/n.json" '.perfeng.counters_excluding_kernel' null "--no-counters: counters_excluding_kernel is null"
unlike "$PE_OUT" 'Counters' "--no-counters: no Counters line"
unlike "$PE_OUT" '^ +[a-z, -]+: n/a \(' "--no-counters: no counter is shown as n/a"

# --- resources: rusage of each run --------------------------------------------------
run_pe bench -q -r 3 --export-json "$T/a.json" "$H/pe-alloc 64"
rc_is 0 "pe-alloc 64: exit 0"
R='.results[0].perfeng.resources'
jq_is "$T/a.json" "$R|keys" '["involuntary_context_switches","major_faults","max_rss_at_most_kib","max_rss_kib","minor_faults","system","user","voluntary_context_switches"]' \
	"resources has the documented keys"
jq_ok "$T/a.json" "$R|to_entries|all(.value|length == 3)" "every resource has one value per run"
jq_ok "$T/a.json" "$R.max_rss_kib|all(. >= 65536)" "max_rss_kib is at least 64 MiB in every run"
jq_ok "$T/a.json" "$R.max_rss_kib|all(. < 1048576)" "and not absurd (under 1 GiB)"
# 64 MiB touched page by page (huge pages off): a minor fault per page, at least.
pages=$((64 * 1048576 / $(getconf PAGESIZE)))
jq_ok "$T/a.json" "$R.minor_faults|all(. >= $pages)" "minor_faults count the $pages pages touched"
like "$PE_OUT" 'Resources \(mean\): +max RSS (6[4-9]|[7-9][0-9])\.[0-9] MiB' "the text shows a max RSS of about 64 MiB"
jq_is "$T/a.json" "$R.max_rss_at_most_kib" '[null,null,null]' "no run of it needed a bound: each figure is the command's own"

# The command's own figure, not perfeng's: GNU time (which forks from its own
# small process) is the reference. pe-alloc's RSS beyond its 64 MiB is its
# baseline; both tools must see the same within 2 MiB, in each mode.
if [ -x /usr/bin/time ]; then
	ref=$(/usr/bin/time -f %M "$H/pe-alloc" 64 2>&1 >/dev/null | tail -n 1)
	num_ok "$ref" '>=' 65536 "(GNU time sees pe-alloc 64 at $ref KiB)"
	for how in "-N" ""; do
		run_pe bench -q -r 3 $how --export-json "$T/g.json" "$H/pe-alloc 64"
		jq_ok "$T/g.json" "$R.max_rss_kib|all(. - $ref | fabs < 2048)" \
			"${how:-through the shell}: every run's max RSS is GNU time's $ref KiB within 2 MiB"
	done
else
	skip "max RSS against GNU time" "/usr/bin/time is not installed"
fi

# A command far smaller than perfeng: its peak is below what the kernel folds
# in (perfeng's own resident set at the spawn), so only that bound is known,
# and it is said as a bound, never as the command's figure.
run_pe bench -q -N -r 3 --export-json "$T/t.json" "$H/pe-alloc 0"
rc_is 0 "pe-alloc 0: exit 0"
if [ "$(jqr "$T/t.json" "$R.max_rss_kib|all(. == null)")" = true ]; then
	jq_ok "$T/t.json" "$R.max_rss_at_most_kib|all(. > 0 and . < 16384)" "a tiny command: max_rss_at_most_kib, under 16 MiB, far below the 64 MiB one"
	like "$PE_OUT" 'Resources \(mean\): +max RSS ≤ [0-9.]+ MiB \(perfeng.s own at the spawn\)' "the text says it as a bound: max RSS ≤ ..."
else	# a perfeng smaller than pe-alloc's own 1 MiB would measure it
	jq_ok "$T/t.json" "$R.max_rss_kib|all(. < 16384)" "a tiny command: max_rss_kib under 16 MiB"
	pass "(perfeng is smaller than pe-alloc 0: its figure is the command's own)"
fi

done_testing
