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
#include "http/load.h"
#include "http/request.h"
#include "http/tls.h"
#include "http/serve.h"
#include "http/shard.h"
#include "http/url.h"
#include "out/findmax_report.h"
#include "out/hlog.h"
#include "out/format.h"
#include "out/json.h"
#include "out/load_metrics.h"
#include "out/load_report.h"
#include "out/openmetrics.h"
#include "stats/hdr.h"
#include "stats/slo.h"
#include "store/load_save.h"
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

/* GET /metrics: the run so far as OpenMetrics text; any other path is 404. */
static int serve_metrics(void *ctx, const char *path, struct strbuf *body, const char **type)
{
	struct live_metrics *m = ctx;
	struct load_counts counts;
	struct load_metrics_view v = { .counts = &counts, .latency = &m->snap };

	if (strcmp(path, "/metrics"))
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
	load_metrics_render(body, &v);
	*type = OPENMETRICS_CONTENT_TYPE;
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

/* "10s:100,1m:2000,30s:0": DUR:RATE stages, the rate moving linearly to RATE over DUR. */
static int parse_stages(const char *arg, struct load_stage **out, size_t *n, uint64_t *total)
{
	char *copy = xstrdup(arg), *save = NULL;
	size_t k = 0;

	*out = NULL;
	*total = 0;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(tok, ':');
		struct load_stage st;

		if (!colon) {
			pe_error("--stages: '%s' is not DURATION:RATE", tok);
			free(copy);	/* after the message: tok points into it */
			return -1;
		}
		*colon = '\0';
		if (parse_duration_ns(tok, &st.duration_ns) < 0 || !st.duration_ns ||
		    parse_double(colon + 1, &st.rate) < 0 || st.rate < 0) {
			pe_error("--stages: '%s:%s' is not DURATION:RATE with a duration above 0 "
				 "and a rate of 0 or more", tok, colon + 1);
			free(copy);
			return -1;
		}
		*out = xrealloc(*out, (k + 1) * sizeof(**out));
		(*out)[k++] = st;
		*total += st.duration_ns;
	}
	free(copy);
	if (!k)
		return pe_error("--stages: no stage in '%s'", arg);
	*n = k;
	return 0;
}

static int read_body(const char *arg, struct strbuf *body)
{
	if (arg[0] != '@') {
		strbuf_addstr(body, arg);
		return 0;
	}
	return request_read_file("-b", arg + 1, body);
}

static int resolve(const struct http_url *u, struct load_opts *o)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res;
	int rc = getaddrinfo(u->host, u->port, &hints, &res);

	if (rc)
		return pe_error("cannot resolve '%s': %s", u->host, gai_strerror(rc));
	memcpy(&o->addr, res->ai_addr, res->ai_addrlen);
	o->addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static double result_metric(const struct load_result *r, const struct slo *s)
{
	return slo_value(s, &r->latency, (double)r->elapsed_ns / 1e9, r->sent, r->responses,
			 load_report_errors(r));
}

/* --- --shard K/N: this node's slice of the plan (src/http/shard.c) ------------ */

static int shard_apply(const char *arg, int find_max, struct shard *sh, uint64_t *connections,
		       uint64_t *requests, double *rate, struct load_stage *stages, size_t nstages)
{
	if (shard_parse(arg, sh) < 0)
		return -1;
	if (find_max)
		return pe_error("--shard goes without --find-max: search from one node");
	if (*connections < sh->n)
		return pe_error("--shard %s: -c %llu cannot be split over %u shards (one connection each at least)",
				arg, (unsigned long long)*connections, sh->n);
	if (*requests && *requests < sh->n)
		return pe_error("--shard %s: -n %llu cannot be split over %u shards (one request each at least)",
				arg, (unsigned long long)*requests, sh->n);
	*connections = shard_share(sh, *connections);
	*requests = *requests ? shard_share(sh, *requests) : 0;
	*rate /= sh->n;
	for (size_t i = 0; i < nstages; i++)
		stages[i].rate /= sh->n;
	return 0;
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
			  int has_hlog)
{
	if (!a->on) {
		if (a->start_rate || a->max_rate || a->step_ns || a->warmup_ns != NS_PER_SEC ||
		    a->precision != 0.05)
			return pe_error("--start-rate, --max-rate, --step-duration, --warmup and "
					"--precision go with --find-max");
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

/*
 * --find-max --save: a run of kind "find-max" whose metric max_rate is the
 * highest rate that met every SLO (0 when none did) and first_failing the
 * lowest that did not (when one did not), tagged "slo:EXPR" for each SLO:
 * history follows the capacity from run to run.
 */
static int find_max_save(const struct find_max_save *sv, const struct findmax_opts *fo,
			 const struct findmax_result *res, int64_t started, int64_t ended)
{
	struct store_run run = { 0 };
	struct store_metric *m;
	char tag[sizeof(fo->slos[0].text) + 8];
	int rc;

	env_fill_run(&run, "find-max", sv->name, started, ended, perfeng_version, sv->invocation);
	for (size_t i = 0; i < fo->nslos; i++) {
		snprintf(tag, sizeof(tag), "slo:%s", fo->slos[i].text);
		store_run_add_tag(&run, tag);
	}
	for (size_t t = 0; t < sv->tags->n; t++)
		store_run_add_tag(&run, sv->tags->v[t]);
	m = store_run_add_metric(&run, "max_rate", "req/s", 1);
	store_metric_set_samples(m, &res->knee, 1);
	if (res->first_fail > 0) {
		m = store_run_add_metric(&run, "first_failing", "req/s", 1);
		store_metric_set_samples(m, &res->first_fail, 1);
	}
	rc = store_save(sv->st, &run);
	if (!rc)
		cmd_say_saved(sv->st, (long long)run.id, run.name);
	store_run_release(&run);
	return rc;
}

/* Runs the search with o as the base of each step; returns the exit status. */
static int find_max_run(const char *url, const struct find_max_args *a, const struct load_opts *o,
			const struct slo *slos, size_t nslos, int json, const struct find_max_save *sv)
{
	int64_t started = clock_realtime_us();
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
	else if (sv->st && find_max_save(sv, &fo, &res, started, clock_realtime_us()) < 0)
		status = cmd_fail(PE_EXIT_RUNTIME, "--save: %s", pe_errmsg());
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

int cmd_load(int argc, char **argv)
{
	struct find_max_args fm = { .warmup_ns = NS_PER_SEC, .precision = 0.05 };
	const char *shard_arg = NULL, *metrics_addr = NULL;
	struct live_metrics lm = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct serve *server = NULL;
	struct shard shard = { 0 };
	uint64_t connections = 10, threads = 0, requests = 0, duration = 0, pipeline = 1;
	uint64_t timeout = 10 * 1000000000ULL, connect_timeout = 5 * 1000000000ULL;
	const char *method = NULL, *body_arg = NULL, *reqfile_path = NULL, *cacert = NULL, *rate_arg = NULL, *hlog_path = NULL;
	const char *save = NULL, *store_spec = NULL, *stages_arg = NULL;
	struct load_stage *stages = NULL;
	size_t nstages = 0;
	uint64_t stages_total = 0;
	struct string_list tags = { 0 };
	char *invocation = NULL;
	int64_t started = 0;
	int json = 0, latency = 0, insecure = 0, npos, rc, status = PE_EXIT_OK;
	struct string_list headers = { 0 }, slos_arg = { 0 };
	struct option opts[] = {
		OPT_GROUP("Load:"),
		OPT_UINT('c', "connections", &connections, "<N>", "connections to keep open (default 10)"),
		OPT_UINT('t', "threads", &threads, "<N>", "threads at most, each with its own event loop; fewer run while fewer keep up (default: cores)"),
		OPT_DURATION('d', "duration", &duration, "<DUR>", "run for DUR (this or -n is required)"),
		OPT_UINT('n', "requests", &requests, "<N>", "send exactly N requests in all, then stop"),
		OPT_STRING('R', "rate", &rate_arg, "<RATE>", "open model: RATE requests/s over all connections, latency from each intended time"),
		OPT_STRING(0, "stages", &stages_arg, "<DUR:RATE,...>", "open model with a changing rate: from 0, linearly to each RATE over its DUR"),
		OPT_UINT(0, "pipeline", &pipeline, "<N>", "requests in flight per connection (default 1)"),
		OPT_DURATION(0, "timeout", &timeout, "<DUR>", "a request without a response after DUR fails (default 10s)"),
		OPT_DURATION(0, "connect-timeout", &connect_timeout, "<DUR>", "a connect that takes longer fails (default 5s)"),
		OPT_GROUP("Breaking point:"),
		OPT_FLAG(0, "find-max", &fm.on, "search for the highest open-model rate that meets every --slo"),
		OPT_STRING(0, "start-rate", &fm.start_rate, "<RATE>", "--find-max: the first rate (default 100 req/s), doubled each step"),
		OPT_STRING(0, "max-rate", &fm.max_rate, "<RATE>", "--find-max: never above RATE (default 1000000)"),
		OPT_DURATION(0, "step-duration", &fm.step_ns, "<DUR>", "--find-max: measure each rate for DUR (default 10s)"),
		OPT_DURATION(0, "warmup", &fm.warmup_ns, "<DUR>", "--find-max: run each rate DUR before measuring, whole seconds (default 1s)"),
		OPT_PERCENT(0, "precision", &fm.precision, "<PCT>", "--find-max: bisect until the passing and failing rates are within PCT (default 5%)"),
		OPT_GROUP("Many nodes:"),
		OPT_STRING(0, "shard", &shard_arg, "<K/N>", "run slice K of N of the planned load: rates divided by N, -c and -n split exactly"),
		OPT_GROUP("Requests:"),
		OPT_STRING('m', "method", &method, "<METHOD>", "request method (default GET)"),
		OPT_LIST('H', "header", &headers, "<HEADER>", "'Name: value' header (repeatable)"),
		OPT_STRING('b', "body", &body_arg, "<BODY|@FILE>", "request body, or @FILE to read it from a file"),
		OPT_STRING(0, "requests-file", &reqfile_path, "<FILE>", "requests, one a line: METHOD URL [BODY_FILE], used round robin"),
		OPT_GROUP("HTTPS:"),
		OPT_STRING(0, "cacert", &cacert, "<FILE>", "trust the CA certificates in this PEM file instead of the system's"),
		OPT_FLAG(0, "insecure", &insecure, "do not verify the server's certificate"),
		OPT_GROUP("Results:"),
		OPT_FLAG(0, "latency", &latency, "print the full latency distribution"),
		OPT_LIST(0, "slo", &slos_arg, "<EXPR>", "objective such as p99<200ms, error_rate<0.1%, rps>1000 (repeatable); exit 1 if one fails"),
		OPT_FLAG(0, "json", &json, "print JSON instead of the text"),
		OPT_STRING(0, "hlog", &hlog_path, "<FILE>", "write an HdrHistogram interval log (one histogram a second)"),
		OPT_STRING(0, "metrics", &metrics_addr, "<ADDR>", "serve OpenMetrics at http://ADDR/metrics during the run (e.g. 127.0.0.1:9464)"),
		OPT_GROUP("Results store:"),
		OPT_STRING(0, "save", &save, "<NAME>", "save the result as a run named NAME"),
		OPT_LIST(0, "tag", &tags, "<TAG>", "tag the saved run (repeatable)"),
		OPT_STRING(0, "store", &store_spec, "<PATH|URL>", "the results store (default $PERFENG_STORE or ~/.local/share/perfeng/results.db)"),
		OPT_END(),
	};
	struct http_url u;
	struct load_opts o;
	struct load_request *reqs = NULL;
	size_t nreqs = 0;
	struct tls_client *tls = NULL;
	const char *label;
	char label_buf[320];
	struct load_result res;
	struct strbuf body = STRBUF_INIT, msg = STRBUF_INIT;
	char target_buf[320];
	struct slo *slos = NULL;
	struct live live = { 0 };
	struct load_report rep = { 0 };
	char head[4200];
	struct hlog hlog;
	struct store *st = NULL;
	double rate = 0, target = 0;
	int failed = 0;

	invocation = store_command_line(argc, argv);	/* before options_parse reorders argv */
	rc = options_parse(argc, argv, opts, &npos);
	if (rc == OPT_HELP) {
		options_usage(stdout, load_usage, opts);
		cmd_usage_env(stdout, CMD_ENV_STORE);
		free(headers.v);
		free(slos_arg.v);
		free(tags.v);
		free(invocation);
		return PE_EXIT_OK;
	}
	if (!rc && !reqfile_path && npos != 1)
		rc = pe_error("load needs one URL");
	if (!rc && reqfile_path && npos > 1)
		rc = pe_error("load takes at most one URL with --requests-file");
	if (!rc && reqfile_path && (method || body_arg))
		rc = pe_error("-m and -b go without --requests-file: its lines give each method and body");
	if (!rc && stages_arg && (rate_arg || duration || requests))
		rc = pe_error("--stages sets the rate and the duration: it goes without -R, -d and -n");
	if (!rc && stages_arg && parse_stages(stages_arg, &stages, &nstages, &stages_total) == 0)
		duration = stages_total;
	else if (stages_arg && !rc)
		rc = -1;
	if (!rc)
		rc = find_max_check(&fm, slos_arg.n, rate_arg != NULL, stages_arg || duration || requests,
				    hlog_path != NULL);
	if (!rc && !duration && !requests && !fm.on)
		rc = pe_error("give -d DURATION or -n REQUESTS: a load test is always bounded");
	if (!rc && (!connections || connections > 100000))
		rc = pe_error("-c must be between 1 and 100000");
	if (!rc && (pipeline < 1 || pipeline > LOAD_MAX_PIPELINE))
		rc = pe_error("--pipeline must be between 1 and %d", LOAD_MAX_PIPELINE);
	if (!rc && rate_arg && (parse_double(rate_arg, &rate) < 0 || !(rate > 0)))
		rc = pe_error("-R: '%s' is not a positive rate", rate_arg);
	if (!rc && metrics_addr && fm.on)
		rc = pe_error("--metrics goes without --find-max");
	if (!rc && metrics_addr)
		rc = serve_check_address(metrics_addr);
	if (!rc && shard_arg)
		rc = shard_apply(shard_arg, fm.on, &shard, &connections, &requests, &rate, stages, nstages);
	if (!rc && requests && requests < connections)
		connections = requests;	/* no connection without a request to send */
	if (!rc)
		slos = xcalloc(slos_arg.n + 1, sizeof(*slos));
	for (size_t i = 0; !rc && i < slos_arg.n; i++)
		rc = slo_parse(slos_arg.v[i], &slos[i]);
	if (!rc)
		rc = store_check_save_args(save, tags.v, tags.n, store_spec);
	if (!rc && npos)
		rc = http_url_parse(argv[0], &u);
	if (!rc && body_arg && read_body(body_arg, &body) < 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		goto out;
	}
	if (!rc && reqfile_path) {
		rc = request_file_build(reqfile_path, npos ? &u : NULL, &headers, &u, &reqs, &nreqs);
	} else if (!rc) {
		reqs = xcalloc(1, sizeof(*reqs));
		rc = request_build(&u, method ? method : "GET", &headers, &body, reqs);
		nreqs = !rc;
	}
	if (!rc && (insecure || cacert) && strcmp(u.scheme, "https"))
		rc = pe_error("--insecure and --cacert are for https:// URLs");
	if (rc < 0) {
		fprintf(stderr, "perfeng load: %s\nsee 'perfeng load --help'\n", pe_errmsg());
		status = PE_EXIT_USAGE;
		goto out;
	}
	memset(&o, 0, sizeof(o));
	if (resolve(&u, &o) < 0 ||
	    (!strcmp(u.scheme, "https") && tls_client_new(u.host, insecure, cacert, &tls) < 0)) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		goto out;
	}
	o.tls = tls;
	snprintf(label_buf, sizeof(label_buf), "%s://%s/", u.scheme, u.host_header);
	label = npos ? argv[0] : label_buf;
	if (!threads) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n > 0 ? (uint64_t)n : 1;
	}
	o.reqs = reqs;
	o.nreqs = nreqs;
	o.threads = (unsigned)(threads < connections ? threads : connections);
	o.connections = (unsigned)connections;
	o.pipeline = (unsigned)pipeline;
	o.duration_ns = duration;
	o.requests = requests;
	o.rate = stages ? 1 : rate;	/* with stages, any rate > 0 says "open model" */
	target = rate;
	if (stages) {	/* the average: the area under the stages over their length */
		double area = 0, r0 = 0;

		for (size_t i = 0; i < nstages; i++) {
			area += (r0 + stages[i].rate) / 2 * ((double)stages[i].duration_ns / 1e9);
			r0 = stages[i].rate;
		}
		target = area / ((double)stages_total / 1e9);
	}
	o.stages = stages;
	o.nstages = nstages;
	o.timeout_ns = timeout;
	o.connect_timeout_ns = connect_timeout;
	o.interval = on_interval;
	o.interval_ctx = &live;
	o.stop = &stop_signal;
	/* the store is opened before the load: a bad path or URL fails now */
	if (save && store_open(store_spec, &st) < 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		goto out;
	}
	live.tty = isatty(STDERR_FILENO) && !json;
	live.start = (double)clock_realtime_us() / 1e6;
	if (hlog_path) {
		if (hlog_open(&hlog, hlog_path, live.start) < 0) {
			status = cmd_fail(PE_EXIT_RUNTIME, "--hlog: %s", pe_errmsg());
			goto out;
		}
		live.hlog = &hlog;
	}

	if (metrics_addr) {
		char where[96];

		if (hdr_init(&lm.latency, LOAD_HDR_LOWEST, LOAD_HDR_HIGHEST, LOAD_HDR_DIGITS) < 0 ||
		    hdr_init(&lm.snap, LOAD_HDR_LOWEST, LOAD_HDR_HIGHEST, LOAD_HDR_DIGITS) < 0 ||
		    serve_start(&server, metrics_addr, serve_metrics, &lm) < 0) {
			if (live.hlog)
				hlog_close(&hlog);
			status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
			goto out;
		}
		lm.target = o.rate > 0 ? target : 0;
		live.m = &lm;
		o.counts = on_counts;
		fprintf(stderr, "perfeng: OpenMetrics at http://%s/metrics\n",
			serve_address(server, where, sizeof(where)));
	}
	stop_catch();
	signal(SIGPIPE, SIG_IGN);
	if (fm.on) {
		struct find_max_save sv = { st, save, invocation, &tags };

		status = find_max_run(label, &fm, &o, slos, slos_arg.n, json, &sv);
		stop_release();
		goto out;
	}
	started = clock_realtime_us();
	rc = load_run(&o, &res);
	serve_stop(server);
	server = NULL;
	stop_release();
	if (live.tty)
		fputs("\r\033[K", stderr);
	if (live.hlog) {
		struct hlog_counts counts;

		if (rc == 0) {	/* the errors and status counts, for merge */
			load_report_counts(&res, &counts);
			if (hlog_counts(&hlog, &counts) < 0)
				live.hlog_failed = 1;
		}
		if (hlog_close(&hlog) < 0)
			live.hlog_failed = 1;
	}
	if (rc < 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		goto out;
	}

	if (reqfile_path && !json)
		snprintf(head, sizeof(head), "%s (%zu requests from %s, round robin)", label, nreqs,
			 reqfile_path);
	rep.url = reqfile_path && !json ? head : label;
	rep.requests_file = reqfile_path;
	rep.o = &o;
	rep.r = &res;
	rep.target = target;
	rep.latency_dist = latency;
	rep.shard_k = shard.k;
	rep.shard_n = shard.n;
	if (json) {
		json_t *root = load_report_json(&rep), *series = json_array(), *sj = json_array();

		for (size_t i = 0; i < live.n; i++)
			json_array_append_new(series, json_pack("{s:I,s:f,s:I,s:o}", "second", (json_int_t)i + 1,
				"rps", live.rps[i], "errors", (json_int_t)live.errors[i], "p99", json_num(live.p99_ms[i] / 1e3)));
		for (size_t i = 0; i < slos_arg.n; i++) {
			double v = result_metric(&res, &slos[i]);
			json_array_append_new(sj, json_pack("{s:s,s:o,s:b}", "slo", slos[i].text, "value", json_num(v),
							    "met", slo_met(&slos[i], v)));
		}
		json_object_set_new(root, "per_second", series);
		json_object_set_new(root, "slo", sj);
		json_object_set_new(root, "interrupted", json_boolean(res.interrupted));
		json_dumpf(root, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
		putchar('\n');
		json_decref(root);
	} else {
		load_report_text(&rep);
	}
	if (res.errors[LOAD_ERR_TLS] && res.responses && res.tls_error[0])
		cmd_warn("%llu TLS handshakes failed, the first: %s",
			 (unsigned long long)res.errors[LOAD_ERR_TLS], res.tls_error);
	for (size_t i = 0; i < slos_arg.n; i++) {
		double v = result_metric(&res, &slos[i]);
		int met = slo_met(&slos[i], v);
		char val[48];

		if (!i && !json)
			printf("\n  %-24s %12s  %s\n", "SLO", "value", "result");
		if (slos[i].kind == SLO_TIME)
			fmt_time(val, sizeof(val), v, TU_AUTO);
		else if (slos[i].kind == SLO_RATIO)
			snprintf(val, sizeof(val), "%.3f%%", v * 100);
		else
			snprintf(val, sizeof(val), "%.1f", v);
		if (!json)
			printf("  %-24s %12s  %s\n", slos[i].text, isnan(v) ? "n/a" : val, met ? "pass" : "FAIL");
		failed += !met;
	}
	fflush(stdout);
	if (load_report_failed_share(&res, &msg))
		cmd_warn("%s", msg.buf);
	strbuf_reset(&msg);
	snprintf(target_buf, sizeof(target_buf), "%s:%s", u.host, u.port);
	if (st && res.interrupted)
		cmd_warn("interrupted: nothing saved to the store");
	else if (st && save_run(st, save, &tags, &shard, invocation, &res, &live, started, clock_realtime_us()) < 0)
		status = cmd_fail(PE_EXIT_RUNTIME, "--save: %s", pe_errmsg());
	if (status != PE_EXIT_OK)
		goto done;	/* a failed save is the verdict */
	if (live.hlog_failed)
		status = cmd_fail(PE_EXIT_RUNTIME, "--hlog: cannot write '%s'; the results are above", hlog_path);
	else if (res.interrupted)
		status = cmd_fail(PE_EXIT_INTERRUPTED, "interrupted; the results so far are shown");
	else if (load_report_fault(&res, target_buf, &msg))
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", msg.buf);
	else if (failed)
		status = cmd_fail(PE_EXIT_VERDICT, "%d of %zu SLOs failed", failed, slos_arg.n);
done:
	hdr_release(&res.latency);
	hdr_release(&res.latency_raw);
out:
	for (size_t i = 0; i < nreqs; i++)
		free(reqs[i].buf);
	free(reqs);
	tls_client_free(tls);
	free(slos);
	free(headers.v);
	free(slos_arg.v);
	free(tags.v);
	free(invocation);
	free(stages);
	if (st)
		store_close(st);
	hdr_release(&lm.latency);
	hdr_release(&lm.snap);
	free(live.rps);
	free(live.p99_ms);
	free(live.errors);
	strbuf_release(&body);
	strbuf_release(&msg);
	return status;
}
