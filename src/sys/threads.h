/*
 * The thread sampler behind `perfeng diagnose`: every tick it reads each
 * thread of a process tree from /proc (stat, schedstat, wchan, children)
 * and adds the interval since the thread's previous sample to a time
 * decomposition: on the CPU (schedstat runtime, split user/system by the
 * utime/stime ticks), waiting for a CPU (schedstat run delay), and off the
 * CPU by what the thread waits for (state D: I/O; the wait channel: locks,
 * sleep, network, a child). Children forked while it runs are followed
 * through .../children (or, without CONFIG_PROC_CHILDREN, a scan of /proc).
 *
 * It is not a profiler (no stacks) and not the system view (sys/use.h).
 * Files are opened once per thread and read with pread; memory grows only
 * when a thread appears. Threads that come and go between two samples are
 * only partly seen; tsampler_add_rusage folds in what wait4 says they used.
 */
#ifndef PE_THREADS_H
#define PE_THREADS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sys/taskstat.h"

#define TSAMPLER_TOP_WCHAN 8

/* States as sampled: R (running or runnable), S, D, and the rest (T, t, I, ...). */
enum { TSTATE_R = 0, TSTATE_S, TSTATE_D, TSTATE_OTHER, TSTATE_NR };

/* What the sampler found, all thread-time summed over the threads. */
struct thread_totals {
	uint64_t thread_ns;		/* thread-time seen: the sum of the parts below */
	uint64_t user_ns, sys_ns;	/* on the CPU (tsampler_finish splits it) */
	uint64_t runq_ns;		/* runnable, waiting for a CPU */
	uint64_t wait_ns[WAIT_NR];	/* off the CPU, by class */
	/*
	 * Of wait_ns[WAIT_LOCK], the futex waits of threads that spent 99% of
	 * their time in them: a pthread_join, an idle pool thread. Nobody holds
	 * a lock against them. Set by tsampler_finish.
	 */
	uint64_t lock_parked_ns;
	uint64_t unsampled_ns;		/* CPU time only rusage saw (in user_ns/sys_ns) */
	uint64_t minflt, majflt;
	uint64_t state_samples[TSTATE_NR];
	unsigned samples;		/* ticks that read at least one thread */
	unsigned threads, processes;	/* distinct threads and processes seen */
	unsigned max_threads;		/* most threads alive at one sample */
	/*
	 * No sample read a thread (the command exited before the first one
	 * could, as `false` does): the one thread and process counted are the
	 * root, known from its rusage alone.
	 */
	int rusage_only;
	int have_schedstat;		/* 0: on-CPU time from ticks, no run delay */
	int have_blkio;			/* delay accounting on and read: I/O time from it */
	int children_by_scan;		/* no .../children: children found by scanning /proc */
	/* the most sampled wait channels of off-CPU threads, most first */
	struct {
		char name[48];
		uint64_t samples;
	} wchan[TSAMPLER_TOP_WCHAN];
	size_t nwchan;
};

struct tsampler;

/*
 * A sampler for the tree rooted at `root`, whose clock starts at start_ns
 * (no thread is counted from before it). Owned by the caller: tsampler_free.
 */
struct tsampler *tsampler_new(pid_t root, uint64_t start_ns);
void tsampler_free(struct tsampler *s);

/*
 * Reads every thread of the tree at now_ns (CLOCK_MONOTONIC) and adds the
 * time since each one's last sample. Threads and processes that vanished
 * are dropped; never fails (a tree that is gone reads as no thread).
 */
void tsampler_sample(struct tsampler *s, uint64_t now_ns);

/*
 * Folds in the rusage of the reaped root (which covers its reaped
 * descendants): CPU time the samples missed (threads that lived between
 * two samples, the last interval before exit) is added as on-CPU time.
 * Then splits the on-CPU time into user and system. A root that no sample
 * read but that used CPU time is counted as one thread of one process
 * (rusage_only), so the counts never say 0 beside the time. The total
 * (thread_ns) is at least the sum of the parts. Call once, at the end.
 */
void tsampler_finish(struct tsampler *s, uint64_t user_ns, uint64_t sys_ns, uint64_t minflt,
		     uint64_t majflt);

/* The totals so far; owned by the sampler. */
const struct thread_totals *tsampler_totals(const struct tsampler *s);

/* Whether kernel.task_delayacct is on: 1, 0, or -1 when it cannot be read. */
int tsampler_delayacct_enabled(void);

#endif
