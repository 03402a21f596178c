/*
 * Running a command with one of perfeng's interposers preloaded
 * (libperfeng-heap.so, libperfeng-locks.so from src/preload/): where the
 * library is, and the environment that tells it where to write its events
 * (src/preload/stream.h reads PERFENG_TRACE_OUT, PERFENG_TRACE_PARENT,
 * PERFENG_TRACE_FOLLOW). The environment is perfeng's own, set around the
 * spawn and put back after it.
 */
#ifndef PE_RUNNER_PRELOAD_H
#define PE_RUNNER_PRELOAD_H

/*
 * The path of library name: $env_var when set, else next to the perfeng
 * binary. A new string, or NULL with pe_error() saying how to get it.
 */
char *preload_find(const char *name, const char *env_var);

/* What preload_env_set() replaced. */
struct preload_saved {
	char *ld_preload;	/* NULL: there was none */
};

/*
 * Sets LD_PRELOAD (lib first, before what it held) and the trace variables:
 * events to the file out, recording in perfeng's children (and theirs with
 * follow).
 */
void preload_env_set(const char *lib, const char *out, int follow, struct preload_saved *saved);
void preload_env_restore(struct preload_saved *saved);

#include <stdint.h>

#include "runner/process.h"

/* One run of a command under an interposer. */
struct preload_run {
	char events[64];	/* the event file the interposer wrote */
	struct run_result res;
	int64_t started, ended;	/* Unix time, microseconds */
};

/*
 * Runs argv with library lib_name (found by preload_find with lib_env)
 * preloaded, its events into a new temporary file (pr->events), recording
 * the command's children too with follow; with json, the command's standard
 * output goes to perfeng's standard error (standard output is the JSON's).
 * Ctrl-C stops the command (pr->res says so). Returns 0 when the command
 * ran (any exit), or -1 with pe_error(). preload_run_done() removes the file
 * either way.
 */
int preload_run(const char *lib_name, const char *lib_env, char **argv, int follow, int json,
		struct preload_run *pr);
void preload_run_done(struct preload_run *pr);

#endif
