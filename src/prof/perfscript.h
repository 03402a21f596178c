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
 * stackcollapse-perf.pl warns and goes on; a sample cut off at the end of
 * the input (no blank line after it) is left out, as it does, and counted
 * in st->cut_off. Returns 0 (it never fails; an input with no stacks
 * leaves st->stacks at 0).
 */
int perfscript_read(struct profile *p, const char *buf, size_t len,
		    const struct perfscript_opts *o, struct prof_read_stats *st);

/*
 * 1 when buf looks like `perf script` text rather than folded stacks: its
 * first line that is neither blank nor a '#' comment is a sample header
 * followed by an indented frame line, or does not end in a count.
 */
int perfscript_detect(const char *buf, size_t len);

#endif
