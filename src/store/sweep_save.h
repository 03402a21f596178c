/*
 * A `load --sweep` as a run of kind "sweep": its points as the samples of
 * three metrics in step order, concurrency (connections, or X·W for a rate
 * sweep), throughput (responses/s) and latency (mean seconds), so that
 * `perfeng model NAME@latest` fits them again (sweep_points_load).
 */
#ifndef PE_STORE_SWEEP_SAVE_H
#define PE_STORE_SWEEP_SAVE_H

#include <stddef.h>
#include <stdint.h>

#include "stats/usl.h"
#include "store/store.h"

struct sweep_save {
	const char *name, *invocation, *version;
	const char *const *tags;
	size_t ntags;
	const struct usl_point *pts;
	size_t n;
	int64_t started, ended;
};

/* Saves it; the run's id in *id. 0, or -1 with pe_error(). */
int sweep_save(struct store *st, const struct sweep_save *in, int64_t *id);

/*
 * The points of a saved run into a new array (free it): a sweep's, or any
 * run with concurrency and throughput metrics of equal length. -1 with
 * pe_error() naming the run when it has none.
 */
int sweep_points_load(const struct store_run *run, struct usl_point **pts, size_t *n);

#endif
