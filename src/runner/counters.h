/*
 * perf_event_open counters on a child process: the software events every
 * kernel has, and the hardware events where the machine exposes a PMU (many
 * VMs do not). What is unsupported is recorded with the reason, so it can be
 * shown as n/a, never as zero.
 */
#ifndef PE_COUNTERS_H
#define PE_COUNTERS_H

#include <stdint.h>
#include <sys/types.h>

enum counter_id {
	CTR_TASK_CLOCK = 0,	/* ns of CPU */
	CTR_PAGE_FAULTS,
	CTR_CONTEXT_SWITCHES,
	CTR_CPU_MIGRATIONS,
	CTR_CYCLES,
	CTR_INSTRUCTIONS,
	CTR_BRANCH_MISSES,
	CTR_CACHE_MISSES,
	CTR_NR
};

/* The raw (value, time enabled, time running) of each open counter. */
struct counters_snap {
	uint64_t v[CTR_NR][3];
	int ok[CTR_NR];
};

struct counters {
	int enabled;			/* 0 after counters_init with none usable */
	int supported[CTR_NR];		/* set by counters_probe */
	char why[CTR_NR][96];		/* reason when unsupported: "not supported", "permission denied (...)" */
	int exclude_kernel;		/* user-space only, as perf_event_paranoid >= 2 requires */
	int fd[CTR_NR];			/* open on this process (inherited by children), or -1 */
	int opened;			/* counters_open has run */
	int anchor_fd;			/* a non-inherited event that keeps contexts unshared; see counters_open */
	uint64_t value[CTR_NR];		/* after counters_read, scaled for multiplexing */
	int valid[CTR_NR];		/* value[] holds a count */
	/*
	 * The snapshot after the last counted run and the runner's spawn count
	 * then: when no other child ran since, it is the next run's "before"
	 * and saves a read per counter per run.
	 */
	struct counters_snap last;
	uint64_t last_spawn;
	int have_last;
};

/* perf's name of the event: "task-clock", "cycles", ... */
const char *counter_name(enum counter_id id);

/*
 * Finds which counters this machine and this user can open (by opening each
 * on the calling process once). Never fails: unsupported counters are marked
 * with the reason. Sets c->enabled when any is supported.
 */
void counters_probe(struct counters *c);

/*
 * Opens every supported counter on the calling process, disabled for it but
 * inherited by each child it starts from now on, and enabled in that child
 * at its exec (enable_on_exec): a child's counts, and its descendants', are
 * folded into these counters when it exits. Opened once per benchmark, so a
 * run costs a read per counter instead of an open and a close (perf_event
 * teardown is tens of microseconds a counter). Returns 0, or a negative
 * errno with pe_error() set. Idempotent.
 */
int counters_open(struct counters *c);


void counters_snapshot(const struct counters *c, struct counters_snap *s);

/*
 * value[]/valid[] from the difference of two snapshots, taken before a
 * child started and after it was reaped, scaled where the counter was
 * multiplexed. A counter that never ran in between is invalid, not zero.
 */
void counters_delta(struct counters *c, const struct counters_snap *before,
		    const struct counters_snap *after);

/* Closes the counters opened by counters_open. */
void counters_close(struct counters *c);

#endif
