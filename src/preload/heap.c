/*
 * libperfeng-heap.so: preloaded by `perfeng heap` into the program it
 * traces. It interposes malloc's family (malloc, calloc, realloc, free,
 * posix_memalign, aligned_alloc, memalign, valloc, pvalloc), C++'s operator
 * new and delete (every form, by their mangled names) and anonymous
 * mmap/munmap, and records each allocation with its call stack and each
 * free into per-thread buffers, written whole to the file perfeng names.
 * Everything else (pairing frees with allocations, peaks, leaks, symbols)
 * is done by perfeng after the program ends: the cost in the program is a
 * stack walk and a copy.
 *
 * Stacks come from glibc's backtrace(), which unwinds by the .eh_frame
 * call-frame information that every x86-64 object carries, so frames of
 * libraries built without frame pointers (glibc itself, most of Debian)
 * are walked through; frame pointers alone would stop there. The buffers,
 * the memory map and when a process records are src/preload/stream.h's.
 *
 * Not part of libperfeng.a: built alone as a shared object.
 */
#include "preload/stream.h"

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_memalign)(size_t, size_t);
static void *(*real_valloc)(size_t);
static void *(*real_pvalloc)(size_t);

/* While dlsym looks the real functions up, it may allocate: from here. */
static char boot[64 * 1024] __attribute__((aligned(16)));
static size_t boot_used;

static void *boot_alloc(size_t n)
{
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (boot_used + n > sizeof(boot))
		return NULL;
	p = boot + boot_used;
	boot_used += n;
	return p;
}

static int is_boot(const void *p)
{
	return (const char *)p >= boot && (const char *)p < boot + sizeof(boot);
}

static void stream_drain(struct tbuf *b)
{
	(void)b;	/* the heap keeps nothing per thread but its buffer */
}

static void setup(void)
{
	int expected = 0;

	if (!atomic_compare_exchange_strong(&state, &expected, 1))
		return;
	real_malloc = dlsym(RTLD_NEXT, "malloc");
	real_calloc = dlsym(RTLD_NEXT, "calloc");
	real_realloc = dlsym(RTLD_NEXT, "realloc");
	real_free = dlsym(RTLD_NEXT, "free");
	real_posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
	real_aligned_alloc = dlsym(RTLD_NEXT, "aligned_alloc");
	real_memalign = dlsym(RTLD_NEXT, "memalign");
	real_valloc = dlsym(RTLD_NEXT, "valloc");
	real_pvalloc = dlsym(RTLD_NEXT, "pvalloc");
	stream_resolve();
	stream_start();
}

__attribute__((noinline)) static void record_alloc(int kind, void *p, size_t size)
{
	void *frames[HEAP_MAX_FRAMES + SKIP_FRAMES];
	struct heap_event e = { .type = HEAP_EV_ALLOC, .kind = (uint8_t)kind };
	int n;

	if (!enabled || in_hook || !p)
		return;
	in_hook++;
	n = backtrace(frames, HEAP_MAX_FRAMES + SKIP_FRAMES);
	n = n > SKIP_FRAMES ? n - SKIP_FRAMES : 0;
	thread_buf();
	e.pid = my_pid;
	e.tid = my_tid;
	e.ts_ns = now_ns();
	e.ptr = (uint64_t)(uintptr_t)p;
	e.size = size;
	e.nframes = (uint8_t)n;
	put(&e, frames + SKIP_FRAMES, n);
	in_hook--;
}

__attribute__((noinline)) static void record_free(int kind, void *p)
{
	struct heap_event e = { .type = HEAP_EV_FREE, .kind = (uint8_t)kind };

	if (!enabled || in_hook || !p)
		return;
	in_hook++;
	thread_buf();
	e.pid = my_pid;
	e.tid = my_tid;
	e.ts_ns = now_ns();
	e.ptr = (uint64_t)(uintptr_t)p;
	put(&e, NULL, 0);
	in_hook--;
}

EXPORT void *malloc(size_t n)
{
	void *p;

	if (!ready())
		return boot_alloc(n);
	p = real_malloc(n);
	record_alloc(HEAP_KIND_MALLOC, p, n);
	return p;
}

EXPORT void *calloc(size_t k, size_t n)
{
	void *p;

	if (!ready()) {
		p = (k && n > SIZE_MAX / k) ? NULL : boot_alloc(k * n);
		return p;	/* the boot arena is zeroed static memory */
	}
	p = real_calloc(k, n);
	record_alloc(HEAP_KIND_MALLOC, p, k * n);
	return p;
}

EXPORT void *realloc(void *old, size_t n)
{
	void *p;

	if (!ready() || is_boot(old)) {
		p = ready() ? real_malloc(n) : boot_alloc(n);
		if (p && old)
			memcpy(p, old, n);	/* the boot arena is large enough to read n from */
		return p;
	}
	p = real_realloc(old, n);
	if (old && (p || !n))
		record_free(HEAP_KIND_MALLOC, old);
	record_alloc(HEAP_KIND_MALLOC, p, n);
	return p;
}

EXPORT void free(void *p)
{
	if (!p || is_boot(p))
		return;
	if (!ready())
		return;
	record_free(HEAP_KIND_MALLOC, p);
	real_free(p);
}

EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
	int rc;

	if (!ready())
		return ENOMEM;
	rc = real_posix_memalign(out, align, n);
	if (!rc)
		record_alloc(HEAP_KIND_MALLOC, *out, n);
	return rc;
}

#define ALIGNED(name, real, ...)						\
	EXPORT void *name(size_t align, size_t n)				\
	{									\
		void *p;							\
										\
		if (!ready())							\
			return NULL;						\
		p = real(align, n);						\
		record_alloc(HEAP_KIND_MALLOC, p, n);				\
		return p;							\
	}
ALIGNED(aligned_alloc, real_aligned_alloc)
ALIGNED(memalign, real_memalign)

EXPORT void *valloc(size_t n)
{
	void *p;

	if (!ready())
		return NULL;
	p = real_valloc(n);
	record_alloc(HEAP_KIND_MALLOC, p, n);
	return p;
}

EXPORT void *pvalloc(size_t n)
{
	void *p;

	if (!ready())
		return NULL;
	p = real_pvalloc(n);
	record_alloc(HEAP_KIND_MALLOC, p, n);
	return p;
}

EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void *p;

	if (!ready())
		return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
	p = real_mmap(addr, len, prot, flags, fd, off);
	if (p != MAP_FAILED && (flags & MAP_ANONYMOUS))
		record_alloc(HEAP_KIND_MMAP, p, len);
	return p;
}

EXPORT int munmap(void *addr, size_t len)
{
	if (!ready())
		return (int)syscall(SYS_munmap, addr, len);
	record_free(HEAP_KIND_MMAP, addr);
	return real_munmap(addr, len);
}

/*
 * C++'s operator new and delete: the next definition (libstdc++'s, which
 * throws std::bad_alloc or calls the new-handler) does the work, with
 * recording off so that its own malloc is not counted twice; the event is
 * recorded here, as kind new.
 */
#define NEW(mangled, ...)							\
	EXPORT void *mangled(__VA_ARGS__);					\
	typedef void *(*mangled##_fn)(__VA_ARGS__);
#define NEW_BODY(mangled, call)							\
	{									\
		static mangled##_fn next;					\
		void *p;							\
										\
		if (!ready())							\
			return NULL;						\
		if (!next)							\
			next = (mangled##_fn)dlsym(RTLD_NEXT, #mangled);	\
		in_hook++;							\
		p = call;							\
		in_hook--;							\
		record_alloc(HEAP_KIND_NEW, p, n);				\
		return p;							\
	}
NEW(_Znwm, size_t n)
EXPORT void *_Znwm(size_t n) NEW_BODY(_Znwm, next(n))
NEW(_Znam, size_t n)
EXPORT void *_Znam(size_t n) NEW_BODY(_Znam, next(n))
NEW(_ZnwmRKSt9nothrow_t, size_t n, const void *t)
EXPORT void *_ZnwmRKSt9nothrow_t(size_t n, const void *t) NEW_BODY(_ZnwmRKSt9nothrow_t, next(n, t))
NEW(_ZnamRKSt9nothrow_t, size_t n, const void *t)
EXPORT void *_ZnamRKSt9nothrow_t(size_t n, const void *t) NEW_BODY(_ZnamRKSt9nothrow_t, next(n, t))
NEW(_ZnwmSt11align_val_t, size_t n, size_t a)
EXPORT void *_ZnwmSt11align_val_t(size_t n, size_t a) NEW_BODY(_ZnwmSt11align_val_t, next(n, a))
NEW(_ZnamSt11align_val_t, size_t n, size_t a)
EXPORT void *_ZnamSt11align_val_t(size_t n, size_t a) NEW_BODY(_ZnamSt11align_val_t, next(n, a))
NEW(_ZnwmSt11align_val_tRKSt9nothrow_t, size_t n, size_t a, const void *t)
EXPORT void *_ZnwmSt11align_val_tRKSt9nothrow_t(size_t n, size_t a, const void *t)
	NEW_BODY(_ZnwmSt11align_val_tRKSt9nothrow_t, next(n, a, t))
NEW(_ZnamSt11align_val_tRKSt9nothrow_t, size_t n, size_t a, const void *t)
EXPORT void *_ZnamSt11align_val_tRKSt9nothrow_t(size_t n, size_t a, const void *t)
	NEW_BODY(_ZnamSt11align_val_tRKSt9nothrow_t, next(n, a, t))

#define DELETE(mangled, ...)							\
	typedef void (*mangled##_fn)(void *, ##__VA_ARGS__);			\
	EXPORT void mangled(void *p, ##__VA_ARGS__)
#define DELETE_BODY(mangled, call)						\
	{									\
		static mangled##_fn next;					\
										\
		if (!p)								\
			return;							\
		if (!ready())							\
			return;							\
		if (!next)							\
			next = (mangled##_fn)dlsym(RTLD_NEXT, #mangled);	\
		record_free(HEAP_KIND_NEW, p);					\
		in_hook++;							\
		call;								\
		in_hook--;							\
	}
DELETE(_ZdlPv) DELETE_BODY(_ZdlPv, next(p))
DELETE(_ZdaPv) DELETE_BODY(_ZdaPv, next(p))
DELETE(_ZdlPvm, size_t s) DELETE_BODY(_ZdlPvm, next(p, s))
DELETE(_ZdaPvm, size_t s) DELETE_BODY(_ZdaPvm, next(p, s))
DELETE(_ZdlPvRKSt9nothrow_t, const void *t) DELETE_BODY(_ZdlPvRKSt9nothrow_t, next(p, t))
DELETE(_ZdaPvRKSt9nothrow_t, const void *t) DELETE_BODY(_ZdaPvRKSt9nothrow_t, next(p, t))
DELETE(_ZdlPvSt11align_val_t, size_t a) DELETE_BODY(_ZdlPvSt11align_val_t, next(p, a))
DELETE(_ZdaPvSt11align_val_t, size_t a) DELETE_BODY(_ZdaPvSt11align_val_t, next(p, a))
DELETE(_ZdlPvmSt11align_val_t, size_t s, size_t a) DELETE_BODY(_ZdlPvmSt11align_val_t, next(p, s, a))
DELETE(_ZdaPvmSt11align_val_t, size_t s, size_t a) DELETE_BODY(_ZdaPvmSt11align_val_t, next(p, s, a))

