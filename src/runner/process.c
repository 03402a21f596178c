/*
 * runner_run: vfork, a CLOEXEC pipe to learn whether
 * exec worked, a pidfd to wait on while the child's stderr (and stdout, for
 * RUN_OUT_PIPE) is drained, and wait4 for the child's own rusage. Timeouts
 * and interrupts kill the child's whole process group and reap what of it
 * became ours.
 *
 * vfork because fork copies perfeng's page tables for every run and the COW
 * faults that follow cost the parent and the child (about 170 us a run of
 * `true` here, a fifth of it).
 *
 * The child's max RSS: exec records the peak RSS of the memory it leaves,
 * after vfork perfeng's own, as the child's maximum, so wait4's ru_maxrss is
 * max(that, the command's own peak). Before each spawn perfeng resets its
 * peak to its current resident set (clear_refs "5", Linux 4.0) and reads
 * it: that small floor, not perfeng's lifetime peak, is what the kernel
 * folds in, and a figure above it is the command's own (see rss_floor_kb).
 *
 * Counters are opened once on perfeng itself and inherited by each child,
 * enabled at its exec (counters_open); runner_run reads them just before the
 * child starts and just after it is reaped, and on return their value[] and
 * valid[] hold this run's counts. Hooks run between runs fold their counts
 * in outside that window, so they never count.
 */
#include "runner/process.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runner/counters.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/stop.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/*
 * A signal meant for this process may be handled on another thread, whose
 * handler sets stop_signal without waking our poll: look at the flag at
 * least this often.
 */
#define WAIT_MAX_NS (250 * NS_PER_MS)
/* Without pidfd_open (Linux < 5.3) the wait polls wait4, backing off to this. */
#define FALLBACK_MAX_NS (10 * NS_PER_MS)
/*
 * The kernel counts RSS in per-CPU batches and reads it approximately, so
 * the floor it folds in may differ from the one read just before by a few
 * pages per CPU: a figure must pass the floor by this much to be the
 * command's own.
 */
#define RSS_SLACK_KB 512	/* a batch of 128 pages: the kernel's for up to 64 CPUs */
/* How long a killed group may take to die before we stop reaping it. */
#define GROUP_REAP_NS (2 * NS_PER_SEC)

enum { CHILD_SETUP = 1, CHILD_EXEC };

/* What the child writes to the report pipe when it cannot exec. */
struct child_report {
	int stage;
	int err;
};

/* The parent's view of one run; every fd is -1 when not open. */
struct spawn {
	int report[2];	/* EOF at a successful exec, else a child_report */
	int err[2];	/* the child's stderr */
	int out[2];	/* the child's stdout for RUN_OUT_PIPE */
	int pidfd;
	pid_t pid;
};

/*
 * Signals that shells and tools set to SIG_IGN and that exec would pass on
 * ignored; the measured command gets the default behaviour, as it would from
 * a shell. Caught signals (perfeng's SIGINT handler) are reset by exec itself.
 */
static const int child_default_signals[] = {
	SIGINT, SIGQUIT, SIGTERM, SIGPIPE, SIGCHLD, SIGXFSZ,
};

static void fd_close(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

/*
 * A CLOEXEC pipe whose ends are never 0, 1 or 2, so that the child's dup2
 * onto its standard fds cannot overwrite one of them (perfeng may have been
 * started with a standard fd closed).
 */
static int pipe_open(int p[2])
{
	if (pipe2(p, O_CLOEXEC) < 0) {
		p[0] = p[1] = -1;
		return -errno;
	}
	for (int i = 0; i < 2; i++) {
		if (p[i] > 2)
			continue;
		int fd = fcntl(p[i], F_DUPFD_CLOEXEC, 3);
		int e = errno;

		close(p[i]);
		p[i] = fd;
		if (fd < 0) {
			fd_close(&p[0]);
			fd_close(&p[1]);
			return -e;
		}
	}
	return 0;
}

static void spawn_init(struct spawn *sp)
{
	sp->report[0] = sp->report[1] = -1;
	sp->err[0] = sp->err[1] = -1;
	sp->out[0] = sp->out[1] = -1;
	sp->pidfd = -1;
	sp->pid = -1;
}

static void spawn_release(struct spawn *sp)
{
	for (int i = 0; i < 2; i++) {
		fd_close(&sp->report[i]);
		fd_close(&sp->err[i]);
		fd_close(&sp->out[i]);
	}
	fd_close(&sp->pidfd);
}

static ssize_t read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return got ? (ssize_t)got : -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static void __attribute__((noreturn)) child_fail(const struct spawn *sp, int stage, int err)
{
	struct child_report rep = { stage, err };
	ssize_t r;

	do
		r = write(sp->report[1], &rep, sizeof(rep));
	while (r < 0 && errno == EINTR);
	_exit(127);
}

/*
 * Whether NAME is a file in some directory of PATH, as execvp looks it up.
 * execvp says EACCES when a PATH directory cannot be searched (/root/bin for
 * another user) even when no such command exists anywhere; that is "command
 * not found" to a user. Runs in the child: no allocation.
 */
static int child_in_path(const char *name)
{
	const char *path = getenv("PATH");
	char buf[4096];
	size_t len = strlen(name);

	if (!path)
		path = "/bin:/usr/bin";
	for (const char *p = path;; p++) {
		const char *end = strchrnul(p, ':');
		size_t dlen = (size_t)(end - p);

		if (dlen + len + 2 <= sizeof(buf)) {
			memcpy(buf, p, dlen);
			buf[dlen] = '/';
			memcpy(buf + dlen + 1, name, len + 1);
			if (access(dlen ? buf : name, F_OK) == 0)
				return 1;
		}
		if (!*end)
			return 0;
		p = end;
	}
}

/*
 * The child between fork and exec: no allocation and no locks, since the
 * parent may have other threads, and after vfork it shares our memory.
 * Reports a failure through sp->report[1] and exits 127. Never returns.
 */
static void __attribute__((noreturn)) child_exec(const struct run_spec *spec, const struct spawn *sp)
{
	int src[3] = { spec->stdin_fd, -1, sp->err[1] };
	int null_fd = -1, err;
	struct sigaction sa;
	sigset_t none;

	if (setpgid(0, 0) < 0)
		child_fail(sp, CHILD_SETUP, errno);

	switch (spec->output) {
	case RUN_OUT_NULL:
		src[1] = -2;
		break;
	case RUN_OUT_PIPE:
		src[1] = sp->out[1];
		break;
	case RUN_OUT_FD:
		src[1] = spec->stdout_fd;
		break;
	case RUN_OUT_INHERIT:
		src[2] = -1;
		break;
	}
	if (src[0] < 0 || src[1] == -2) {
		null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null_fd < 0)
			child_fail(sp, CHILD_SETUP, errno);
		if (src[0] < 0)
			src[0] = null_fd;
		if (src[1] == -2)
			src[1] = null_fd;
	}
	/* Move sources out of 0..2 first so no dup2 below overwrites one. */
	for (int i = 0; i < 3; i++) {
		if (src[i] < 0 || src[i] > 2 || src[i] == i)
			continue;
		int fd = fcntl(src[i], F_DUPFD_CLOEXEC, 3);

		if (fd < 0)
			child_fail(sp, CHILD_SETUP, errno);
		for (int j = i + 1; j < 3; j++)
			if (src[j] == src[i])
				src[j] = fd;
		src[i] = fd;
	}
	for (int i = 0; i < 3; i++) {
		if (src[i] < 0)
			continue;
		if (src[i] == i ? fcntl(i, F_SETFD, 0) < 0 : dup2(src[i], i) < 0)
			child_fail(sp, CHILD_SETUP, errno);
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (size_t i = 0; i < sizeof(child_default_signals) / sizeof(child_default_signals[0]); i++)
		sigaction(child_default_signals[i], &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	execvp(spec->argv[0], spec->argv);
	err = errno;
	if (err == EACCES && !strchr(spec->argv[0], '/') && !child_in_path(spec->argv[0]))
		err = ENOENT;
	child_fail(sp, CHILD_EXEC, err);
}

/*
 * Starts the child with vfork. A vfork child borrows our memory until it execs, so no signal handler of
 * ours may run in it: all signals stay blocked until the child has reset the
 * dispositions it cares about and sets its own mask. Returns the pid or a
 * negative errno.
 */
static pid_t spawn_start(const struct run_spec *spec, const struct spawn *sp)
{
	sigset_t all, old;
	pid_t pid;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid = vfork();
	if (pid == 0)
		child_exec(spec, sp);
	if (pid < 0)
		pid = -errno;
	/* No setpgid here: the child has done it, and exec'd or died, by now. */
	sigprocmask(SIG_SETMASK, &old, NULL);
	return pid;
}

static pid_t reap(pid_t pid, int *status, struct rusage *ru)
{
	pid_t r;

	do
		r = wait4(pid, status, 0, ru);
	while (r < 0 && errno == EINTR);
	return r;
}

/*
 * Kills the child's group and reaps the leader into *status and *ru. While
 * the group dies this process is a child subreaper, so the leader's
 * descendants in the group are reparented to us rather than to init, and we
 * reap them too: when this returns nothing of the group is left, not even a
 * zombie (an init that does not reap would leave them forever).
 */
static void group_kill_reap(pid_t pid, int *status, struct rusage *ru)
{
	int was_subreaper = 0;
	uint64_t deadline = clock_now_ns() + GROUP_REAP_NS;

	prctl(PR_GET_CHILD_SUBREAPER, &was_subreaper, 0, 0, 0);
	if (!was_subreaper)
		prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	kill(-pid, SIGKILL);
	reap(pid, status, ru);
	for (;;) {
		pid_t r = waitpid(-pid, NULL, WNOHANG);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;	/* ECHILD: none of the group is ours any more */
		if (r > 0)
			continue;
		if (clock_now_ns() >= deadline)
			break;	/* stuck in the kernel; leave it to init */
		kill(-pid, SIGKILL);	/* a fork racing the first kill */
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	}
	if (!was_subreaper)
		prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
}

/* Keeps the last RUN_ERR_TAIL bytes the child wrote to stderr. */
static void tail_add(struct run_result *res, const char *buf, size_t n)
{
	if (n >= RUN_ERR_TAIL) {
		memcpy(res->err_tail, buf + n - RUN_ERR_TAIL, RUN_ERR_TAIL);
		res->err_len = RUN_ERR_TAIL;
		return;
	}
	if (res->err_len + n > RUN_ERR_TAIL) {
		size_t drop = res->err_len + n - RUN_ERR_TAIL;

		memmove(res->err_tail, res->err_tail + drop, res->err_len - drop);
		res->err_len -= drop;
	}
	memcpy(res->err_tail + res->err_len, buf, n);
	res->err_len += n;
}

/*
 * One read from a ready pipe: stderr into the tail, stdout discarded. Closes
 * the pipe (and stops polling it) at EOF or error.
 */
static void pipe_drain_once(struct pollfd *p, int *fd, int is_err, struct run_result *res)
{
	char buf[16384];
	ssize_t n = read(*fd, buf, sizeof(buf));

	if (n > 0) {
		if (is_err)
			tail_add(res, buf, (size_t)n);
		return;
	}
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	fd_close(fd);
	p->fd = -1;
}

/*
 * After the leader is gone: takes what is already in the pipes without
 * waiting for EOF, which a grandchild holding the pipe could delay forever,
 * and without following one that keeps writing (a bounded number of reads).
 */
static void pipes_drain_rest(struct spawn *sp, struct run_result *res)
{
	struct pollfd p[2] = { { sp->err[0], POLLIN, 0 }, { sp->out[0], POLLIN, 0 } };

	for (int reads = 0; reads < 64 && (p[0].fd >= 0 || p[1].fd >= 0); reads++) {
		int r = poll(p, 2, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (p[0].revents)
			pipe_drain_once(&p[0], &sp->err[0], 1, res);
		if (p[1].revents)
			pipe_drain_once(&p[1], &sp->out[0], 0, res);
	}
}

/*
 * Waits for the child to end, the deadline to pass or stop_signal to be
 * set, draining the pipes meanwhile, and reaps the leader into *status and
 * *ru; *end is the time of the reap. SIGINT and SIGTERM stay blocked except
 * inside ppoll, so an interrupt cannot slip in between the look at the flag
 * and the wait. Returns the run's status or a negative errno.
 */
static int spawn_wait(struct spawn *sp, const struct run_spec *spec, uint64_t deadline,
		      struct run_result *res, int *status, struct rusage *ru, uint64_t *end)
{
	uint64_t next_tick = 0;
	struct pollfd p[3] = {
		{ sp->err[0], POLLIN, 0 },
		{ sp->out[0], POLLIN, 0 },
		{ sp->pidfd, POLLIN, 0 },
	};
	uint64_t backoff = 20 * NS_PER_US;
	sigset_t block, old;
	int st = RUN_EXITED;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	for (;;) {
		uint64_t wait_ns = WAIT_MAX_NS;
		struct timespec ts;
		int r;

		if (stop_signal) {
			st = RUN_INTERRUPTED;
			break;
		}
		if (deadline) {
			uint64_t now = clock_now_ns();

			if (now >= deadline) {
				st = RUN_TIMED_OUT;
				break;
			}
			if (deadline - now < wait_ns)
				wait_ns = deadline - now;
		}
		if (spec->tick && spec->tick_ns) {
			uint64_t now = clock_now_ns();

			if (now >= next_tick) {
				spec->tick(spec->tick_arg, sp->pid, now);
				/* the next tick on the grid; a late one skips, never bunches */
				next_tick = next_tick ? next_tick + spec->tick_ns : now + spec->tick_ns;
				if (next_tick <= now)
					next_tick = now + spec->tick_ns - (now - next_tick) % spec->tick_ns;
				now = clock_now_ns();
			}
			if (next_tick > now && next_tick - now < wait_ns)
				wait_ns = next_tick - now;
		}
		if (sp->pidfd < 0 && backoff < wait_ns)
			wait_ns = backoff;
		ts.tv_sec = (time_t)(wait_ns / NS_PER_SEC);
		ts.tv_nsec = (long)(wait_ns % NS_PER_SEC);
		p[0].revents = p[1].revents = p[2].revents = 0;
		r = ppoll(p, 3, &ts, &old);
		if (r < 0 && errno != EINTR) {
			st = -errno;
			pe_error("cannot wait for the command: ppoll: %s", strerror(errno));
			break;
		}
		if (r <= 0 && sp->pidfd >= 0)
			continue;
		if (p[0].revents)
			pipe_drain_once(&p[0], &sp->err[0], 1, res);
		if (p[1].revents)
			pipe_drain_once(&p[1], &sp->out[0], 0, res);
		if (sp->pidfd >= 0) {
			if (p[2].revents) {
				reap(sp->pid, status, ru);
				*end = clock_now_ns();
				goto out;
			}
			continue;
		}
		r = wait4(sp->pid, status, WNOHANG, ru);
		if (r == sp->pid) {
			*end = clock_now_ns();
			goto out;
		}
		if (r < 0 && errno != EINTR) {
			/* ECHILD: SIGCHLD is ignored, the kernel reaped it */
			st = -errno;
			pe_error("cannot wait for the command: %s", strerror(errno));
			break;
		}
		if (backoff < FALLBACK_MAX_NS)
			backoff *= 2;
	}
	group_kill_reap(sp->pid, status, ru);
	*end = clock_now_ns();
out:
	sigprocmask(SIG_SETMASK, &old, NULL);
	return st;
}

static int spawn_error(const char *cmd, const struct child_report *rep)
{
	if (rep->stage == CHILD_EXEC && rep->err == ENOENT)
		pe_error("command not found: '%s'", cmd);
	else if (rep->stage == CHILD_EXEC && rep->err == EACCES)
		pe_error("cannot execute '%s': permission denied", cmd);
	else if (rep->stage == CHILD_EXEC)
		pe_error("cannot execute '%s': %s", cmd, strerror(rep->err));
	else
		pe_error("cannot start '%s': %s", cmd, strerror(rep->err));
	return rep->err > 0 ? -rep->err : -EIO;
}

static uint64_t timeval_ns(struct timeval tv)
{
	return (uint64_t)tv.tv_sec * NS_PER_SEC + (uint64_t)tv.tv_usec * NS_PER_US;
}

static void result_fill(struct run_result *res, int st, int status, const struct rusage *ru,
			long rss_floor)
{
	res->status = (enum run_status)st;
	if (WIFEXITED(status)) {
		res->exit_code = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		res->signal = WTERMSIG(status);
		if (st == RUN_EXITED)
			res->status = RUN_SIGNALED;
	}
	res->user_ns = timeval_ns(ru->ru_utime);
	res->sys_ns = timeval_ns(ru->ru_stime);
	/*
	 * A vfork child's exec records the RSS of the memory it borrowed, ours,
	 * as its own maximum: a figure at the floor says only that the command
	 * peaked at most there; one above it (by more than the kernel's per-CPU
	 * slack in counting RSS) is the command's own.
	 */
	res->maxrss_kb = ru->ru_maxrss > rss_floor + RSS_SLACK_KB ? ru->ru_maxrss : -1;
	res->maxrss_at_most_kb = ru->ru_maxrss > rss_floor ? ru->ru_maxrss : rss_floor;
	res->minflt = ru->ru_minflt;
	res->majflt = ru->ru_majflt;
	res->nvcsw = ru->ru_nvcsw;
	res->nivcsw = ru->ru_nivcsw;
	res->err_tail[res->err_len] = '\0';
}

/*
 * Resets this process's peak RSS to its current resident set and returns it
 * in KiB: what exec will fold into a vfork child's maximum. Without
 * /proc/self/clear_refs (CONFIG_PROC_PAGE_MONITOR) the peak stays, and
 * VmHWM, the peak of this memory alone, is the floor. Both files stay open
 * (close-on-exec) from the first run on: a run costs a write and a read.
 * Returns 0 when neither can be read: every figure is then the kernel's.
 */
static long rss_floor_kb(void)
{
	static int clear_fd = -2, statm_fd = -2, status_fd = -2;
	char buf[2048];
	ssize_t n;

	if (clear_fd == -2) {
		clear_fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
		statm_fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
		status_fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	}
	if (clear_fd >= 0 && statm_fd >= 0 && write(clear_fd, "5", 1) == 1 &&
	    (n = pread(statm_fd, buf, sizeof(buf) - 1, 0)) > 0) {
		unsigned long size, resident;

		buf[n] = '\0';
		if (sscanf(buf, "%lu %lu", &size, &resident) == 2)
			return (long)(resident * (unsigned long)sysconf(_SC_PAGESIZE) / 1024);
	}
	if (status_fd >= 0 && (n = pread(status_fd, buf, sizeof(buf) - 1, 0)) > 0) {
		const char *hwm;

		buf[n] = '\0';
		hwm = strstr(buf, "\nVmHWM:");
		if (hwm)
			return strtol(hwm + 7, NULL, 10);
	}
	return 0;
}

/* Children started so far: tells a counter snapshot still current from a stale one. */
static uint64_t runner_spawns;

int runner_run(const struct run_spec *spec, struct run_result *res)
{
	struct counters *ctr = spec->counters && spec->counters->enabled ? spec->counters : NULL;
	const char *cmd = spec->argv ? spec->argv[0] : NULL;
	struct child_report rep;
	struct counters_snap before, after;
	struct spawn sp;
	struct rusage ru = { 0 };
	long rss_floor = 0;
	uint64_t start, end = 0;
	int status = 0, rc = 0;
	ssize_t n;

	memset(res, 0, sizeof(*res));
	if (!cmd || !*cmd) {
		pe_error("no command to run");
		return -EINVAL;
	}
	if (spec->output == RUN_OUT_FD && spec->stdout_fd < 0) {
		pe_error("no file for the output of '%s'", cmd);
		return -EBADF;
	}

	spawn_init(&sp);
	rc = pipe_open(sp.report);
	if (!rc && spec->output != RUN_OUT_INHERIT)
		rc = pipe_open(sp.err);
	if (!rc && spec->output == RUN_OUT_PIPE)
		rc = pipe_open(sp.out);
	if (rc) {
		spawn_release(&sp);
		pe_error("cannot start '%s': pipe: %s", cmd, strerror(-rc));
		return rc;
	}

	if (ctr) {
		rc = counters_open(ctr);
		if (rc < 0) {
			spawn_release(&sp);
			return rc;
		}
		if (ctr->have_last && ctr->last_spawn == runner_spawns)
			before = ctr->last;
		else
			counters_snapshot(ctr, &before);
	}
	runner_spawns++;
	rss_floor = rss_floor_kb();
	start = clock_now_ns();
	sp.pid = spawn_start(spec, &sp);
	if (sp.pid < 0) {
		rc = sp.pid;
		spawn_release(&sp);
		pe_error("cannot start '%s': %s", cmd, strerror(-rc));
		return rc;
	}
	fd_close(&sp.report[1]);
	fd_close(&sp.err[1]);
	fd_close(&sp.out[1]);

	n = read_full(sp.report[0], &rep, sizeof(rep));
	fd_close(&sp.report[0]);
	if (n == (ssize_t)sizeof(rep)) {
		reap(sp.pid, NULL, NULL);
		spawn_release(&sp);
		return spawn_error(cmd, &rep);
	}

	/* Without pidfd_open (ENOSYS before Linux 5.3) spawn_wait polls wait4. */
	sp.pidfd = (int)syscall(SYS_pidfd_open, sp.pid, 0);
	rc = spawn_wait(&sp, spec, spec->timeout_ns ? start + spec->timeout_ns : 0, res,
			&status, &ru, &end);
	if (ctr) {
		counters_snapshot(ctr, &after);
		counters_delta(ctr, &before, &after);
		ctr->last = after;
		ctr->last_spawn = runner_spawns;
		ctr->have_last = 1;
	}
	if (rc >= 0)
		pipes_drain_rest(&sp, res);
	spawn_release(&sp);
	if (rc < 0)
		return rc;
	res->wall_ns = end - start;
	result_fill(res, rc, status, &ru, rss_floor);
	return 0;
}
