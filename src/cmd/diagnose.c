/*
 * perfeng diagnose -- CMD ARGS: runs the command, samples its threads (and
 * the system) while it runs, and says what limits it: the thread-time
 * decomposition, a verdict from the rules of sys/diagnosis.c with its
 * evidence and the next step, the system's USE summary, and the hot
 * functions of a profile taken meanwhile. Engines: runner/process.c (the
 * run), sys/threads.c (the samples), prof/sampler.c (the profile),
 * sys/diagnosis.c (the verdict), out/diag_report.c (the report).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "out/diag_report.h"
#include "out/profile_out.h"
#include "out/use_table.h"
#include "prof/locks.h"
#include "prof/persist.h"
#include "prof/profile.h"
#include "prof/sampler.h"
#include "runner/preload.h"
#include "runner/process.h"
#include "store/store.h"
#include "sys/cgthrottle.h"
#include "sys/diagnosis.h"
#include "sys/env.h"
#include "sys/threads.h"
#include "sys/use.h"
#include "util/argv.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/options.h"
#include "util/stop.h"
#include "util/xalloc.h"

static const char diagnose_usage[] = "perfeng diagnose [options] -- <command> [<args>...]";

/* The system is sampled at most this often while the command runs, and at its end. */
#define SYS_INTERVAL_NS NS_PER_SEC
/* --profile-hz: the profiler's rate per thread, low to keep diagnose's own cost low */
#define PROFILE_HZ_DEFAULT 99
#define PROFILE_HZ_MAX 10000
/*
 * The profiler's rings are drained at every tick, at least this often
 * whatever --hz: a 512 KiB ring holds about 1500 samples, 0.15 s of one CPU
 * at the highest --profile-hz.
 */
#define PROFILE_DRAIN_NS (100 * NS_PER_MS)

/*
 * What the runner's tick drives: the thread sampler and the system's USE
 * samples, both made at the first tick. samp[0] is the run's first system
 * sample, samp[1] and samp[2] the previous and the latest (swapped).
 */
struct diag_run {
	struct tsampler *ts;
	struct sampler *smp;	/* the profiler, NULL when not profiling */
	uint64_t sample_ns;	/* between thread samples: 1/--hz */
	uint64_t next_sample;	/* when the threads are sampled next */
	uint64_t start_ns;
	int sys_ok;
	struct sys_source src;
	struct sys_sample *samp[3];
	struct use_row *row;
	struct use_summary sum;
	char cg_path[512];	/* the command's cgroup cpu.stat, "" when unknown */
	uint64_t cg_throttled0;
};

static void sys_step(struct diag_run *d)
{
	struct sys_sample *t;

	sys_sample(&d->src, d->samp[2]);
	use_derive(d->samp[1], d->samp[2], d->src.ticks_per_sec, d->row);
	use_summary_add(&d->sum, d->row);
	t = d->samp[1];
	d->samp[1] = d->samp[2];
	d->samp[2] = t;
}

static void on_tick(void *arg, pid_t pid, uint64_t now)
{
	struct diag_run *d = arg;

	if (d->smp)
		sampler_drain(d->smp);
	if (!d->ts) {
		d->ts = tsampler_new(pid, d->start_ns);
		if (cgthrottle_path(pid, d->cg_path, sizeof(d->cg_path)) < 0 ||
		    cgthrottle_read(d->cg_path, &d->cg_throttled0) < 0)
			d->cg_path[0] = '\0';
		if (sys_source_init(&d->src, "/", 1) == 0) {
			d->sys_ok = 1;
			for (int i = 0; i < 3; i++)
				d->samp[i] = xcalloc(1, sizeof(*d->samp[i]));
			d->row = xcalloc(1, sizeof(*d->row));
			use_summary_init(&d->sum);
			sys_sample(&d->src, d->samp[0]);
			*d->samp[1] = *d->samp[0];
		}
	} else if (now < d->next_sample) {
		return;	/* a tick only to drain the profiler */
	}
	/* on the grid of --hz; a late sample skips, never bunches */
	d->next_sample = (d->next_sample ? d->next_sample : now) + d->sample_ns;
	if (d->next_sample <= now)
		d->next_sample = now + d->sample_ns;
	tsampler_sample(d->ts, now);
	if (d->sys_ok && now >= d->samp[1]->t_ns + SYS_INTERVAL_NS)
		sys_step(d);
}

/*
 * After the run: the last partial interval into the summary, and the
 * figures of the whole run that the rules read (swap, reclaim, throttling).
 */
static void sys_finish(struct diag_run *d, struct diag_system *sys)
{
	const struct sys_sample *a = d->samp[0], *b;
	uint64_t cg;

	/* the command's own cgroup, v1 or v2, read by path: the command is gone */
	if (d->cg_path[0] && cgthrottle_read(d->cg_path, &cg) == 0 && cg >= d->cg_throttled0)
		sys->throttled_s = (double)(cg - d->cg_throttled0) / 1e9;
	if (!d->sys_ok)
		return;
	if (clock_now_ns() > d->samp[1]->t_ns + 10 * NS_PER_MS || !d->sum.intervals)
		sys_step(d);
	use_summary_finish(&d->sum);
	b = d->samp[1];
	use_derive(a, b, d->src.ticks_per_sec, d->row);
	sys->swap_pages_per_s = d->row->mem_swapio_s;
	sys->scan_pages_per_s = d->row->mem_scan_s;
	if (isnan(sys->throttled_s) && (a->have & b->have & SYS_HAVE_CG_CPU) &&
	    b->cg_throttled_usec >= a->cg_throttled_usec)
		sys->throttled_s = (double)(b->cg_throttled_usec - a->cg_throttled_usec) / 1e6;
}

static void diag_run_release(struct diag_run *d)
{
	sampler_free(d->smp);
	tsampler_free(d->ts);
	if (d->sys_ok)
		sys_source_release(&d->src);
	for (int i = 0; i < 3; i++)
		free(d->samp[i]);
	free(d->row);
}

/* What print writes, each line indented under a section's heading. */
static void print_indented(FILE *f, void (*print)(FILE *, const void *), const void *arg)
{
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *mf = open_memstream(&buf, &len);

	if (!mf)
		return;
	print(mf, arg);
	fclose(mf);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		fprintf(f, "    %s\n", line);
	free(buf);
}

static void use_print(FILE *f, const void *arg)
{
	use_summary_print(f, arg);
}

/* The USE summary, indented under its heading. */
static void use_text(FILE *f, void *arg)
{
	print_indented(f, use_print, arg);
}

static json_t *use_json(void *arg)
{
	return use_summary_json(arg);
}

/*
 * The profile taken while the command runs (prof/sampler.c on the child the
 * runner starts) and what the report shows of it: the top functions by
 * self share when on-CPU time dominates, else a note that says why not.
 */
struct diag_hot {
	struct sampler_opts so;
	struct profile prof;
	struct sampler_result res;
	struct diag_profile info;
	size_t top;
	char *const *argv;
	size_t noutputs;	/* -o files to write */
	int stopped;		/* the profiler ran and was finished */
	char note[640];
};

static void hot_table(FILE *f, const void *arg)
{
	const struct diag_hot *h = arg;

	profile_print_top(f, &h->prof, h->top);
}

static void hot_text(FILE *f, void *arg)
{
	struct diag_hot *h = arg;
	char *cmd = argv_join(h->argv);

	fprintf(f, "    %llu samples at %u Hz (%s), %llu lost%s\n", (unsigned long long)h->info.samples,
		h->info.hz, h->info.event, (unsigned long long)h->info.lost,
		h->info.user_only ? ", user space only" : "");
	print_indented(f, hot_table, h);
	fprintf(f, "    next step: every stack as a flame graph: perfeng profile -o flame.svg -- %s\n", cmd);
	free(cmd);
}

static json_t *hot_json(void *arg)
{
	struct diag_hot *h = arg;

	return profile_top_json(&h->prof, h->top);
}

/*
 * Opens the profiler on perfeng itself before the run, for the runner's
 * child to inherit (see sampler_new). A refusal is a note, never a failure:
 * the rest of diagnose needs no perf_event_open.
 */
static void hot_start(struct diag_hot *h, struct diag_run *d, uint64_t hz)
{
	h->so.freq = hz;
	h->so.event = SAMPLER_CPU_CLOCK;
	h->so.stack_bytes = 128;	/* the leaf's frame, for its caller from the CFI */
	h->so.jit_dir = getenv("PERFENG_JIT_DIR");
	if (sampler_new(&h->so, &h->prof, &d->smp) < 0)
		snprintf(h->note, sizeof(h->note), "not profiled: %s", pe_errmsg());
}

/* After the run: the profile finished; the share of its samples in lock code into sys. */
static void hot_stop(struct diag_hot *h, struct diag_run *d, struct diag_system *sys)
{
	sys->lock_cpu_frac = NAN;
	if (!d->smp)
		return;
	sampler_finish(d->smp, &h->res);
	sampler_free(d->smp);
	d->smp = NULL;
	h->stopped = 1;
	if (h->res.samples)
		sys->lock_cpu_frac = profile_share_matching(&h->prof, diag_is_lock_function, NULL);
}

/* With the verdict known: the section of the report set. */
static void hot_finish(struct diag_hot *h, struct diag_report *rep)
{
	const double *m = rep->m;

	if (!h->stopped) {
		rep->hot.missing = h->note;
		return;
	}
	h->info = (struct diag_profile){ h->prof.event, (unsigned)h->so.freq, h->res.samples,
					 h->res.lost, h->res.exclude_kernel };
	rep->prof = &h->info;
	rep->hot.missing = h->note;
	if (!h->res.samples) {
		snprintf(h->note, sizeof(h->note), "no samples: the command ran too briefly or not on a CPU");
	} else if (!h->top) {
		snprintf(h->note, sizeof(h->note), "not shown (--top 0); %llu samples in the profile",
			 (unsigned long long)h->res.samples);
	} else if (!diag_hot_shown(rep->rule, m)) {
		snprintf(h->note, sizeof(h->note), "not shown: on a CPU %.1f%% of the thread-time, verdict %s "
			 "(shown when cpu-bound, cpu-starved or lock-contention, or on a CPU %.0f%% or more); "
			 "%llu samples in the profile (%s)", isnan(m[DM_ON_CPU]) ? 0.0 : 100 * m[DM_ON_CPU],
			 diag_verdict_name(rep->rule->verdict), 100 * DIAG_HOT_ON_CPU_MIN,
			 (unsigned long long)h->res.samples, h->noutputs ? "written by -o" : "-o writes it");
	} else {
		rep->hot.text = hot_text;
		rep->hot.json = hot_json;
		rep->hot.arg = h;
	}
}

/*
 * --save: a run of kind "diagnose" whose metrics are the shares of each part
 * of the decomposition, the wall time and the parallelism; the verdict is a
 * tag "verdict:NAME". With a profile (prof, NULL when none), also its hot
 * functions' self shares and the whole profile, as profile --save keeps them.
 */
static int save_run(struct store *st, const char *name, const struct string_list *tags,
		    const char *invocation, const struct diag_report *r, const struct profile *prof,
		    size_t top, int64_t started, int64_t ended)
{
	static const enum diag_metric saved[] = {
		DM_ON_CPU, DM_USER, DM_SYSTEM, DM_RUNQ, DM_IO, DM_LOCK, DM_SLEEP, DM_NET, DM_OTHER,
		DM_OFF_CPU, DM_PARALLELISM, DM_MAJFLT_RATE,
	};
	struct store_run run = { 0 };
	struct store_metric *m;
	char tag[64];
	int rc;

	env_fill_run(&run, "diagnose", name, started, ended, perfeng_version, invocation);
	snprintf(tag, sizeof(tag), "verdict:%s", diag_verdict_name(r->rule->verdict));
	store_run_add_tag(&run, tag);
	for (size_t t = 0; t < tags->n; t++)
		store_run_add_tag(&run, tags->v[t]);
	m = store_run_add_metric(&run, "wall", "s", 0);
	store_metric_set_samples(m, &r->wall_s, 1);
	for (size_t i = 0; i < sizeof(saved) / sizeof(saved[0]); i++) {
		double v = r->m[saved[i]];

		m = store_run_add_metric(&run, diag_metric_name(saved[i]),
					 diag_metric_is_share(saved[i]) ? "" : saved[i] == DM_PARALLELISM ? "CPUs" : "1/s", 0);
		store_metric_set_samples(m, isnan(v) ? NULL : &v, isnan(v) ? 0 : 1);
	}
	rc = prof && prof->root.total ? profile_store_save(st, &run, prof, top) : store_save(st, &run);
	if (!rc)
		cmd_say_saved(st, (long long)run.id, run.name);
	store_run_release(&run);
	return rc;
}

static const char *status_name(enum run_status s)
{
	switch (s) {
	case RUN_EXITED: return "exited";
	case RUN_SIGNALED: return "signaled";
	case RUN_TIMED_OUT: return "stopped";
	default: return "interrupted";
	}
}

/* The options of one `perfeng diagnose`, as diagnose_parse() fills them. */
struct diagnose_cmd {
	uint64_t hz, duration, profile_hz, top;
	int json, quiet, rules, no_profile;
	int npos;		/* the command: argv[0..npos) */
	const char *save, *store_spec;
	struct string_list tags, outputs;
};

/*
 * Parses and checks the options. Returns 0; OPT_HELP when the usage (or,
 * for --rules, the rules table) was printed and nothing else is to be done;
 * or -1 with pe_error().
 */
static int diagnose_parse(struct diagnose_cmd *c, int argc, char **argv)
{
	struct option opts[] = {
		OPT_GROUP("Sampling:"),
		OPT_UINT(0, "hz", &c->hz, "<N>", "samples of the command's threads per second (default 20, 1 to 1000)"),
		OPT_DURATION('d', "duration", &c->duration, "<DUR>", "stop the command (SIGKILL to its process group) after DUR and report"),
		OPT_GROUP("Profile:"),
		OPT_UINT(0, "profile-hz", &c->profile_hz, "<HZ>", "profile samples per second per thread (default 99, 1 to 10000)"),
		OPT_FLAG(0, "no-profile", &c->no_profile, "do not profile the command: no hot functions"),
		OPT_UINT(0, "top", &c->top, "<N>", "hot functions shown (default 10; 0: none)"),
		OPT_LIST('o', "output", &c->outputs, "<FILE>", "write the profile; format by extension: " PROFILE_FMTS_HELP " (repeatable)"),
		OPT_GROUP("Output:"),
		OPT_FLAG('q', "quiet", &c->quiet, "send the command's standard output to /dev/null (its standard error is shown if it fails)"),
		OPT_FLAG(0, "json", &c->json, "print JSON; the command's standard output goes to standard error"),
		OPT_FLAG(0, "rules", &c->rules, "print the table of rules behind the verdicts (Markdown) and exit"),
		OPT_GROUP("Results store:"),
		OPT_STRING(0, "save", &c->save, "<NAME>", "save the result as a run named NAME, with the profile when there is one"),
		OPT_LIST(0, "tag", &c->tags, "<TAG>", "tag the saved run (repeatable)"),
		OPT_STRING(0, "store", &c->store_spec, "<PATH|URL>", "the results store (default $PERFENG_STORE or ~/.local/share/perfeng/results.db)"),
		OPT_END(),
	};
	int rc = options_parse(argc, argv, opts, &c->npos);

	if (rc == OPT_HELP) {
		options_usage(stdout, diagnose_usage, opts);
		cmd_usage_env(stdout, CMD_ENV_STORE | CMD_ENV_JIT | CMD_ENV_NVML | CMD_ENV_LOCKS);
		return OPT_HELP;
	}
	if (rc < 0)
		return rc;
	if (c->rules && !c->npos) {
		diag_rules_markdown(stdout);
		return OPT_HELP;
	}
	if (c->npos < 1)
		return pe_error("diagnose needs a command to run: perfeng diagnose [options] -- <command> [<args>...]");
	if (c->hz < 1 || c->hz > 1000)
		return pe_error("--hz must be between 1 and 1000");
	if (c->profile_hz < 1 || c->profile_hz > PROFILE_HZ_MAX)
		return pe_error("--profile-hz must be between 1 and %d", PROFILE_HZ_MAX);
	if (c->no_profile && c->outputs.n)
		return pe_error("-o writes the profile, which --no-profile turns off");
	for (size_t i = 0; i < c->outputs.n; i++)
		if (profile_format_check(c->outputs.v[i], PROFILE_FMTS_ALL) < 0)
			return pe_error("-o: %s", pe_errmsg());
	if (c->json && c->quiet)
		return pe_error("--json and --quiet go separately: --json already keeps the command's output off stdout");
	return store_check_save_args(c->save, c->tags.v, c->tags.n, c->store_spec);
}

/* The report of a finished run: the decomposition, the verdict, the USE summary, the profile. */
static void report_fill(struct diag_report *rep, char **cmdv, const struct run_result *res,
			struct diag_run *d, const struct diag_system *sys, double *m, unsigned hz,
			struct diag_hot *hot)
{
	rep->argv = cmdv;
	rep->status = status_name(res->status);
	rep->exit_code = res->exit_code;
	rep->signal = res->signal;
	rep->wall_s = (double)res->wall_ns / 1e9;
	rep->hz = hz;
	rep->delayacct = tsampler_delayacct_enabled();
	rep->t = tsampler_totals(d->ts);
	diag_metrics(rep->t, rep->wall_s, sys, m);
	rep->m = m;
	rep->rule = diag_decide(m);
	if (d->sys_ok) {
		rep->use.text = use_text;
		rep->use.json = use_json;
		rep->use.arg = &d->sum;
	}
	rep->use.missing = "not measured (the system's /proc could not be read)";
	hot_finish(hot, rep);
}

/* Prints the report (text or JSON) and writes the -o files; returns the exit status. */
static int diagnose_render(const struct diagnose_cmd *c, const struct diag_report *rep,
			   struct diag_hot *hot)
{
	int status = PE_EXIT_OK;

	if (c->json) {
		json_t *root = diag_report_json(rep);

		json_dumpf(root, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
		putchar('\n');
		json_decref(root);
	} else {
		diag_report_text(stdout, rep);
	}
	fflush(stdout);
	if (c->outputs.n && !rep->prof)
		cmd_warn("-o: no profile to write (%s)", hot->note);
	else if (c->outputs.n &&
		 profile_write_all(&hot->prof, (const char *const *)c->outputs.v, c->outputs.n, NULL) < 0)
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
	if (rep->prof && rep->prof->lost)
		cmd_warn("the kernel dropped %llu profile samples (ring buffer full): lower --profile-hz or raise --hz",
			 (unsigned long long)rep->prof->lost);
	return status;
}

/* The exit status the command's own end calls for. */
static int run_status(const struct run_result *res)
{
	if (res->status == RUN_INTERRUPTED)
		return cmd_fail(PE_EXIT_INTERRUPTED, "interrupted; the figures until then are shown");
	if (res->status == RUN_SIGNALED)
		return cmd_fail(PE_EXIT_RUNTIME, "the command was killed by signal %d (%s)", res->signal,
				strsignal(res->signal));
	if (res->status == RUN_EXITED && res->exit_code != 0)
		return cmd_fail(PE_EXIT_RUNTIME, "the command exited with status %d", res->exit_code);
	return PE_EXIT_OK;
}

/*
 * The lock interposer, preloaded into every diagnosed command when it is
 * there (an uncontended lock costs it a trylock and two clock reads): when
 * the verdict is lock-contention, the report names the lock and the code
 * on both sides of it.
 */
struct diag_locks {
	char events[64];
	struct preload_saved saved;
	struct locks_result r;
	int active, analyzed;
	char note[160];
};

static void locks_begin(struct diag_locks *l)
{
	char *lib = preload_find("libperfeng-locks.so", "PERFENG_LOCKS_LIB");
	int fd;

	if (!lib) {
		snprintf(l->note, sizeof(l->note), "not traced: %s", pe_errmsg());
		return;
	}
	snprintf(l->events, sizeof(l->events), "/tmp/perfeng-diagnose-locks.XXXXXX");
	fd = mkstemp(l->events);
	if (fd >= 0) {
		close(fd);
		preload_env_set(lib, l->events, 1, &l->saved);
		l->active = 1;
	} else {
		l->events[0] = '\0';
	}
	free(lib);
}

static void lock_text(FILE *f, void *arg)
{
	const struct lock_info *k = &((struct diag_locks *)arg)->r.locks[0];
	struct profile_func *w = NULL, *h = NULL;

	fprintf(f, "    0x%llx (%s): %llu acquisitions, %llu contended, %.3f s waited, %.3f s held while others waited\n",
		(unsigned long long)k->addr, lock_kind_name(k->kind), (unsigned long long)k->acquisitions,
		(unsigned long long)k->contended, (double)k->wait_ns / 1e9, (double)k->hold_waited_ns / 1e9);
	if (profile_top(k->waiters, 1, &w) && w[0].self)
		fprintf(f, "    waited for in %s\n", w[0].name);
	if (profile_top(k->holders, 1, &h) && h[0].self)
		fprintf(f, "    held by %s (released there while others waited)\n", h[0].name);
	free(w);
	free(h);
}

static json_t *lock_json(void *arg)
{
	const struct lock_info *k = &((struct diag_locks *)arg)->r.locks[0];

	return json_pack("{s:o,s:s,s:I,s:I,s:f,s:f,s:o,s:o}", "address", json_sprintf("0x%llx", (unsigned long long)k->addr),
			 "kind", lock_kind_name(k->kind), "acquisitions", (json_int_t)k->acquisitions,
			 "contended", (json_int_t)k->contended, "wait", (double)k->wait_ns / 1e9,
			 "held_while_waited", (double)k->hold_waited_ns / 1e9, "waiters", profile_top_json(k->waiters, 3),
			 "holders", profile_top_json(k->holders, 3));
}

/* After the run: the environment back; with lock-contention, the lock into the report. */
static void locks_end(struct diag_locks *l, struct diag_report *rep)
{
	if (l->active)
		preload_env_restore(&l->saved);
	l->active = 0;
	if (!rep || !rep->rule || rep->rule->verdict != DV_LOCK_CONTENTION)
		return;
	rep->lock.missing = l->note;
	if (!l->events[0])
		return;
	if (locks_analyze(l->events, NULL, &l->r) < 0) {
		snprintf(l->note, sizeof(l->note), "%s", pe_errmsg());
		return;
	}
	l->analyzed = 1;
	if (!l->r.n || !l->r.locks[0].contended) {
		snprintf(l->note, sizeof(l->note), "no pthread lock was contended: the waits are on other locks "
			 "(futexes, glibc's own); perfeng profile --off-cpu shows their stacks");
		return;
	}
	rep->lock.text = lock_text;
	rep->lock.json = lock_json;
	rep->lock.arg = l;
}

static void locks_done(struct diag_locks *l)
{
	if (l->active)
		preload_env_restore(&l->saved);
	if (l->analyzed)
		locks_release(&l->r);
	if (l->events[0])
		unlink(l->events);
}

int cmd_diagnose(int argc, char **argv)
{
	struct diagnose_cmd c = { .hz = 20, .profile_hz = PROFILE_HZ_DEFAULT, .top = 10 };
	char *invocation = store_command_line(argc, argv);	/* before options_parse reorders argv */
	struct store *st = NULL;
	struct diag_run d = { 0 };
	struct run_spec spec = { 0 };
	struct run_result *res = xcalloc(1, sizeof(*res));
	struct diag_report rep = { 0 };
	struct diag_system sys = { NAN, NAN, NAN, NAN };
	struct diag_hot *hot = xcalloc(1, sizeof(*hot));
	struct diag_locks *locks = xcalloc(1, sizeof(*locks));
	double m[DM_NR];
	char **cmdv = NULL;
	int64_t started;
	int rc, status = PE_EXIT_OK;

	profile_init(&hot->prof, "samples");
	rc = diagnose_parse(&c, argc, argv);
	if (rc == OPT_HELP)
		goto out;
	if (rc < 0) {
		fprintf(stderr, "perfeng diagnose: %s\nsee 'perfeng diagnose --help'\n", pe_errmsg());
		status = PE_EXIT_USAGE;
		goto out;
	}
	/* the store is opened before the run: a bad path or URL fails now */
	if (c.save && store_open(c.store_spec, &st) < 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		goto out;
	}
	cmdv = xcalloc((size_t)c.npos + 1, sizeof(*cmdv));
	memcpy(cmdv, argv, (size_t)c.npos * sizeof(*cmdv));

	spec.argv = cmdv;
	spec.stdin_fd = STDIN_FILENO;
	spec.output = c.json ? RUN_OUT_FD : c.quiet ? RUN_OUT_NULL : RUN_OUT_INHERIT;
	spec.stdout_fd = STDERR_FILENO;
	spec.timeout_ns = c.duration;
	spec.tick = on_tick;
	spec.tick_arg = &d;
	hot->argv = cmdv;
	hot->top = (size_t)c.top;
	hot->noutputs = c.outputs.n;
	if (c.no_profile)
		snprintf(hot->note, sizeof(hot->note), "not profiled (--no-profile)");
	else
		hot_start(hot, &d, c.profile_hz);
	d.sample_ns = NS_PER_SEC / c.hz;
	spec.tick_ns = d.smp && d.sample_ns > PROFILE_DRAIN_NS ? PROFILE_DRAIN_NS : d.sample_ns;
	locks_begin(locks);
	stop_catch();
	started = clock_realtime_us();
	d.start_ns = clock_now_ns();
	rc = runner_run(&spec, res);
	stop_release();
	locks_end(locks, NULL);
	if (rc < 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		goto out;
	}
	if (!d.ts)	/* it ended before the first tick could read it */
		d.ts = tsampler_new(0, d.start_ns);
	tsampler_finish(d.ts, res->user_ns, res->sys_ns, (uint64_t)res->minflt, (uint64_t)res->majflt);
	sys_finish(&d, &sys);
	hot_stop(hot, &d, &sys);
	report_fill(&rep, cmdv, res, &d, &sys, m, (unsigned)c.hz, hot);
	locks_end(locks, &rep);

	/* what the command wrote to stderr is in the tail when it was not passed through */
	if (spec.output != RUN_OUT_INHERIT && res->err_len &&
	    (c.json || res->status != RUN_EXITED || res->exit_code != 0))
		fwrite(res->err_tail, 1, res->err_len, stderr);
	status = diagnose_render(&c, &rep, hot);
	if (st && res->status == RUN_INTERRUPTED)
		cmd_warn("interrupted: nothing saved to the store");
	else if (st && save_run(st, c.save, &c.tags, invocation, &rep, rep.prof ? &hot->prof : NULL,
				hot->top, started, clock_realtime_us()) < 0)
		status = cmd_fail(PE_EXIT_RUNTIME, "--save: %s", pe_errmsg());
	if (status == PE_EXIT_OK)
		status = run_status(res);
out:
	diag_run_release(&d);
	profile_release(&hot->prof);
	free(hot);
	locks_done(locks);
	free(locks);
	free(c.outputs.v);
	if (st)
		store_close(st);
	free(cmdv);
	free(res);
	free(c.tags.v);
	free(invocation);
	return status;
}
