/*
 * What `load --metrics` exposes, as Prometheus text or OpenMetrics
 * (src/out/openmetrics.c):
 * requests sent, responses by status class, errors by kind, bytes, the
 * latency histogram (cumulative buckets in seconds, from the run's
 * HdrHistogram) and its quantiles, and the current and target rates.
 */
#ifndef PE_OUT_LOAD_METRICS_H
#define PE_OUT_LOAD_METRICS_H

#include "http/load.h"
#include "stats/hdr.h"
#include "out/openmetrics.h"

struct load_metrics_view {
	const struct load_counts *counts;	/* cumulative, all threads */
	const struct hdr *latency;		/* the run's latencies so far (us; corrected in the open model) */
	double rate;				/* responses/s in the last second */
	double target;				/* open model: the target rate now; 0 closed */
	double elapsed;				/* seconds reported so far */
};

/* Appends the whole exposition in w's format. */
void load_metrics_render(struct om_writer *w, const struct load_metrics_view *v);

#endif
