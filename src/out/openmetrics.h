/*
 * A writer of the two text expositions that Prometheus scrapes: OpenMetrics
 * 1.0.0 (application/openmetrics-text) and the classic Prometheus text
 * format 0.0.4 (text/plain), which promtool lints and older scrapers ask
 * for. Metric families with their TYPE and HELP lines, counters (_total),
 * gauges, histograms (cumulative _bucket{le} lines, _count, _sum) and
 * summaries (quantile lines), label values escaped. The two differ in what
 * a counter's TYPE and HELP name (the family "x" in OpenMetrics, the
 * sample "x_total" in the classic format) and in the "# EOF" that ends an
 * OpenMetrics exposition. It only formats into a caller's buffer; serving
 * it is src/http/serve.c's job, and what to expose is the command's (load,
 * observe).
 */
#ifndef PE_OUT_OPENMETRICS_H
#define PE_OUT_OPENMETRICS_H

#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

enum om_format { OM_TEXT, OM_OPENMETRICS };

/* Where an exposition is written, and in which format. */
struct om_writer {
	struct strbuf *sb;
	enum om_format format;
};

/*
 * The format to answer a request with, from its Accept header (NULL when
 * it has none): OpenMetrics when the header accepts
 * application/openmetrics-text at least as much as text/plain (as
 * Prometheus's own header does), else the classic text format, which is
 * also the answer to no header, to a wildcard and to a header that accepts
 * neither (as Prometheus's client libraries answer).
 */
enum om_format om_negotiate(const char *accept);

/* The Content-Type of a format. */
const char *om_content_type(enum om_format format);

/* Labels of a sample: n name/value pairs; values are escaped when written. */
struct om_label {
	const char *name, *value;
};

enum om_type { OM_COUNTER, OM_GAUGE, OM_HISTOGRAM, OM_SUMMARY };

/*
 * Starts a family: its "# HELP" and "# TYPE" lines. Every sample of the
 * family must follow before the next family starts. name must be a valid
 * metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) without the _total suffix.
 */
void om_family(struct om_writer *w, const char *name, enum om_type type, const char *help);

/* A sample: name (with its suffix: _total, _bucket, ...), labels, value. */
void om_sample(struct om_writer *w, const char *name, const struct om_label *labels, size_t nlabels,
	       double value);

/* A counter family's sample: name_total. */
void om_counter(struct om_writer *w, const char *name, const struct om_label *labels, size_t nlabels,
		double value);

/*
 * A histogram's samples (after om_family(..., OM_HISTOGRAM, ...)):
 * name_bucket{le=bounds[i]} with cumulative[i] (counts at or below the
 * bound, non-decreasing, bounds increasing), then le="+Inf" with count,
 * name_count and name_sum.
 */
void om_histogram(struct om_writer *w, const char *name, const struct om_label *labels, size_t nlabels,
		  const double *bounds, const uint64_t *cumulative, size_t n, uint64_t count, double sum);

/* A summary's samples: name{quantile=q[i]} values[i], name_count, name_sum. */
void om_summary(struct om_writer *w, const char *name, const struct om_label *labels, size_t nlabels,
		const double *q, const double *values, size_t n, uint64_t count, double sum);

/* The end of the exposition: "# EOF" in OpenMetrics, nothing in the classic format. */
void om_eof(struct om_writer *w);

/* Appends s as a label value: backslash, double quote and newline escaped. */
void om_escape(struct strbuf *sb, const char *s);

#endif
