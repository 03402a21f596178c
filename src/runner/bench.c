#include "runner/bench.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner/bench_plan.h"
#include "stats/bootstrap.h"
#include "util/argv.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/xalloc.h"

#define BENCH_SEED 0x70657266656e67ULL	/* "perfeng": fixed, so CIs are reproducible */
#define PRECISION_BOOT_B 1000

void bench_opts_init(struct bench_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->min_runs = 10;
	o->min_time_ns = 3 * NS_PER_SEC;
	o->stdin_fd = -1;
	o->stdout_fd = -1;
}

const char *bench_stop_name(enum bench_stop s)
{
	switch (s) {
	case BENCH_STOP_RUNS: return "runs";
	case BENCH_STOP_MIN_TIME: return "min-time";
	case BENCH_STOP_MAX_RUNS: return "max-runs";
	case BENCH_STOP_PRECISION: return "precision";
	case BENCH_STOP_BUDGET: return "time-budget";
	case BENCH_STOP_INTERRUPTED: return "interrupted";
	case BENCH_STOP_FAILED: return "failed";
	default: return "none";
	}
}

void bench_command_release(struct bench_command *c)
{
	free(c->name);
	free(c->command);
	argv_free(c->argv);
	struct bench_hook *hooks[] = { &c->setup, &c->prepare, &c->conclude, &c->cleanup };

	for (size_t i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++) {
		free(hooks[i]->text);
		argv_free(hooks[i]->argv);
	}
	for (size_t i = 0; i < c->nparams; i++) {
		free(c->params[i].name);
		free(c->params[i].value);
	}
	free(c->params);
	free(c->runs);
	memset(c, 0, sizeof(*c));
}

static int bench__failed(const struct run_result *r)
{
	return r->status != RUN_EXITED || r->exit_code != 0;
}

/* Sets the message for a run that ended badly: "exited with code 1", ... */
static void bench__describe_failure(const char *what, const char *cmd, const struct run_result *r)
{
	switch (r->status) {
	case RUN_SIGNALED:
		pe_error("%s command '%s' was killed by signal %d (%s)", what, cmd,
			 r->signal, strsignal(r->signal));
		break;
	case RUN_TIMED_OUT:
		pe_error("%s command '%s' timed out", what, cmd);
		break;
	default:
		pe_error("%s command '%s' failed with exit code %d", what, cmd, r->exit_code);
		break;
	}
}

/* A hook (setup, prepare, ...): output discarded, any failure is fatal. */
static int bench__hook(const struct bench_hook *h, const char *what,
		       const struct bench_opts *o, size_t idx, struct bench_failure *fail)
{
	struct run_spec spec = {
		.argv = h->argv,
		.stdin_fd = -1,
		.output = RUN_OUT_NULL,
		.stdout_fd = -1,
		.timeout_ns = o->timeout_ns,
	};
	int rc;

	if (!h->argv)
		return 0;
	rc = runner_run(&spec, &fail->res);
	fail->index = idx;
	fail->what = what;
	if (rc < 0)	/* say that it was the hook that could not start */
		return pe_error("%s command: %s", what, pe_errmsg());
	if (fail->res.status == RUN_INTERRUPTED)
		return 1;
	if (bench__failed(&fail->res)) {
		bench__describe_failure(what, h->text, &fail->res);
		return -1;
	}
	return 0;
}

/*
 * One run of command idx: prepare, the measured run, conclude. Records the
 * run unless it is a warmup. Returns 0, 1 when interrupted, -1 on failure.
 */
static int bench__once(struct bench_command *c, size_t idx, int warmup,
		       const struct bench_opts *o, struct bench_failure *fail)
{
	struct run_spec spec = {
		.argv = c->argv,
		.stdin_fd = o->stdin_fd,
		.output = o->output,
		.stdout_fd = o->stdout_fd,
		.timeout_ns = o->timeout_ns,
		.counters = o->counters,
	};
	struct run_result *r = &fail->res;
	struct bench_run *run;
	int rc;

	rc = bench__hook(&c->prepare, "prepare", o, idx, fail);
	if (rc)
		return rc;
	if (o->stdin_fd >= 0 && lseek(o->stdin_fd, 0, SEEK_SET) < 0 && errno != ESPIPE)
		return pe_error("cannot rewind the input file: %s", strerror(errno));
	rc = runner_run(&spec, r);
	fail->index = idx;
	fail->what = warmup ? "warmup" : "benchmark";
	if (rc < 0)
		return -1;
	if (r->status == RUN_INTERRUPTED)
		return 1;
	if (bench__failed(r) && !o->ignore_failure) {
		bench__describe_failure(warmup ? "warmup of" : "benchmarked", c->command, r);
		return -1;
	}
	if (!warmup) {
		ALLOC_GROW(c->runs, c->nruns + 1, c->runs_alloc);
		run = &c->runs[c->nruns++];
		memset(run, 0, sizeof(*run));
		run->wall = fmax(0.0, (double)r->wall_ns / 1e9 - o->shell_wall);
		run->user = fmax(0.0, (double)r->user_ns / 1e9 - o->shell_user);
		run->sys = fmax(0.0, (double)r->sys_ns / 1e9 - o->shell_sys);
		run->maxrss_kb = r->maxrss_kb;
		run->maxrss_at_most_kb = r->maxrss_at_most_kb;
		run->minflt = r->minflt;
		run->majflt = r->majflt;
		run->nvcsw = r->nvcsw;
		run->nivcsw = r->nivcsw;
		run->exit_code = r->status == RUN_EXITED ? r->exit_code : -1;
		run->signal = r->status == RUN_SIGNALED ? r->signal :
			      r->status == RUN_TIMED_OUT ? SIGKILL : 0;
		run->timed_out = r->status == RUN_TIMED_OUT;
		if (o->counters && o->counters->enabled) {
			for (int i = 0; i < CTR_NR; i++) {
				if (!o->counters->valid[i])
					continue;
				run->ctr[i] = o->counters->value[i];
				run->ctr_valid |= 1u << i;
			}
		}
	} else {
		c->nwarmup++;
	}
	return bench__hook(&c->conclude, "conclude", o, idx, fail);
}

void bench_field(const struct bench_command *c, int field, double *out)
{
	for (size_t i = 0; i < c->nruns; i++)
		out[i] = field == 1 ? c->runs[i].user : field == 2 ? c->runs[i].sys : c->runs[i].wall;
}

void bench_times(const struct bench_command *c, double *out)
{
	bench_field(c, 0, out);
}

void bench_summarize(const struct bench_command *c, struct summary *s)
{
	double *t = xmalloc((c->nruns ? c->nruns : 1) * sizeof(*t));

	bench_times(c, t);
	summary_compute(s, t, c->nruns, BENCH_SEED);
	free(t);
}

/* Half-width of the median's 95% CI relative to the median; INFINITY when undefined. */
static double bench__rel_halfwidth(const struct bench_command *c, size_t idx)
{
	double *t, lo, hi, med;

	if (c->nruns < 2)
		return INFINITY;
	t = xmalloc(c->nruns * sizeof(*t));
	bench_times(c, t);
	med = stats_median(t, c->nruns);
	bootstrap_ci(t, c->nruns, BOOT_MEDIAN, 0.95, PRECISION_BOOT_B, BENCH_SEED + idx, &lo, &hi);
	free(t);
	if (med <= 0)
		return INFINITY;
	return (hi - lo) / 2 / med;
}

/* Per-command state of the stopping rule. */
struct bench_state {
	uint64_t spent_ns;	/* time spent on this command's timing runs */
	size_t next_check;	/* run count at which to re-evaluate the precision */
	size_t expected;	/* estimate of the final run count, for progress */
};

/* Decides whether command c is done, setting c->stop; updates st->expected. */
static int bench__done(struct bench_command *c, size_t idx, const struct bench_opts *o,
		       struct bench_state *st)
{
	size_t n = c->nruns;
	double mean = n ? (double)st->spent_ns / 1e9 / (double)n : 0;

	if (o->runs) {
		st->expected = o->runs;
		if (n >= o->runs) {
			c->stop = BENCH_STOP_RUNS;
			return 1;
		}
	} else if (o->precision > 0) {
		if (n >= o->min_runs && n >= st->next_check) {
			double hw = bench__rel_halfwidth(c, idx);

			c->precision_reached = hw;
			st->next_check = n + (n / 10 > 1 ? n / 10 : 1);
			if (hw <= o->precision) {
				c->stop = BENCH_STOP_PRECISION;
				return 1;
			}
			if (isfinite(hw)) {
				double need = (double)n * (hw / o->precision) * (hw / o->precision);
				st->expected = need > (double)n ? (size_t)need + 1 : n + 1;
			}
		}
		if (st->expected < o->min_runs)
			st->expected = o->min_runs;
	} else {
		size_t need = o->min_runs;

		if (mean > 0) {
			double by_time = ceil((double)o->min_time_ns / 1e9 / mean);
			if (by_time > (double)need)
				need = by_time > 1e9 ? 1000000000 : (size_t)by_time;
		}
		st->expected = need;
		if (n >= o->min_runs && st->spent_ns >= o->min_time_ns) {
			c->stop = BENCH_STOP_MIN_TIME;
			return 1;
		}
	}
	if (o->max_runs) {
		if (st->expected > o->max_runs)
			st->expected = o->max_runs;
		if (n >= o->max_runs) {
			c->stop = BENCH_STOP_MAX_RUNS;
			return 1;
		}
	}
	if (o->time_budget_ns && st->spent_ns >= o->time_budget_ns) {
		if (o->precision > 0 && n >= 2)
			c->precision_reached = bench__rel_halfwidth(c, idx);
		c->stop = BENCH_STOP_BUDGET;
		return 1;
	}
	return 0;
}

/* One timing run of command i, with the time it took charged to it. */
static int bench__step(struct bench_command *cmds, size_t i, const struct bench_opts *o,
		       struct bench_state *st, struct bench_failure *fail)
{
	uint64_t t0 = clock_now_ns();
	int rc = bench__once(&cmds[i], i, 0, o, fail);

	st[i].spent_ns += clock_now_ns() - t0;
	cmds[i].elapsed = (double)st[i].spent_ns / 1e9;
	if (rc)
		return rc;
	bench__done(&cmds[i], i, o, &st[i]);
	if (o->progress)
		o->progress(o->progress_ctx, &cmds[i], i, st[i].expected);
	return 0;
}

static int bench__start(struct bench_command *cmds, size_t i, const struct bench_opts *o,
			struct bench_failure *fail)
{
	int rc = bench__hook(&cmds[i].setup, "setup", o, i, fail);

	for (unsigned w = 0; !rc && w < o->warmup; w++)
		rc = bench__once(&cmds[i], i, 1, o, fail);
	return rc;
}

/* Marks the commands still running as stopped for `why`, and returns rc. */
static int bench__abort(struct bench_command *cmds, size_t n, int rc)
{
	for (size_t i = 0; i < n; i++)
		if (cmds[i].stop == BENCH_STOP_NONE)
			cmds[i].stop = rc > 0 ? BENCH_STOP_INTERRUPTED : BENCH_STOP_FAILED;
	return rc;
}

int bench_run_all(struct bench_command *cmds, size_t n, const struct bench_opts *o,
		  struct bench_failure *fail)
{
	struct bench_state *st = xcalloc(n, sizeof(*st));
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		cmds[i].stop = BENCH_STOP_NONE;
		st[i].next_check = o->min_runs;
		st[i].expected = o->runs ? o->runs : o->min_runs;
	}
	if (o->interleave) {
		size_t left = n;

		for (size_t i = 0; !rc && i < n; i++)
			rc = bench__start(cmds, i, o, fail);
		while (!rc && left) {
			left = 0;
			for (size_t i = 0; !rc && i < n; i++) {
				if (cmds[i].stop != BENCH_STOP_NONE)
					continue;
				rc = bench__step(cmds, i, o, st, fail);
				left += cmds[i].stop == BENCH_STOP_NONE;
			}
		}
		for (size_t i = 0; !rc && i < n; i++)
			rc = bench__hook(&cmds[i].cleanup, "cleanup", o, i, fail);
	} else {
		for (size_t i = 0; !rc && i < n; i++) {
			rc = bench__start(cmds, i, o, fail);
			while (!rc && cmds[i].stop == BENCH_STOP_NONE)
				rc = bench__step(cmds, i, o, st, fail);
			if (!rc)
				rc = bench__hook(&cmds[i].cleanup, "cleanup", o, i, fail);
		}
	}
	free(st);
	if (rc)
		return bench__abort(cmds, n, rc);
	return 0;
}

int bench_calibrate_shell(struct bench_opts *o, const char *shell, unsigned runs)
{
	struct run_spec spec = { .stdin_fd = -1, .output = RUN_OUT_NULL, .stdout_fd = -1 };
	struct run_result r;
	char **argv = bench_shell_argv(shell, "");
	double w = 0, u = 0, s = 0;
	int rc = 0;

	if (!argv)
		return -1;
	spec.argv = argv;
	/* run 0 is a warmup: the first exec of the shell reads it from disk */
	for (unsigned i = 0; i <= runs && !rc; i++) {
		rc = runner_run(&spec, &r);
		if (rc < 0)
			rc = pe_error("cannot use the shell '%s': %s", shell, pe_errmsg());
		else if (r.status == RUN_INTERRUPTED)
			rc = pe_error("interrupted while measuring the shell");
		else if (bench__failed(&r))
			rc = pe_error("the shell '%s' fails to run an empty command", shell);
		else if (i > 0) {
			w += (double)r.wall_ns / 1e9;
			u += (double)r.user_ns / 1e9;
			s += (double)r.sys_ns / 1e9;
		}
	}
	argv_free(argv);
	if (rc < 0)
		return rc;
	o->shell_wall = w / runs;
	o->shell_user = u / runs;
	o->shell_sys = s / runs;
	o->shell_runs = runs;
	return 0;
}
