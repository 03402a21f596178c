/*
 * The sampler: perf_event_open on a command (sampling from its exec) or on
 * a running process and its threads, one ring buffer per CPU as perf record
 * keeps, following forks and new threads (inherit). Records go to
 * session.c, which builds the profile. sampler_run does it all for
 * `perfeng profile`; sampler_new, sampler_drain and sampler_finish let a
 * command that starts the child itself (diagnose, through runner/process.c)
 * sample it the same way.
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

struct sampler;

struct sampler_opts {
	char *const *argv;	/* sampler_run: the command to start, or NULL with pid */
	pid_t pid;		/* attach to this process (and its threads); 0: a command */
	uint64_t freq;		/* samples per second per thread */
	enum sampler_event event;
	int dwarf;		/* --call-graph dwarf */
	uint32_t stack_bytes;	/* user stack copied per sample */
	int offcpu;		/* --off-cpu */
	uint64_t duration_ns;	/* sampler_run: 0 until the target ends */
	volatile sig_atomic_t *stop;	/* sampler_run: stops when set */
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
 * Profiles o->argv, which it starts, or o->pid into p (initialised by the
 * caller, unit and event set here), until the target ends, the duration
 * passes or *o->stop is set.
 * Returns 0 when profiling ran (whatever the target did), or a negative
 * errno with pe_error() set: -ENOENT the command or pid does not exist,
 * -EACCES not allowed (the message names kernel.perf_event_paranoid and what
 * to change), -EOPNOTSUPP the event is missing on this machine.
 */
int sampler_run(const struct sampler_opts *o, struct profile *p, struct sampler_result *r);

/*
 * Opens the events and returns the sampler in *out (the caller's, for
 * sampler_free). With o->pid, on every thread of that running process,
 * sampling at once. Without, on the calling thread, disabled: the next
 * child it starts (fork, vfork, posix_spawn) and all that child starts
 * inherit them, and the kernel enables them at the child's exec, so that
 * the command is sampled from its first instruction and perfeng never. Start
 * exactly one child, with no other thread of ours forking meanwhile, before
 * sampler_finish. o and p must outlive the sampler. Returns 0 or a negative
 * errno with pe_error() set, as sampler_run.
 */
int sampler_new(const struct sampler_opts *o, struct profile *p, struct sampler **out);

/*
 * Moves what the kernel has written so far into the profile. Call it every
 * few hundred milliseconds while the target runs: the rings are 512 KiB per
 * CPU, and what overflows them is counted as lost.
 */
void sampler_drain(struct sampler *s);

/*
 * Stops sampling, takes the last records and finishes the profile; sets
 * samples, lost, elapsed_ns (since sampler_new), exclude_kernel,
 * offcpu_nostack and nfds in *r, leaving the fields about the target alone.
 */
void sampler_finish(struct sampler *s, struct sampler_result *r);

/* Closes the events and frees s (NULL is fine); the profile stays. */
void sampler_free(struct sampler *s);

/*
 * The message for perf_event_open failing with err (set with pe_error());
 * returns the negative errno to pass on. paranoid and max_rate are the
 * sysctls kernel.perf_event_paranoid and perf_event_max_sample_rate (-1:
 * unknown); pid 0 is perfeng itself (sampler_new for a command). For
 * sampler_run, and for tests of the messages.
 */
int sampler_open_error(const struct sampler_opts *o, int err, pid_t pid, int paranoid,
		       long long max_rate, unsigned nfds);

/* kernel.perf_event_paranoid, or a large value when it cannot be read. */
int sampler_paranoid(void);

#endif
