/*
 * libperfeng-locks.so: preloaded by `perfeng locks` into the program it
 * traces. It interposes pthread's mutexes (lock, trylock, timedlock,
 * unlock), read-write locks, spinlocks and condition waits:
 *
 * - every acquisition tries first; when the lock is free that is all (and
 *   the acquisition is counted, with the time it is held, in a per-thread
 *   table written at the thread's end): an uncontended lock costs a
 *   trylock, two clock reads and a table update;
 * - when it is taken, the wait is timed and counted, recorded with the
 *   waiter's stack (LOCK_EV_WAIT: all of a thread's first 64, then one in
 *   16), and the lock's waiter count is raised in a shared table while it
 *   waits;
 * - at the release of a lock that others are waiting for, the hold time is
 *   counted and recorded with the holder's stack (LOCK_EV_HOLD, sampled the
 *   same way): the code that holds the lock the others want;
 * - time in pthread_cond_wait is recorded apart (kind cond): waiting for a
 *   condition is not contention, but it is where the threads are.
 *
 * The buffers, the memory map and which processes record are
 * src/preload/stream.h's, as for the heap interposer. Not part of
 * libperfeng.a: built alone as a shared object.
 */
#include "preload/stream.h"

#define HELD_MAX 32		/* locks one thread holds at once that are timed */
#define STATS_MAX 256		/* distinct locks a thread's table counts */
#define WAITERS_SLOTS 4096	/* the shared table of waiter counts */

static int (*real_mutex_lock)(pthread_mutex_t *);
static int (*real_mutex_trylock)(pthread_mutex_t *);
static int (*real_mutex_timedlock)(pthread_mutex_t *, const struct timespec *);
static int (*real_mutex_unlock)(pthread_mutex_t *);
static int (*real_rdlock)(pthread_rwlock_t *);
static int (*real_tryrdlock)(pthread_rwlock_t *);
static int (*real_wrlock)(pthread_rwlock_t *);
static int (*real_trywrlock)(pthread_rwlock_t *);
static int (*real_rwunlock)(pthread_rwlock_t *);
static int (*real_spin_lock)(pthread_spinlock_t *);
static int (*real_spin_trylock)(pthread_spinlock_t *);
static int (*real_spin_unlock)(pthread_spinlock_t *);
static int (*real_cond_wait)(pthread_cond_t *, pthread_mutex_t *);
static int (*real_cond_timedwait)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);

/* How many threads wait for each lock now: open addressing, keys set once by CAS. */
static struct {
	atomic_uintptr_t lock;
	atomic_int waiters;
} waiters[WAITERS_SLOTS];

/* What one thread holds, and what it has counted. */
struct held {
	uintptr_t lock;
	uint64_t since;
	uint8_t kind;
};

struct lock_count {
	uintptr_t lock;
	uint32_t count, contended;
	uint8_t kind;
	uint64_t held_ns, wait_ns, max_wait_ns, held_waited_ns;
};

/*
 * Stacks are sampled, the counts are not: a contended acquisition costs a
 * stack walk (a microsecond or two through libgcc's unwinder), which under
 * heavy contention would become the program's hot path and change what is
 * measured. Each thread walks the stacks of its first STACKS_ALL events,
 * then of one in STACKS_EVERY; the times and counts of all are counted.
 */
#define STACKS_ALL 64
#define STACKS_EVERY 16
static __thread uint64_t stack_events;

static int stack_due(void)
{
	stack_events++;
	return stack_events <= STACKS_ALL || stack_events % STACKS_EVERY == 0;
}

static __thread struct held held[HELD_MAX];
static __thread int nheld;
static __thread struct lock_count stats[STATS_MAX];
static __thread int nstats;

static atomic_int *waiters_of(uintptr_t lock)
{
	size_t k = (size_t)((lock >> 4) * 0x9E3779B97F4A7C15ULL >> 52) & (WAITERS_SLOTS - 1);

	for (size_t probe = 0; probe < WAITERS_SLOTS; probe++, k = (k + 1) & (WAITERS_SLOTS - 1)) {
		uintptr_t cur = atomic_load_explicit(&waiters[k].lock, memory_order_acquire), zero = 0;

		if (cur == lock)
			return &waiters[k].waiters;
		if (!cur && (atomic_compare_exchange_strong(&waiters[k].lock, &zero, lock) || zero == lock))
			return &waiters[k].waiters;
	}
	return NULL;	/* the table is full: this lock's holders are not told apart */
}

/* The thread's counts out as LOCK_EV_STAT records, one per field (at its end, and at the process's). */
static void drain_stats(void)
{
	for (int i = 0; i < nstats; i++) {
		const uint64_t sizes[LOCK_STAT_NFIELDS] = { stats[i].held_ns, stats[i].wait_ns, stats[i].max_wait_ns,
							    stats[i].held_waited_ns };
		const uint32_t counts[LOCK_STAT_NFIELDS] = { stats[i].count, stats[i].contended, 0, 0 };

		for (int k = 0; k < LOCK_STAT_NFIELDS; k++) {
			struct heap_event e = { .type = LOCK_EV_STAT, .kind = stats[i].kind, .field = (uint8_t)k,
						.pid = my_pid, .tid = my_tid, .ts_ns = now_ns(), .ptr = stats[i].lock,
						.size = sizes[k], .count = counts[k] };

			put(&e, NULL, 0);
		}
	}
	nstats = 0;
}

/* The thread's count of lock, made when new; NULL when its table is full. */
static struct lock_count *count_of(uintptr_t lock, uint8_t kind)
{
	int i;

	for (i = 0; i < nstats && stats[i].lock != lock; i++)
		;
	if (i == nstats) {
		if (nstats == STATS_MAX)
			return NULL;
		stats[nstats++] = (struct lock_count){ .lock = lock, .kind = kind };
	}
	return &stats[i];
}

static void record(uint8_t type, uint8_t kind, uintptr_t lock, uint64_t ns);

/*
 * A contended acquisition that took ns: counted, and its stack when one is
 * due. Always inlined, as released() is: the stack walk skips SKIP_FRAMES,
 * the recorder and the interposed pthread function.
 */
static inline __attribute__((always_inline)) void waited(uint8_t kind, uintptr_t lock, uint64_t ns)
{
	struct lock_count *c = count_of(lock, kind);

	if (c) {
		c->contended++;
		c->wait_ns += ns;
		if (ns > c->max_wait_ns)
			c->max_wait_ns = ns;
	}
	if (stack_due())
		record(LOCK_EV_WAIT, kind, lock, ns);
}

__attribute__((noinline)) static void record(uint8_t type, uint8_t kind, uintptr_t lock, uint64_t ns)
{
	void *frames[HEAP_MAX_FRAMES + SKIP_FRAMES];
	struct heap_event e = { .type = type, .kind = kind };
	int n;

	in_hook++;
	n = backtrace(frames, HEAP_MAX_FRAMES + SKIP_FRAMES);
	n = n > SKIP_FRAMES ? n - SKIP_FRAMES : 0;
	thread_buf();
	e.pid = my_pid;
	e.tid = my_tid;
	e.ts_ns = now_ns();
	e.ptr = lock;
	e.size = ns;
	e.nframes = (uint8_t)n;
	put(&e, frames + SKIP_FRAMES, n);
	in_hook--;
}

static void acquired(uintptr_t lock, uint8_t kind)
{
	if (!tb)
		thread_buf();	/* the thread's counts are written with its buffer, at its end */
	if (nheld < HELD_MAX)
		held[nheld++] = (struct held){ lock, now_ns(), kind };
}

/* The release of lock: its hold counted; recorded with the stack when others wait for it. */
static inline __attribute__((always_inline)) void released(uintptr_t lock)
{
	uint64_t now = now_ns(), ns = 0;
	struct lock_count *c;
	atomic_int *w;
	uint8_t kind;
	int i;

	for (i = nheld - 1; i >= 0 && held[i].lock != lock; i--)
		;
	if (i < 0)
		return;	/* acquired before recording began, or beyond HELD_MAX */
	ns = now - held[i].since;
	kind = held[i].kind;
	held[i] = held[--nheld];
	c = count_of(lock, kind);
	if (c) {
		c->count++;
		c->held_ns += ns;
	}
	w = waiters_of(lock);
	if (w && atomic_load_explicit(w, memory_order_relaxed) > 0) {
		if (c)
			c->held_waited_ns += ns;
		if (stack_due())
			record(LOCK_EV_HOLD, kind, lock, ns);
	}
}

static inline int on(void)
{
	return ready() && enabled && !in_hook;
}

/* A contended acquisition: waiters raised while it waits, the wait recorded. */
#define CONTENDED(kind, lockp, call)						\
	do {									\
		uint64_t t0 = now_ns();						\
		atomic_int *w = waiters_of((uintptr_t)(lockp));			\
		int rc;								\
										\
		if (w)								\
			atomic_fetch_add(w, 1);					\
		rc = call;							\
		if (w)								\
			atomic_fetch_sub(w, 1);					\
		if (!rc) {							\
			waited(kind, (uintptr_t)(lockp), now_ns() - t0);	\
			acquired((uintptr_t)(lockp), kind);			\
		}								\
		return rc;							\
	} while (0)

EXPORT int pthread_mutex_lock(pthread_mutex_t *m)
{
	if (!on())
		return real_mutex_lock ? real_mutex_lock(m) : 0;
	if (real_mutex_trylock(m) == 0) {
		acquired((uintptr_t)m, LOCK_KIND_MUTEX);
		return 0;
	}
	CONTENDED(LOCK_KIND_MUTEX, m, real_mutex_lock(m));
}

EXPORT int pthread_mutex_trylock(pthread_mutex_t *m)
{
	int rc;

	if (!on())
		return real_mutex_trylock ? real_mutex_trylock(m) : 0;
	rc = real_mutex_trylock(m);
	if (!rc)
		acquired((uintptr_t)m, LOCK_KIND_MUTEX);
	return rc;
}

EXPORT int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *abstime)
{
	if (!on())
		return real_mutex_timedlock(m, abstime);
	if (real_mutex_trylock(m) == 0) {
		acquired((uintptr_t)m, LOCK_KIND_MUTEX);
		return 0;
	}
	CONTENDED(LOCK_KIND_MUTEX, m, real_mutex_timedlock(m, abstime));
}

EXPORT int pthread_mutex_unlock(pthread_mutex_t *m)
{
	if (on())
		released((uintptr_t)m);
	return real_mutex_unlock ? real_mutex_unlock(m) : 0;
}

EXPORT int pthread_rwlock_rdlock(pthread_rwlock_t *l)
{
	if (!on())
		return real_rdlock(l);
	if (real_tryrdlock(l) == 0) {
		acquired((uintptr_t)l, LOCK_KIND_RDLOCK);
		return 0;
	}
	CONTENDED(LOCK_KIND_RDLOCK, l, real_rdlock(l));
}

EXPORT int pthread_rwlock_wrlock(pthread_rwlock_t *l)
{
	if (!on())
		return real_wrlock(l);
	if (real_trywrlock(l) == 0) {
		acquired((uintptr_t)l, LOCK_KIND_WRLOCK);
		return 0;
	}
	CONTENDED(LOCK_KIND_WRLOCK, l, real_wrlock(l));
}

EXPORT int pthread_rwlock_tryrdlock(pthread_rwlock_t *l)
{
	int rc = real_tryrdlock(l);

	if (!rc && on())
		acquired((uintptr_t)l, LOCK_KIND_RDLOCK);
	return rc;
}

EXPORT int pthread_rwlock_trywrlock(pthread_rwlock_t *l)
{
	int rc = real_trywrlock(l);

	if (!rc && on())
		acquired((uintptr_t)l, LOCK_KIND_WRLOCK);
	return rc;
}

EXPORT int pthread_rwlock_unlock(pthread_rwlock_t *l)
{
	if (on())
		released((uintptr_t)l);
	return real_rwunlock(l);
}

EXPORT int pthread_spin_lock(pthread_spinlock_t *l)
{
	if (!on())
		return real_spin_lock(l);
	if (real_spin_trylock(l) == 0) {
		acquired((uintptr_t)l, LOCK_KIND_SPIN);
		return 0;
	}
	CONTENDED(LOCK_KIND_SPIN, l, real_spin_lock(l));
}

EXPORT int pthread_spin_trylock(pthread_spinlock_t *l)
{
	int rc = real_spin_trylock(l);

	if (!rc && on())
		acquired((uintptr_t)l, LOCK_KIND_SPIN);
	return rc;
}

EXPORT int pthread_spin_unlock(pthread_spinlock_t *l)
{
	if (on())
		released((uintptr_t)l);
	return real_spin_unlock(l);
}

/* The mutex is released and taken again inside: its hold ends here and starts again after. */
EXPORT int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	uint64_t t0;
	int rc;

	if (!on())
		return real_cond_wait(c, m);
	released((uintptr_t)m);
	t0 = now_ns();
	rc = real_cond_wait(c, m);
	waited(LOCK_KIND_COND, (uintptr_t)c, now_ns() - t0);
	acquired((uintptr_t)m, LOCK_KIND_MUTEX);
	return rc;
}

EXPORT int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *abstime)
{
	uint64_t t0;
	int rc;

	if (!on())
		return real_cond_timedwait(c, m, abstime);
	released((uintptr_t)m);
	t0 = now_ns();
	rc = real_cond_timedwait(c, m, abstime);
	waited(LOCK_KIND_COND, (uintptr_t)c, now_ns() - t0);
	acquired((uintptr_t)m, LOCK_KIND_MUTEX);
	return rc;
}

static void setup(void)
{
	int expected = 0;

	if (!atomic_compare_exchange_strong(&state, &expected, 1))
		return;
	real_mutex_lock = dlsym(RTLD_NEXT, "pthread_mutex_lock");
	real_mutex_trylock = dlsym(RTLD_NEXT, "pthread_mutex_trylock");
	real_mutex_timedlock = dlsym(RTLD_NEXT, "pthread_mutex_timedlock");
	real_mutex_unlock = dlsym(RTLD_NEXT, "pthread_mutex_unlock");
	real_rdlock = dlsym(RTLD_NEXT, "pthread_rwlock_rdlock");
	real_tryrdlock = dlsym(RTLD_NEXT, "pthread_rwlock_tryrdlock");
	real_wrlock = dlsym(RTLD_NEXT, "pthread_rwlock_wrlock");
	real_trywrlock = dlsym(RTLD_NEXT, "pthread_rwlock_trywrlock");
	real_rwunlock = dlsym(RTLD_NEXT, "pthread_rwlock_unlock");
	real_spin_lock = dlsym(RTLD_NEXT, "pthread_spin_lock");
	real_spin_trylock = dlsym(RTLD_NEXT, "pthread_spin_trylock");
	real_spin_unlock = dlsym(RTLD_NEXT, "pthread_spin_unlock");
	/* the default versions, as a program linked today gets them */
	real_cond_wait = dlvsym(RTLD_NEXT, "pthread_cond_wait", "GLIBC_2.3.2");
	real_cond_timedwait = dlvsym(RTLD_NEXT, "pthread_cond_timedwait", "GLIBC_2.3.2");
	if (!real_cond_wait)
		real_cond_wait = dlsym(RTLD_NEXT, "pthread_cond_wait");
	if (!real_cond_timedwait)
		real_cond_timedwait = dlsym(RTLD_NEXT, "pthread_cond_timedwait");
	stream_resolve();
	stream_start();
}

/*
 * At load, before main and any thread: a lock taken while another thread
 * is still setting up would go unrecorded (or, before dlsym has found the
 * real functions, untaken).
 */
__attribute__((constructor)) static void locks_init(void)
{
	ready();
}

/* Called by stream.h before a thread's buffer is written for the last time. */
static void stream_drain(struct tbuf *b)
{
	if (b == tb)
		drain_stats();
}
