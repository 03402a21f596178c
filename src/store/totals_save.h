/*
 * A run whose metrics are single totals, one sample each (heap's peak and
 * leaks, locks' wait and contended acquisitions): the host, git state and
 * tags filled as for every run, the metrics lower-is-better.
 */
#ifndef PE_STORE_TOTALS_SAVE_H
#define PE_STORE_TOTALS_SAVE_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct store_total {
	const char *name, *unit;
	double value;
};

struct totals_save {
	const char *kind, *name, *invocation, *version;
	const char *const *tags;
	size_t ntags;
	const struct store_total *totals;
	size_t n;
	int64_t started, ended;		/* Unix microseconds */
};

/* Saves the run; its id in *id. 0, or -1 with pe_error(). */
int totals_save(struct store *st, const struct totals_save *in, int64_t *id);

#endif
