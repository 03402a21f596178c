/*
 * perfeng merge FILE.hlog...: the summary of one load that several
 * processes or nodes ran (load --shard K/N --hlog), from their HdrHistogram
 * interval logs: the histograms are added (never the percentiles averaged),
 * so the merged p99 is the p99 of every request. Prints load's summary
 * (src/out/load_report.c), JSON, and can save a run of kind load.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "http/load.h"
#include "out/hlog_read.h"
#include "out/load_report.h"
#include "stats/hdr.h"
#include "store/load_save.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/options.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

static const char merge_usage[] = "perfeng merge [options] <file.hlog>...";

/* The per-second series over all logs: responses counted in the second an interval starts. */
struct merge_acc {
	struct hdr *total;
	double first, last;	/* earliest interval start, latest end (Unix seconds) */
	size_t intervals;
	/* intervals as read, to bucket by second once the first start is known */
	double *starts;
	int64_t *counts;
	size_t n, alloc;
	const char **no_counts;	/* the logs without perfeng's counts line */
	size_t nno_counts;
};

static int merge_interval(void *ctx, const struct hlog_interval *iv)
{
	struct merge_acc *a = ctx;

	hdr_add_values(a->total, iv->h);
	if (!a->intervals || iv->start < a->first)
		a->first = iv->start;
	if (!a->intervals || iv->start + iv->length > a->last)
		a->last = iv->start + iv->length;
	a->intervals++;
	if (a->n == a->alloc) {
		a->alloc = a->alloc ? 2 * a->alloc : 64;
		a->starts = xrealloc(a->starts, a->alloc * sizeof(*a->starts));
		a->counts = xrealloc(a->counts, a->alloc * sizeof(*a->counts));
	}
	a->starts[a->n] = iv->start;
	a->counts[a->n++] = iv->h->total;
	return 0;
}

/* Responses per second of the merged load, one value per whole second from the first start. */
static size_t merge_series(const struct merge_acc *a, double **rps)
{
	size_t secs = a->last > a->first ? (size_t)ceil(a->last - a->first - 1e-9) : 0;
	double *x;

	if (secs > 86400 * 7)	/* logs that span weeks are not one load */
		secs = 0;
	x = xcalloc(secs + 1, sizeof(*x));
	for (size_t i = 0; i < a->n && secs; i++) {
		size_t s = (size_t)floor(a->starts[i] - a->first + 1e-9);

		x[s < secs ? s : secs - 1] += (double)a->counts[i];
	}
	*rps = x;
	return secs;
}

/*
 * Reads the logs into a and r: the histograms added into r->latency, the
 * counts lines into r's counts, the logs without one listed in a. Returns
 * 0, or -1 with pe_error() at the first log that cannot be read or has no
 * interval.
 */
static int merge_logs(struct merge_acc *a, struct load_result *r, char **files, int n)
{
	a->total = &r->latency;
	a->no_counts = xcalloc((size_t)n, sizeof(*a->no_counts));
	for (int i = 0; i < n; i++) {
		struct hlog_info info;
		size_t before = a->intervals;

		if (hlog_read_file(files[i], &info, merge_interval, a) < 0 ||
		    (info.has_counts && load_report_add_counts(r, &info.counts, files[i]) < 0))
			return -1;
		if (a->intervals == before)
			return pe_error("'%s' has no interval: is it an HdrHistogram interval log?", files[i]);
		if (!info.has_counts)
			a->no_counts[a->nno_counts++] = files[i];
	}
	r->responses = (uint64_t)r->latency.total;
	r->elapsed_ns = a->last > a->first ? (uint64_t)((a->last - a->first) * 1e9) : 0;
	return 0;
}

/* --save: the merged run, its error rate when every log carried its counts. */
static int merge_save(struct store *st, const char *name, const struct string_list *tags,
		      const char *invocation, const struct merge_acc *a, const struct load_result *r)
{
	struct load_save in = {
		.name = name, .tags = tags->v, .ntags = tags->n, .invocation = invocation,
		.version = perfeng_version, .r = r, .errors_known = !a->nno_counts,
		.error_rate = r->sent ? (double)load_report_errors(r) / (double)r->sent : NAN,
		.started = (int64_t)(a->first * 1e6), .ended = (int64_t)(a->last * 1e6),
	};
	double *rps = NULL, *p99;
	int64_t id;
	int rc;

	in.n = merge_series(a, &rps);
	p99 = xcalloc(in.n + 1, sizeof(*p99));
	for (size_t i = 0; i < in.n; i++)
		p99[i] = NAN;	/* a second's p99 would need its histograms kept: not in the series */
	in.rps = rps;
	in.p99_ms = p99;
	rc = load_save(st, &in, &id);
	if (!rc)
		cmd_say_saved(st, (long long)id, name);
	free(rps);
	free(p99);
	return rc;
}

int cmd_merge(int argc, char **argv)
{
	const char *save = NULL, *store_spec = NULL;
	struct string_list tags = { 0 };
	int json = 0, latency = 0, npos, rc, status = PE_EXIT_OK;
	struct option opts[] = {
		OPT_FLAG(0, "latency", &latency, "print the full latency distribution"),
		OPT_FLAG(0, "json", &json, "print JSON instead of the text"),
		OPT_GROUP("Results store:"),
		OPT_STRING(0, "save", &save, "<NAME>", "save the merged result as a run of kind load named NAME"),
		OPT_LIST(0, "tag", &tags, "<TAG>", "tag the saved run (repeatable)"),
		OPT_STRING(0, "store", &store_spec, "<PATH|URL>", "the results store (default $PERFENG_STORE or ~/.local/share/perfeng/results.db)"),
		OPT_END(),
	};
	struct load_result res;
	struct merge_acc acc = { 0 };
	struct load_report rep = { 0 };
	struct store *st = NULL;
	char *invocation = store_command_line(argc, argv);
	struct strbuf msg = STRBUF_INIT;

	memset(&res, 0, sizeof(res));
	rc = options_parse(argc, argv, opts, &npos);
	if (rc == OPT_HELP) {
		options_usage(stdout, merge_usage, opts);
		cmd_usage_env(stdout, CMD_ENV_STORE);
		goto out;
	}
	if (!rc && npos < 1)
		rc = pe_error("merge needs at least one interval log (load --hlog FILE)");
	if (!rc)
		rc = store_check_save_args(save, tags.v, tags.n, store_spec);
	if (rc < 0) {
		fprintf(stderr, "perfeng merge: %s\nsee 'perfeng merge --help'\n", pe_errmsg());
		status = PE_EXIT_USAGE;
		goto out;
	}
	if (hdr_init(&res.latency, LOAD_HDR_LOWEST, LOAD_HDR_HIGHEST, LOAD_HDR_DIGITS) < 0 ||
	    hdr_init(&res.latency_raw, LOAD_HDR_LOWEST, LOAD_HDR_HIGHEST, LOAD_HDR_DIGITS) < 0 ||
	    merge_logs(&acc, &res, argv, npos) < 0 || (save && store_open(store_spec, &st) < 0)) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		goto out;
	}
	rep.r = &res;
	rep.latency_dist = latency;
	rep.logs = (size_t)npos;
	rep.intervals = acc.intervals;
	rep.no_counts = acc.no_counts;
	rep.nno_counts = acc.nno_counts;
	if (json) {
		json_t *root = load_report_json(&rep), *files = json_array();

		for (int i = 0; i < npos; i++)
			json_array_append_new(files, json_string(argv[i]));
		json_object_set_new(root, "files", files);
		json_object_set_new(root, "overflow", json_integer((json_int_t)res.latency.overflow));
		json_dumpf(root, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
		putchar('\n');
		json_decref(root);
	} else {
		load_report_text(&rep);
	}
	fflush(stdout);
	if (res.latency.overflow)
		cmd_warn("%lld values above the histogram's range (1 h) were left out",
			 (long long)res.latency.overflow);
	if (acc.nno_counts)
		cmd_warn("%zu of %d logs carry no perfeng counts (%s%s: another tool's, or an older perfeng's): "
			 "the errors are unknown, not zero", acc.nno_counts, npos, acc.no_counts[0],
			 acc.nno_counts > 1 ? ", ..." : "");
	else if (load_report_failed_share(&res, &msg))
		cmd_warn("%s", msg.buf);
	if (st && merge_save(st, save, &tags, invocation, &acc, &res) < 0)
		status = cmd_fail(PE_EXIT_RUNTIME, "--save: %s", pe_errmsg());
out:
	hdr_release(&res.latency);
	hdr_release(&res.latency_raw);
	if (st)
		store_close(st);
	free(acc.starts);
	free(acc.counts);
	free(acc.no_counts);
	free(tags.v);
	free(invocation);
	strbuf_release(&msg);
	return status;
}
