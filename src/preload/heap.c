/*
 * libperfeng-heap.so: preloaded by `perfeng heap` into the program it
 * traces. It interposes malloc's family (malloc, calloc, realloc, free,
 * posix_memalign, aligned_alloc, memalign, valloc, pvalloc), C++'s operator
 * new and delete (every form, by their mangled names) and anonymous
 * mmap/munmap, and records each allocation with its call stack and each
 * free into per-thread buffers, written whole to the file named by
 * $PERFENG_HEAP_OUT (opened O_APPEND, so buffers from different threads and
 * processes never interleave inside a record). Everything else (pairing
 * frees with allocations, peaks, leaks, symbols) is done by perfeng after
 * the program ends: the cost in the program is a stack walk and a copy.
 *
 * Stacks come from glibc's backtrace(), which unwinds by the .eh_frame
 * call-frame information that every x86-64 object carries, so frames of
 * libraries built without frame pointers (glibc itself, most of Debian)
 * are walked through; frame pointers alone would stop there.
 *
 * The program's memory map (/proc/self/maps) is appended at exit, _exit,
 * exec and a fatal signal left at its default action, for perfeng to
 * symbolize the stacks after the process is gone.
 * Recording stays on in the process perfeng started (a child of the pid in
 * $PERFENG_HEAP_PARENT, and the programs it execs); in its own children
 * only with $PERFENG_HEAP_FOLLOW=1.
 *
 * Not part of libperfeng.a: built alone as a shared object.
 */
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "preload/heap_events.h"

#define EXPORT __attribute__((visibility("default")))
#define BUF_SIZE (256 * 1024)
#define SKIP_FRAMES 2	/* the recorder and the interposed function */

struct tbuf {
	struct tbuf *next;
	size_t len;
	uint64_t events;	/* records in data, for the lost count when a write fails */
	char data[BUF_SIZE];
};

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_memalign)(size_t, size_t);
static void *(*real_valloc)(size_t);
static void *(*real_pvalloc)(size_t);
static void *(*real_mmap)(void *, size_t, int, int, int, off_t);
static int (*real_munmap)(void *, size_t);
static void (*real_exit)(int);

static atomic_int state;	/* 0 not set up, 1 setting up, 2 ready */
static int enabled, out_fd = -1, follow;
static uint32_t my_pid;
static atomic_ulong lost;
static pthread_key_t key;
static atomic_flag reg_lock = ATOMIC_FLAG_INIT;
static struct tbuf *registry;

static __thread int in_hook;
static __thread struct tbuf *tb;
static __thread uint32_t my_tid;

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

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void write_all(const void *p, size_t n, uint64_t events)
{
	const char *c = p;

	while (n) {
		ssize_t w = write(out_fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			atomic_fetch_add(&lost, events);
			return;
		}
		c += w;
		n -= (size_t)w;
	}
}

static void flush(struct tbuf *b)
{
	if (b && b->len) {
		write_all(b->data, b->len, b->events);
		b->len = 0;
		b->events = 0;
	}
}

static void lock_registry(void)
{
	while (atomic_flag_test_and_set_explicit(&reg_lock, memory_order_acquire))
		;
}

static void unlock_registry(void)
{
	atomic_flag_clear_explicit(&reg_lock, memory_order_release);
}

/* At a thread's end: its buffer out, and back to the system. */
static void thread_done(void *arg)
{
	struct tbuf *b = arg, **pp;

	in_hook++;
	flush(b);
	lock_registry();
	for (pp = &registry; *pp; pp = &(*pp)->next)
		if (*pp == b) {
			*pp = b->next;
			break;
		}
	unlock_registry();
	tb = NULL;
	real_munmap(b, sizeof(*b));
	in_hook--;
}

static struct tbuf *thread_buf(void)
{
	struct tbuf *b;

	if (tb)
		return tb;
	b = real_mmap(NULL, sizeof(*b), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b == MAP_FAILED)
		return NULL;
	b->len = 0;
	b->events = 0;
	lock_registry();
	b->next = registry;
	registry = b;
	unlock_registry();
	tb = b;
	my_tid = (uint32_t)syscall(SYS_gettid);
	pthread_setspecific(key, b);
	return b;
}

static void put(const struct heap_event *e, void *const *frames, int n)
{
	struct tbuf *b = thread_buf();
	size_t need = sizeof(*e) + (size_t)n * sizeof(uint64_t);

	if (!b) {
		atomic_fetch_add(&lost, 1);
		return;
	}
	if (b->len + need > sizeof(b->data))
		flush(b);
	memcpy(b->data + b->len, e, sizeof(*e));
	for (int i = 0; i < n; i++) {
		uint64_t a = (uint64_t)(uintptr_t)frames[i];

		memcpy(b->data + b->len + sizeof(*e) + (size_t)i * 8, &a, 8);
	}
	b->len += need;
	b->events++;
}

/* The direct write of a record that is not buffered (start, maps, lost). */
static void put_direct(uint8_t type, uint64_t ptr, const char *text, size_t len)
{
	struct heap_event e = { .type = type, .pid = my_pid, .tid = (uint32_t)syscall(SYS_gettid),
				.ts_ns = now_ns(), .ptr = ptr, .size = len };
	char pad[8] = { 0 };

	write_all(&e, sizeof(e), 1);
	if (text) {
		write_all(text, len, 0);
		write_all(pad, (8 - len % 8) % 8, 0);
	}
}

/* Every thread's buffer, then the memory map: at exit, _exit and exec. */
static void finish(void)
{
	char *maps;
	size_t len = 0, cap = 1 << 20;
	int fd;
	ssize_t n;

	if (!enabled || out_fd < 0)
		return;
	in_hook++;
	lock_registry();
	for (struct tbuf *b = registry; b; b = b->next)
		flush(b);
	unlock_registry();
	if (atomic_load(&lost)) {
		struct heap_event e = { .type = HEAP_EV_LOST, .pid = my_pid, .ts_ns = now_ns(), .size = atomic_load(&lost) };

		write_all(&e, sizeof(e), 0);
		atomic_store(&lost, 0);
	}
	maps = real_mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (maps != MAP_FAILED && fd >= 0) {
		while (len < cap && (n = read(fd, maps + len, cap - len)) > 0)
			len += (size_t)n;
		put_direct(HEAP_EV_MAPS, 0, maps, len);
	}
	if (fd >= 0)
		close(fd);
	if (maps != MAP_FAILED)
		real_munmap(maps, cap);
	in_hook--;
}

/*
 * A fatal signal the program leaves at its default action (it has not set
 * a handler when the interposer starts): the buffers and the map are
 * written, then the signal is raised again with its default action, so the
 * program ends as it would have. SIGKILL cannot be caught: perfeng says
 * what that costs.
 */
static const int fatal_signals[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL };

static void on_fatal(int sig)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };

	if (!atomic_flag_test_and_set(&reg_lock)) {	/* not while a thread holds the registry */
		atomic_flag_clear(&reg_lock);
		finish();
	}
	sigemptyset(&dfl.sa_mask);
	sigaction(sig, &dfl, NULL);
	raise(sig);
}

static void catch_fatal(void)
{
	for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++) {
		struct sigaction old, sa = { .sa_handler = on_fatal, .sa_flags = SA_RESETHAND | SA_NODEFER };

		sigemptyset(&sa.sa_mask);
		if (sigaction(fatal_signals[i], NULL, &old) == 0 && old.sa_handler == SIG_DFL &&
		    !(old.sa_flags & SA_SIGINFO))
			sigaction(fatal_signals[i], &sa, NULL);
	}
}

static void after_fork_child(void)
{
	my_pid = (uint32_t)getpid();
	/* the buffers are the parent's copy: its events, which the parent writes */
	registry = NULL;
	if (tb) {
		tb->len = 0;
		tb->events = 0;
		tb->next = NULL;
		registry = tb;
		my_tid = (uint32_t)syscall(SYS_gettid);
	}
	atomic_flag_clear(&reg_lock);
	if (!follow)
		enabled = 0;
	else
		put_direct(HEAP_EV_START, HEAP_MAGIC, NULL, 0);
}

static void setup(void)
{
	int expected = 0;
	const char *out, *pid;
	void *warm[4];

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
	real_mmap = dlsym(RTLD_NEXT, "mmap");
	real_munmap = dlsym(RTLD_NEXT, "munmap");
	real_exit = (void (*)(int))dlsym(RTLD_NEXT, "_exit");
	my_pid = (uint32_t)getpid();
	out = getenv("PERFENG_HEAP_OUT");
	pid = getenv("PERFENG_HEAP_PARENT");
	follow = getenv("PERFENG_HEAP_FOLLOW") && !strcmp(getenv("PERFENG_HEAP_FOLLOW"), "1");
	/* the command perfeng started is perfeng's child; exec keeps that, a fork does not */
	if (out && *out && (follow || (pid && (pid_t)strtol(pid, NULL, 10) == getppid()))) {
		out_fd = open(out, O_WRONLY | O_APPEND | O_CLOEXEC);
		enabled = out_fd >= 0;
	}
	pthread_key_create(&key, thread_done);
	pthread_atfork(NULL, NULL, after_fork_child);
	in_hook++;
	backtrace(warm, 4);	/* its first call loads the unwinder, which allocates */
	in_hook--;
	atomic_store(&state, 2);
	if (enabled) {
		put_direct(HEAP_EV_START, HEAP_MAGIC, NULL, 0);
		atexit(finish);
		catch_fatal();
	}
}

static inline int ready(void)
{
	if (__builtin_expect(atomic_load_explicit(&state, memory_order_acquire) == 2, 1))
		return 1;
	setup();
	return atomic_load(&state) == 2;
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

/* _exit skips atexit: write what is buffered first. exec replaces the image: the same. */
EXPORT void _exit(int code)
{
	if (ready())
		finish();
	real_exit(code);
	__builtin_unreachable();
}

EXPORT void _Exit(int code)
{
	_exit(code);
}

#define EXEC(name, ...)								\
	EXPORT int name(__VA_ARGS__)						\
	{									\
		typedef int (*fn)(__VA_ARGS__);					\
		static fn next;							\
										\
		if (ready())							\
			finish();						\
		if (!next)							\
			next = (fn)dlsym(RTLD_NEXT, #name);
EXEC(execve, const char *path, char *const argv[], char *const envp[])
	return next(path, argv, envp);
}
EXEC(execv, const char *path, char *const argv[])
	return next(path, argv);
}
EXEC(execvp, const char *file, char *const argv[])
	return next(file, argv);
}
EXEC(execvpe, const char *file, char *const argv[], char *const envp[])
	return next(file, argv, envp);
}
