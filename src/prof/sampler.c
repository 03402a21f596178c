/*
 * perf_event_open sampling as perf record does it: an event per (thread,
 * CPU) with inherit, so that threads and processes the target starts later
 * are sampled too, and every event of a CPU writing into that CPU's one
 * ring buffer (PERF_EVENT_IOC_SET_OUTPUT). A ring with cpu = -1 and inherit
 * is refused by the kernel, which is why the rings are per CPU. Each drain
 * merges the rings' records by time before session.c sees them, so that a
 * fork or an exec on one CPU is seen before the samples that follow it on
 * another. A command is sampled as perf_event_open allows any child to be,
 * whoever starts it: the events are opened on perfeng, disabled, the child
 * inherits them at its fork and the kernel enables them at its exec
 * (enable_on_exec), as runner/counters.c counts a benchmark's runs. The
 * command is started by runner/process.c, perfeng's one process starter,
 * as bench's and diagnose's are.
 */
#include "prof/sampler.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "prof/session.h"
#include "runner/process.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/xalloc.h"

#define POLL_MS 100
/* data pages per ring: 128 (512 KiB) is what an unprivileged user may lock per CPU by default */
#define RING_PAGES_MAX 128
#define RING_PAGES_MIN 8

struct ring {
	int fd;
	struct perf_event_mmap_page *meta;
	uint8_t *data;
	uint64_t size;		/* bytes of data, a power of two */
	size_t map_len;
};

struct rec_ref {
	uint64_t time;
	size_t off, len, seq;
};

struct sampler {
	const struct sampler_opts *o;
	int ncpu;
	struct ring *ring;	/* one per CPU */
	int *fds;
	size_t nfds, alloc_fds;
	struct perf_event_attr attr;	/* the sampled event */
	struct perf_event_attr cs_attr;	/* context switches, with --off-cpu */
	struct session sess;
	long page;
	int on_exec;		/* events on the calling thread, enabled at a child's exec */
	int anchor_fd;		/* see sampler_anchor */
	int exclude_kernel;
	uint64_t start_ns;
	/* one drain's records, copied out of the rings and sorted by time */
	uint8_t *buf;
	size_t buf_len, buf_alloc;
	struct rec_ref *refs;
	size_t nrefs, alloc_refs;
};

/* An integer sysctl, or -1 when it cannot be read. */
static long long sysctl_read(const char *path)
{
	char b[32] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, b, sizeof(b) - 1);
	close(fd);
	return n > 0 ? strtoll(b, NULL, 10) : -1;
}

int sampler_paranoid(void)
{
	long long v = sysctl_read("/proc/sys/kernel/perf_event_paranoid");

	return v == -1 && access("/proc/sys/kernel/perf_event_paranoid", R_OK) != 0 ? INT_MAX : (int)v;
}

static int event_open(struct perf_event_attr *a, pid_t pid, int cpu)
{
	return (int)syscall(SYS_perf_event_open, a, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

static void attr_common(struct perf_event_attr *a, const struct sampler_opts *o, int exclude_kernel,
			int on_exec)
{
	a->size = sizeof(*a);
	a->sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
			 PERF_SAMPLE_PERIOD | PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_REGS_USER |
			 PERF_SAMPLE_STACK_USER;
	/* bp, sp, ip: what the leaf-caller recovery and the CFI unwinder read */
	a->sample_regs_user = (1ULL << 6) | (1ULL << 7) | (1ULL << 8);
	a->sample_stack_user = o->stack_bytes;
	a->exclude_kernel = exclude_kernel;
	a->exclude_hv = 1;
	a->exclude_callchain_kernel = 1;
	a->inherit = 1;
	a->sample_id_all = 1;
	a->use_clockid = 1;
	a->clockid = CLOCK_MONOTONIC;
	a->disabled = 1;
	a->enable_on_exec = on_exec;
	a->watermark = 1;
}

static void sampler_attrs(struct sampler *s)
{
	const struct sampler_opts *o = s->o;
	struct perf_event_attr *a = &s->attr;

	memset(a, 0, sizeof(*a));
	attr_common(a, o, s->exclude_kernel, s->on_exec);
	if (o->event == SAMPLER_CYCLES) {
		a->type = PERF_TYPE_HARDWARE;
		a->config = PERF_COUNT_HW_CPU_CYCLES;
	} else {
		a->type = PERF_TYPE_SOFTWARE;
		a->config = PERF_COUNT_SW_CPU_CLOCK;
	}
	a->freq = 1;
	a->sample_freq = o->freq;
	/* the side band rides on the first event of each ring */
	a->mmap = 1;
	a->mmap2 = 1;
	a->comm = 1;
	a->comm_exec = 1;
	a->task = 1;
	memset(&s->cs_attr, 0, sizeof(s->cs_attr));
	attr_common(&s->cs_attr, o, s->exclude_kernel, s->on_exec);
	s->cs_attr.type = PERF_TYPE_SOFTWARE;
	s->cs_attr.config = PERF_COUNT_SW_CONTEXT_SWITCHES;
	s->cs_attr.sample_period = 1;
	s->cs_attr.context_switch = 1;
	if (o->offcpu) {	/* the only event then: it carries the side band */
		s->cs_attr.mmap = s->cs_attr.mmap2 = s->cs_attr.comm = 1;
		s->cs_attr.comm_exec = s->cs_attr.task = 1;
	}
}

/* What to say when perf_event_open fails with err. */
int sampler_open_error(const struct sampler_opts *o, int err, pid_t pid, int paranoid,
		       long long max_rate, unsigned nfds)
{
	if (err == EACCES || err == EPERM) {
		if (paranoid > 2)
			return pe_error("perf_event_open: permission denied (kernel.perf_event_paranoid=%d); "
					"set it to 2 or lower (sysctl -w kernel.perf_event_paranoid=2) or run as root",
					paranoid), -EACCES;
		if (pid == 0)	/* perfeng itself, for the child it starts: a seccomp filter, a LSM */
			return pe_error("perf_event_open: permission denied (kernel.perf_event_paranoid=%d), "
					"though it allows a user's own processes: a container's seccomp profile or "
					"a security module refuses it%s; run as root or give CAP_PERFMON", paranoid,
					o->offcpu ? " (--off-cpu needs kernel.perf_event_paranoid=1 or lower)" : ""),
			       -EACCES;
		return pe_error("perf_event_open on pid %d: permission denied (kernel.perf_event_paranoid=%d): "
				"an unprivileged user may profile only their own processes%s; run as root or "
				"give CAP_PERFMON", (int)pid, paranoid,
				o->offcpu ? ", and --off-cpu needs kernel.perf_event_paranoid=1 or lower" : ""),
		       -EACCES;
	}
	if (o->event == SAMPLER_CYCLES && (err == ENOENT || err == EOPNOTSUPP || err == ENODEV))
		return pe_error("event 'cycles' is not available: this machine has no hardware performance "
				"counters (a VM without a virtual PMU?); use -e cpu-clock"), -EOPNOTSUPP;
	if (err == ESRCH)
		return pe_error("no process with pid %d", (int)pid), -ESRCH;
	if (err == EINVAL && !o->offcpu && max_rate > 0 && o->freq > (uint64_t)max_rate)
		return pe_error("-F %llu is above kernel.perf_event_max_sample_rate=%lld; lower -F or raise "
				"the sysctl (as root)", (unsigned long long)o->freq, max_rate), -EINVAL;
	if (err == EMFILE || err == ENFILE)
		return pe_error("perf_event_open: too many open files (%u events so far); raise ulimit -n",
				nfds), -err;
	if (pid == 0)
		return pe_error("perf_event_open: %s", strerror(err)), -err;
	return pe_error("perf_event_open on pid %d: %s", (int)pid, strerror(err)), -err;
}

static int open_error(const struct sampler *s, int err, pid_t pid)
{
	return sampler_open_error(s->o, err, pid, sampler_paranoid(),
				  sysctl_read("/proc/sys/kernel/perf_event_max_sample_rate"), (unsigned)s->nfds);
}

static int ring_map(struct sampler *s, struct ring *r, int fd)
{
	for (size_t pages = RING_PAGES_MAX; pages >= RING_PAGES_MIN; pages /= 2) {
		size_t len = (pages + 1) * (size_t)s->page;
		void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

		if (p == MAP_FAILED) {
			if (errno == EPERM || errno == ENOMEM)
				continue;
			return pe_error("cannot map the perf ring buffer: %s", strerror(errno)), -errno;
		}
		r->fd = fd;
		r->meta = p;
		r->data = (uint8_t *)p + s->page;
		r->size = pages * (uint64_t)s->page;
		r->map_len = len;
		return 0;
	}
	return pe_error("cannot map a perf ring buffer of %d pages: over the locked-memory limit "
			"(kernel.perf_event_mlock_kb, ulimit -l)", RING_PAGES_MIN), -EPERM;
}

static void fds_add(struct sampler *s, int fd)
{
	if (s->nfds == s->alloc_fds) {
		s->alloc_fds = s->alloc_fds ? 2 * s->alloc_fds : 64;
		s->fds = xrealloc(s->fds, s->alloc_fds * sizeof(*s->fds));
	}
	s->fds[s->nfds++] = fd;
}

/* Returns 0, -errno of perf_event_open with *open_err set, or another error with pe_error() set. */
static int open_one(struct sampler *s, struct perf_event_attr *a, pid_t tid, int cpu, int *open_err)
{
	struct ring *r = &s->ring[cpu];
	int fd = event_open(a, tid, cpu), rc;

	if (fd < 0) {
		*open_err = errno;
		return -errno;
	}
	fds_add(s, fd);
	if (r->fd < 0) {
		/* the ring watermark: wake us when a quarter is full */
		rc = ring_map(s, r, fd);
		if (rc < 0)
			return rc;
	} else if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, r->fd) < 0) {
		return pe_error("perf: cannot share the ring buffer: %s", strerror(errno)), -errno;
	}
	if (a == &s->cs_attr && s->sess.ncs_id < SESSION_MAX_IDS) {
		uint64_t id;

		if (ioctl(fd, PERF_EVENT_IOC_ID, &id) == 0)
			s->sess.cs_id[s->sess.ncs_id++] = id;
	}
	return 0;
}

/* Opens the events of one thread (0: the calling one) on every CPU. */
static int open_thread(struct sampler *s, pid_t tid)
{
	for (int cpu = 0; cpu < s->ncpu; cpu++) {
		int open_err = 0;
		int rc = open_one(s, s->o->offcpu ? &s->cs_attr : &s->attr, tid, cpu, &open_err);

		if (rc == -ESRCH && !s->on_exec)
			return -ESRCH;	/* the thread ended meanwhile */
		if (rc < 0)
			return open_err ? open_error(s, open_err, tid) : rc;
	}
	return 0;
}

static int ref_cmp(const void *a, const void *b)
{
	const struct rec_ref *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Copies one ring's new records into s->buf, freeing their space in the ring. */
static void ring_collect(struct sampler *s, struct ring *r)
{
	uint64_t head = __atomic_load_n(&r->meta->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = r->meta->data_tail;

	while (tail < head) {
		struct perf_event_header h;
		uint64_t at = tail & (r->size - 1), first;

		/* a header never wraps: records are 8-byte aligned */
		memcpy(&h, r->data + at, sizeof(h));
		if (h.size < sizeof(h) || h.size > head - tail)
			break;
		if (s->buf_len + h.size > s->buf_alloc) {
			s->buf_alloc = (s->buf_alloc + h.size) * 2;
			s->buf = xrealloc(s->buf, s->buf_alloc);
		}
		first = r->size - at < h.size ? r->size - at : h.size;
		memcpy(s->buf + s->buf_len, r->data + at, first);
		memcpy(s->buf + s->buf_len + first, r->data, h.size - first);
		if (s->nrefs == s->alloc_refs) {
			s->alloc_refs = s->alloc_refs ? 2 * s->alloc_refs : 1024;
			s->refs = xrealloc(s->refs, s->alloc_refs * sizeof(*s->refs));
		}
		s->refs[s->nrefs] = (struct rec_ref){
			.time = session_record_time(&s->sess, s->buf + s->buf_len, h.size),
			.off = s->buf_len, .len = h.size, .seq = s->nrefs };
		s->nrefs++;
		s->buf_len += h.size;
		tail += h.size;
	}
	__atomic_store_n(&r->meta->data_tail, tail, __ATOMIC_RELEASE);
}

void sampler_drain(struct sampler *s)
{
	s->buf_len = 0;
	s->nrefs = 0;
	for (int cpu = 0; cpu < s->ncpu; cpu++)
		if (s->ring[cpu].fd >= 0)
			ring_collect(s, &s->ring[cpu]);
	qsort(s->refs, s->nrefs, sizeof(*s->refs), ref_cmp);
	for (size_t i = 0; i < s->nrefs; i++)
		session_record(&s->sess, s->buf + s->refs[i].off, s->refs[i].len);
}

/* Opens the events on every thread of a running process. */
static int attach(struct sampler *s, pid_t pid)
{
	char path[64];
	DIR *d;
	struct dirent *e;
	int opened = 0, rc = 0;

	if (kill(pid, 0) < 0 && errno == ESRCH)
		return pe_error("no process with pid %d", (int)pid), -ESRCH;
	if (kill(pid, 0) < 0 && errno == EPERM)
		return pe_error("pid %d belongs to another user: only root (or CAP_PERFMON with ptrace "
				"access) may profile it", (int)pid), -EACCES;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return pe_error("cannot read '%s': %s", path, strerror(errno)), -errno;
	while ((e = readdir(d))) {
		pid_t tid = (pid_t)atoi(e->d_name);

		if (tid <= 0)
			continue;
		rc = open_thread(s, tid);
		if (rc == -ESRCH)
			continue;
		if (rc < 0)
			break;
		opened++;
	}
	closedir(d);
	if (rc < 0 && rc != -ESRCH)
		return rc;
	if (!opened)
		return pe_error("no process with pid %d", (int)pid), -ESRCH;
	session_attach_proc(&s->sess, pid);	/* the maps before the first sample */
	return 0;
}

/* Whether the attached process has ended (it is not our child to wait for). */
static int target_gone(struct sampler *s, pid_t pid)
{
	char path[64], buf[256];
	struct proc_maps *pm = maps_find(&s->sess.maps, pid);
	ssize_t n;
	int fd;

	if (kill(pid, 0) < 0 && errno == ESRCH)
		return 1;
	if (pm && pm->exited)
		return 1;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		char *rp;

		buf[n] = '\0';
		rp = strrchr(buf, ')');
		return rp && rp[1] == ' ' && (rp[2] == 'Z' || rp[2] == 'X');
	}
	return 0;
}

static void enable_all(struct sampler *s, int on)
{
	for (size_t i = 0; i < s->nfds; i++)
		ioctl(s->fds[i], on ? PERF_EVENT_IOC_ENABLE : PERF_EVENT_IOC_DISABLE, 0);
}

static void sampler_release(struct sampler *s)
{
	for (int cpu = 0; cpu < s->ncpu; cpu++)
		if (s->ring[cpu].meta)
			munmap(s->ring[cpu].meta, s->ring[cpu].map_len);
	for (size_t i = 0; i < s->nfds; i++)
		close(s->fds[i]);
	if (s->anchor_fd >= 0)
		close(s->anchor_fd);
	free(s->fds);
	free(s->ring);
	free(s->buf);
	free(s->refs);
	session_release(&s->sess);
}

/* Polls the rings until the attached process ends, the duration passes or *stop is set. */
static void sampler_loop(struct sampler *s, pid_t target, struct sampler_result *r)
{
	const struct sampler_opts *o = s->o;
	uint64_t start = clock_now_ns();
	struct pollfd *pfd = xcalloc((size_t)s->ncpu, sizeof(*pfd));
	nfds_t np = 0;

	for (int cpu = 0; cpu < s->ncpu; cpu++)
		if (s->ring[cpu].fd >= 0)
			pfd[np++] = (struct pollfd){ .fd = s->ring[cpu].fd, .events = POLLIN };
	for (;;) {
		uint64_t now = clock_now_ns();
		int timeout = POLL_MS;

		if (o->stop && *o->stop) {
			r->interrupted = 1;
			break;
		}
		if (o->duration_ns && now - start >= o->duration_ns) {
			r->timed_out = 1;
			break;
		}
		if (o->duration_ns && (o->duration_ns - (now - start)) / NS_PER_MS < POLL_MS)
			timeout = (int)((o->duration_ns - (now - start)) / NS_PER_MS) + 1;
		poll(pfd, np, timeout);
		sampler_drain(s);
		if (target_gone(s, target))
			break;
	}
	free(pfd);
}

/*
 * Were every event on us inherited, the kernel would mark the child's event
 * context a clone of ours and could swap the two at a context switch (a
 * vfork parent sleeps while its child runs, often on the same CPU): the
 * child's exec would then enable our own events, and from the next child on
 * nothing would be sampled. One event that is not inherited keeps the
 * contexts apart, as runner/counters.c does; disabled, it counts nothing.
 */
static int sampler_anchor(struct sampler *s)
{
	const struct perf_event_attr *ev = s->o->offcpu ? &s->cs_attr : &s->attr;
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = ev->type;	/* the same PMU: kernels before 6.2 keep a context per PMU */
	a.config = ev->config;
	a.disabled = 1;
	a.exclude_kernel = ev->exclude_kernel;
	a.exclude_hv = 1;
	s->anchor_fd = event_open(&a, 0, -1);
	return s->anchor_fd < 0 ? open_error(s, errno, 0) : 0;
}

int sampler_new(const struct sampler_opts *o, struct profile *p, struct sampler **out)
{
	struct sampler *s = xcalloc(1, sizeof(*s));
	struct session_opts so = { 0 };
	int rc;

	*out = NULL;
	s->o = o;
	s->on_exec = o->pid <= 0;
	s->anchor_fd = -1;
	s->exclude_kernel = sampler_paranoid() >= 2 && geteuid() != 0;
	s->page = sysconf(_SC_PAGESIZE);
	s->ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (s->ncpu < 1)
		s->ncpu = 1;
	s->ring = xcalloc((size_t)s->ncpu, sizeof(*s->ring));
	for (int cpu = 0; cpu < s->ncpu; cpu++)
		s->ring[cpu].fd = -1;
	sampler_attrs(s);
	so.sample_type = s->attr.sample_type;
	so.nregs = 3;
	so.dwarf = o->dwarf;
	so.offcpu = o->offcpu;
	so.offcpu_nostack = o->offcpu && s->exclude_kernel;
	so.debug_dir = o->debug_dir;
	so.inline_frames = o->inline_frames;
	so.lines = o->lines;
	so.jit_dir = o->jit_dir;
	session_init(&s->sess, p, &so);
	p->event = o->offcpu ? "off-cpu" : o->event == SAMPLER_CYCLES ? "cycles" : "cpu-clock";
	p->unit = o->offcpu ? "nanoseconds" : "samples";
	p->period_ns = o->offcpu || !o->freq ? 0 : NS_PER_SEC / o->freq;

	if (s->on_exec) {
		rc = open_thread(s, 0);
		if (!rc)
			rc = sampler_anchor(s);
	} else {
		rc = attach(s, o->pid);
		if (!rc)
			enable_all(s, 1);
	}
	if (rc < 0) {
		sampler_free(s);
		return rc;
	}
	s->start_ns = clock_now_ns();
	*out = s;
	return 0;
}

void sampler_finish(struct sampler *s, struct sampler_result *r)
{
	enable_all(s, 0);
	sampler_drain(s);
	session_finish(&s->sess, clock_now_ns());
	r->samples = s->sess.samples;
	r->lost = s->sess.lost;
	r->elapsed_ns = clock_now_ns() - s->start_ns;
	r->exclude_kernel = s->exclude_kernel;
	r->offcpu_nostack = s->sess.offcpu_nostack;
	r->nfds = (unsigned)s->nfds;
}

void sampler_free(struct sampler *s)
{
	if (!s)
		return;
	sampler_release(s);
	free(s);
}

/* Each tick of the command's run: the rings drained, so that none fills. */
static void sampler__tick(void *arg, pid_t pid, uint64_t now)
{
	(void)pid;
	(void)now;
	sampler_drain(arg);
}

/*
 * Runs the command with the runner (runner/process.c, the one process
 * starter: its own process group, stdin and the terminal inherited, the
 * duration as its timeout, Ctrl-C through stop_signal); it inherits the
 * events sampler_new opened on us, enabled by its exec.
 */
static int sampler__command(struct sampler *s, struct sampler_result *r)
{
	const struct sampler_opts *o = s->o;
	struct run_spec spec = { .argv = o->argv, .stdin_fd = STDIN_FILENO, .output = RUN_OUT_INHERIT,
				 .timeout_ns = o->duration_ns, .tick = sampler__tick, .tick_arg = s,
				 .tick_ns = POLL_MS * NS_PER_MS };
	struct run_result *res = xcalloc(1, sizeof(*res));
	int rc = runner_run(&spec, res);

	if (rc == 0) {
		sampler_drain(s);
		r->exited = res->status == RUN_EXITED || res->status == RUN_SIGNALED;
		r->exit_code = res->status == RUN_EXITED ? res->exit_code : 128 + res->signal;
		r->term_signal = res->status == RUN_SIGNALED ? res->signal : 0;
		r->timed_out = res->status == RUN_TIMED_OUT;
		r->interrupted = res->status == RUN_INTERRUPTED;
	}
	free(res);
	return rc;
}

int sampler_run(const struct sampler_opts *o, struct profile *p, struct sampler_result *r)
{
	struct sampler *s;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = sampler_new(o, p, &s);
	if (rc < 0)
		return rc;
	if (o->argv)
		rc = sampler__command(s, r);
	else
		sampler_loop(s, o->pid, r);
	if (rc == 0)
		sampler_finish(s, r);
	sampler_free(s);
	return rc;
}
