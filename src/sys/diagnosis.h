/*
 * The verdict of `perfeng diagnose`: what limits a command, decided from its
 * thread-time decomposition (sys/threads.h) and the system's USE figures by
 * a table of rules. The table is data (diag_rules[]): docs/diagnose.md
 * prints the same rules, and the unit tests run hand-made decompositions
 * through it. The first rule whose conditions all hold gives the verdict.
 *
 * Not here: reading /proc (sys/threads.c, sys/use.c) and printing (cmd/).
 */
#ifndef PE_DIAGNOSIS_H
#define PE_DIAGNOSIS_H

#include <stddef.h>

struct thread_totals;

/* The figures the rules test. Shares are of the counted thread-time. NAN: unknown. */
enum diag_metric {
	DM_SAMPLES = 0,	/* ticks that saw a thread */
	DM_WALL,	/* seconds */
	DM_ON_CPU,	/* share on a CPU, user + system */
	DM_USER,
	DM_SYSTEM,
	DM_RUNQ,	/* share runnable but waiting for a CPU */
	DM_RUNQ_OF_RUNNABLE,	/* waiting for a CPU / (on a CPU + waiting) */
	DM_IO,		/* share blocked in state D */
	DM_LOCK,	/* share waiting on futexes, threads parked for good left out */
	DM_SLEEP,
	DM_NET,		/* share in poll/select/epoll/sockets/pipes */
	DM_OTHER,	/* share off the CPU for reasons not told apart */
	DM_OFF_CPU,	/* io + lock + sleep + net + other */
	DM_PARALLELISM,	/* on-CPU seconds per wall second */
	DM_MAJFLT_RATE,	/* major page faults per second */
	DM_MINFLT_RATE,
	DM_THROTTLED,	/* cgroup CPU throttled time / wall */
	DM_SWAP_RATE,	/* system: pages swapped in + out per second */
	DM_RECLAIM_RATE,	/* system: pages scanned for reclaim per second */
	DM_LOCK_CPU,	/* share on a CPU in lock code (futex calls, spinning), from the profile */
	DM_CONTENTION,	/* lock + lock_cpu: thread-time lost to a lock others hold */
	DM_THREADS,	/* most threads alive at once */
	DM_NR,
};

enum diag_verdict {
	DV_CPU_BOUND = 0,
	DV_CPU_STARVED,
	DV_IO_BOUND,
	DV_MEMORY_BOUND,
	DV_OFF_CPU_BOUND,
	DV_LOCK_CONTENTION,
	DV_BALANCED,
	DV_INCONCLUSIVE,
	DV_NR,
};

enum diag_op { DOP_GE = 0, DOP_LT };

struct diag_cond {
	enum diag_metric metric;
	enum diag_op op;
	double threshold;
};

#define DIAG_MAX_CONDS 3
#define DIAG_MAX_EVIDENCE 4

struct diag_rule {
	enum diag_verdict verdict;
	const char *detail;	/* "single-threaded", "major page faults", ... */
	struct diag_cond cond[DIAG_MAX_CONDS];
	size_t ncond;
	enum diag_metric evidence[DIAG_MAX_EVIDENCE];	/* shown with the verdict, besides cond's */
	size_t nevidence;
	const char *next_step;
};

extern const struct diag_rule diag_rules[];
extern const size_t diag_nrules;
/* The verdict when no rule holds. */
extern const struct diag_rule diag_default_rule;

/*
 * The figures from outside the thread sampler, NAN when unknown: cgroup
 * throttled seconds, pages swapped and scanned per second over the run, and
 * the share of the profile's on-CPU samples whose stack is in lock code
 * (diag_is_lock_function).
 */
struct diag_system {
	double throttled_s;
	double swap_pages_per_s;
	double scan_pages_per_s;
	double lock_cpu_frac;
};

/*
 * 1 when a frame's name is lock code: glibc's mutex, rwlock, spinlock and
 * semaphore paths and their futex calls (__lll_lock_wait, pthread_mutex_lock,
 * futex_wait, ...), user or kernel side. The second argument is unused (the
 * signature of profile_share_matching).
 */
int diag_is_lock_function(const char *name, void *unused);

/* m[DM_*] from the thread totals, the wall time in seconds and the system's figures. */
void diag_metrics(const struct thread_totals *t, double wall_s, const struct diag_system *sys,
		  double m[DM_NR]);

/* The first rule that holds for m, else &diag_default_rule. */
const struct diag_rule *diag_decide(const double m[DM_NR]);

/*
 * The on-CPU share from which the hot functions of the profile are shown
 * whatever the verdict: below it they describe a minority of the time.
 */
#define DIAG_HOT_ON_CPU_MIN 0.30

/*
 * Whether on-CPU time dominates enough for the hot functions to say what
 * limits the command: the verdict is cpu-bound or cpu-starved (it wants the
 * CPU) or lock-contention (the callers of the lock code name the lock), or
 * the on-CPU share is at least DIAG_HOT_ON_CPU_MIN.
 */
int diag_hot_shown(const struct diag_rule *rule, const double m[DM_NR]);

const char *diag_verdict_name(enum diag_verdict v);	/* "cpu-bound", "io-bound", ... */
const char *diag_metric_name(enum diag_metric m);	/* "on_cpu", "majflt_rate", ... */
const char *diag_metric_label(enum diag_metric m);	/* "on the CPU", "major faults/s", ... */
int diag_metric_is_share(enum diag_metric m);
const char *diag_op_text(enum diag_op op);		/* ">=", "<" */

#endif
