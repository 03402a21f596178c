/*
 * What `perfeng locks` makes of the events libperfeng-locks.so wrote
 * (src/preload/locks.c, read by src/prof/trace.c): per lock, how often it
 * was taken and how often that meant waiting, the time waited (in all and
 * the longest), the time held (in all, and while others waited), and two
 * profiles by stack: where threads waited for it (wait time) and the code
 * that held it while they did (hold time). Condition waits are kept apart:
 * waiting for a condition is not contention.
 */
#ifndef PE_PROF_LOCKS_H
#define PE_PROF_LOCKS_H

#include <stddef.h>
#include <stdint.h>

#include "prof/profile.h"

struct lock_info {
	uint64_t addr;
	uint32_t pid;
	int kind;			/* enum lock_kind of src/preload/heap_events.h */
	uint64_t acquisitions;		/* all, contended or not */
	uint64_t contended, wait_ns, max_wait_ns;
	uint64_t hold_ns;		/* held in all */
	uint64_t hold_waited_ns;	/* held while others waited */
	/* by pointer: a profile's nodes point at its root, so it never moves */
	struct profile *waiters;	/* where it was waited for: nanoseconds of the sampled waits */
	struct profile *holders;	/* the code holding it while others waited: nanoseconds, sampled */
};

struct locks_result {
	struct lock_info *locks;	/* contended ones first, by wait time; then the rest */
	size_t n;
	struct lock_info *conds;	/* condition variables waited on, by wait time */
	size_t nconds;
	uint64_t acquisitions, contended, wait_ns;
	struct profile wait;		/* every lock's waits by stack, for -o */
	size_t processes, images_without_maps;
	uint64_t lost;
};

/* Reads the event file at path into r. Returns 0, or -1 with pe_error(). */
int locks_analyze(const char *path, const char *debug_dir, struct locks_result *r);
void locks_release(struct locks_result *r);

const char *lock_kind_name(int kind);	/* "mutex", "rwlock (read)", "rwlock", "spinlock", "condition" */

#endif
