/*
 * The benchmark engine: runs a list of prepared commands the way the user
 * asked (warmups, fixed or adaptive run counts, a time budget, interleaving,
 * setup/prepare/conclude/cleanup hooks) and keeps every run's measurements.
 * It decides when to stop and why; it does not parse options nor print.
 * Statistics over the runs come from stats/.
 */
#ifndef PE_BENCH_H
#define PE_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "runner/counters.h"
#include "runner/process.h"
#include "stats/describe.h"

struct bench_param {
	char *name;
	char *value;
};

/* One run of one command, as measured. */
struct bench_run {
	double wall, user, sys;		/* seconds; shell spawn time subtracted when a shell is used */
	long maxrss_kb;			/* the command's own peak; -1: at most maxrss_at_most_kb, see struct run_result */
	long maxrss_at_most_kb;
	long minflt, majflt, nvcsw, nivcsw;
	int exit_code;			/* -1 when killed by a signal or timed out */
	int signal;			/* 0, or the signal that ended it */
	int timed_out;
	uint64_t ctr[CTR_NR];
	unsigned ctr_valid;		/* bit i: ctr[i] holds a count */
};

enum bench_stop {
	BENCH_STOP_NONE = 0,
	BENCH_STOP_RUNS,	/* the -r count was reached */
	BENCH_STOP_MIN_TIME,	/* default rule: --min-runs and 3 s reached */
	BENCH_STOP_MAX_RUNS,	/* --max-runs reached first */
	BENCH_STOP_PRECISION,	/* --precision reached */
	BENCH_STOP_BUDGET,	/* --time-budget ran out first */
	BENCH_STOP_INTERRUPTED,
	BENCH_STOP_FAILED,	/* a run failed and failures are not ignored */
};

/* A --setup, --prepare, --conclude or --cleanup command: both NULL when not given. */
struct bench_hook {
	char *text;			/* as the user wrote it, after substitution: for messages */
	char **argv;			/* what is executed */
};

struct bench_command {
	/* Set by the caller; owned by the bench_command (freed by bench_command_release). */
	char *name;			/* shown to the user */
	char *command;			/* the command string after substitution */
	char **argv;			/* what is executed */
	struct bench_hook setup, prepare, conclude, cleanup;
	struct bench_param *params;
	size_t nparams;

	/* Filled by bench_run_all. */
	struct bench_run *runs;
	size_t nruns, runs_alloc;
	size_t nwarmup;
	enum bench_stop stop;
	double precision_reached;	/* CI half-width / median at the stop, when adaptive */
	double elapsed;			/* seconds spent on timing runs (tool time included) */
};

struct bench_opts {
	unsigned warmup;
	uint64_t runs;			/* exact count; 0: automatic */
	uint64_t min_runs;		/* default 10 (2 with --runs unset and a max below 10) */
	uint64_t max_runs;		/* 0: unbounded */
	uint64_t min_time_ns;		/* automatic mode runs at least this long (3 s) */
	double precision;		/* 0: off; else target CI half-width / median */
	uint64_t time_budget_ns;	/* 0: none */
	uint64_t timeout_ns;		/* per run; 0: none */
	int ignore_failure;
	int interleave;
	int stdin_fd;			/* -1: /dev/null */
	enum run_output output;
	int stdout_fd;
	struct counters *counters;	/* NULL: none */
	double shell_wall, shell_user, shell_sys;	/* subtracted from each run */
	unsigned shell_runs;		/* the runs of `shell -c ''` they are the mean of */

	/* Called after every timing run, for a progress display; may be NULL. */
	void (*progress)(void *ctx, const struct bench_command *c, size_t index,
			 size_t expected_runs);
	void *progress_ctx;
};

/* Why a command failed, for the error message: filled by bench_run_all on failure. */
struct bench_failure {
	size_t index;			/* which command */
	const char *what;		/* "benchmark", "setup", "prepare", "conclude", "cleanup", "warmup" */
	struct run_result res;		/* its exit status and stderr tail */
};

void bench_opts_init(struct bench_opts *o);

/*
 * Runs every command. Returns 0 when all finished (see each ->stop), 1 when
 * interrupted (the runs measured so far are kept), or -1 with pe_error() set
 * and *fail filled when a command could not run or failed without
 * --ignore-failure.
 */
int bench_run_all(struct bench_command *cmds, size_t n, const struct bench_opts *o,
		  struct bench_failure *fail);

/*
 * Measures the start-up cost of `SHELL -c ''` into o->shell_*: the mean of
 * runs runs after one warmup. shell is a command line ("bash --norc"), split
 * as argv_split does. Returns 0, or -1 with pe_error() set.
 */
int bench_calibrate_shell(struct bench_opts *o, const char *shell, unsigned runs);

/* Wall times of the runs, in seconds, into a caller array of c->nruns. */
void bench_times(const struct bench_command *c, double *out);
/* One per-run field by selector: 0 wall, 1 user, 2 sys. */
void bench_field(const struct bench_command *c, int field, double *out);

/* Summary of the wall times, and the half-width of the median's CI relative to it. */
void bench_summarize(const struct bench_command *c, struct summary *s);

const char *bench_stop_name(enum bench_stop s);

void bench_command_release(struct bench_command *c);

#endif
