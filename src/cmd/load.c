/*
 * perfeng load URL: HTTP load, closed model (each connection sends as soon
 * as it can) or open model at a target rate (-R), with latency percentiles
 * from HdrHistograms, errors by kind, SLO checks as the exit code, JSON and
 * a live status line. The engine is src/http/load.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "http/load.h"
#include "http/url.h"
#include "out/hlog.h"
#include "out/format.h"
#include "out/json.h"
#include "stats/hdr.h"
#include "stats/slo.h"
#include "store/store.h"
#include "sys/env.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/options.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

static const char load_usage[] = "perfeng load [options] <url>";

/* The live display and the per-second series, fed by the engine each second. */
struct live {
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
	if (l->tty) {
		char b[32] = "n/a";

		if (!isnan(p99))
			snprintf(b, sizeof(b), "%.2f ms", p99);
		fprintf(stderr, "\r\033[K  %3us  %8.0f req/s  p99 %s  errors %llu", second + 1,
			(double)responses, b, (unsigned long long)errors);
	}
}

/*
 * --save: a run of kind "load" with the metrics compare and history read:
 * rps and error_rate over the seconds of the run (one sample a second, so
 * compare can test them), p50..p999 with the per-second p99 as samples of
 * p99 and the whole corrected histogram kept as p99's blob.
 */
static int save_run(struct store *st, const char *name, const struct string_list *tags,
		    const char *invocation, const struct load_result *r, const struct live *l,
		    int64_t started, int64_t ended)
{
	static const struct { const char *name; double p; } ps[] = {
		{ "p50", 50 }, { "p90", 90 }, { "p99", 99 }, { "p999", 99.9 },
	};
	struct store_run run = { 0 };
	struct store_metric *m;
	struct env_info env;
	struct strbuf blob = STRBUF_INIT;
	double *x = xcalloc(l->n + 1, sizeof(*x));
	double secs = (double)r->elapsed_ns / 1e9;
	size_t k;
	int rc;

	env_collect(&env, 1);
	env_loadavg(env.loadavg_after);
	run.kind = xstrdup("load");
	run.name = xstrdup(name);
	run.started = started;
	run.ended = ended;
	run.version = xstrdup(perfeng_version);
	run.command_line = xstrdup(invocation);
	run.hostname = xstrdup(env.hostname);
	run.cpu_model = xstrdup(env.cpu_model);
	run.governor = xstrdup(env.governor);
	run.kernel = xstrdup(env.kernel);
	run.cores = env.cores;
	run.loadavg_before = env.loadavg_before[0];
	run.loadavg_after = env.loadavg_after[0];
	run.git_commit = xstrdup(env.git_commit);
	run.git_branch = xstrdup(env.git_branch);
	run.git_dirty = env.git_dirty;
	for (size_t t = 0; t < tags->n; t++)
		store_run_add_tag(&run, tags->v[t]);

	m = store_run_add_metric(&run, "rps", "req/s", 1);
	store_metric_set_samples(m, l->rps, l->n);
	if (!l->n)
		m->mean = secs > 0 ? (double)r->responses / secs : NAN;
	for (k = 0; k < l->n; k++)
		x[k] = l->rps[k] + (double)l->errors[k] > 0 ? (double)l->errors[k] / (l->rps[k] + (double)l->errors[k]) : 0;
	m = store_run_add_metric(&run, "error_rate", "", 0);
	store_metric_set_samples(m, x, l->n);
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		m = store_run_add_metric(&run, ps[i].name, "s", 0);
		if (!strcmp(ps[i].name, "p99")) {
			size_t n = 0;

			for (k = 0; k < l->n; k++)
				if (!isnan(l->p99_ms[k]))
					x[n++] = l->p99_ms[k] / 1e3;
			store_metric_set_samples(m, x, n);
			if (hdr_encode_compressed(&r->latency, &blob) == 0) {
				m->blob_len = blob.len;
				m->blob = strbuf_detach(&blob);
			}
		} else {
			store_metric_set_samples(m, NULL, 0);
		}
		/* the summary is the whole run's, from its histogram */
		m->mean = r->latency.total ? (double)hdr_value_at_percentile(&r->latency, ps[i].p) / 1e6 : NAN;
		m->median = m->mean;
	}
	free(x);
	rc = store_save(st, &run);
	if (!rc)
		fprintf(stderr, "perfeng: saved as run %lld (%s) in %s\n", (long long)run.id, run.name,
			store_location(st));
	store_run_release(&run);
	strbuf_release(&blob);
	return rc;
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
			free(copy);
			return pe_error("--stages: '%s' is not DURATION:RATE", tok);
		}
		*colon = '\0';
		if (parse_duration_ns(tok, &st.duration_ns) < 0 || !st.duration_ns ||
		    parse_double(colon + 1, &st.rate) < 0 || st.rate < 0) {
			free(copy);
			return pe_error("--stages: '%s:%s' is not DURATION:RATE with a duration above 0 "
					"and a rate of 0 or more", tok, colon + 1);
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

static volatile int load_stop;

static void on_signal(int sig)
{
	(void)sig;
	load_stop = 1;
}

static int read_body(const char *arg, struct strbuf *body)
{
	int fd;

	if (arg[0] != '@') {
		strbuf_addstr(body, arg);
		return 0;
	}
	fd = open(arg + 1, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pe_error("-b: cannot read '%s': %s", arg + 1, strerror(errno));
	for (;;) {
		char buf[8192];
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			return pe_error("-b: cannot read '%s': %s", arg + 1, strerror(errno));
		}
		if (!n)
			break;
		strbuf_add(body, buf, (size_t)n);
	}
	close(fd);
	return 0;
}

static int build_request(const struct http_url *u, const char *method, const struct string_list *headers,
			 const struct strbuf *body, struct load_request *r)
{
	struct strbuf sb = STRBUF_INIT;
	int has_host = 0, has_ua = 0;

	for (const char *m = method; *m; m++)
		if (*m < 'A' || *m > 'Z')
			return pe_error("-m: '%s' is not an HTTP method (GET, POST, HEAD, ...)", method);
	strbuf_addf(&sb, "%s %s HTTP/1.1\r\n", method, u->path);
	for (size_t i = 0; i < headers->n; i++) {
		const char *h = headers->v[i], *colon = strchr(h, ':');

		if (!colon || colon == h || strpbrk(h, "\r\n")) {
			strbuf_release(&sb);
			return pe_error("-H: '%s' is not 'Name: value'", h);
		}
		has_host |= !strncasecmp(h, "host:", 5);
		has_ua |= !strncasecmp(h, "user-agent:", 11);
		strbuf_addf(&sb, "%s\r\n", h);
	}
	if (!has_host)
		strbuf_addf(&sb, "Host: %s\r\n", u->host_header);
	if (!has_ua)
		strbuf_addstr(&sb, "User-Agent: perfeng\r\n");
	if (body->len || !strcmp(method, "POST") || !strcmp(method, "PUT"))
		strbuf_addf(&sb, "Content-Length: %zu\r\n", body->len);
	strbuf_addstr(&sb, "\r\n");
	strbuf_add(&sb, body->buf ? body->buf : "", body->len);
	r->len = sb.len;
	r->buf = strbuf_detach(&sb);
	r->head = !strcmp(method, "HEAD");
	return 0;
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
	double secs = (double)r->elapsed_ns / 1e9;
	uint64_t errs = 0;

	for (int e = 0; e < LOAD_ERR_NR; e++)
		errs += r->errors[e];
	errs += r->status[4] + r->status[5];
	if (s->kind == SLO_RATIO)
		return r->sent ? (double)errs / (double)r->sent : NAN;
	if (s->kind == SLO_RATE)
		return secs > 0 ? (double)r->responses / secs : NAN;
	if (!r->latency.total)
		return NAN;
	if (!strcmp(s->metric, "max"))
		return (double)hdr_max(&r->latency) / 1e6;
	if (!strcmp(s->metric, "mean"))
		return hdr_mean(&r->latency) / 1e6;
	return (double)hdr_value_at_percentile(&r->latency, s->percentile) / 1e6;
}

static uint64_t total_errors(const struct load_result *r)
{
	uint64_t e = r->status[4] + r->status[5];

	for (int k = 0; k < LOAD_ERR_NR; k++)
		e += r->errors[k];
	return e;
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

static void print_text(const char *url, const struct load_opts *o, const struct load_result *r,
		       int latency_dist, double target)
{
	double secs = (double)r->elapsed_ns / 1e9;
	char a[48], b[48];

	printf("perfeng load %s\n", url);
	printf("  %u thread%s, %u connection%s requested, %u established at most\n", o->threads,
	       o->threads == 1 ? "" : "s", o->connections, o->connections == 1 ? "" : "s",
	       r->established);
	if (o->pipeline > 1)
		printf("  pipeline of %u requests per connection\n", o->pipeline);
	printf("  %.2f s: %llu requests sent, %llu responses, %.1f responses/s", secs,
	       (unsigned long long)r->sent, (unsigned long long)r->responses,
	       secs > 0 ? (double)r->responses / secs : 0.0);
	if (o->rate > 0)
		printf(" (target %.1f req/s%s, achieved %.1f%%)", target, o->nstages ? " on average" : "",
		       secs > 0 ? (double)r->sent / secs / target * 100 : 0.0);
	printf("\n\n");
	if (r->latency.total) {
		enum time_unit u = time_unit_for((double)hdr_value_at_percentile(&r->latency, 99) / 1e6);
		char head[32];

		snprintf(head, sizeof(head), "latency (%s)", time_unit_name(u));
		/* "µ" is two bytes but one column */
		printf("  %s%*s %9s %9s %9s %9s %9s %9s\n", head,
		       14 - (int)strlen(head) + (u == TU_US), "", "p50", "p90", "p99", "p99.9", "p99.99", "max");
		print_latency_row(o->rate > 0 ? "corrected" : "all", &r->latency, u);
		if (o->rate > 0)
			print_latency_row("uncorrected", &r->latency_raw, u);
		printf("  mean %s, σ %s%s\n", fmt_time(a, sizeof(a), hdr_mean(&r->latency) / 1e6, TU_AUTO),
		       fmt_time(b, sizeof(b), hdr_stddev(&r->latency) / 1e6, TU_AUTO),
		       o->rate > 0 ? " (corrected: from each request's intended time)" : "");
		if (latency_dist) {
			printf("\n  latency distribution%s:\n  %15s  %11s  %12s\n",
			       o->rate > 0 ? " (corrected)" : "", "value", "percentile", "count");
			hdr_percentiles(&r->latency, 5, print_dist, NULL);
		}
	} else {
		printf("  no response: no latency to show\n");
	}
	printf("\n  errors: connect %llu, timeout %llu, read %llu, write %llu, parse %llu; "
	       "status 4xx %llu, 5xx %llu\n",
	       (unsigned long long)r->errors[LOAD_ERR_CONNECT], (unsigned long long)r->errors[LOAD_ERR_TIMEOUT],
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

static json_t *latency_json(const struct hdr *h)
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

int cmd_load(int argc, char **argv)
{
	uint64_t connections = 10, threads = 0, requests = 0, duration = 0, pipeline = 1;
	uint64_t timeout = 10 * 1000000000ULL, connect_timeout = 5 * 1000000000ULL;
	const char *method = "GET", *body_arg = NULL, *rate_arg = NULL, *hlog_path = NULL;
	const char *save = NULL, *store_spec = NULL, *stages_arg = NULL;
	struct load_stage *stages = NULL;
	size_t nstages = 0;
	uint64_t stages_total = 0;
	struct string_list tags = { 0 };
	char *invocation = NULL;
	int64_t started = 0;
	int json = 0, latency = 0, npos, rc, status = PE_EXIT_OK;
	struct string_list headers = { 0 }, slos_arg = { 0 };
	struct option opts[] = {
		OPT_GROUP("Load:"),
		OPT_UINT('c', "connections", &connections, "<N>", "connections to keep open (default 10)"),
		OPT_UINT('t', "threads", &threads, "<N>", "threads, each with its own event loop (default: cores)"),
		OPT_DURATION('d', "duration", &duration, "<DUR>", "run for DUR (this or -n is required)"),
		OPT_UINT('n', "requests", &requests, "<N>", "send exactly N requests in all, then stop"),
		OPT_STRING('R', "rate", &rate_arg, "<RATE>", "open model: RATE requests/s over all connections, latency from each intended time"),
		OPT_STRING(0, "stages", &stages_arg, "<DUR:RATE,...>", "open model with a changing rate: from 0, linearly to each RATE over its DUR"),
		OPT_UINT(0, "pipeline", &pipeline, "<N>", "requests in flight per connection (default 1)"),
		OPT_DURATION(0, "timeout", &timeout, "<DUR>", "a request without a response after DUR fails (default 10s)"),
		OPT_DURATION(0, "connect-timeout", &connect_timeout, "<DUR>", "a connect that takes longer fails (default 5s)"),
		OPT_GROUP("Requests:"),
		OPT_STRING('m', "method", &method, "<METHOD>", "request method (default GET)"),
		OPT_LIST('H', "header", &headers, "<HEADER>", "'Name: value' header (repeatable)"),
		OPT_STRING('b', "body", &body_arg, "<BODY|@FILE>", "request body, or @FILE to read it from a file"),
		OPT_GROUP("Results:"),
		OPT_FLAG(0, "latency", &latency, "print the full latency distribution"),
		OPT_LIST(0, "slo", &slos_arg, "<EXPR>", "objective such as p99<200ms, error_rate<0.1%, rps>1000 (repeatable); exit 1 if one fails"),
		OPT_FLAG(0, "json", &json, "print JSON instead of the text"),
		OPT_STRING(0, "hlog", &hlog_path, "<FILE>", "write an HdrHistogram interval log (one histogram a second)"),
		OPT_GROUP("Results store:"),
		OPT_STRING(0, "save", &save, "<NAME>", "save the result as a run named NAME"),
		OPT_LIST(0, "tag", &tags, "<TAG>", "tag the saved run (repeatable)"),
		OPT_STRING(0, "store", &store_spec, "<PATH|URL>", "the results store (default $PERFENG_STORE or ~/.local/share/perfeng/results.db)"),
		OPT_END(),
	};
	struct http_url u;
	struct load_opts o;
	struct load_request req = { 0 };
	struct load_result res;
	struct strbuf body = STRBUF_INIT;
	struct slo *slos = NULL;
	struct live live = { 0 };
	struct hlog hlog;
	struct store *st = NULL;
	struct sigaction sa = { 0 }, old_int, old_term;
	double rate = 0, target = 0;
	int failed = 0;

	invocation = store_command_line(argc, argv);	/* before options_parse reorders argv */
	rc = options_parse(argc, argv, opts, &npos);
	if (rc == OPT_HELP) {
		options_usage(stdout, load_usage, opts);
		free(headers.v);
		free(slos_arg.v);
		free(tags.v);
		free(invocation);
		return PE_EXIT_OK;
	}
	if (!rc && npos != 1)
		rc = pe_error("load needs one URL");
	if (!rc && stages_arg && (rate_arg || duration || requests))
		rc = pe_error("--stages sets the rate and the duration: it goes without -R, -d and -n");
	if (!rc && stages_arg && parse_stages(stages_arg, &stages, &nstages, &stages_total) == 0)
		duration = stages_total;
	else if (stages_arg && !rc)
		rc = -1;
	if (!rc && !duration && !requests)
		rc = pe_error("give -d DURATION or -n REQUESTS: a load test is always bounded");
	if (!rc && (!connections || connections > 100000))
		rc = pe_error("-c must be between 1 and 100000");
	if (!rc && (pipeline < 1 || pipeline > LOAD_MAX_PIPELINE))
		rc = pe_error("--pipeline must be between 1 and %d", LOAD_MAX_PIPELINE);
	if (!rc && rate_arg && (parse_double(rate_arg, &rate) < 0 || !(rate > 0)))
		rc = pe_error("-R: '%s' is not a positive rate", rate_arg);
	if (!rc && requests && requests < connections)
		connections = requests;	/* no connection without a request to send */
	if (!rc)
		slos = xcalloc(slos_arg.n + 1, sizeof(*slos));
	for (size_t i = 0; !rc && i < slos_arg.n; i++)
		rc = slo_parse(slos_arg.v[i], &slos[i]);
	if (!rc)
		rc = store_check_save_options(save, store_spec, tags.v, tags.n);
	if (!rc)
		rc = http_url_parse(argv[0], &u);
	if (!rc && body_arg && read_body(body_arg, &body) < 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		goto out;
	}
	if (!rc)
		rc = build_request(&u, method, &headers, &body, &req);
	if (rc < 0) {
		fprintf(stderr, "perfeng load: %s\nsee 'perfeng load --help'\n", pe_errmsg());
		status = PE_EXIT_USAGE;
		goto out;
	}
	memset(&o, 0, sizeof(o));
	if (resolve(&u, &o) < 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		goto out;
	}
	if (!threads) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n > 0 ? (uint64_t)n : 1;
	}
	o.reqs = &req;
	o.nreqs = 1;
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
	o.stop = &load_stop;
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

	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	signal(SIGPIPE, SIG_IGN);
	started = clock_realtime_us();
	rc = load_run(&o, &res);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (live.tty)
		fputs("\r\033[K", stderr);
	if (live.hlog && hlog_close(&hlog) < 0)
		live.hlog_failed = 1;
	if (rc < 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		goto out;
	}

	if (json) {
		json_t *root = json_object(), *errs = json_object(), *series = json_array(), *sj = json_array();
		double secs = (double)res.elapsed_ns / 1e9;

		for (int e = 0; e < LOAD_ERR_NR; e++)
			json_object_set_new(errs, load_err_name(e), json_integer((json_int_t)res.errors[e]));
		json_object_set_new(errs, "status_4xx", json_integer((json_int_t)res.status[4]));
		json_object_set_new(errs, "status_5xx", json_integer((json_int_t)res.status[5]));
		for (size_t i = 0; i < live.n; i++)
			json_array_append_new(series, json_pack("{s:I,s:f,s:I,s:o}", "second", (json_int_t)i + 1,
				"rps", live.rps[i], "errors", (json_int_t)live.errors[i], "p99", json_num(live.p99_ms[i] / 1e3)));
		for (size_t i = 0; i < slos_arg.n; i++) {
			double v = result_metric(&res, &slos[i]);
			json_array_append_new(sj, json_pack("{s:s,s:o,s:b}", "slo", slos[i].text, "value", json_num(v),
							    "met", slo_met(&slos[i], v)));
		}
		json_object_set_new(root, "url", json_string(argv[0]));
		json_object_set_new(root, "threads", json_integer(o.threads));
		json_object_set_new(root, "connections_requested", json_integer(o.connections));
		json_object_set_new(root, "connections_established", json_integer(res.established));
		json_object_set_new(root, "connections_opened", json_integer((json_int_t)res.connects));
		json_object_set_new(root, "model", json_string(o.rate > 0 ? "open" : "closed"));
		json_object_set_new(root, "target_rate", o.rate > 0 ? json_real(target) : json_null());
		json_object_set_new(root, "duration", json_real(secs));
		json_object_set_new(root, "requests", json_integer((json_int_t)res.sent));
		json_object_set_new(root, "responses", json_integer((json_int_t)res.responses));
		json_object_set_new(root, "unfinished", json_integer((json_int_t)res.unfinished));
		json_object_set_new(root, "rps", json_num(secs > 0 ? (double)res.responses / secs : NAN));
		json_object_set_new(root, "error_rate", json_num(res.sent ? (double)total_errors(&res) / (double)res.sent : NAN));
		json_object_set_new(root, "errors", errs);
		json_object_set_new(root, "status", json_pack("{s:I,s:I,s:I,s:I,s:I}", "1xx", (json_int_t)res.status[1],
			"2xx", (json_int_t)res.status[2], "3xx", (json_int_t)res.status[3],
			"4xx", (json_int_t)res.status[4], "5xx", (json_int_t)res.status[5]));
		json_object_set_new(root, "bytes_in", json_integer((json_int_t)res.bytes_in));
		json_object_set_new(root, "bytes_out", json_integer((json_int_t)res.bytes_out));
		json_object_set_new(root, "latency", latency_json(&res.latency));
		json_object_set_new(root, "latency_uncorrected", latency_json(&res.latency_raw));
		json_object_set_new(root, "per_second", series);
		json_object_set_new(root, "slo", sj);
		json_object_set_new(root, "interrupted", json_boolean(res.interrupted));
		json_dumpf(root, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
		putchar('\n');
		json_decref(root);
	} else {
		print_text(argv[0], &o, &res, latency, target);
	}
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
	if (st && res.interrupted)
		cmd_warn("interrupted: nothing saved to the store");
	else if (st && save_run(st, save, &tags, invocation, &res, &live, started, clock_realtime_us()) < 0)
		status = cmd_fail(PE_EXIT_RUNTIME, "--save: %s", pe_errmsg());
	if (status != PE_EXIT_OK)
		goto done;	/* a failed save is the verdict */
	if (live.hlog_failed)
		status = cmd_fail(PE_EXIT_RUNTIME, "--hlog: cannot write '%s'; the results are above", hlog_path);
	else if (res.interrupted)
		status = cmd_fail(PE_EXIT_INTERRUPTED, "interrupted; the results so far are shown");
	else if (!res.responses && res.errors[LOAD_ERR_CONNECT])
		status = cmd_fail(PE_EXIT_RUNTIME, "cannot connect to %s:%s: every connection attempt failed",
				  u.host, u.port);
	else if (failed)
		status = cmd_fail(PE_EXIT_VERDICT, "%d of %zu SLOs failed", failed, slos_arg.n);
done:
	hdr_release(&res.latency);
	hdr_release(&res.latency_raw);
out:
	free(req.buf);
	free(slos);
	free(headers.v);
	free(slos_arg.v);
	free(tags.v);
	free(invocation);
	free(stages);
	if (st)
		store_close(st);
	free(live.rps);
	free(live.p99_ms);
	free(live.errors);
	strbuf_release(&body);
	return status;
}
