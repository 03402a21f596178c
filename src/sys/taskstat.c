/*
 * The /proc per-thread parsers (see taskstat.h). They never read past len
 * and never trust a field to be there: a short or garbled line is -EINVAL,
 * not a crash or a made-up zero.
 */
#include "sys/taskstat.h"

#include <errno.h>
#include <string.h>

/* Field numbers of /proc/PID/stat (proc(5)), counted from 1. */
enum {
	F_STATE = 3, F_PPID = 4, F_MINFLT = 10, F_MAJFLT = 12, F_UTIME = 14, F_STIME = 15,
	F_NUM_THREADS = 20, F_STARTTIME = 22, F_BLKIO = 42,
};

/*
 * One decimal number (an optional '-' wraps it as two's complement: tpgid is
 * -1) at *p, before end, followed by a space, a newline or the end. Returns 0
 * and moves *p past it, or -1.
 */
static int scan_num(const char **p, const char *end, uint64_t *v)
{
	const char *s = *p;
	int neg = 0;
	uint64_t x = 0;

	if (s < end && *s == '-') {
		neg = 1;
		s++;
	}
	if (s >= end || *s < '0' || *s > '9')
		return -1;
	while (s < end && *s >= '0' && *s <= '9')
		x = x * 10 + (uint64_t)(*s++ - '0');	/* wraps past 2^64: only rlim fields get there */
	if (s < end && *s != ' ' && *s != '\n')
		return -1;
	*v = neg ? (uint64_t)0 - x : x;
	*p = s;
	return 0;
}

static const char *skip_spaces(const char *p, const char *end)
{
	while (p < end && *p == ' ')
		p++;
	return p;
}

int taskstat_parse_stat(const char *buf, size_t len, struct task_stat *out)
{
	const char *end = buf + len, *open, *close = NULL, *p = buf;
	uint64_t v, f[F_BLKIO + 1];
	size_t n;
	int field;

	memset(out, 0, sizeof(*out));
	open = memchr(buf, '(', len);
	if (!open)
		return -EINVAL;
	for (const char *q = open; q < end; q++)
		if (*q == ')')
			close = q;
	if (!close || scan_num(&p, open, &v) < 0 || skip_spaces(p, open) != open || v > 0x7fffffff)
		return -EINVAL;
	out->pid = (int)v;
	n = (size_t)(close - open - 1);
	if (n >= sizeof(out->comm))
		n = sizeof(out->comm) - 1;
	memcpy(out->comm, open + 1, n);
	out->comm[n] = '\0';

	p = close + 1;
	if (p >= end || *p != ' ')
		return -EINVAL;
	p = skip_spaces(p, end);
	if (p >= end || *p == ' ' || *p == '\n' || (p + 1 < end && p[1] != ' '))
		return -EINVAL;
	out->state = *p++;
	for (field = F_STATE + 1; field <= F_BLKIO; field++) {
		p = skip_spaces(p, end);
		if (p >= end || *p == '\n' || scan_num(&p, end, &f[field]) < 0)
			break;
	}
	if (field <= F_STARTTIME)
		return -EINVAL;
	out->ppid = (int)f[F_PPID];
	out->minflt = f[F_MINFLT];
	out->majflt = f[F_MAJFLT];
	out->utime = f[F_UTIME];
	out->stime = f[F_STIME];
	out->num_threads = (int)f[F_NUM_THREADS];
	out->starttime = f[F_STARTTIME];
	if (field > F_BLKIO) {
		out->blkio_ticks = f[F_BLKIO];
		out->have_blkio = 1;
	}
	return 0;
}

int taskstat_parse_schedstat(const char *buf, size_t len, uint64_t *run_ns, uint64_t *delay_ns)
{
	const char *p = buf, *end = buf + len;

	p = skip_spaces(p, end);
	if (p < end && *p == '-')
		return -EINVAL;
	if (scan_num(&p, end, run_ns) < 0 || p >= end || *p != ' ')
		return -EINVAL;
	p = skip_spaces(p, end);
	if (p < end && *p == '-')
		return -EINVAL;
	return scan_num(&p, end, delay_ns) < 0 ? -EINVAL : 0;
}

static const char *const wait_names[WAIT_NR] = { "io", "lock", "sleep", "net", "child", "other" };

const char *wait_class_name(enum wait_class c)
{
	return c < WAIT_NR ? wait_names[c] : "other";
}

/*
 * Wait channels (kernel function names, prefixes) by class. Names move
 * between kernel versions (futex_wait_queue_me became futex_wait_queue in
 * 5.16), so prefixes that cover the old and new spellings.
 */
static const struct {
	const char *prefix;
	enum wait_class cls;
} wchan_classes[] = {
	{ "futex", WAIT_LOCK },
	{ "rwsem_down", WAIT_LOCK },
	{ "hrtimer_nanosleep", WAIT_SLEEP },
	{ "do_nanosleep", WAIT_SLEEP },
	{ "clock_nanosleep", WAIT_SLEEP },
	{ "common_nsleep", WAIT_SLEEP },
	{ "sys_pause", WAIT_SLEEP },
	{ "sigsuspend", WAIT_SLEEP },
	{ "do_sigtimedwait", WAIT_SLEEP },
	{ "do_select", WAIT_NET },
	{ "core_sys_select", WAIT_NET },
	{ "do_sys_poll", WAIT_NET },
	{ "do_poll", WAIT_NET },
	{ "ep_poll", WAIT_NET },
	{ "do_epoll_wait", WAIT_NET },
	{ "sk_wait_data", WAIT_NET },
	{ "sk_stream_wait", WAIT_NET },
	{ "inet_csk_", WAIT_NET },
	{ "tcp_", WAIT_NET },
	{ "unix_", WAIT_NET },
	{ "wait_woken", WAIT_NET },
	{ "pipe_", WAIT_NET },
	{ "anon_pipe_", WAIT_NET },	/* pipe_read and pipe_write since Linux 6.15 */
	{ "io_uring_", WAIT_NET },
	{ "do_wait", WAIT_CHILD },
	{ "kernel_wait", WAIT_CHILD },
};

/*
 * A parent in vfork waits for its child's exec in state D (killable), in
 * wait_for_vfork_done called from kernel_clone: not I/O but a child.
 */
static const char *const vfork_wchans[] = { "wait_for_vfork_done", "kernel_clone", "_do_fork", "do_fork" };

enum wait_class taskstat_wait_class(char state, const char *wchan)
{
	for (size_t i = 0; wchan && i < sizeof(vfork_wchans) / sizeof(vfork_wchans[0]); i++)
		if (!strcmp(wchan, vfork_wchans[i]))
			return WAIT_CHILD;
	if (state == 'D')
		return WAIT_IO;
	if (!wchan || !*wchan || !strcmp(wchan, "0"))
		return WAIT_OTHER;
	for (size_t i = 0; i < sizeof(wchan_classes) / sizeof(wchan_classes[0]); i++)
		if (!strncmp(wchan, wchan_classes[i].prefix, strlen(wchan_classes[i].prefix)))
			return wchan_classes[i].cls;
	return WAIT_OTHER;
}
