/*
 * The machinery the interposers share (libperfeng-heap.so, src/preload/
 * heap.c; libperfeng-locks.so, src/preload/locks.c): per-thread buffers of
 * fixed-size records (src/preload/heap_events.h) written whole to the file
 * named by $PERFENG_TRACE_OUT with O_APPEND, so that threads and processes
 * never interleave inside a record; the memory map appended at exit,
 * _exit, exec and a fatal signal left at its default action (the signal
 * then raised again), for perfeng to symbolize the stacks after the process
 * is gone; recording in the process perfeng started (a child of the pid in
 * $PERFENG_TRACE_PARENT, and the programs it execs) and, with
 * $PERFENG_TRACE_FOLLOW=1, its children.
 *
 * Included once by each interposer's source (its functions are static in
 * that .so), which defines setup(): resolve what it interposes, call
 * stream_resolve(), then stream_start().
 */
#ifndef PE_PRELOAD_STREAM_H
#define PE_PRELOAD_STREAM_H

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

static void setup(void);
/* Each interposer's: what it keeps per thread, put into b before b is written for the last time. */
static void stream_drain(struct tbuf *b);

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
	stream_drain(b);
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
	if (tb)
		stream_drain(tb);
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

/* The functions the machinery itself needs, unwrapped. */
static void stream_resolve(void)
{
	real_mmap = dlsym(RTLD_NEXT, "mmap");
	real_munmap = dlsym(RTLD_NEXT, "munmap");
	real_exit = (void (*)(int))dlsym(RTLD_NEXT, "_exit");
}

/* Whether this process records, the file, the hooks on threads, fork, exit and signals; then ready. */
static void stream_start(void)
{
	const char *out = getenv("PERFENG_TRACE_OUT"), *pid = getenv("PERFENG_TRACE_PARENT");
	void *warm[4];

	my_pid = (uint32_t)getpid();
	follow = getenv("PERFENG_TRACE_FOLLOW") && !strcmp(getenv("PERFENG_TRACE_FOLLOW"), "1");
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

#endif
