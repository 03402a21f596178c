/*
 * A writer of the OpenMetrics text format (version 1.0.0, the
 * application/openmetrics-text exposition that Prometheus scrapes): metric
 * families with their TYPE and HELP lines, counters (_total), gauges,
 * histograms (cumulative _bucket{le} lines, _count, _sum) and summaries
 * (quantile lines), label values escaped, "# EOF" at the end. It only
 * formats into a caller's buffer; serving it is src/http/serve.c's job, and
 * what to expose is the command's (load, observe).
 */
#ifndef PE_OUT_OPENMETRICS_H
#define PE_OUT_OPENMETRICS_H

#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

#define OPENMETRICS_CONTENT_TYPE "application/openmetrics-text; version=1.0.0; charset=utf-8"

/* Labels of a sample: n name/value pairs; values are escaped when written. */
struct om_label {
	const char *name, *value;
};

enum om_type { OM_COUNTER, OM_GAUGE, OM_HISTOGRAM, OM_SUMMARY };

/*
 * Starts a family: "# TYPE name type" and "# HELP name help". Every sample
 * of the family must follow before the next family starts. name must be a
 * valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) without the _total suffix.
 */
void om_family(struct strbuf *sb, const char *name, enum om_type type, const char *help);

/* A sample: name (with its suffix: _total, _bucket, ...), labels, value. */
void om_sample(struct strbuf *sb, const char *name, const struct om_label *labels, size_t nlabels,
	       double value);

/* A counter family's sample: name_total. */
void om_counter(struct strbuf *sb, const char *name, const struct om_label *labels, size_t nlabels,
		double value);

/*
 * A histogram's samples (after om_family(..., OM_HISTOGRAM, ...)):
 * name_bucket{le=bounds[i]} with cumulative[i] (counts at or below the
 * bound, non-decreasing, bounds increasing), then le="+Inf" with count,
 * name_count and name_sum.
 */
void om_histogram(struct strbuf *sb, const char *name, const struct om_label *labels, size_t nlabels,
		  const double *bounds, const uint64_t *cumulative, size_t n, uint64_t count, double sum);

/* A summary's samples: name{quantile=q[i]} values[i], name_count, name_sum. */
void om_summary(struct strbuf *sb, const char *name, const struct om_label *labels, size_t nlabels,
		const double *q, const double *values, size_t n, uint64_t count, double sum);

/* The end of the exposition: "# EOF". */
void om_eof(struct strbuf *sb);

/* Appends s as a label value: backslash, double quote and newline escaped. */
void om_escape(struct strbuf *sb, const char *s);

#endif
