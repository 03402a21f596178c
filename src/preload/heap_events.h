/*
 * The event stream between perfeng's interposers (src/preload/heap.c and
 * locks.c, inside the traced program) and perfeng (src/prof/trace.c, read
 * by heap.c and locks.c): fixed-size records appended to one file, each
 * thread's in whole buffers, so a record is never split. Native byte
 * order: writer and reader are on one machine.
 */
#ifndef PE_PRELOAD_HEAP_EVENTS_H
#define PE_PRELOAD_HEAP_EVENTS_H

#include <stdint.h>

#define HEAP_MAGIC 0x5045484541503031ULL	/* "PEHEAP01" */
#define HEAP_MAX_FRAMES 64

enum heap_event_type {
	HEAP_EV_ALLOC = 1,	/* ptr of size bytes, from the stack that follows */
	HEAP_EV_FREE = 2,	/* ptr (an allocation, or not one of ours: ignored) */
	HEAP_EV_MAPS = 3,	/* size bytes of /proc/self/maps text follow (padded to 8) */
	HEAP_EV_START = 4,	/* a process starts recording: magic in ptr */
	HEAP_EV_LOST = 5,	/* size events could not be written (a full disk, a failed write) */
	LOCK_EV_WAIT = 6,	/* a contended acquisition of lock ptr: size ns waited, the waiter's stack */
	LOCK_EV_HOLD = 7,	/* lock ptr released after size ns held while others waited: the holder's stack */
	LOCK_EV_STAT = 8,	/* a thread's counts of lock ptr, one record per field (enum lock_stat_field) */
	HEAP_EV_LAST = LOCK_EV_STAT,
};

/* The fields of a thread's LOCK_EV_STAT records: what size and count hold. */
enum lock_stat_field {
	LOCK_STAT_HELD = 0,		/* count: acquisitions; size: ns held in all */
	LOCK_STAT_WAITED = 1,		/* count: contended acquisitions; size: ns waited in all */
	LOCK_STAT_MAX_WAIT = 2,		/* size: the longest wait, ns */
	LOCK_STAT_HELD_WAITED = 3,	/* size: ns held while others waited */
	LOCK_STAT_NFIELDS
};

/* What was locked: the kind of a lock record. */
enum lock_kind {
	LOCK_KIND_MUTEX = 0,
	LOCK_KIND_RDLOCK = 1,	/* pthread_rwlock_rdlock */
	LOCK_KIND_WRLOCK = 2,	/* pthread_rwlock_wrlock */
	LOCK_KIND_SPIN = 3,
	LOCK_KIND_COND = 4,	/* time in pthread_cond_wait: waiting for a condition, not contention */
};

/* How memory was asked for: malloc's family, C++'s operator new, or anonymous mmap. */
enum heap_kind {
	HEAP_KIND_MALLOC = 0,
	HEAP_KIND_NEW = 1,
	HEAP_KIND_MMAP = 2,
};

struct heap_event {
	uint8_t type;
	uint8_t kind;
	uint8_t nframes;	/* return addresses after the record (ALLOC) */
	uint8_t field;		/* LOCK_EV_STAT: which count (enum lock_stat_field) */
	uint32_t pid;
	uint32_t tid;
	uint32_t count;		/* LOCK_EV_STAT: acquisitions */
	uint64_t ts_ns;		/* CLOCK_MONOTONIC */
	uint64_t ptr;
	uint64_t size;
};

#endif
