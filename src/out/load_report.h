/*
 * The summary of a load run, as text and JSON: shared by `load` (one run)
 * and `merge` (the interval logs of several runs, shards of one load), so
 * both read the same. A merged summary knows only what interval logs hold:
 * the latencies (corrected), their count and the time they span.
 */
#ifndef PE_OUT_LOAD_REPORT_H
#define PE_OUT_LOAD_REPORT_H

#include <stddef.h>

#include <jansson.h>

#include "http/load.h"

struct load_report {
	const char *url;		/* the target (a label with --requests-file); NULL for merged logs */
	const char *requests_file;	/* --requests-file, or NULL */
	const struct load_opts *o;	/* NULL for merged logs */
	const struct load_result *r;	/* for merged logs: responses, elapsed_ns and latency */
	double target;			/* open model: the (average) target rate */
	int latency_dist;		/* --latency: the whole distribution */
	unsigned shard_k, shard_n;	/* --shard K/N; 0 without */
	size_t logs, intervals;		/* merged logs */
};

/* Transport errors and 4xx/5xx responses. */
uint64_t load_report_errors(const struct load_result *r);

/* The summary as text on stdout. */
void load_report_text(const struct load_report *rep);

/*
 * The summary as a JSON object (a new reference); load adds per_second, slo
 * and interrupted to it.
 */
json_t *load_report_json(const struct load_report *rep);

/* p50 .. p9999, max, min, mean, stddev (seconds) and count of h (microseconds). */
json_t *load_report_latency_json(const struct hdr *h);

#endif
