/*
 * The sampler: perf_event_open on a command it starts (sampling from its
 * exec) or on a running process and its threads, one ring buffer per CPU
 * as perf record keeps, following forks and new threads (inherit), until
 * the target ends, the duration passes or *stop is set. Records go to
 * session.c, which builds the profile.
 */
#ifndef PE_PROF_SAMPLER_H
#define PE_PROF_SAMPLER_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include "prof/profile.h"

enum sampler_event {
	SAMPLER_CPU_CLOCK = 0,	/* software timer: every kernel, every VM */
	SAMPLER_CYCLES,		/* hardware cycles: needs a PMU */
};

struct sampler_opts {
	char *const *argv;	/* the command to start, or NULL with pid */
	pid_t pid;		/* attach to this process (and its threads) */
	uint64_t freq;		/* samples per second per thread */
	enum sampler_event event;
	int dwarf;		/* --call-graph dwarf */
	uint32_t stack_bytes;	/* user stack copied per sample */
	int offcpu;		/* --off-cpu */
	uint64_t duration_ns;	/* 0: until the target ends */
	volatile sig_atomic_t *stop;
	const char *debug_dir;
	int inline_frames, lines;
	const char *jit_dir;	/* NULL: /tmp */
};

struct sampler_result {
	uint64_t samples;	/* stacks recorded */
	uint64_t lost;		/* samples the kernel dropped */
	uint64_t elapsed_ns;
	int exited;		/* the started command ended by itself */
	int exit_code;		/* when exited: its code, or 128+signal */
	int term_signal;	/* when exited by a signal */
	int interrupted;	/* *stop was set */
	int timed_out;		/* the duration passed */
	int exclude_kernel;	/* kernel time was not sampled (unprivileged) */
	int offcpu_nostack;	/* --off-cpu without stacks: the kernel allows only times here */
	unsigned nfds;		/* perf events opened */
};

/*
 * Profiles into p (initialised by the caller, unit and event set here).
 * Returns 0 when profiling ran (whatever the target did), or a negative
 * errno with pe_error() set: -ENOENT the command or pid does not exist,
 * -EACCES not allowed (the message names kernel.perf_event_paranoid and what
 * to change), -EOPNOTSUPP the event is missing on this machine.
 */
int sampler_run(const struct sampler_opts *o, struct profile *p, struct sampler_result *r);

/*
 * The message for perf_event_open failing with err (set with pe_error());
 * returns the negative errno to pass on. paranoid and max_rate are the
 * sysctls kernel.perf_event_paranoid and perf_event_max_sample_rate (-1:
 * unknown). For sampler_run, and for tests of the messages.
 */
int sampler_open_error(const struct sampler_opts *o, int err, pid_t pid, int paranoid,
		       long long max_rate, unsigned nfds);

/* kernel.perf_event_paranoid, or a large value when it cannot be read. */
int sampler_paranoid(void);

#endif
