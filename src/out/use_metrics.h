/*
 * What `observe --metrics` exposes, as Prometheus text or OpenMetrics
 * (src/out/openmetrics.c):
 * the latest interval's USE figures (src/sys/use.h) as gauges (ratios,
 * seconds, bytes, per-second rates of the interval) and the raw monotonic
 * counts of the sample it ends at as counters (_total), per CPU, disk,
 * interface, filesystem, GPU and the watched process where the data is per
 * device. docs/observe.md lists every family; keep the two in step.
 */
#ifndef PE_OUT_USE_METRICS_H
#define PE_OUT_USE_METRICS_H

#include <stdint.h>

#include "out/openmetrics.h"
#include "sys/use.h"

struct use_metrics_view {
	const struct use_row *row;	/* the latest interval; NULL before the first one */
	const struct sys_sample *cur;	/* the sample row ends at (its raw counters) */
	long hz;			/* USER_HZ of cur's tick counts */
	uint64_t intervals;		/* intervals derived so far */
};

/*
 * Appends the whole exposition in w's format. A figure the interval has no
 * data for (NaN in the row, a part of the sample not read) has no sample,
 * and a family without any sample is left out.
 */
void use_metrics_render(struct om_writer *w, const struct use_metrics_view *v);

#endif
