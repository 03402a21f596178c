#include "out/load_report.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "out/format.h"
#include "out/json.h"
#include "stats/hdr.h"
#include "util/error.h"

uint64_t load_report_errors(const struct load_result *r)
{
	uint64_t e = r->status[4] + r->status[5];

	for (int k = 0; k < LOAD_ERR_NR; k++)
		e += r->errors[k];
	return e;
}

/* The kinds of failure, as the errors line names them, and what each means. */
#define FAIL_KINDS (LOAD_ERR_NR + 2)

struct fail_kind {
	const char *name, *why;
	int err;		/* enum load_err; -1 for a status class */
	uint64_t n;
};

static const char *const fail_why[LOAD_ERR_NR] = {
	[LOAD_ERR_CONNECT] = "refused or timed out",
	[LOAD_ERR_TIMEOUT] = "no response within --timeout",
	[LOAD_ERR_READ] = "the server closed the connection mid-response",
	[LOAD_ERR_WRITE] = "the connection closed while a request was written",
	[LOAD_ERR_PARSE] = "malformed responses",
	[LOAD_ERR_TLS] = "TLS handshakes failed",
};

/* r's failures of each kind, most first (the order of the errors line among equals); returns how many kinds. */
static size_t fail_kinds(const struct load_result *r, int with_status, struct fail_kind *k)
{
	size_t n = 0;

	for (int e = 0; e < LOAD_ERR_NR; e++)
		k[n++] = (struct fail_kind){ load_err_name(e), fail_why[e], e, r->errors[e] };
	if (with_status) {
		k[n++] = (struct fail_kind){ "status 4xx", "client errors", -1, r->status[4] };
		k[n++] = (struct fail_kind){ "status 5xx", "server errors", -1, r->status[5] };
	}
	for (size_t i = 1; i < n; i++)	/* insertion sort, stable: a handful of kinds */
		for (size_t j = i; j > 0 && k[j].n > k[j - 1].n; j--) {
			struct fail_kind t = k[j];

			k[j] = k[j - 1];
			k[j - 1] = t;
		}
	while (n && !k[n - 1].n)
		n--;
	return n;
}

/* "read 3, status 5xx 2", with each kind's meaning in brackets when why. */
static void add_kinds(struct strbuf *out, const struct fail_kind *k, size_t n, int why)
{
	for (size_t i = 0; i < n; i++) {
		strbuf_addf(out, "%s%s %llu", i ? ", " : "", k[i].name, (unsigned long long)k[i].n);
		if (why)
			strbuf_addf(out, " (%s)", k[i].why);
	}
}

int load_report_failed_share(const struct load_result *r, struct strbuf *out)
{
	struct fail_kind k[FAIL_KINDS];
	uint64_t failed = load_report_errors(r);
	size_t n;

	if (!r->sent || !failed || (double)failed / (double)r->sent < LOAD_REPORT_NOTICEABLE)
		return 0;
	n = fail_kinds(r, 1, k);
	strbuf_addf(out, "%llu of %llu requests failed (%.1f%%): ", (unsigned long long)failed,
		    (unsigned long long)r->sent, 100.0 * (double)failed / (double)r->sent);
	add_kinds(out, k, n, 0);
	return 1;
}

int load_report_fault(const struct load_result *r, const char *target, struct strbuf *out)
{
	struct fail_kind k[FAIL_KINDS];
	size_t n = fail_kinds(r, 0, k);

	if (r->responses && r->status[5] < r->responses)
		return 0;	/* something succeeded */
	if (r->responses) {
		strbuf_addf(out, "every response was 5xx: status 5xx %llu of %llu responses",
			    (unsigned long long)r->status[5], (unsigned long long)r->responses);
		if (n) {
			strbuf_addstr(out, "; the other requests failed: ");
			add_kinds(out, k, n, 0);
		}
		return 1;
	}
	if (!r->connects && r->errors[LOAD_ERR_TLS] && r->tls_error[0]) {
		strbuf_addstr(out, r->tls_error);
		return 1;
	}
	if (!r->connects) {
		strbuf_addf(out, "cannot connect to %s: no connection could be established (failed attempts: ", target);
		add_kinds(out, k, n, 0);
		strbuf_addstr(out, n ? ")" : "no attempt)");
		return 1;
	}
	strbuf_addf(out, "%llu connection%s established but ", (unsigned long long)r->connects,
		    r->connects == 1 ? "" : "s");
	if (n == 1 && k[0].err == LOAD_ERR_READ) {
		strbuf_addf(out, "every request failed on read (%s)", k[0].why);
		return 1;
	}
	strbuf_addstr(out, "no request got a response: ");
	add_kinds(out, k, n, 1);
	if (!n)	/* in -d runs, each connection's last request is left in flight */
		strbuf_addf(out, "%llu still in flight at the end", (unsigned long long)r->unfinished);
	return 1;
}

/* The counts of the counts line and where each is in r, in the order written. */
#define COUNTS_NR (1 + LOAD_ERR_NR + 6 + 4)

static size_t counts_fields(struct load_result *r, const char **names, uint64_t **fields)
{
	static const char *const status[6] = { "status_other", "status_1xx", "status_2xx", "status_3xx",
					       "status_4xx", "status_5xx" };
	size_t n = 0;

	names[n] = "sent";
	fields[n++] = &r->sent;
	for (int e = 0; e < LOAD_ERR_NR; e++) {
		names[n] = load_err_name(e);
		fields[n++] = &r->errors[e];
	}
	for (int k = 1; k <= 6; k++) {	/* 1xx .. 5xx, then other */
		names[n] = status[k % 6];
		fields[n++] = &r->status[k % 6];
	}
	names[n] = "unfinished";
	fields[n++] = &r->unfinished;
	names[n] = "connections_opened";
	fields[n++] = &r->connects;
	names[n] = "bytes_in";
	fields[n++] = &r->bytes_in;
	names[n] = "bytes_out";
	fields[n++] = &r->bytes_out;
	return n;
}

void load_report_counts(const struct load_result *r, struct hlog_counts *c)
{
	const char *names[COUNTS_NR];
	uint64_t *fields[COUNTS_NR];
	/* counts_fields hands out pointers into r for both directions; here they are only read */
	size_t n = counts_fields((struct load_result *)r, names, fields);

	c->n = 0;
	for (size_t i = 0; i < n; i++)
		hlog_counts_set(c, names[i], *fields[i]);
}

int load_report_add_counts(struct load_result *r, const struct hlog_counts *c, const char *log)
{
	const char *names[COUNTS_NR];
	uint64_t *fields[COUNTS_NR], v[COUNTS_NR];
	size_t n = counts_fields(r, names, fields);

	for (size_t i = 0; i < n; i++)
		if (hlog_counts_get(c, names[i], &v[i]) < 0)
			return pe_error("'%s': its perfeng counts line has no '%s'", log, names[i]);
	for (size_t i = 0; i < n; i++)
		*fields[i] += v[i];
	return 0;
}

/* One row of percentiles, all in unit u so that the columns line up. */
static void print_latency_row(const char *label, const struct hdr *h, enum time_unit u)
{
	static const double ps[] = { 50, 90, 99, 99.9, 99.99 };
	char b[48];

	printf("  %-14s", label);
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++)
		printf(" %9s", fmt_time_num(b, sizeof(b), (double)hdr_value_at_percentile(h, ps[i]) / 1e6, u));
	printf(" %9s\n", fmt_time_num(b, sizeof(b), (double)hdr_max(h) / 1e6, u));
}

static void print_dist(int64_t value, double percentile, int64_t count, void *ctx)
{
	(void)ctx;
	printf("  %12.3f ms  %10.6f%%  %12lld\n", (double)value / 1e3, percentile, (long long)count);
}

/* The latency table (and distribution); open: corrected and uncorrected rows. */
static void print_latency(const struct load_report *rep, int open)
{
	const struct load_result *r = rep->r;
	enum time_unit u = time_unit_for((double)hdr_value_at_percentile(&r->latency, 99) / 1e6);
	char head[32], a[48], b[48];

	snprintf(head, sizeof(head), "latency (%s)", time_unit_name(u));
	/* "µ" is two bytes but one column */
	printf("  %s%*s %9s %9s %9s %9s %9s %9s\n", head,
	       14 - (int)strlen(head) + (u == TU_US), "", "p50", "p90", "p99", "p99.9", "p99.99", "max");
	print_latency_row(!rep->o ? "merged" : open ? "corrected" : "all", &r->latency, u);
	if (open)
		print_latency_row("uncorrected", &r->latency_raw, u);
	printf("  mean %s, σ %s%s\n", fmt_time(a, sizeof(a), hdr_mean(&r->latency) / 1e6, TU_AUTO),
	       fmt_time(b, sizeof(b), hdr_stddev(&r->latency) / 1e6, TU_AUTO),
	       open ? " (corrected: from each request's intended time)" : "");
	if (rep->latency_dist) {
		printf("\n  latency distribution%s:\n  %15s  %11s  %12s\n",
		       open ? " (corrected)" : "", "value", "percentile", "count");
		hdr_percentiles(&r->latency, 5, print_dist, NULL);
	}
}

void load_report_text(const struct load_report *rep)
{
	const struct load_opts *o = rep->o;
	const struct load_result *r = rep->r;
	double secs = (double)r->elapsed_ns / 1e9;
	int open = o && o->rate > 0;

	if (!o) {
		printf("perfeng merge: %zu interval log%s, %zu intervals\n", rep->logs,
		       rep->logs == 1 ? "" : "s", rep->intervals);
		printf("  %.2f s from the first interval's start to the last one's end: ", secs);
		if (!rep->nno_counts)
			printf("%llu requests sent, ", (unsigned long long)r->sent);
		printf("%llu responses, %.1f responses/s\n\n", (unsigned long long)r->responses,
		       secs > 0 ? (double)r->responses / secs : 0.0);
	} else {
		printf("perfeng load %s\n", rep->url);
		if (rep->shard_n)
			printf("  shard %u of %u: this node's slice of the planned load\n", rep->shard_k,
			       rep->shard_n);
		printf("  %u thread%s", o->threads, o->threads == 1 ? "" : "s");
		if (o->threads > 1)
			printf(" (%.1f running on average)", r->threads_active);
		printf(", %u connection%s requested, %u established at most\n", o->connections,
		       o->connections == 1 ? "" : "s", r->established);
		if (o->pipeline > 1)
			printf("  pipeline of %u requests per connection\n", o->pipeline);
		if (r->tls_version[0])
			printf("  %s, %s (first connection); %llu handshakes, %llu resumed\n", r->tls_version,
			       r->tls_cipher, (unsigned long long)r->tls_handshakes,
			       (unsigned long long)r->tls_resumed);
		printf("  %.2f s: %llu requests sent, %llu responses, %.1f responses/s", secs,
		       (unsigned long long)r->sent, (unsigned long long)r->responses,
		       secs > 0 ? (double)r->responses / secs : 0.0);
		if (open)
			printf(" (target %.1f req/s%s, achieved %.1f%%)", rep->target,
			       o->nstages ? " on average" : "",
			       secs > 0 ? (double)r->sent / secs / rep->target * 100 : 0.0);
		printf("\n\n");
	}
	if (r->latency.total)
		print_latency(rep, open);
	else
		printf("  no response: no latency to show\n");
	if (!o && rep->nno_counts) {
		printf("\n  errors: unknown, not zero: %zu of %zu logs carry no perfeng counts (%s%s)\n",
		       rep->nno_counts, rep->logs, rep->no_counts[0], rep->nno_counts > 1 ? ", ..." : "");
		return;
	}
	printf("\n  errors: connect %llu, tls %llu, timeout %llu, read %llu, write %llu, parse %llu; "
	       "status 4xx %llu, 5xx %llu\n",
	       (unsigned long long)r->errors[LOAD_ERR_CONNECT], (unsigned long long)r->errors[LOAD_ERR_TLS],
	       (unsigned long long)r->errors[LOAD_ERR_TIMEOUT],
	       (unsigned long long)r->errors[LOAD_ERR_READ], (unsigned long long)r->errors[LOAD_ERR_WRITE],
	       (unsigned long long)r->errors[LOAD_ERR_PARSE], (unsigned long long)r->status[4],
	       (unsigned long long)r->status[5]);
	printf("  transfer: %.2f MiB in, %.2f MiB out; %llu connections opened\n",
	       (double)r->bytes_in / 1048576, (double)r->bytes_out / 1048576,
	       (unsigned long long)r->connects);
	if (r->unfinished)
		printf("  %llu requests were still in flight at the end (not counted)\n",
		       (unsigned long long)r->unfinished);
}

json_t *load_report_latency_json(const struct hdr *h)
{
	static const struct { const char *k; double p; } ps[] = {
		{ "p50", 50 }, { "p90", 90 }, { "p99", 99 }, { "p999", 99.9 }, { "p9999", 99.99 },
	};
	json_t *o = json_object();

	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++)
		json_object_set_new(o, ps[i].k, h->total ? json_real((double)hdr_value_at_percentile(h, ps[i].p) / 1e6) : json_null());
	json_object_set_new(o, "max", h->total ? json_real((double)hdr_max(h) / 1e6) : json_null());
	json_object_set_new(o, "min", h->total ? json_real((double)hdr_min(h) / 1e6) : json_null());
	json_object_set_new(o, "mean", h->total ? json_real(hdr_mean(h) / 1e6) : json_null());
	json_object_set_new(o, "stddev", h->total ? json_real(hdr_stddev(h) / 1e6) : json_null());
	json_object_set_new(o, "count", json_integer(h->total));
	return o;
}

/*
 * The counts of r into root: requests, unfinished, error_rate, errors (by
 * kind and 4xx, 5xx), status (by class), bytes and connections opened;
 * each null when not known (merged logs without perfeng's counts).
 */
static void json_counts(json_t *root, const struct load_result *r, int known)
{
	json_t *errs = json_object();

	for (int e = 0; e < LOAD_ERR_NR; e++)
		json_object_set_new(errs, load_err_name(e), json_integer((json_int_t)r->errors[e]));
	json_object_set_new(errs, "status_4xx", json_integer((json_int_t)r->status[4]));
	json_object_set_new(errs, "status_5xx", json_integer((json_int_t)r->status[5]));
	json_object_set_new(root, "requests", known ? json_integer((json_int_t)r->sent) : json_null());
	json_object_set_new(root, "unfinished", known ? json_integer((json_int_t)r->unfinished) : json_null());
	json_object_set_new(root, "error_rate", known ? json_num(r->sent ? (double)load_report_errors(r) / (double)r->sent : NAN)
						: json_null());
	json_object_set_new(root, "errors", known ? errs : json_null());
	json_object_set_new(root, "status", !known ? json_null() :
		json_pack("{s:I,s:I,s:I,s:I,s:I}", "1xx", (json_int_t)r->status[1],
			  "2xx", (json_int_t)r->status[2], "3xx", (json_int_t)r->status[3],
			  "4xx", (json_int_t)r->status[4], "5xx", (json_int_t)r->status[5]));
	json_object_set_new(root, "bytes_in", known ? json_integer((json_int_t)r->bytes_in) : json_null());
	json_object_set_new(root, "bytes_out", known ? json_integer((json_int_t)r->bytes_out) : json_null());
	json_object_set_new(root, "connections_opened", known ? json_integer((json_int_t)r->connects) : json_null());
	if (!known)
		json_decref(errs);
}

json_t *load_report_json(const struct load_report *rep)
{
	const struct load_opts *o = rep->o;
	const struct load_result *r = rep->r;
	json_t *root = json_object();
	double secs = (double)r->elapsed_ns / 1e9;

	if (!o) {
		json_t *none = json_array();

		for (size_t i = 0; i < rep->nno_counts; i++)
			json_array_append_new(none, json_string(rep->no_counts[i]));
		json_object_set_new(root, "logs", json_integer((json_int_t)rep->logs));
		json_object_set_new(root, "intervals", json_integer((json_int_t)rep->intervals));
		json_object_set_new(root, "duration", json_real(secs));
		json_object_set_new(root, "responses", json_integer((json_int_t)r->responses));
		json_object_set_new(root, "rps", json_num(secs > 0 ? (double)r->responses / secs : NAN));
		json_counts(root, r, !rep->nno_counts);
		json_object_set_new(root, "no_counts", none);
		json_object_set_new(root, "latency", load_report_latency_json(&r->latency));
		return root;
	}
	json_object_set_new(root, "url", json_string(rep->url));
	json_object_set_new(root, "requests_file", rep->requests_file ? json_string(rep->requests_file) : json_null());
	json_object_set_new(root, "tls", !o->tls ? json_null() :
		json_pack("{s:s?,s:s?,s:I,s:I}", "protocol", r->tls_version[0] ? r->tls_version : NULL,
			  "cipher", r->tls_cipher[0] ? r->tls_cipher : NULL,
			  "handshakes", (json_int_t)r->tls_handshakes, "resumed", (json_int_t)r->tls_resumed));
	json_object_set_new(root, "threads", json_integer(o->threads));
	json_object_set_new(root, "threads_active", json_real(r->threads_active));
	json_object_set_new(root, "connections_requested", json_integer(o->connections));
	json_object_set_new(root, "connections_established", json_integer(r->established));
	json_object_set_new(root, "model", json_string(o->rate > 0 ? "open" : "closed"));
	json_object_set_new(root, "target_rate", o->rate > 0 ? json_real(rep->target) : json_null());
	json_object_set_new(root, "shard", rep->shard_n ? json_pack("{s:i,s:i}", "index", (int)rep->shard_k,
								    "count", (int)rep->shard_n) : json_null());
	json_object_set_new(root, "duration", json_real(secs));
	json_object_set_new(root, "responses", json_integer((json_int_t)r->responses));
	json_object_set_new(root, "rps", json_num(secs > 0 ? (double)r->responses / secs : NAN));
	json_counts(root, r, 1);
	json_object_set_new(root, "latency", load_report_latency_json(&r->latency));
	json_object_set_new(root, "latency_uncorrected", load_report_latency_json(&r->latency_raw));
	return root;
}
