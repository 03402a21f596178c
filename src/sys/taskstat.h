/*
 * Parsers of the per-thread /proc files the thread sampler reads:
 * /proc/PID/task/TID/stat and .../schedstat, and the classes of wait
 * channels (.../wchan). Pure functions on text, so they are tested on
 * fixtures and fuzzed; the sampler (sys/threads.h) does the reading.
 */
#ifndef PE_TASKSTAT_H
#define PE_TASKSTAT_H

#include <stddef.h>
#include <stdint.h>

/* The fields of /proc/PID/task/TID/stat that the sampler uses. */
struct task_stat {
	int pid;
	char comm[64];		/* what stood between the first '(' and the last ')' (cut to fit) */
	char state;		/* R S D T t Z X I P W K ... */
	int ppid;
	uint64_t minflt, majflt;
	uint64_t utime, stime;	/* clock ticks (USER_HZ) */
	uint64_t starttime;	/* clock ticks after boot */
	int num_threads;
	uint64_t blkio_ticks;	/* delayacct_blkio_ticks (field 42) */
	int have_blkio;		/* 0: the line ends before field 42 */
};

/*
 * Parses one stat line of len bytes (need not be NUL-terminated). The comm
 * may hold spaces and parentheses: it ends at the last ')'. Fields 3..22
 * (state .. starttime) are required; field 42 is optional. Returns 0 or
 * -EINVAL.
 */
int taskstat_parse_stat(const char *buf, size_t len, struct task_stat *out);

/*
 * Parses /proc/PID/task/TID/schedstat: "RUNTIME_NS RUN_DELAY_NS SLICES".
 * Returns 0 or -EINVAL (fewer than two numbers).
 */
int taskstat_parse_schedstat(const char *buf, size_t len, uint64_t *run_ns, uint64_t *delay_ns);

/* What a thread that is off the CPU waits for, by its state and wait channel. */
enum wait_class {
	WAIT_IO = 0,	/* state D: uninterruptible, mostly block I/O and page-ins */
	WAIT_LOCK,	/* futexes: mutexes, condition variables, joins */
	WAIT_SLEEP,	/* nanosleep, timers, pause, sigsuspend */
	WAIT_NET,	/* poll, select, epoll, sockets, pipes */
	WAIT_CHILD,	/* wait4 or vfork on a child process (measured in its own right) */
	WAIT_OTHER,	/* any other sleep, or a wait channel we cannot read */
	WAIT_NR,
};

/* "io", "lock", "sleep", "net", "child", "other". */
const char *wait_class_name(enum wait_class c);

/*
 * The class of a thread in state `state` whose wait channel (the text of
 * .../wchan, possibly "" or "0" when unknown) is wchan.
 */
enum wait_class taskstat_wait_class(char state, const char *wchan);

#endif
