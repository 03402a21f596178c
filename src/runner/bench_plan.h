/*
 * From what the user typed to the list of benchmarks bench_run_all runs:
 * parameter values (-P scanned, -L listed), every command string crossed
 * with every combination of them, {NAME} substituted into the commands,
 * their names and hooks, and each command turned into the argv that runs
 * it, through a shell or split without one. It reads no options and prints
 * nothing; its messages are pe_error()'s.
 */
#ifndef PE_BENCH_PLAN_H
#define PE_BENCH_PLAN_H

#include <stddef.h>

#include "runner/bench.h"

/* At most this many benchmarks, and values of one scanned parameter. */
#define BENCH_MAX_COMMANDS 10000

/* One parameter and its values; owned, freed by bench_param_values_release. */
struct bench_param_values {
	char *name;
	char **values;
	size_t n;
};

/*
 * -P NAME MIN MAX [-D STEP]: MIN, MIN+STEP, ... up to MAX, written with the
 * decimals the user wrote ("0.25" keeps two, "1.00" is "1"). Without step
 * MIN and MAX must be whole numbers. Returns 0, or -1 with pe_error() set.
 */
int bench_param_scan(struct bench_param_values *p, const char *name, const char *min,
		     const char *max, const char *step);
/* -L NAME A,B,...: the values between the commas. Returns 0, or -1 with pe_error() set. */
int bench_param_list(struct bench_param_values *p, const char *name, const char *values);
void bench_param_values_release(struct bench_param_values *p);

enum bench_hook_kind { BENCH_SETUP, BENCH_PREPARE, BENCH_CONCLUDE, BENCH_CLEANUP, BENCH_HOOK_KINDS };

/* What the benchmarks are made of; everything borrowed from the caller. */
struct bench_plan {
	const char *const *cmds;	/* the command strings, --reference's first when given */
	size_t ncmds;
	int reference;			/* cmds[0] is the reference: run once, no parameters, its text its name */
	const char *const *names;	/* -n, for the commands after the reference */
	size_t nnames;
	/* each hook given once for every command, or once per command string */
	const char *const *hooks[BENCH_HOOK_KINDS];
	size_t nhooks[BENCH_HOOK_KINDS];
	const struct bench_param_values *params;	/* the first varies slowest */
	size_t nparams;
	const char *shell;		/* "sh", "bash -O extglob"; NULL: no shell */
};

/*
 * Builds the benchmarks into a new array *out of *nout commands, which the
 * caller releases with bench_command_release each and free. Returns 0, or
 * -1 with pe_error() set (hooks or names that do not fit the commands, a
 * parameter given twice, too many benchmarks, a command that cannot be
 * split).
 */
int bench_plan_build(const struct bench_plan *p, struct bench_command **out, size_t *nout);

/*
 * The argv that runs cmd: `shell... -c cmd` with shell split into words, or,
 * shell NULL, cmd itself split as a shell would without one (argv_split).
 * A command of blanks only is refused. Returns a vector for argv_free(), or
 * NULL with pe_error() set.
 */
char **bench_command_argv(const char *shell, const char *cmd);
/* `shell... -c cmd` alone, cmd as it is (the shell's calibration runs ''). The same returns. */
char **bench_shell_argv(const char *shell, const char *cmd);

#endif
