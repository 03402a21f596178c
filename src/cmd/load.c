/*
 * perfeng load URL: HTTP load, closed model (each connection sends as soon
 * as it can) or open model at a target rate (-R), with latency percentiles
 * from HdrHistograms, errors by kind, SLO checks as the exit code, JSON and
 * a live status line. The engine is src/http/load.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "http/findmax.h"
#include "http/sweep.h"
#include "http/load.h"
#include "http/request.h"
#include "http/tls.h"
#include "http/serve.h"
#include "http/shard.h"
#include "http/stages.h"
#include "http/url.h"
#include "out/findmax_report.h"
#include "out/sweep_report.h"
#include "out/hlog.h"
#include "out/format.h"
#include "out/json.h"
#include "out/load_metrics.h"
#include "out/load_report.h"
#include "out/openmetrics.h"
#include "stats/hdr.h"
#include "stats/slo.h"
#include "store/findmax_save.h"
#include "store/load_save.h"
#include "store/sweep_save.h"
#include "store/store.h"
#include "sys/env.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/options.h"
#include "util/stop.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

static const char load_usage[] = "perfeng load [options] <url>\n   or: perfeng load [options] --requests-file <file> [<url>]";

/* --metrics: what the engine reported so far, for the exposition thread. */
struct live_metrics {
	pthread_mutex_t lock;
	struct load_counts counts;
	struct hdr latency;
	double rate, target, elapsed;
	struct hdr snap;		/* the server thread's copy: it renders outside the lock */
};

/* The live display and the per-second series, fed by the engine each second. */
struct live {
	struct live_metrics *m;		/* --metrics, or NULL */
	int tty;
	struct hlog *hlog;		/* --hlog, or NULL */
	double start;			/* Unix seconds at the start */
	int hlog_failed;
	double *rps, *p99_ms;
	uint64_t *errors;
	size_t n, alloc;
	uint64_t total;
};

static void on_interval(void *ctx, unsigned second, double length, const struct hdr *h,
			uint64_t responses, uint64_t errors)
{
	struct live *l = ctx;

	if (l->hlog && !l->hlog_failed && hlog_interval(l->hlog, l->start + second, length, h) < 0)
		l->hlog_failed = 1;	/* reported after the run */
	double p99 = h->total ? (double)hdr_value_at_percentile(h, 99) / 1000 : NAN;

	if (l->n == l->alloc) {
		l->alloc = l->alloc ? 2 * l->alloc : 64;
		l->rps = xrealloc(l->rps, l->alloc * sizeof(*l->rps));
		l->p99_ms = xrealloc(l->p99_ms, l->alloc * sizeof(*l->p99_ms));
		l->errors = xrealloc(l->errors, l->alloc * sizeof(*l->errors));
	}
	l->rps[l->n] = length > 0 ? (double)responses / length : 0;
	l->p99_ms[l->n] = p99;
	l->errors[l->n] = errors;
	l->n++;
	l->total += responses;
	if (l->m) {
		pthread_mutex_lock(&l->m->lock);
		hdr_add(&l->m->latency, h);
		l->m->rate = length > 0 ? (double)responses / length : 0;
		l->m->elapsed = second + length;
		pthread_mutex_unlock(&l->m->lock);
	}
	if (l->tty) {
		char b[32] = "n/a";

		if (!isnan(p99))
			snprintf(b, sizeof(b), "%.2f ms", p99);
		fprintf(stderr, "\r\033[K  %3us  %8.0f req/s  p99 %s  errors %llu", second + 1,
			(double)responses, b, (unsigned long long)errors);
	}
}

static void on_counts(void *ctx, unsigned second, const struct load_counts *total)
{
	struct live *l = ctx;

	(void)second;
	pthread_mutex_lock(&l->m->lock);
	l->m->counts = *total;
	pthread_mutex_unlock(&l->m->lock);
}

/*
 * GET /metrics: the run so far, as Prometheus text or OpenMetrics as the
 * scraper's Accept header asks; any other path is 404.
 */
static int serve_metrics(void *ctx, const struct serve_req *req, struct strbuf *body, const char **type)
{
	struct live_metrics *m = ctx;
	struct load_counts counts;
	struct load_metrics_view v = { .counts = &counts, .latency = &m->snap };
	struct om_writer w = { .sb = body, .format = om_negotiate(req->accept) };

	if (strcmp(req->path, "/metrics"))
		return 404;
	/* copy under the lock (the engine's interval report waits on it), render after */
	hdr_reset(&m->snap);
	pthread_mutex_lock(&m->lock);
	hdr_add(&m->snap, &m->latency);
	counts = m->counts;
	v.rate = m->rate;
	v.target = m->target;
	v.elapsed = m->elapsed;
	pthread_mutex_unlock(&m->lock);
	load_metrics_render(&w, &v);
	*type = om_content_type(w.format);
	return 200;
}

/* --save: the run and its per-second series, as src/store/load_save.c stores them. */
static int save_run(struct store *st, const char *name, const struct string_list *tags,
		    const struct shard *shard, const char *invocation, const struct load_result *r,
		    const struct live *l, int64_t started, int64_t ended)
{
	char tag[48] = "";
	struct load_save in = {
		.name = name, .tags = tags->v, .ntags = tags->n, .extra_tag = tag,
		.invocation = invocation, .version = perfeng_version, .r = r, .errors_known = 1, .rps = l->rps,
		.p99_ms = l->p99_ms, .errors = l->errors, .n = l->n, .started = started, .ended = ended,
	};
	int64_t id;

	if (shard->n)	/* so that the shards of one load can be found and merged */
		snprintf(tag, sizeof(tag), "shard=%u/%u", shard->k, shard->n);
	if (load_save(st, &in, &id) < 0)
		return -1;
	cmd_say_saved(st, (long long)id, name);
	return 0;
}

static double result_metric(const struct load_result *r, const struct slo *s)
{
	return slo_value(s, &r->latency, (double)r->elapsed_ns / 1e9, r->sent, r->responses,
			 load_report_errors(r));
}

/* --- --find-max: a search over open-model rates (engine: src/http/findmax.c) --- */

struct find_max_args {
	int on;
	const char *start_rate, *max_rate;
	uint64_t step_ns, warmup_ns;
	double precision;
};

/* Checks the --find-max options against the others; 0, or -1 with pe_error(). */
static int find_max_check(const struct find_max_args *a, size_t nslos, int has_rate, int has_bounds,
			  int has_hlog, int sweep)
{
	if (sweep && (a->warmup_ns % NS_PER_SEC || (a->step_ns && a->step_ns < NS_PER_SEC)))
		return pe_error("--warmup must be whole seconds and --step-duration 1s or more");
	if (!a->on) {
		if (a->start_rate || a->max_rate || a->precision != 0.05 ||
		    (!sweep && (a->step_ns || a->warmup_ns != NS_PER_SEC)))
			return pe_error("--start-rate, --max-rate and --precision go with --find-max; "
					"--step-duration and --warmup with --find-max or --sweep");
		return 0;
	}
	if (!nslos)
		return pe_error("--find-max needs at least one --slo: the objectives decide which rates pass");
	if (has_rate || has_bounds)
		return pe_error("--find-max chooses the rates and durations: it goes without -R, --stages, -d and -n");
	if (has_hlog)
		return pe_error("--find-max goes without --hlog");
	if (a->warmup_ns % NS_PER_SEC)
		return pe_error("--warmup must be whole seconds (0s, 1s, 2s, ...)");
	if (a->step_ns && a->step_ns < NS_PER_SEC)
		return pe_error("--step-duration must be 1s or more");
	if (!(a->precision > 0 && a->precision < 1))
		return pe_error("--precision must be above 0%% and below 100%%");
	return 0;
}

struct find_max_live {
	const struct findmax_opts *o;
	size_t n;
};

static void find_max_progress(void *ctx, const struct findmax_step *s)
{
	struct find_max_live *l = ctx;

	findmax_report_row(stderr, l->o, l->n++, s);
}

/* Where --find-max --save keeps its result; st NULL: not saved. */
struct find_max_save {
	struct store *st;
	const char *name, *invocation;
	const struct string_list *tags;
};

/* Runs the search with o as the base of each step; returns the exit status. */
static int find_max_run(const char *url, const struct find_max_args *a, const struct load_opts *o,
			const struct slo *slos, size_t nslos, int json, const struct find_max_save *sv)
{
	int64_t started = clock_realtime_us(), id;
	struct findmax_opts fo = { .load = *o, .slos = slos, .nslos = nslos };
	struct findmax_result res;
	struct find_max_live live = { .o = &fo };
	int status = PE_EXIT_OK;

	fo.start_rate = 100;
	fo.max_rate = 1e6;
	if (a->start_rate && (parse_double(a->start_rate, &fo.start_rate) < 0 || !(fo.start_rate > 0)))
		return cmd_fail(PE_EXIT_USAGE, "--start-rate: '%s' is not a positive rate", a->start_rate);
	if (a->max_rate && (parse_double(a->max_rate, &fo.max_rate) < 0 || fo.max_rate < fo.start_rate))
		return cmd_fail(PE_EXIT_USAGE, "--max-rate: '%s' is not a rate at or above the start rate (%g)",
				a->max_rate, fo.start_rate);
	fo.precision = a->precision;
	fo.step_ns = a->step_ns ? a->step_ns : 10 * NS_PER_SEC;
	fo.warmup_s = (unsigned)(a->warmup_ns / NS_PER_SEC);
	fo.step_done = isatty(STDERR_FILENO) && !json ? find_max_progress : NULL;
	fo.ctx = &live;
	if (findmax_run(&fo, &res) < 0)
		return cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
	if (json) {
		json_t *root = findmax_report_json(url, &fo, &res);

		json_dumpf(root, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
		putchar('\n');
		json_decref(root);
	} else {
		findmax_report_text(url, &fo, &res);
	}
	fflush(stdout);
	if (sv->st && res.end == FINDMAX_INTERRUPTED)
		cmd_warn("interrupted: nothing saved to the store");
	else if (sv->st && findmax_save(sv->st, sv->name, sv->invocation, perfeng_version, sv->tags->v, sv->tags->n,
					&fo, &res, started, clock_realtime_us(), &id) < 0)
		status = cmd_fail(PE_EXIT_RUNTIME, "--save: %s", pe_errmsg());
	else if (sv->st)
		cmd_say_saved(sv->st, (long long)id, sv->name);
	if (status != PE_EXIT_OK)	/* the save failed */
		goto out;
	if (res.end == FINDMAX_INTERRUPTED)
		status = cmd_fail(PE_EXIT_INTERRUPTED, "interrupted; the steps so far are shown");
	else if (!res.knee && res.nsteps && !res.steps[0].responses && res.steps[0].errors)
		status = cmd_fail(PE_EXIT_RUNTIME, "no response at %.1f req/s: is the service up?", fo.start_rate);
	else if (!res.knee)
		status = cmd_fail(PE_EXIT_VERDICT, "no rate met every SLO");
out:
	findmax_result_release(&res);
	return status;
}

/* --- the command: options, checks, the run, the summary ------------------------- */

/* What the command line asks for (options), and what load_check makes of it. */
struct load_cmd {
	uint64_t connections, threads, requests, duration, pipeline, timeout, connect_timeout;
	const char *method, *body_arg, *reqfile_path, *cacert, *rate_arg, *stages_arg, *hlog_path;
	const char *metrics_addr, *shard_arg, *save, *store_spec;
	struct string_list headers, slos_arg, tags;
	struct find_max_args fm;
	const char *sweep_arg, *sweep_rates_arg;
	double *levels;			/* --sweep, --sweep-rates */
	size_t nlevels;
	int json, latency, insecure;
	const char *url_arg;		/* the URL given, or NULL */
	char *invocation;		/* the command line, for --save */
	/* derived */
	struct http_url u;
	struct load_stage *stages;
	size_t nstages;
	uint64_t stages_total;
	double rate, target;		/* -R (a shard's), and the (average) target rate */
	struct shard shard;
	struct slo *slos;
	struct strbuf body;
	struct load_request *reqs;
	size_t nreqs;
	struct tls_client *tls;
	char label_buf[320];
	const char *label;		/* the URL for the summary */
};

static void load_cmd_release(struct load_cmd *c)
{
	for (size_t i = 0; i < c->nreqs; i++)
		free(c->reqs[i].buf);
	free(c->reqs);
	tls_client_free(c->tls);
	free(c->slos);
	free(c->headers.v);
	free(c->slos_arg.v);
	free(c->tags.v);
	free(c->invocation);
	free(c->stages);
	free(c->levels);
	strbuf_release(&c->body);
}

/* Parses the options into c; 0, OPT_HELP (the help printed), or -1 with pe_error(). */
static int load_parse(int argc, char **argv, struct load_cmd *c)
{
	struct option opts[] = {
		OPT_GROUP("Load:"),
		OPT_UINT('c', "connections", &c->connections, "<N>", "connections to keep open (default 10)"),
		OPT_UINT('t', "threads", &c->threads, "<N>", "threads at most, each with its own event loop; fewer run while fewer keep up (default: cores)"),
		OPT_DURATION('d', "duration", &c->duration, "<DUR>", "run for DUR (this or -n is required)"),
		OPT_UINT('n', "requests", &c->requests, "<N>", "send exactly N requests in all, then stop"),
		OPT_STRING('R', "rate", &c->rate_arg, "<RATE>", "open model: RATE requests/s over all connections, latency from each intended time"),
		OPT_STRING(0, "stages", &c->stages_arg, "<DUR:RATE,...>", "open model with a changing rate: from 0, linearly to each RATE over its DUR"),
		OPT_UINT(0, "pipeline", &c->pipeline, "<N>", "requests in flight per connection (default 1)"),
		OPT_DURATION(0, "timeout", &c->timeout, "<DUR>", "a request without a response after DUR fails (default 10s)"),
		OPT_DURATION(0, "connect-timeout", &c->connect_timeout, "<DUR>", "a connect that takes longer fails (default 5s)"),
		OPT_GROUP("Breaking point:"),
		OPT_FLAG(0, "find-max", &c->fm.on, "search for the highest open-model rate that meets every --slo"),
		OPT_STRING(0, "start-rate", &c->fm.start_rate, "<RATE>", "--find-max: the first rate (default 100 req/s), doubled each step"),
		OPT_STRING(0, "max-rate", &c->fm.max_rate, "<RATE>", "--find-max: never above RATE (default 1000000)"),
		OPT_DURATION(0, "step-duration", &c->fm.step_ns, "<DUR>", "--find-max, --sweep: measure each step for DUR (default 10s)"),
		OPT_DURATION(0, "warmup", &c->fm.warmup_ns, "<DUR>", "--find-max, --sweep: run each step DUR before measuring, whole seconds (default 1s)"),
		OPT_PERCENT(0, "precision", &c->fm.precision, "<PCT>", "--find-max: bisect until the passing and failing rates are within PCT (default 5%)"),
		OPT_STRING(0, "sweep", &c->sweep_arg, "<N,...>", "run at each connection count (1,2,4,8 or 1..64x2) for --step-duration, then fit USL, Amdahl and linear scaling"),
		OPT_STRING(0, "sweep-rates", &c->sweep_rates_arg, "<RATE,...>", "the same over open-model rates; each point's concurrency by Little's law"),
		OPT_GROUP("Many nodes:"),
		OPT_STRING(0, "shard", &c->shard_arg, "<K/N>", "run slice K of N of the planned load: rates divided by N, -c and -n split exactly"),
		OPT_GROUP("Requests:"),
		OPT_STRING('m', "method", &c->method, "<METHOD>", "request method (default GET)"),
		OPT_LIST('H', "header", &c->headers, "<HEADER>", "'Name: value' header (repeatable)"),
		OPT_STRING('b', "body", &c->body_arg, "<BODY|@FILE>", "request body, or @FILE to read it from a file"),
		OPT_STRING(0, "requests-file", &c->reqfile_path, "<FILE>", "requests, one a line: METHOD URL [BODY_FILE], used round robin"),
		OPT_GROUP("HTTPS:"),
		OPT_STRING(0, "cacert", &c->cacert, "<FILE>", "trust the CA certificates in this PEM file instead of the system's"),
		OPT_FLAG(0, "insecure", &c->insecure, "do not verify the server's certificate"),
		OPT_GROUP("Results:"),
		OPT_FLAG(0, "latency", &c->latency, "print the full latency distribution"),
		OPT_LIST(0, "slo", &c->slos_arg, "<EXPR>", "objective such as p99<200ms, error_rate<0.1%, rps>1000 (repeatable); exit 1 if one fails"),
		OPT_FLAG(0, "json", &c->json, "print JSON instead of the text"),
		OPT_STRING(0, "hlog", &c->hlog_path, "<FILE>", "write an HdrHistogram interval log (one histogram a second)"),
		OPT_STRING(0, "metrics", &c->metrics_addr, "<ADDR>", "serve Prometheus metrics at http://ADDR/metrics during the run (OpenMetrics or text, by Accept; e.g. 127.0.0.1:9464)"),
		OPT_GROUP("Results store:"),
		OPT_STRING(0, "save", &c->save, "<NAME>", "save the result as a run named NAME"),
		OPT_LIST(0, "tag", &c->tags, "<TAG>", "tag the saved run (repeatable)"),
		OPT_STRING(0, "store", &c->store_spec, "<PATH|URL>", "the results store (default $PERFENG_STORE or ~/.local/share/perfeng/results.db)"),
		OPT_END(),
	};
	int npos, rc;

	memset(c, 0, sizeof(*c));
	c->connections = 10;
	c->pipeline = 1;
	c->timeout = 10 * NS_PER_SEC;
	c->connect_timeout = 5 * NS_PER_SEC;
	c->fm.warmup_ns = NS_PER_SEC;
	c->fm.precision = 0.05;
	c->invocation = store_command_line(argc, argv);	/* before options_parse reorders argv */
	rc = options_parse(argc, argv, opts, &npos);
	if (rc == OPT_HELP) {
		options_usage(stdout, load_usage, opts);
		cmd_usage_env(stdout, CMD_ENV_STORE);
		return OPT_HELP;
	}
	if (!rc && !c->reqfile_path && npos != 1)
		rc = pe_error("load needs one URL");
	if (!rc && c->reqfile_path && npos > 1)
		rc = pe_error("load takes at most one URL with --requests-file");
	c->url_arg = npos ? argv[0] : NULL;
	return rc;
}

/* --- --sweep: one step per concurrency or rate, then a model (src/http/sweep.c) --- */

static int sweep_check(struct load_cmd *c)
{
	if (c->sweep_arg && c->sweep_rates_arg)
		return pe_error("--sweep or --sweep-rates: one of them");
	if (c->fm.on || c->duration || c->requests || c->stages_arg || c->rate_arg || c->shard_arg ||
	    c->metrics_addr || c->hlog_path || c->slos_arg.n)
		return pe_error("--sweep chooses the steps: it goes without --find-max, -d, -n, -R, --stages, "
				"--shard, --metrics, --hlog and --slo");
	return sweep_parse(c->sweep_arg ? c->sweep_arg : c->sweep_rates_arg, c->sweep_rates_arg != NULL,
			   &c->levels, &c->nlevels);
}

static void sweep_progress(void *ctx, const struct sweep_step *s)
{
	size_t *i = ctx;

	sweep_report_row(stderr, 0, (*i)++, s);
}

/* Runs the sweep with o as the base of each step, shows it and its model; the exit status. */
static int sweep_cmd(const struct load_cmd *c, const struct load_opts *o, struct store *st)
{
	struct sweep_opts so = { .load = *o, .levels = c->levels, .nlevels = c->nlevels,
				 .open = c->sweep_rates_arg != NULL };
	struct sweep_result res;
	struct usl_point *pts;
	struct usl_fit fits[USL_NKINDS];
	int64_t started = clock_realtime_us(), id;
	size_t n, progress = 0;
	int fitted, status = PE_EXIT_OK;

	so.step_ns = c->fm.step_ns ? c->fm.step_ns : 10 * NS_PER_SEC;
	so.warmup_s = (unsigned)(c->fm.warmup_ns / NS_PER_SEC);
	so.step_done = isatty(STDERR_FILENO) && !c->json ? sweep_progress : NULL;
	so.ctx = &progress;
	if (sweep_run(&so, &res) < 0)
		return cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
	pts = xcalloc(res.nsteps + 1, sizeof(*pts));
	n = sweep_points(&res, so.open, pts);
	fitted = usl_fit_all(pts, n, fits) == 0;
	if (c->json) {
		json_t *root = sweep_report_json(c->label, so.open, &res, pts, n, fitted ? fits : NULL, pe_errmsg());

		json_dumpf(root, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
		putchar('\n');
		json_decref(root);
	} else {
		sweep_report_text(stdout, c->label, so.open, &res, pts, n, fitted ? fits : NULL, pe_errmsg());
	}
	fflush(stdout);
	if (st && !res.interrupted) {
		struct sweep_save sv = { c->save, c->invocation, perfeng_version, c->tags.v, c->tags.n, pts, n,
					 started, clock_realtime_us() };

		if (sweep_save(st, &sv, &id) < 0)
			status = cmd_fail(PE_EXIT_RUNTIME, "--save: %s", pe_errmsg());
		else
			cmd_say_saved(st, (long long)id, c->save);
	}
	if (res.interrupted)
		status = cmd_fail(PE_EXIT_INTERRUPTED, "interrupted; the steps so far are shown");
	else if (!n)
		status = cmd_fail(PE_EXIT_RUNTIME, "no step got a response: is the service up?");
	free(pts);
	sweep_result_release(&res);
	return status;
}

/*
 * The options checked against each other, the stages, SLOs, shard and URL
 * parsed: 0, or -1 with pe_error() (a usage error).
 */
static int load_check(struct load_cmd *c)
{
	int rc = 0;

	if (c->reqfile_path && (c->method || c->body_arg))
		rc = pe_error("-m and -b go without --requests-file: its lines give each method and body");
	if (!rc && c->stages_arg && (c->rate_arg || c->duration || c->requests))
		rc = pe_error("--stages sets the rate and the duration: it goes without -R, -d and -n");
	if (!rc && c->stages_arg) {
		rc = stages_parse(c->stages_arg, &c->stages, &c->nstages, &c->stages_total);
		c->duration = c->stages_total;
	}
	if (!rc)
		rc = find_max_check(&c->fm, c->slos_arg.n, c->rate_arg != NULL,
				    c->stages_arg || c->duration || c->requests, c->hlog_path != NULL,
				    c->sweep_arg || c->sweep_rates_arg);
	if (!rc && (c->sweep_arg || c->sweep_rates_arg))
		rc = sweep_check(c);
	if (!rc && !c->duration && !c->requests && !c->fm.on && !c->nlevels)
		rc = pe_error("give -d DURATION or -n REQUESTS: a load test is always bounded");
	if (!rc && (!c->connections || c->connections > 100000))
		rc = pe_error("-c must be between 1 and 100000");
	if (!rc && (c->pipeline < 1 || c->pipeline > LOAD_MAX_PIPELINE))
		rc = pe_error("--pipeline must be between 1 and %d", LOAD_MAX_PIPELINE);
	if (!rc && c->rate_arg && (parse_double(c->rate_arg, &c->rate) < 0 || !(c->rate > 0)))
		rc = pe_error("-R: '%s' is not a positive rate", c->rate_arg);
	if (!rc && c->metrics_addr && c->fm.on)
		rc = pe_error("--metrics goes without --find-max");
	if (!rc && c->metrics_addr)
		rc = serve_check_address(c->metrics_addr);
	if (!rc && c->shard_arg)
		rc = shard_apply(c->shard_arg, c->fm.on, &c->shard, &c->connections, &c->requests, &c->rate,
				 c->stages, c->nstages);
	if (!rc && c->requests && c->requests < c->connections)
		c->connections = c->requests;	/* no connection without a request to send */
	c->slos = xcalloc(c->slos_arg.n + 1, sizeof(*c->slos));
	for (size_t i = 0; !rc && i < c->slos_arg.n; i++)
		rc = slo_parse(c->slos_arg.v[i], &c->slos[i]);
	if (!rc)
		rc = store_check_save_args(c->save, c->tags.v, c->tags.n, c->store_spec);
	if (!rc && c->url_arg)
		rc = http_url_parse(c->url_arg, &c->u);
	return rc;
}

/*
 * The requests to send, from -m, -H and -b or the requests file: 0,
 * PE_EXIT_RUNTIME (-b @FILE unreadable) or PE_EXIT_USAGE, with pe_error().
 */
static int load_requests(struct load_cmd *c)
{
	int rc;

	if (c->body_arg && request_body_arg(c->body_arg, &c->body) < 0)
		return PE_EXIT_RUNTIME;
	if (c->reqfile_path) {
		rc = request_file_build(c->reqfile_path, c->url_arg ? &c->u : NULL, &c->headers, &c->u,
					&c->reqs, &c->nreqs);
	} else {
		c->reqs = xcalloc(1, sizeof(*c->reqs));
		rc = request_build(&c->u, c->method ? c->method : "GET", &c->headers, &c->body, c->reqs);
		c->nreqs = !rc;
	}
	if (!rc && (c->insecure || c->cacert) && strcmp(c->u.scheme, "https"))
		rc = pe_error("--insecure and --cacert are for https:// URLs");
	return rc < 0 ? PE_EXIT_USAGE : 0;
}

/* The engine's options (the callbacks aside): the address resolved, TLS set up. 0, or -1 with pe_error(). */
static int load_setup(struct load_cmd *c, struct load_opts *o)
{
	memset(o, 0, sizeof(*o));
	if (http_url_resolve(&c->u, &o->addr, &o->addrlen) < 0 ||
	    (!strcmp(c->u.scheme, "https") && tls_client_new(c->u.host, c->insecure, c->cacert, &c->tls) < 0))
		return -1;
	o->tls = c->tls;
	snprintf(c->label_buf, sizeof(c->label_buf), "%s://%s/", c->u.scheme, c->u.host_header);
	c->label = c->url_arg ? c->url_arg : c->label_buf;
	if (!c->threads) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		c->threads = n > 0 ? (uint64_t)n : 1;
	}
	o->reqs = c->reqs;
	o->nreqs = c->nreqs;
	o->threads = (unsigned)(c->threads < c->connections ? c->threads : c->connections);
	o->connections = (unsigned)c->connections;
	o->pipeline = (unsigned)c->pipeline;
	o->duration_ns = c->duration;
	o->requests = c->requests;
	o->rate = c->stages ? 1 : c->rate;	/* with stages, any rate > 0 says "open model" */
	c->target = c->stages ? stages_average(c->stages, c->nstages) : c->rate;
	o->stages = c->stages;
	o->nstages = c->nstages;
	o->timeout_ns = c->timeout;
	o->connect_timeout_ns = c->connect_timeout;
	o->stop = &stop_signal;
	return 0;
}

/*
 * The live outputs set up before the run, into l and o's callbacks: the
 * live line, --hlog into hlog, --metrics with lm and *server. 0, or -1
 * with pe_error().
 */
static int live_start(struct live *l, struct hlog *hlog, struct live_metrics *lm, struct serve **server,
		      const struct load_cmd *c, struct load_opts *o)
{
	char where[96];

	l->tty = isatty(STDERR_FILENO) && !c->json;
	l->start = (double)clock_realtime_us() / 1e6;
	o->interval = on_interval;
	o->interval_ctx = l;
	if (c->hlog_path) {
		if (hlog_open(hlog, c->hlog_path, l->start) < 0)
			return pe_error("--hlog: %s", pe_errmsg());
		l->hlog = hlog;
	}
	if (!c->metrics_addr)
		return 0;
	if (hdr_init(&lm->latency, LOAD_HDR_LOWEST, LOAD_HDR_HIGHEST, LOAD_HDR_DIGITS) < 0 ||
	    hdr_init(&lm->snap, LOAD_HDR_LOWEST, LOAD_HDR_HIGHEST, LOAD_HDR_DIGITS) < 0 ||
	    serve_start(server, c->metrics_addr, serve_metrics, lm) < 0) {
		if (l->hlog)
			hlog_close(hlog);
		l->hlog = NULL;
		return -1;
	}
	lm->target = o->rate > 0 ? c->target : 0;
	l->m = lm;
	o->counts = on_counts;
	fprintf(stderr, "perfeng: OpenMetrics at http://%s/metrics\n", serve_address(*server, where, sizeof(where)));
	return 0;
}

/* After the run: the live line cleared, the interval log ended with the run's counts. */
static void live_end(struct live *l, const struct load_result *res, int ran)
{
	struct hlog_counts counts;

	if (l->tty)
		fputs("\r\033[K", stderr);
	if (!l->hlog)
		return;
	if (ran) {	/* the errors and status counts, for merge */
		load_report_counts(res, &counts);
		if (hlog_counts(l->hlog, &counts) < 0)
			l->hlog_failed = 1;
	}
	if (hlog_close(l->hlog) < 0)
		l->hlog_failed = 1;
}

/* The summary (text or JSON) and the SLO table; returns how many SLOs failed. */
static int load_render(const struct load_cmd *c, const struct load_opts *o, const struct load_result *res,
		       const struct live *l)
{
	struct load_report rep = {
		.url = c->label, .requests_file = c->reqfile_path, .o = o, .r = res, .target = c->target,
		.latency_dist = c->latency, .shard_k = c->shard.k, .shard_n = c->shard.n,
	};
	char head[4200];
	int failed = 0;

	if (c->reqfile_path && !c->json) {
		snprintf(head, sizeof(head), "%s (%zu requests from %s, round robin)", c->label, c->nreqs,
			 c->reqfile_path);
		rep.url = head;
	}
	if (c->json) {
		json_t *root = load_report_json(&rep), *series = json_array(), *sj = json_array();

		for (size_t i = 0; i < l->n; i++)
			json_array_append_new(series, json_pack("{s:I,s:f,s:I,s:o}", "second", (json_int_t)i + 1,
				"rps", l->rps[i], "errors", (json_int_t)l->errors[i], "p99", json_num(l->p99_ms[i] / 1e3)));
		for (size_t i = 0; i < c->slos_arg.n; i++) {
			double v = result_metric(res, &c->slos[i]);
			json_array_append_new(sj, json_pack("{s:s,s:o,s:b}", "slo", c->slos[i].text, "value", json_num(v),
							    "met", slo_met(&c->slos[i], v)));
		}
		json_object_set_new(root, "per_second", series);
		json_object_set_new(root, "slo", sj);
		json_object_set_new(root, "interrupted", json_boolean(res->interrupted));
		json_dumpf(root, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
		putchar('\n');
		json_decref(root);
	} else {
		load_report_text(&rep);
	}
	if (res->errors[LOAD_ERR_TLS] && res->responses && res->tls_error[0])
		cmd_warn("%llu TLS handshakes failed, the first: %s",
			 (unsigned long long)res->errors[LOAD_ERR_TLS], res->tls_error);
	for (size_t i = 0; i < c->slos_arg.n; i++) {
		const struct slo *s = &c->slos[i];
		double v = result_metric(res, s);
		int met = slo_met(s, v);
		char val[48];

		if (!i && !c->json)
			printf("\n  %-24s %12s  %s\n", "SLO", "value", "result");
		if (s->kind == SLO_TIME)
			fmt_time(val, sizeof(val), v, TU_AUTO);
		else if (s->kind == SLO_RATIO)
			snprintf(val, sizeof(val), "%.3f%%", v * 100);
		else
			snprintf(val, sizeof(val), "%.1f", v);
		if (!c->json)
			printf("  %-24s %12s  %s\n", s->text, isnan(v) ? "n/a" : val, met ? "pass" : "FAIL");
		failed += !met;
	}
	fflush(stdout);
	return failed;
}

/*
 * After the summary: the failed share warned of, the run saved, and the
 * exit status: a failed save or --hlog, Ctrl-C, a run where no request
 * succeeded (its fault named), failed SLOs, in that order.
 */
static int load_verdict(const struct load_cmd *c, struct store *st, const struct load_result *res,
			const struct live *l, int failed, int64_t started)
{
	struct strbuf msg = STRBUF_INIT;
	char target[320];
	int status = PE_EXIT_OK;

	if (load_report_failed_share(res, &msg))
		cmd_warn("%s", msg.buf);
	strbuf_reset(&msg);
	snprintf(target, sizeof(target), "%s:%s", c->u.host, c->u.port);
	if (st && res->interrupted)
		cmd_warn("interrupted: nothing saved to the store");
	else if (st && save_run(st, c->save, &c->tags, &c->shard, c->invocation, res, l, started,
				clock_realtime_us()) < 0)
		status = cmd_fail(PE_EXIT_RUNTIME, "--save: %s", pe_errmsg());
	if (status != PE_EXIT_OK)
		;	/* a failed save is the verdict */
	else if (l->hlog_failed)
		status = cmd_fail(PE_EXIT_RUNTIME, "--hlog: cannot write '%s'; the results are above", c->hlog_path);
	else if (res->interrupted)
		status = cmd_fail(PE_EXIT_INTERRUPTED, "interrupted; the results so far are shown");
	else if (load_report_fault(res, target, &msg))
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", msg.buf);
	else if (failed)
		status = cmd_fail(PE_EXIT_VERDICT, "%d of %zu SLOs failed", failed, c->slos_arg.n);
	strbuf_release(&msg);
	return status;
}

int cmd_load(int argc, char **argv)
{
	struct load_cmd c;
	struct load_opts o;
	struct live_metrics lm = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct live live = { 0 };
	struct serve *server = NULL;
	struct store *st = NULL;
	struct load_result res;
	struct hlog hlog;
	int64_t started;
	int rc = load_parse(argc, argv, &c), status;

	if (rc == OPT_HELP) {
		status = PE_EXIT_OK;
		goto out;
	}
	if (!rc)
		rc = load_check(&c);
	status = rc < 0 ? PE_EXIT_USAGE : load_requests(&c);
	if (status == PE_EXIT_USAGE) {
		fprintf(stderr, "perfeng load: %s\nsee 'perfeng load --help'\n", pe_errmsg());
		goto out;
	}
	/* the store is opened before the load: a bad path or URL fails now */
	if (status || load_setup(&c, &o) < 0 || (c.save && store_open(c.store_spec, &st) < 0) ||
	    live_start(&live, &hlog, &lm, &server, &c, &o) < 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		goto out;
	}
	stop_catch();
	signal(SIGPIPE, SIG_IGN);
	if (c.nlevels) {
		status = sweep_cmd(&c, &o, st);
		stop_release();
		goto out;
	}
	if (c.fm.on) {
		struct find_max_save sv = { st, c.save, c.invocation, &c.tags };

		status = find_max_run(c.label, &c.fm, &o, c.slos, c.slos_arg.n, c.json, &sv);
		stop_release();
		goto out;
	}
	started = clock_realtime_us();
	rc = load_run(&o, &res);
	serve_stop(server);
	stop_release();
	live_end(&live, &res, rc == 0);
	if (rc < 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		goto out;
	}
	status = load_verdict(&c, st, &res, &live, load_render(&c, &o, &res, &live), started);
	hdr_release(&res.latency);
	hdr_release(&res.latency_raw);
out:
	load_cmd_release(&c);
	if (st)
		store_close(st);
	hdr_release(&lm.latency);
	hdr_release(&lm.snap);
	free(live.rps);
	free(live.p99_ms);
	free(live.errors);
	return status;
}
