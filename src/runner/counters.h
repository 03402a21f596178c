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

struct counters {
	int enabled;			/* 0 after counters_init with none usable */
	int supported[CTR_NR];		/* set by counters_probe */
	char why[CTR_NR][96];		/* reason when unsupported: "not supported", "permission denied (...)" */
	int exclude_kernel;		/* user-space only, as perf_event_paranoid >= 2 requires */
	int fd[CTR_NR];			/* open on the current child, or -1 */
	uint64_t value[CTR_NR];		/* after counters_read, scaled for multiplexing */
	int valid[CTR_NR];		/* value[] holds a count */
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
 * Opens every supported counter on pid, counting from its next exec
 * (enable_on_exec) and including the children it starts (inherit). Returns
 * 0, or a negative errno with pe_error() set.
 */
int counters_open(struct counters *c, pid_t pid);

/* Reads and closes the counters opened by counters_open into value[]/valid[]. */
void counters_read_close(struct counters *c);

#endif
