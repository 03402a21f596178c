/*
 * The thread sampler (see threads.h). Each thread has a slot holding its
 * cached file descriptors and its counters at the previous sample; a tid
 * hash finds slots. A slot stays after its thread is gone (so a thread seen
 * again with the same start time is not counted twice) until the table is
 * compacted.
 */
#include "sys/threads.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/xalloc.h"

/* Threads whose files stay open; past it a thread's files are opened at each read. */
#define FD_CACHE_MAX 1024
/* Slots kept, dead ones included, before the dead are compacted away. */
#define SLOTS_COMPACT 4096

enum { TF_STAT = 0, TF_SCHED, TF_WCHAN, TF_CHILDREN, TF_NR };
static const char *const tf_names[TF_NR] = { "stat", "schedstat", "wchan", "children" };

struct slot {
	pid_t tid, pid;
	int fd[TF_NR];
	int alive, have_prev;
	uint64_t listed;	/* the generation that last listed it in its task dir */
	uint64_t last_ns;
	uint64_t run_ns, delay_ns, utime, stime, minflt, majflt, blkio, starttime;
	char state;
	enum wait_class last_off;	/* the class of its latest off-CPU sample */
	uint64_t life_ns, lock_ns;	/* thread-time counted, and in futex waits */
	int folded;		/* its parked time is in the totals */
};

/*
 * A thread that spent 99% of its counted time waiting on a futex was parked
 * (a pthread_join, an idle pool thread), not contending: a thread that takes
 * turns at a lock holds it part of the time, 1/N of it with N contenders, so
 * up to 100 contenders stay below the mark.
 */
static void slot_fold_parked(struct thread_totals *t, struct slot *sl)
{
	if (sl->folded || !sl->life_ns)
		return;
	sl->folded = 1;
	if ((double)sl->lock_ns >= 0.99 * (double)sl->life_ns)
		t->lock_parked_ns += sl->lock_ns;
}

struct proc {
	pid_t pid;
	DIR *dir;	/* /proc/PID/task, rewound at each sample */
};

struct tsampler {
	pid_t root;
	uint64_t start_ns, gen;
	uint64_t tick_ns;	/* one USER_HZ tick */
	struct slot *slots;
	size_t nslots, alloc;
	int *hash;		/* slot index + 1, 0 empty; size hmask + 1 */
	size_t hmask;
	struct proc *procs;
	size_t nprocs, palloc;
	size_t open_fds, fd_budget;
	int no_children_file;
	int delayacct;
	uint64_t u_ticks, s_ticks;	/* for the user/system split */
	struct thread_totals t;
	char buf[4096];
};

int tsampler_delayacct_enabled(void)
{
	char b[16];
	int fd = open("/proc/sys/kernel/task_delayacct", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, b, sizeof(b) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	return b[0] == '1';
}

struct tsampler *tsampler_new(pid_t root, uint64_t start_ns)
{
	struct tsampler *s = xcalloc(1, sizeof(*s));
	long hz = sysconf(_SC_CLK_TCK);

	s->root = root;
	s->start_ns = start_ns;
	s->tick_ns = NS_PER_SEC / (uint64_t)(hz > 0 ? hz : 100);
	s->hmask = 63;
	s->hash = xcalloc(s->hmask + 1, sizeof(*s->hash));
	s->delayacct = tsampler_delayacct_enabled() == 1;
	s->t.have_schedstat = 1;
	s->fd_budget = FD_CACHE_MAX * TF_NR;
	/*
	 * Cached files take at most half of the descriptors perfeng may open,
	 * after raising its soft limit to the hard one (the command has exec'd
	 * by now and keeps its own limit).
	 */
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		if (rl.rlim_cur < rl.rlim_max && rl.rlim_cur < 65536) {
			rl.rlim_cur = rl.rlim_max < 65536 ? rl.rlim_max : 65536;
			setrlimit(RLIMIT_NOFILE, &rl);
			getrlimit(RLIMIT_NOFILE, &rl);
		}
		if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur / 2 < s->fd_budget)
			s->fd_budget = rl.rlim_cur / 2;
	}
	return s;
}

static void slot_close(struct tsampler *s, struct slot *sl)
{
	for (int i = 0; i < TF_NR; i++)
		if (sl->fd[i] >= 0) {
			close(sl->fd[i]);
			sl->fd[i] = -1;
			s->open_fds--;
		}
	sl->alive = 0;
}

void tsampler_free(struct tsampler *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nslots; i++)
		slot_close(s, &s->slots[i]);
	for (size_t i = 0; i < s->nprocs; i++)
		if (s->procs[i].dir)
			closedir(s->procs[i].dir);
	free(s->slots);
	free(s->hash);
	free(s->procs);
	free(s);
}

const struct thread_totals *tsampler_totals(const struct tsampler *s)
{
	return &s->t;
}

static size_t hash_of(pid_t tid, size_t mask)
{
	return ((size_t)(unsigned)tid * 2654435761u) & mask;
}

static void hash_rebuild(struct tsampler *s, size_t mask)
{
	free(s->hash);
	s->hmask = mask;
	s->hash = xcalloc(mask + 1, sizeof(*s->hash));
	for (size_t i = 0; i < s->nslots; i++) {
		size_t h = hash_of(s->slots[i].tid, mask);

		while (s->hash[h])
			h = (h + 1) & mask;
		s->hash[h] = (int)i + 1;
	}
}

static struct slot *slot_find(struct tsampler *s, pid_t tid)
{
	for (size_t h = hash_of(tid, s->hmask); s->hash[h]; h = (h + 1) & s->hmask)
		if (s->slots[s->hash[h] - 1].tid == tid)
			return &s->slots[s->hash[h] - 1];
	return NULL;
}

/* Drops the slots of dead threads once there are many of them. */
static void slots_compact(struct tsampler *s)
{
	size_t k = 0;

	for (size_t i = 0; i < s->nslots; i++) {
		if (s->slots[i].alive)
			s->slots[k++] = s->slots[i];
		else
			slot_fold_parked(&s->t, &s->slots[i]);
	}
	s->nslots = k;
	hash_rebuild(s, s->hmask);
}

static struct slot *slot_add(struct tsampler *s, pid_t tid, pid_t pid)
{
	struct slot *sl;

	if (s->nslots == s->alloc && s->nslots >= SLOTS_COMPACT)
		slots_compact(s);
	if (s->nslots == s->alloc) {
		s->alloc = s->alloc ? 2 * s->alloc : 16;
		s->slots = xrealloc(s->slots, s->alloc * sizeof(*s->slots));
	}
	if (2 * (s->nslots + 1) > s->hmask + 1)
		hash_rebuild(s, 2 * s->hmask + 1);
	sl = &s->slots[s->nslots++];
	memset(sl, 0, sizeof(*sl));
	for (int i = 0; i < TF_NR; i++)
		sl->fd[i] = -1;
	sl->tid = tid;
	sl->pid = pid;
	size_t h = hash_of(tid, s->hmask);

	while (s->hash[h])
		h = (h + 1) & s->hmask;
	s->hash[h] = (int)s->nslots;
	return sl;
}

/*
 * Reads file `which` of a thread into s->buf, NUL-terminated; returns the
 * length or a negative errno (-ESRCH or -ENOENT: the thread is gone).
 */
static ssize_t slot_read(struct tsampler *s, struct slot *sl, int which)
{
	int fd = sl->fd[which], keep = 1;
	ssize_t n;

	if (fd < 0) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d/task/%d/%s", (int)sl->pid, (int)sl->tid,
			 tf_names[which]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		if (s->open_fds >= s->fd_budget) {
			keep = 0;
		} else {
			sl->fd[which] = fd;
			s->open_fds++;
		}
	}
	do
		n = pread(fd, s->buf, sizeof(s->buf) - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		n = -errno;
	if (!keep)
		close(fd);
	if (n >= 0)
		s->buf[n] = '\0';
	return n;
}

static struct proc *proc_find(struct tsampler *s, pid_t pid)
{
	for (size_t i = 0; i < s->nprocs; i++)
		if (s->procs[i].pid == pid)
			return &s->procs[i];
	return NULL;
}

static void proc_add(struct tsampler *s, pid_t pid)
{
	char path[48];
	DIR *d;

	if (pid <= 0 || proc_find(s, pid))
		return;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return;	/* gone already */
	if (s->nprocs == s->palloc) {
		s->palloc = s->palloc ? 2 * s->palloc : 8;
		s->procs = xrealloc(s->procs, s->palloc * sizeof(*s->procs));
	}
	s->procs[s->nprocs].pid = pid;
	s->procs[s->nprocs].dir = d;
	s->nprocs++;
	s->t.processes++;
}

/* Adds the processes listed in s->buf ("PID PID ...") as children to follow. */
static void children_add(struct tsampler *s)
{
	char *p = s->buf, *end;

	for (;;) {
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		proc_add(s, (pid_t)pid);
		p = end;
	}
}

/*
 * Without .../children: finds processes whose parent is one we follow by
 * reading every /proc/N/stat. Costs a read per process on the machine.
 */
static void children_scan(struct tsampler *s)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[64];
		struct task_stat ts;
		int fd;
		ssize_t n;

		if (e->d_name[0] < '1' || e->d_name[0] > '9' || proc_find(s, (pid_t)atoi(e->d_name)))
			continue;
		snprintf(path, sizeof(path), "/proc/%.20s/stat", e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, s->buf, sizeof(s->buf) - 1);
		close(fd);
		if (n > 0 && taskstat_parse_stat(s->buf, (size_t)n, &ts) == 0 && proc_find(s, ts.ppid))
			proc_add(s, ts.pid);
	}
	closedir(d);
}

static void wchan_count(struct thread_totals *t, const char *name)
{
	size_t i;

	if (!*name || !strcmp(name, "0"))
		name = "?";
	for (i = 0; i < t->nwchan; i++)
		if (!strncmp(t->wchan[i].name, name, sizeof(t->wchan[i].name) - 1))
			break;
	if (i == t->nwchan) {
		if (t->nwchan == TSAMPLER_TOP_WCHAN) {
			/* full: the least sampled gives way, as a space-saving top-k does */
			i = t->nwchan - 1;
		} else {
			t->nwchan++;
		}
		snprintf(t->wchan[i].name, sizeof(t->wchan[i].name), "%.*s", (int)sizeof(t->wchan[i].name) - 1, name);
	}
	t->wchan[i].samples++;
	/* keep the table sorted, most sampled first */
	while (i > 0 && t->wchan[i].samples > t->wchan[i - 1].samples) {
		typeof(t->wchan[0]) tmp = t->wchan[i];

		t->wchan[i] = t->wchan[i - 1];
		t->wchan[--i] = tmp;
	}
}

static uint64_t sub0(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;	/* a counter that went back (reset, reuse) adds nothing */
}

/*
 * Reads one listed thread and adds its interval. boot_off converts the
 * thread's start (ticks after boot) to the monotonic clock. Returns 0; -1
 * when the thread is gone; 1 when it could not be read this time (out of
 * file descriptors, say) and stays for the next sample.
 */
static int slot_sample(struct tsampler *s, struct slot *sl, uint64_t now, uint64_t boot_off)
{
	struct thread_totals *t = &s->t;
	struct task_stat st;
	uint64_t run = 0, delay = 0, dt, d_run, d_delay, off;
	enum wait_class cls;
	ssize_t n = slot_read(s, sl, TF_STAT);

	if (n == -ENOENT || n == -ESRCH || n == 0)
		return -1;
	if (n < 0 || taskstat_parse_stat(s->buf, (size_t)n, &st) < 0)
		return 1;
	if (st.state == 'Z' || st.state == 'X')
		return -1;	/* exited; what it used comes back through rusage */
	if (sl->have_prev && st.starttime != sl->starttime) {
		sl->have_prev = 0;	/* the tid was reused by a new thread */
		slot_fold_parked(t, sl);
		sl->life_ns = sl->lock_ns = 0;
		sl->folded = 0;
	}
	n = slot_read(s, sl, TF_SCHED);
	if (n > 0 && taskstat_parse_schedstat(s->buf, (size_t)n, &run, &delay) < 0)
		n = -1;
	if (n <= 0)
		t->have_schedstat = 0;

	if (sl->have_prev) {
		dt = sub0(now, sl->last_ns);
		d_run = sub0(run, sl->run_ns);
		d_delay = sub0(delay, sl->delay_ns);
		s->u_ticks += sub0(st.utime, sl->utime);
		s->s_ticks += sub0(st.stime, sl->stime);
		if (!t->have_schedstat)
			d_run = (sub0(st.utime, sl->utime) + sub0(st.stime, sl->stime)) * s->tick_ns;
		t->minflt += sub0(st.minflt, sl->minflt);
		t->majflt += sub0(st.majflt, sl->majflt);
	} else {
		/* a new thread: counted from its start, or from ours if it is older */
		uint64_t born = st.starttime * s->tick_ns;

		born = born > boot_off ? born - boot_off : 0;
		if (born < s->start_ns)
			born = s->start_ns;
		dt = sub0(now, born);
		d_run = t->have_schedstat ? run : (st.utime + st.stime) * s->tick_ns;
		d_delay = delay;
		s->u_ticks += st.utime;
		s->s_ticks += st.stime;
		t->minflt += st.minflt;
		t->majflt += st.majflt;
		sl->last_off = WAIT_OTHER;
		t->threads++;
	}
	if (dt < d_run + d_delay)
		dt = d_run + d_delay;
	off = dt - d_run - d_delay;

	/* the off-CPU class: now, else at the previous sample, else the latest seen */
	if (st.state != 'R') {
		char *nl;

		n = slot_read(s, sl, TF_WCHAN);
		if (n < 0)
			s->buf[0] = '\0';
		if ((nl = strchr(s->buf, '\n')))
			*nl = '\0';
		cls = taskstat_wait_class(st.state, s->buf);
		wchan_count(t, s->buf);
		sl->last_off = cls;
	} else {
		cls = sl->last_off;
	}
	if (s->delayacct && st.have_blkio) {
		uint64_t io = sl->have_prev ? sub0(st.blkio_ticks, sl->blkio) : st.blkio_ticks;

		io *= s->tick_ns;
		if (io > off)
			io = off;
		t->wait_ns[WAIT_IO] += io;
		off -= io;
		t->have_blkio = 1;
	}
	t->wait_ns[cls] += off;
	sl->life_ns += dt;
	if (cls == WAIT_LOCK)
		sl->lock_ns += off;
	t->runq_ns += d_delay;
	t->user_ns += d_run;	/* split into user and system by tsampler_finish */
	t->thread_ns += dt;
	t->state_samples[st.state == 'R' ? TSTATE_R : st.state == 'S' ? TSTATE_S :
			 st.state == 'D' ? TSTATE_D : TSTATE_OTHER]++;

	sl->last_ns = now;
	sl->run_ns = run;
	sl->delay_ns = delay;
	sl->utime = st.utime;
	sl->stime = st.stime;
	sl->minflt = st.minflt;
	sl->majflt = st.majflt;
	sl->blkio = st.blkio_ticks;
	sl->starttime = st.starttime;
	sl->state = st.state;
	sl->have_prev = 1;

	if (!s->no_children_file) {
		n = slot_read(s, sl, TF_CHILDREN);
		if (n == -ENOENT && sl->tid == s->root)
			s->no_children_file = 1;
		else if (n > 0)
			children_add(s);
	}
	return 0;
}

/* Lists the threads of process p, marking (and adding) their slots. Returns how many. */
static size_t proc_list(struct tsampler *s, struct proc *p)
{
	struct dirent *e;
	size_t n = 0;

	rewinddir(p->dir);
	while ((e = readdir(p->dir))) {
		pid_t tid = (pid_t)atoi(e->d_name);
		struct slot *sl;

		if (tid <= 0)
			continue;
		sl = slot_find(s, tid);
		if (!sl) {
			sl = slot_add(s, tid, p->pid);
		} else if (!sl->alive) {
			sl->pid = p->pid;	/* seen again: the start time tells whether it is the same */
		}
		sl->alive = 1;
		sl->listed = s->gen;
		n++;
	}
	return n;
}

void tsampler_sample(struct tsampler *s, uint64_t now_ns)
{
	struct timespec bt;
	uint64_t boot_off = 0, alive = 0;
	size_t k = 0;

	s->gen++;
	if (s->gen == 1)
		proc_add(s, s->root);
	if (s->no_children_file)
		children_scan(s);
	clock_gettime(CLOCK_BOOTTIME, &bt);
	boot_off = (uint64_t)bt.tv_sec * NS_PER_SEC + (uint64_t)bt.tv_nsec;
	boot_off = sub0(boot_off, clock_now_ns());
	/* processes whose task dir lists nothing any more are gone */
	for (size_t i = 0; i < s->nprocs; i++) {
		if (proc_list(s, &s->procs[i]) == 0) {
			closedir(s->procs[i].dir);
			continue;
		}
		s->procs[k++] = s->procs[i];
	}
	s->nprocs = k;
	/*
	 * Reading a thread's children may add processes: list and read those
	 * in this same sample (a short-lived child may be gone by the next),
	 * until no new one appears. Slots are added meanwhile: index them,
	 * never hold a pointer across a read.
	 */
	for (size_t first_slot = 0, first_proc = s->nprocs;;) {
		size_t nslots = s->nslots;

		for (size_t i = first_slot; i < nslots; i++) {
			struct slot *sl = &s->slots[i];

			if (!sl->alive || sl->listed == s->gen + 1)
				continue;
			int r = sl->listed == s->gen ? slot_sample(s, &s->slots[i], now_ns, boot_off) : -1;

			if (r < 0) {
				slot_close(s, &s->slots[i]);
				continue;
			}
			s->slots[i].listed = s->gen + 1;	/* read (or tried) in this sample */
			alive++;
		}
		if (s->nprocs == first_proc)
			break;
		first_slot = s->nslots;
		for (size_t i = first_proc; i < s->nprocs; i++)
			proc_list(s, &s->procs[i]);
		first_proc = s->nprocs;
	}
	s->gen++;	/* past the "read" mark: the next sample starts fresh */
	if (alive) {
		s->t.samples++;
		if (alive > s->t.max_threads)
			s->t.max_threads = (unsigned)alive;
	}
	s->t.children_by_scan = s->no_children_file;
}

void tsampler_finish(struct tsampler *s, uint64_t user_ns, uint64_t sys_ns, uint64_t minflt,
		     uint64_t majflt)
{
	struct thread_totals *t = &s->t;
	uint64_t cpu = t->user_ns, ticks = s->u_ticks + s->s_ticks;

	for (size_t i = 0; i < s->nslots; i++)
		slot_fold_parked(t, &s->slots[i]);
	/* the sampled on-CPU time, split by the tick counts; all user without any tick */
	t->sys_ns = ticks ? (uint64_t)((double)cpu * (double)s->s_ticks / (double)ticks) : 0;
	t->user_ns = cpu - t->sys_ns;
	if (user_ns + sys_ns > cpu) {
		uint64_t extra = user_ns + sys_ns - cpu;
		uint64_t xs = (uint64_t)((double)extra * (double)sys_ns / (double)(user_ns + sys_ns));

		t->unsampled_ns = extra;
		t->sys_ns += xs;
		t->user_ns += extra - xs;
		t->thread_ns += extra;
	}
	/* the command ran but no sample read a thread of it: it is the one thread */
	if (!t->threads && user_ns + sys_ns) {
		t->rusage_only = 1;
		t->threads = 1;
		t->max_threads = 1;
		t->processes = 1;
	}
	{
		/* the parts were added with the total; the total may never be less */
		uint64_t parts = t->user_ns + t->sys_ns + t->runq_ns;

		for (int w = 0; w < WAIT_NR; w++)
			parts += t->wait_ns[w];
		if (t->thread_ns < parts)
			t->thread_ns = parts;
	}
	if (minflt > t->minflt)
		t->minflt = minflt;
	if (majflt > t->majflt)
		t->majflt = majflt;
}
