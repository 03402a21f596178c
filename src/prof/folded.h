/*
 * Folded stacks, the text every flame-graph tool reads: one line per
 * distinct stack, frames from the root separated by ';', then a space and
 * the weight ("main;work;leaf 42"). Frame kinds ride on FlameGraph's
 * suffixes: "_[k]" kernel, "_[i]" inlined, "_[j]" JIT.
 */
#ifndef PE_FOLDED_H
#define PE_FOLDED_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "prof/profile.h"

/* Deeper stacks are cut at the leaf end (and counted), which bounds the renderers' work. */
#define PROFILE_MAX_DEPTH 4096

struct prof_read_stats {
	uint64_t lines;		/* lines read */
	uint64_t stacks;	/* stacks added */
	uint64_t skipped;	/* lines that were neither a stack nor blank (skip mode) */
	uint64_t truncated;	/* stacks cut at PROFILE_MAX_DEPTH */
	uint64_t first_bad_line;	/* line number of the first skipped line; 0 if none */
	uint64_t cut_off;	/* perf script: a last sample cut off mid-line, left out */
	uint64_t filtered;	/* perf script: samples of another event, left out */
	const char *other_event;	/* perf script: the first such event (interned), or NULL */
};

/*
 * Adds the folded stacks in buf[0..len) to p. A line that is not
 * "STACK WEIGHT" fails the read with pe_error("line N: ...") unless
 * skip_bad is set; then it is counted in st->skipped and the read goes on.
 * Blank lines and CR before LF are ignored. Weights that add up to more
 * than 2^64-1 fail the read (pe_error("line N: ..."), in either mode): a
 * saturated sum would show every such stack at 100%. Returns 0 or -1.
 */
int folded_read(struct profile *p, const char *buf, size_t len, int skip_bad,
		struct prof_read_stats *st);

/* Writes p as folded stacks, sorted, one line per stack with self weight. Returns 0 or -1. */
int folded_write(FILE *f, const struct profile *p);

/*
 * The two-column folded format of FlameGraph's difffolded.pl, which
 * flamegraph.pl draws as a differential graph: "STACK BEFORE AFTER", one
 * line per stack with self weight in either profile. Returns 0 or -1.
 */
int folded_write_diff(FILE *f, const struct profile *before, const struct profile *after);

/* Splits a name with a "_[k]"-style suffix: returns the kind and shortens *len. */
enum frame_kind folded_kind_suffix(const char *s, size_t *len);

#endif
