/*
 * perf_event_open(2) counters, one fd per event rather than a group, so that
 * one event the machine lacks does not take the others with it.
 */
#include "runner/counters.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/error.h"

/*
 * kernel_only: the kernel counts the event in its own context, so with
 * exclude_kernel it opens fine and always reads 0 (as `perf stat -e
 * context-switches:u` does). Such an event is unsupported then, not zero.
 */
static const struct {
	const char *name;
	uint32_t type;
	uint64_t config;
	int kernel_only;
} counter_events[CTR_NR] = {
	[CTR_TASK_CLOCK] = { "task-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK, 0 },
	[CTR_PAGE_FAULTS] = { "page-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, 0 },
	[CTR_CONTEXT_SWITCHES] = { "context-switches", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES, 1 },
	[CTR_CPU_MIGRATIONS] = { "cpu-migrations", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS, 1 },
	[CTR_CYCLES] = { "cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES },
	[CTR_INSTRUCTIONS] = { "instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS },
	[CTR_BRANCH_MISSES] = { "branch-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES },
	[CTR_CACHE_MISSES] = { "cache-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES },
};

const char *counter_name(enum counter_id id)
{
	if ((unsigned)id >= CTR_NR)
		return "unknown";
	return counter_events[id].name;
}

static void counters_attr(struct perf_event_attr *a, enum counter_id id, int exclude_kernel)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->type = counter_events[id].type;
	a->config = counter_events[id].config;
	a->disabled = 1;
	a->inherit = 1;
	a->read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	a->exclude_kernel = exclude_kernel ? 1 : 0;
	a->exclude_hv = exclude_kernel ? 1 : 0;
}

static int counters_event_open(struct perf_event_attr *a, pid_t pid)
{
	return (int)syscall(SYS_perf_event_open, a, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

/* kernel.perf_event_paranoid, or INT_MIN when it cannot be read. */
static int counters_paranoid(void)
{
	char buf[32];
	ssize_t n;
	int fd = open("/proc/sys/kernel/perf_event_paranoid", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return INT_MIN;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return INT_MIN;
	buf[n] = '\0';
	return atoi(buf);
}

static void counters_why(char *why, size_t len, int err, int paranoid)
{
	switch (err) {
	case ENOENT:
	case EOPNOTSUPP:
	case ENODEV:
		snprintf(why, len, "not supported by this machine");
		break;
	case EACCES:
	case EPERM:
		if (paranoid != INT_MIN)
			snprintf(why, len, "permission denied (kernel.perf_event_paranoid=%d)", paranoid);
		else
			snprintf(why, len, "permission denied");
		break;
	case ENOSYS:
		snprintf(why, len, "not supported by this kernel");
		break;
	default:
		snprintf(why, len, "perf_event_open: %s", strerror(err));
		break;
	}
}

static int counters_kernel_only(int i, struct counters *c, int paranoid)
{
	if (!c->exclude_kernel || !counter_events[i].kernel_only)
		return 0;
	c->supported[i] = 0;
	if (paranoid != INT_MIN)
		snprintf(c->why[i], sizeof(c->why[i]),
			 "counted in the kernel, which kernel.perf_event_paranoid=%d excludes", paranoid);
	else
		snprintf(c->why[i], sizeof(c->why[i]), "counted in the kernel, which is excluded");
	return 1;
}

void counters_probe(struct counters *c)
{
	int paranoid = counters_paranoid();

	memset(c, 0, sizeof(*c));
	c->anchor_fd = -1;
	for (int i = 0; i < CTR_NR; i++)
		c->fd[i] = -1;
	/* What the kernel requires of an unprivileged user; root may count all. */
	c->exclude_kernel = paranoid >= 2 && geteuid() != 0;
again:
	c->enabled = 0;
	for (int i = 0; i < CTR_NR; i++) {
		struct perf_event_attr a;
		int fd, e;

		if (counters_kernel_only(i, c, paranoid))
			continue;
		counters_attr(&a, i, c->exclude_kernel);
		fd = counters_event_open(&a, 0);
		if (fd >= 0) {
			close(fd);
			c->supported[i] = 1;
			c->why[i][0] = '\0';
			c->enabled = 1;
			continue;
		}
		e = errno;
		if ((e == EACCES || e == EPERM) && !c->exclude_kernel) {
			/* Not allowed to count the kernel: count user space only, for all. */
			c->exclude_kernel = 1;
			goto again;
		}
		c->supported[i] = 0;
		counters_why(c->why[i], sizeof(c->why[i]), e, paranoid);
	}
	/* Nothing opens at all: the kernel-only events fail for the same reason. */
	for (int i = 0; i < CTR_NR && !c->enabled; i++)
		if (c->exclude_kernel && counter_events[i].kernel_only)
			memcpy(c->why[i], c->why[CTR_TASK_CLOCK], sizeof(c->why[i]));
}

/*
 * When every event of a task is inherited, the kernel marks a child's event
 * context as a clone of the parent's and may swap the two at a context
 * switch instead of rescheduling the events; the child's exec then enables
 * (and takes) the parent's own events, and from the second child on nothing
 * counts. One event that is not inherited (a disabled dummy) makes the
 * contexts differ, so each child keeps its own copies.
 */
static int counters_anchor(void)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_DUMMY;
	a.disabled = 1;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	return counters_event_open(&a, 0);
}

int counters_open(struct counters *c)
{
	if (c->opened || !c->enabled)
		return 0;
	c->anchor_fd = counters_anchor();
	if (c->anchor_fd < 0) {
		int e = errno;

		pe_error("cannot open perf events on perfeng itself: %s", strerror(e));
		return -e;
	}
	for (int i = 0; i < CTR_NR; i++) {
		struct perf_event_attr a;
		int e;

		c->valid[i] = 0;
		c->value[i] = 0;
		if (!c->supported[i])
			continue;
		counters_attr(&a, i, c->exclude_kernel);
		a.enable_on_exec = 1;
		c->fd[i] = counters_event_open(&a, 0);
		if (c->fd[i] >= 0)
			continue;
		e = errno;
		/*
		 * An event that opened at probe time but not now (a PMU taken by
		 * another user) is marked unsupported; running out of fds or
		 * memory is an error.
		 */
		if (e != EMFILE && e != ENFILE && e != ENOMEM) {
			c->supported[i] = 0;
			counters_why(c->why[i], sizeof(c->why[i]), e, counters_paranoid());
			continue;
		}
		counters_close(c);
		pe_error("cannot open counter '%s': %s", counter_events[i].name, strerror(e));
		return -e;
	}
	c->opened = 1;
	return 0;
}

void counters_snapshot(const struct counters *c, struct counters_snap *s)
{
	for (int i = 0; i < CTR_NR; i++) {
		s->ok[i] = c->fd[i] >= 0 &&
			   read(c->fd[i], s->v[i], sizeof(s->v[i])) == (ssize_t)sizeof(s->v[i]);
	}
}

void counters_delta(struct counters *c, const struct counters_snap *before,
		    const struct counters_snap *after)
{
	for (int i = 0; i < CTR_NR; i++) {
		uint64_t d[3];

		c->valid[i] = 0;
		c->value[i] = 0;
		if (!before->ok[i] || !after->ok[i])
			continue;
		for (int k = 0; k < 3; k++)
			d[k] = after->v[i][k] - before->v[i][k];
		if (d[2] == 0)
			continue;	/* never scheduled: no count, not a zero */
		/* Multiplexed: estimate the whole from the share it ran. */
		if (d[2] < d[1])
			d[0] = (uint64_t)((double)d[0] * (double)d[1] / (double)d[2]);
		c->value[i] = d[0];
		c->valid[i] = 1;
	}
}

void counters_close(struct counters *c)
{
	if (c->anchor_fd >= 0)
		close(c->anchor_fd);
	c->anchor_fd = -1;
	for (int i = 0; i < CTR_NR; i++) {
		if (c->fd[i] >= 0)
			close(c->fd[i]);
		c->fd[i] = -1;
	}
	c->opened = 0;
	c->have_last = 0;
}
