/*
 * perfeng observe [INTERVAL [COUNT]]: the USE method live: one row per
 * interval with utilization, saturation and errors per resource, -v detail,
 * -p a process, --json lines, --record raw samples and --replay them, and a
 * per-resource summary at the end, --metrics the latest interval as
 * OpenMetrics for Prometheus. The engine is src/sys/ (use.h), the renderers
 * src/out/use_table.c and src/out/use_metrics.c.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "http/serve.h"
#include "out/openmetrics.h"
#include "out/use_metrics.h"
#include "out/use_table.h"
#include "sys/record.h"
#include "sys/use.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/options.h"
#include "util/stop.h"
#include "util/units.h"
#include "util/xalloc.h"

static const char observe_usage[] = "perfeng observe [options] [INTERVAL [COUNT]]";

/*
 * --metrics: the latest interval and the sample it ends at, published by the
 * sampling loop under the lock; the server thread copies them into snap_*
 * under the lock and renders outside it.
 */
struct observe_metrics {
	pthread_mutex_t lock;
	struct use_row *row, *snap_row;
	struct sys_sample *cur, *snap_cur;
	uint64_t intervals;
	long hz;
};

struct observe {
	int verbose, json, no_gpu;
	uint64_t pid;
	const char *record, *replay, *root, *metrics;
	struct observe_metrics *om;	/* --metrics, or NULL */
	uint64_t interval_ns, count;
	struct use_table tab;
	struct use_summary sum;
	FILE *rec;
	long hz;
	int header_done;
};

/* The two samples an interval is derived from, the first one (for times), the row. */
struct observe_bufs {
	struct sys_sample *a, *b, *first;
	struct use_row *row;
};

static void observe_bufs_init(struct observe_bufs *m)
{
	m->a = xcalloc(1, sizeof(*m->a));
	m->b = xcalloc(1, sizeof(*m->b));
	m->first = xcalloc(1, sizeof(*m->first));
	m->row = xcalloc(1, sizeof(*m->row));
}

static void observe_bufs_release(struct observe_bufs *m)
{
	free(m->a);
	free(m->b);
	free(m->first);
	free(m->row);
}

/* Renders one interval the same way live and in replay. */
static void observe_emit(struct observe *o, const struct sys_sample *first, const struct use_row *r)
{
	if (o->json) {
		json_t *j = use_row_json(r, first->t_ns, o->verbose);

		json_dumpf(j, stdout, JSON_COMPACT | JSON_REAL_PRECISION(10));
		fputc('\n', stdout);
		json_decref(j);
	} else {
		if (!o->header_done) {
			o->tab.gpu = (first->have & SYS_HAVE_GPU) != 0;
			use_table_header(&o->tab);
			o->header_done = 1;
		}
		use_table_row(&o->tab, r);
		if (o->verbose)
			use_table_detail(&o->tab, r);
		use_table_proc(&o->tab, r);
	}
	fflush(stdout);
	use_summary_add(&o->sum, r);
}

static void observe_finish(struct observe *o)
{
	use_summary_finish(&o->sum);
	if (o->json) {
		json_t *j = json_pack("{s:o}", "summary", use_summary_json(&o->sum));

		json_dumpf(j, stdout, JSON_COMPACT | JSON_REAL_PRECISION(10));
		fputc('\n', stdout);
		json_decref(j);
	} else if (o->sum.intervals) {
		fputc('\n', stdout);
		use_summary_print(stdout, &o->sum);
	}
	fflush(stdout);
}

/* The one-line GPU note, on stderr so that the table and JSON stay clean. */
static void observe_note(const char *note)
{
	if (note && *note)
		fprintf(stderr, "perfeng: note: %s\n", note);
}

/* Sleeps until the absolute monotonic deadline; 1 when a signal asked to stop. */
static int observe_sleep(uint64_t deadline)
{
	struct timespec ts = { (time_t)(deadline / NS_PER_SEC), (long)(deadline % NS_PER_SEC) };

	while (!stop_signal) {
		int rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);

		if (rc == 0)
			return 0;
		if (rc != EINTR)
			return 0;
	}
	return 1;
}

/* Derives the interval m->a..m->b, renders it, and makes b the next interval's start. */
static void observe_step(struct observe *o, struct observe_bufs *m, long hz)
{
	struct sys_sample *t = m->a;

	use_derive(m->a, m->b, hz, m->row);
	observe_emit(o, m->first, m->row);
	if (o->om) {
		pthread_mutex_lock(&o->om->lock);
		memcpy(o->om->row, m->row, sizeof(*m->row));
		memcpy(o->om->cur, m->b, sizeof(*m->b));
		o->om->intervals++;
		pthread_mutex_unlock(&o->om->lock);
	}
	m->a = m->b;
	m->b = t;
}

/*
 * GET /metrics: the latest interval, as Prometheus text or OpenMetrics as
 * the scraper's Accept header asks; any other path is 404.
 */
static int observe_serve(void *ctx, const struct serve_req *req, struct strbuf *body, const char **type)
{
	struct observe_metrics *om = ctx;
	struct use_metrics_view v = { .row = om->snap_row, .cur = om->snap_cur };
	struct om_writer w = { .sb = body, .format = om_negotiate(req->accept) };

	if (strcmp(req->path, "/metrics"))
		return 404;
	/* copy under the lock (the sampling loop waits on it), render after */
	pthread_mutex_lock(&om->lock);
	v.intervals = om->intervals;
	v.hz = om->hz;
	if (om->intervals) {
		memcpy(om->snap_row, om->row, sizeof(*om->row));
		memcpy(om->snap_cur, om->cur, sizeof(*om->cur));
	}
	pthread_mutex_unlock(&om->lock);
	if (!v.intervals)
		v.row = NULL;
	use_metrics_render(&w, &v);
	*type = om_content_type(w.format);
	return 200;
}

static void observe_metrics_init(struct observe_metrics *om, long hz)
{
	pthread_mutex_init(&om->lock, NULL);
	om->row = xcalloc(1, sizeof(*om->row));
	om->snap_row = xcalloc(1, sizeof(*om->snap_row));
	om->cur = xcalloc(1, sizeof(*om->cur));
	om->snap_cur = xcalloc(1, sizeof(*om->snap_cur));
	om->intervals = 0;
	om->hz = hz;
}

static void observe_metrics_release(struct observe_metrics *om)
{
	pthread_mutex_destroy(&om->lock);
	free(om->row);
	free(om->snap_row);
	free(om->cur);
	free(om->snap_cur);
}

/* The first sample: times count from it, the GPU columns follow it. */
static void observe_start(struct observe *o, struct observe_bufs *m)
{
	*m->first = *m->a;
	o->tab.t0_ns = m->a->t_ns;
}

static int observe_live(struct observe *o)
{
	struct sys_source src;
	struct observe_bufs m;
	struct observe_metrics om;
	struct serve *server = NULL;
	int status = PE_EXIT_OK;

	if (sys_source_init(&src, o->root, !o->no_gpu) < 0)
		return cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
	observe_bufs_init(&m);
	if (o->pid && sys_source_watch_pid(&src, (pid_t)o->pid) < 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		goto out;
	}
	if (o->record) {
		o->rec = fopen(o->record, "w");
		if (!o->rec) {
			status = cmd_fail(PE_EXIT_RUNTIME, "cannot write '%s': %s", o->record, strerror(errno));
			goto out;
		}
		if (rec_write_header(o->rec, src.ticks_per_sec, o->no_gpu ? "" : src.gpu_note) < 0) {
			status = cmd_fail(PE_EXIT_RUNTIME, "'%s': %s", o->record, pe_errmsg());
			goto out;
		}
	}
	if (o->metrics) {
		char where[96];

		observe_metrics_init(&om, src.ticks_per_sec);
		if (serve_start(&server, o->metrics, observe_serve, &om) < 0) {
			observe_metrics_release(&om);
			status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
			goto out;
		}
		o->om = &om;
		fprintf(stderr, "perfeng: OpenMetrics at http://%s/metrics\n",
			serve_address(server, where, sizeof(where)));
	}
	observe_note(o->no_gpu ? "" : src.gpu_note);
	sys_sample(&src, m.a);
	observe_start(o, &m);
	if (o->rec && rec_write(o->rec, m.a) < 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "'%s': %s", o->record, pe_errmsg());
		goto out;
	}
	uint64_t deadline = m.a->t_ns;

	for (uint64_t n = 0; !o->count || n < o->count; n++) {
		/* absolute deadlines: the time spent sampling does not drift the rows */
		deadline += o->interval_ns;
		if (observe_sleep(deadline))
			break;
		sys_sample(&src, m.b);
		if (o->rec && rec_write(o->rec, m.b) < 0) {
			cmd_warn("'%s': %s; recording stops", o->record, pe_errmsg());
			fclose(o->rec);
			o->rec = NULL;
		}
		observe_step(o, &m, src.ticks_per_sec);
		if (o->pid && !m.a->proc.alive)
			break;	/* the watched process exited: its last row said so */
	}
	observe_finish(o);
	if (stop_signal)
		status = PE_EXIT_INTERRUPTED;
out:
	if (server) {
		serve_stop(server);
		observe_metrics_release(&om);
		o->om = NULL;
	}
	if (o->rec && fclose(o->rec) != 0 && status == PE_EXIT_OK)
		status = cmd_fail(PE_EXIT_RUNTIME, "cannot write '%s': %s", o->record, strerror(errno));
	o->rec = NULL;
	sys_source_release(&src);
	observe_bufs_release(&m);
	return status;
}

static int observe_replay(struct observe *o)
{
	struct observe_bufs m;
	struct rec_reader rd;
	int status = PE_EXIT_OK, rc;
	FILE *f = strcmp(o->replay, "-") ? fopen(o->replay, "r") : stdin;

	if (!f)
		return cmd_fail(PE_EXIT_RUNTIME, "cannot open '%s': %s", o->replay, strerror(errno));
	observe_bufs_init(&m);
	if (rec_reader_init(&rd, f, o->replay) < 0 || (rc = rec_read(&rd, m.a)) < 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		goto out;
	}
	if (rc == 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "'%s' holds no sample", o->replay);
		goto out;
	}
	observe_note(rd.note);
	observe_start(o, &m);
	for (uint64_t n = 0; (!o->count || n < o->count) && !stop_signal; n++) {
		rc = rec_read(&rd, m.b);
		if (rc < 0) {
			observe_finish(o);
			status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
			goto out;
		}
		if (rc == 0)
			break;
		observe_step(o, &m, rd.hz);
		if (m.a->proc.pid && !m.a->proc.alive)
			break;
	}
	observe_finish(o);
	if (stop_signal)
		status = PE_EXIT_INTERRUPTED;
out:
	if (f != stdin)
		fclose(f);
	observe_bufs_release(&m);
	return status;
}

int cmd_observe(int argc, char **argv)
{
	struct observe o = { 0 };
	int npos, rc;
	const struct option opts[] = {
		OPT_GROUP("What to show"),
		OPT_FLAG('v', "verbose", &o.verbose, "per-CPU, per-disk, per-interface, per-filesystem and per-GPU detail"),
		OPT_UINT('p', "pid", &o.pid, "PID", "add a process's CPU, run-queue delay, memory, I/O, switches"),
		OPT_FLAG(0, "json", &o.json, "one JSON object per interval (JSON Lines), then the summary"),
		OPT_FLAG(0, "no-gpu", &o.no_gpu, "do not load NVML"),
		OPT_GROUP("Recording"),
		OPT_STRING(0, "record", &o.record, "FILE", "also write the raw samples to FILE"),
		OPT_STRING(0, "replay", &o.replay, "FILE", "render a recorded FILE instead of sampling ('-': stdin)"),
		OPT_STRING(0, "root", &o.root, "DIR", "read proc/ and sys/ below DIR instead of / (fixtures)"),
		OPT_GROUP("Prometheus"),
		OPT_STRING(0, "metrics", &o.metrics, "ADDR", "serve the latest interval as Prometheus metrics at http://ADDR/metrics (OpenMetrics or text, by Accept; e.g. 127.0.0.1:9465)"),
		OPT_END(),
	};

	rc = options_parse(argc, argv, opts, &npos);
	if (rc == OPT_HELP) {
		options_usage(stdout, observe_usage, opts);
		cmd_usage_env(stdout, CMD_ENV_NVML);
		return PE_EXIT_OK;
	}
	o.interval_ns = NS_PER_SEC;
	if (!rc && npos > 2)
		rc = pe_error("observe takes at most INTERVAL and COUNT");
	if (!rc && npos >= 1 && parse_duration_ns(argv[0], &o.interval_ns) < 0)
		rc = -1;
	if (!rc && npos >= 1 && o.interval_ns < 10 * NS_PER_MS)
		rc = pe_error("INTERVAL must be at least 10ms");
	if (!rc && npos == 2 && (parse_uint(argv[1], &o.count) < 0 || !o.count))
		rc = pe_error("COUNT must be a positive number of intervals, not '%s'", argv[1]);
	if (!rc && o.replay && (o.record || o.root || o.pid))
		rc = pe_error("--replay renders a recording: it goes without --record, --root and -p");
	if (!rc && o.replay && o.metrics)
		rc = pe_error("--metrics serves a live run: it goes without --replay");
	if (!rc && o.metrics)
		rc = serve_check_address(o.metrics);
	if (!rc && o.pid > INT32_MAX)
		rc = pe_error("-p: %llu is not a process id", (unsigned long long)o.pid);
	if (rc < 0) {
		fprintf(stderr, "perfeng observe: %s\nsee 'perfeng observe --help'\n", pe_errmsg());
		return PE_EXIT_USAGE;
	}
	o.tab.f = stdout;
	{
		const char *nc = getenv("NO_COLOR");

		o.tab.color = isatty(STDOUT_FILENO) && !(nc && *nc);
	}
	use_summary_init(&o.sum);

	stop_catch();
	rc = o.replay ? observe_replay(&o) : observe_live(&o);
	stop_release();
	return rc;
}
