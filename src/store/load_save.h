/*
 * A load result as a run of kind "load" in the results store, with the
 * metrics compare and history read: rps and error_rate over the seconds of
 * the run (one sample a second, so compare can test them), p50..p999 from
 * the corrected histogram, the per-second p99 as samples of p99 and the
 * whole histogram kept as p99's blob. Shared by `load --save` and `merge
 * --save` (whose error_rate, when its logs carry perfeng's counts, is the
 * whole merged run's, without per-second samples).
 */
#ifndef PE_STORE_LOAD_SAVE_H
#define PE_STORE_LOAD_SAVE_H

#include <stddef.h>
#include <stdint.h>

#include "http/load.h"
#include "store/store.h"

struct load_save {
	const char *name;
	const char *const *tags;
	size_t ntags;
	const char *extra_tag;		/* one more tag, or NULL or "" */
	const char *invocation;		/* the command line */
	const char *version;		/* perfeng's */
	const struct load_result *r;	/* responses, elapsed_ns and latency at least */
	int errors_known;		/* 0: no error_rate metric */
	/* the per-second series: responses/s, p99 in ms (NAN: none), errors */
	const double *rps, *p99_ms;
	const uint64_t *errors;		/* NULL when unknown */
	double error_rate;		/* errors known, no series of them: the run's error rate */
	size_t n;
	int64_t started, ended;		/* Unix microseconds */
};

/* Saves the run; its id in *id. Returns 0, or -1 with pe_error(). */
int load_save(struct store *st, const struct load_save *in, int64_t *id);

#endif
