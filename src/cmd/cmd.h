/*
 * Entry points of perfeng's commands. Each takes the arguments after the
 * command name (argv[0] is the command name) and returns the exit code.
 */
#ifndef PE_CMD_H
#define PE_CMD_H

#include <stdio.h>

int cmd_bench(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_diagnose(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_flamegraph(int argc, char **argv);
int cmd_heap(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_load(int argc, char **argv);
int cmd_locks(int argc, char **argv);
int cmd_mcp(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_model(int argc, char **argv);
int cmd_observe(int argc, char **argv);
int cmd_profile(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_runs(int argc, char **argv);

/* Prints "perfeng: error: <msg>" to stderr and returns code, for `return die_code(...)`. */
int cmd_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "perfeng: warning: <msg>" to stderr, yellow on a terminal unless NO_COLOR. */
void cmd_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* 1 when stderr is a terminal and NO_COLOR is unset or empty, unless cmd_color_set() said otherwise. */
int cmd_color_stderr(void);
/* The same for another stream: stdout's fd for a command's coloured text. */
int cmd_color_fd(int fd);
/* Colour on (1) or off (0) on every stream whatever the terminal and NO_COLOR; -1: decide again (bench --style). */
void cmd_color_set(int on);

/* The environment variables a command reads, for its --help (cmd_usage_env). */
enum cmd_env {
	CMD_ENV_STORE = 1 << 0,	/* PERFENG_STORE, XDG_DATA_HOME: where the results store is */
	CMD_ENV_JIT = 1 << 1,	/* PERFENG_JIT_DIR: the perf-PID.map files of JIT code */
	CMD_ENV_NVML = 1 << 2,	/* PERFENG_NVML_LIB: the NVML library for GPUs */
	CMD_ENV_HEAP = 1 << 3,	/* PERFENG_HEAP_LIB: the heap interposer */
	CMD_ENV_LOCKS = 1 << 4,	/* PERFENG_LOCKS_LIB: the lock interposer */
};

/*
 * Prints the "Environment:" section of a command's --help: NO_COLOR (every
 * command's errors and warnings) and the variables in which. docs/CMD.md
 * lists the same for each command; tests/e2e/t0010-help-docs.sh holds them
 * to each other.
 */
void cmd_usage_env(FILE *f, unsigned which);

struct run_result;
/*
 * The warnings after a command traced by an interposer (heap, locks): that
 * it was killed by SIGKILL (what its threads had buffered is missing),
 * failed or ended early, that process images ended without their memory
 * map (frames are addresses), that lost events were not written.
 */
void cmd_warn_traced(const struct run_result *res, size_t images_without_maps, unsigned long long lost);

struct totals_save;
/*
 * --save of a run of single totals (heap, locks): the store at spec opened,
 * the run saved and said where, the store closed. 0, or -1 with pe_error().
 */
int cmd_save_totals(const char *spec, const struct totals_save *in);

struct store;
/* Says on stderr where --save put a run: "perfeng: saved as run ID (NAME) in STORE". */
void cmd_say_saved(const struct store *st, long long id, const char *name);

extern const char *perfeng_version;

#endif
