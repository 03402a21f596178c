/*
 * Reader of `perf script` text (the default output fields, recorded with
 * -g), folding each sample's stack as FlameGraph's stackcollapse-perf.pl
 * does by default: the process name (comm, spaces made '_') as the root
 * frame, symbols without their +0xOFFSET, "[unknown]" symbols named after
 * their module ("[libc.so.6]", or "[unknown]"), names tidied (';' to ':',
 * arguments after '(' and quotes dropped), only the first event's samples
 * unless one is chosen, each weighted by its period when perf printed one
 * (else 1). Not a reader of perf.data.
 */
#ifndef PE_PERFSCRIPT_H
#define PE_PERFSCRIPT_H

#include <stddef.h>

#include "prof/folded.h"
#include "prof/profile.h"

struct perfscript_opts {
	const char *event;	/* keep this event's samples; NULL: the first event seen */
	int annotate;		/* mark kernel and JIT frames (kinds; "_[k]", "_[j]" when folded) */
};

/*
 * Adds the samples in buf[0..len) to p; sets p->event, and p->unit to
 * "nanoseconds" when the weights are cpu-clock or task-clock periods,
 * "events" for other periods, else "samples". Lines it does not recognise
 * are skipped and counted (st->skipped, st->first_bad_line), as
 * stackcollapse-perf.pl warns and goes on. The last sample needs no blank
 * line after it; one cut off mid-line (the input ends inside a line that is
 * not understood) is left out and counted in st->cut_off. Returns 0 (an
 * input with no stacks leaves st->stacks at 0), or -1 with pe_error("line
 * N: ...") when the weights add up to more than 2^64-1: a saturated sum
 * would show every such stack at 100%.
 */
int perfscript_read(struct profile *p, const char *buf, size_t len,
		    const struct perfscript_opts *o, struct prof_read_stats *st);

/*
 * 1 when buf looks like `perf script` text rather than folded stacks: its
 * first line that is neither blank nor a '#' comment does not end in a
 * count, or is followed by a line that starts with a tab (a frame).
 */
int perfscript_detect(const char *buf, size_t len);

#endif
