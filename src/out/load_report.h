/*
 * The summary of a load run, as text and JSON: shared by `load` (one run)
 * and `merge` (the interval logs of several runs, shards of one load), so
 * both read the same. A merged summary knows only what interval logs hold:
 * the latencies (corrected), their count and the time they span, and the
 * counts of requests, errors, status classes and bytes that load writes in
 * its log's counts line (hlog.h), when every log has one.
 */
#ifndef PE_OUT_LOAD_REPORT_H
#define PE_OUT_LOAD_REPORT_H

#include <stddef.h>

#include <jansson.h>

#include "http/load.h"
#include "out/hlog.h"
#include "util/strbuf.h"

struct load_report {
	const char *url;		/* the target (a label with --requests-file); NULL for merged logs */
	const char *requests_file;	/* --requests-file, or NULL */
	const struct load_opts *o;	/* NULL for merged logs */
	const struct load_result *r;	/* for merged logs: responses, elapsed_ns and latency */
	double target;			/* open model: the (average) target rate */
	int latency_dist;		/* --latency: the whole distribution */
	unsigned shard_k, shard_n;	/* --shard K/N; 0 without */
	size_t logs, intervals;		/* merged logs */
	/*
	 * Merged logs: those without perfeng's counts line (another tool's, an
	 * older perfeng's). With any, the errors are unknown (not zero); with
	 * none, r's counts are the sum of the logs'.
	 */
	const char *const *no_counts;
	size_t nno_counts;
};

/* Transport errors and 4xx/5xx responses. */
uint64_t load_report_errors(const struct load_result *r);

/* Failures at or above this share of the requests sent are worth a warning. */
#define LOAD_REPORT_NOTICEABLE 0.01

/*
 * When the failed requests (load_report_errors) are a noticeable share of
 * those sent: writes "5 of 10 requests failed (50.0%): read 3, status 5xx 2"
 * (the kinds, most first) to out and returns 1; else 0, nothing added.
 */
int load_report_failed_share(const struct load_result *r, struct strbuf *out);

/*
 * When no request succeeded, no response at all or every response a 5xx:
 * adds the fault to out as a sentence ("cannot connect to TARGET: no
 * connection could be established (196 attempts failed)", "6 connections
 * established but every request failed on read (the server closed the
 * connection mid-response)", "every response was 5xx: ...") and returns 1;
 * else 0, nothing added. target is HOST:PORT. A run whose TLS handshakes all
 * failed returns 1 with r->tls_error, the reason, when it has one.
 */
int load_report_fault(const struct load_result *r, const char *target, struct strbuf *out);

/*
 * r's counts for the counts line of an interval log (hlog.h): sent, each
 * error kind by load_err_name(), status_1xx .. status_5xx, status_other,
 * unfinished, connections_opened, bytes_in and bytes_out.
 */
void load_report_counts(const struct load_result *r, struct hlog_counts *c);

/*
 * Adds the counts line c of the log named log to r: merge sums the
 * shards'. Returns 0, or -1 with pe_error() naming the first count of
 * load_report_counts that c lacks (nothing added then).
 */
int load_report_add_counts(struct load_result *r, const struct hlog_counts *c, const char *log);

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
