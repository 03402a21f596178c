/*
 * Running one child process and measuring it: wall time on the monotonic
 * clock, the child's own rusage through wait4 (never RUSAGE_CHILDREN), and
 * optionally perf counters attached before its exec. The child runs in its
 * own process group, so a timeout or an interrupt kills everything it
 * started, and it is always reaped: no zombie is left on any path.
 */
#ifndef PE_PROCESS_H
#define PE_PROCESS_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct counters;

enum run_output {
	RUN_OUT_NULL = 0,	/* stdout to /dev/null */
	RUN_OUT_PIPE,		/* stdout to a pipe the runner drains and discards */
	RUN_OUT_INHERIT,	/* stdout and stderr are perfeng's own */
	RUN_OUT_FD,		/* stdout to spec->stdout_fd */
};

struct run_spec {
	char *const *argv;	/* argv[0] looked up in PATH as execvp does */
	int stdin_fd;		/* -1: /dev/null */
	enum run_output output;
	int stdout_fd;		/* for RUN_OUT_FD */
	uint64_t timeout_ns;	/* 0: none; else SIGKILL to the group when it passes */
	struct counters *counters;	/* NULL: none; else opened on the child before exec */
	/*
	 * NULL: none; else called with the child's pid once as soon as it has
	 * exec'd, then every tick_ns (on the monotonic clock, not drifting)
	 * while it runs, on the calling thread. For samplers that watch the
	 * child (diagnose); it must not wait for the child.
	 */
	void (*tick)(void *arg, pid_t pid, uint64_t now_ns);
	void *tick_arg;
	uint64_t tick_ns;
};

enum run_status {
	RUN_EXITED = 0,
	RUN_SIGNALED,
	RUN_TIMED_OUT,
	RUN_INTERRUPTED,	/* stop_signal (util/stop.h) became set; the group was killed */
};

#define RUN_ERR_TAIL 4096

struct run_result {
	enum run_status status;
	int exit_code;		/* for RUN_EXITED */
	int signal;		/* for RUN_SIGNALED */
	uint64_t wall_ns;	/* from just before exec was released to the reap */
	uint64_t user_ns, sys_ns;
	/*
	 * The child's own peak RSS in KiB, or -1 when it is not above perfeng's
	 * own resident set at the spawn: vfork+exec folds that into the child's
	 * maximum, so a smaller peak cannot be told. maxrss_at_most_kb is then
	 * the bound, the kernel's figure (see process.c).
	 */
	long maxrss_kb;
	long maxrss_at_most_kb;
	long minflt, majflt;
	long nvcsw, nivcsw;
	/*
	 * The last RUN_ERR_TAIL bytes the child wrote to stderr (not for
	 * RUN_OUT_INHERIT), NUL-terminated, for showing why a command failed.
	 */
	char err_tail[RUN_ERR_TAIL + 1];
	size_t err_len;
};

/*
 * Runs spec->argv to completion. Returns 0 when the child was started (any
 * exit status, signal, timeout or interrupt is in *res). Returns -ENOENT
 * ("command not found: 'x'"), -EACCES ("cannot execute 'x': permission
 * denied") or another negative errno with pe_error() set when it could not
 * be started.
 */
int runner_run(const struct run_spec *spec, struct run_result *res);

#endif
