/*
 * Parsers of /proc and cgroup v2 text into struct sys_sample, written for
 * the sampler's hot path: one pass over a buffer, no allocation, no
 * NUL-termination needed, every read bounded by len. Formats follow the
 * kernel's Documentation/filesystems/proc.rst, iostats.rst, sched-stats.rst
 * and accounting/psi.rst, including older kernels' variants (meminfo
 * without MemAvailable, per-zone pgscan counters, diskstats with 11, 15 or
 * 17 fields, interface names glued to their first counter).
 */
#include <string.h>

#include "sys/procfs.h"
#include "util/xalloc.h"

/* A bounded cursor over the text. */
struct cur {
	const char *p, *end;
};

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

static void skip_spaces(struct cur *c)
{
	while (c->p < c->end && is_space(*c->p))
		c->p++;
}

/* The next line (without '\n') as [*lp, *lp + *ln); 0 at the end of the text. */
static int next_line(struct cur *c, struct cur *line)
{
	if (c->p >= c->end)
		return 0;
	const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));

	line->p = c->p;
	line->end = nl ? nl : c->end;
	c->p = nl ? nl + 1 : c->end;
	return 1;
}

/* An unsigned decimal after optional blanks; 0 and *ok = 0 when none. Saturates. */
static uint64_t read_u64(struct cur *c, int *ok)
{
	uint64_t v = 0;
	int any = 0;

	skip_spaces(c);
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		unsigned d = (unsigned)(*c->p - '0');

		v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
		c->p++;
		any = 1;
	}
	if (ok)
		*ok = any;
	return v;
}

/* The next blank-separated word as [w->p, w->end); 0 when the line is used up. */
static int read_word(struct cur *c, struct cur *w)
{
	skip_spaces(c);
	w->p = c->p;
	while (c->p < c->end && !is_space(*c->p))
		c->p++;
	w->end = c->p;
	return w->p < w->end;
}

static int word_is(const struct cur *w, const char *s)
{
	size_t n = strlen(s);

	return (size_t)(w->end - w->p) == n && !memcmp(w->p, s, n);
}

static int word_starts(const struct cur *w, const char *s)
{
	size_t n = strlen(s);

	return (size_t)(w->end - w->p) >= n && !memcmp(w->p, s, n);
}

/* Copies a word into a fixed buffer, cut to fit, NUL-terminated. */
static void word_copy(const struct cur *w, char *out, size_t n)
{
	size_t len = (size_t)(w->end - w->p);

	if (len >= n)
		len = n - 1;
	memcpy(out, w->p, len);
	out[len] = 0;
}

static void parse_cpu_times(struct cur *c, struct sys_cpu *t)
{
	uint64_t *f[] = { &t->user, &t->nice, &t->system, &t->idle, &t->iowait,
			  &t->irq, &t->softirq, &t->steal };

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		*f[i] = read_u64(c, NULL);
}

void procfs_parse_stat(const char *buf, size_t len, struct sys_sample *s)
{
	struct cur c = { buf, buf + len }, line, w;

	s->ncpu = 0;
	while (next_line(&c, &line)) {
		if (!read_word(&line, &w))
			continue;
		if (word_is(&w, "cpu")) {
			parse_cpu_times(&line, &s->cpu_all);
			s->have |= SYS_HAVE_STAT;
		} else if (word_starts(&w, "cpu")) {
			if (s->ncpu < SYS_MAX_CPUS)
				parse_cpu_times(&line, &s->cpu[s->ncpu++]);
		} else if (word_is(&w, "ctxt")) {
			s->ctxt = read_u64(&line, NULL);
		} else if (word_is(&w, "procs_running")) {
			s->procs_running = read_u64(&line, NULL);
		} else if (word_is(&w, "procs_blocked")) {
			s->procs_blocked = read_u64(&line, NULL);
		}
	}
}

/* "Key:   value kB" lines, as meminfo, status and io write them. */
struct kv {
	const char *key;	/* without the ':' */
	uint64_t *val;
};

/* Stores v into the entry of kv named key; its index, or -1 when none is. */
static int kv_store(const struct kv *kv, size_t nkv, const struct cur *key, uint64_t v)
{
	for (size_t i = 0; i < nkv; i++) {
		if (word_is(key, kv[i].key)) {
			*kv[i].val = v;
			return (int)i;
		}
	}
	return -1;
}

static void parse_kv(const char *buf, size_t len, const struct kv *kv, size_t nkv, int *found)
{
	struct cur c = { buf, buf + len }, line;

	while (next_line(&c, &line)) {
		const char *colon = memchr(line.p, ':', (size_t)(line.end - line.p));

		if (!colon)
			continue;
		struct cur key = { line.p, colon }, v = { colon + 1, line.end };
		int ok;
		uint64_t x = read_u64(&v, &ok);
		int i = ok ? kv_store(kv, nkv, &key, x) : -1;

		if (i >= 0)
			found[i] = 1;
	}
}

/* "key value" lines (vmstat, cpu.stat, memory.events): 1 when a key of kv was seen. */
static int parse_pairs(const char *buf, size_t len, const struct kv *kv, size_t nkv)
{
	struct cur c = { buf, buf + len }, line, w;
	int any = 0;

	while (next_line(&c, &line)) {
		if (read_word(&line, &w))
			any |= kv_store(kv, nkv, &w, read_u64(&line, NULL)) >= 0;
	}
	return any;
}

void procfs_parse_meminfo(const char *buf, size_t len, struct sys_sample *s)
{
	uint64_t buffers = 0, cached = 0;
	const struct kv kv[] = {
		{ "MemTotal", &s->mem_total }, { "MemFree", &s->mem_free },
		{ "MemAvailable", &s->mem_available }, { "SwapTotal", &s->swap_total },
		{ "SwapFree", &s->swap_free }, { "Buffers", &buffers }, { "Cached", &cached },
	};
	int found[7] = { 0 };

	parse_kv(buf, len, kv, ARRAY_SIZE(kv), found);
	if (!found[0] || !found[1])
		return;
	/* Kernels before 3.14 have no MemAvailable: free + buffers + page cache,
	 * the estimate free(1) used then. */
	if (!found[2])
		s->mem_available = s->mem_free + buffers + cached;
	if (s->mem_available > s->mem_total)
		s->mem_available = s->mem_total;
	if (s->swap_free > s->swap_total)
		s->swap_free = s->swap_total;
	s->have |= SYS_HAVE_MEM;
}

void procfs_parse_vmstat(const char *buf, size_t len, struct sys_sample *s)
{
	const struct kv kv[] = {
		{ "pswpin", &s->pswpin }, { "pswpout", &s->pswpout },
		{ "pgmajfault", &s->pgmajfault }, { "oom_kill", &s->oom_kill },
	};
	struct cur c = { buf, buf + len }, line, w;

	s->pgscan = s->pgsteal = 0;
	if (parse_pairs(buf, len, kv, ARRAY_SIZE(kv)))
		s->have |= SYS_HAVE_VMSTAT;
	while (next_line(&c, &line)) {
		if (!read_word(&line, &w))
			continue;
		/* Pages scanned and reclaimed: by kswapd, direct reclaim and
		 * khugepaged, per zone on older kernels (pgscan_kswapd_normal,
		 * pgsteal_normal). pgscan_anon/_file (5.8+) split the same pages
		 * again and pgscan_direct_throttle counts throttling events. */
		if (word_starts(&w, "pgscan_") || word_starts(&w, "pgsteal_")) {
			int scan = w.p[3] == 'c';
			struct cur kind = { w.p + (scan ? 7 : 8), w.end };

			if (word_is(&kind, "anon") || word_is(&kind, "file") ||
			    word_is(&kind, "direct_throttle"))
				continue;
			*(scan ? &s->pgscan : &s->pgsteal) += read_u64(&line, NULL);
			s->have |= SYS_HAVE_VMSTAT;
		}
	}
}

/* "some avg10=0.00 avg60=0.00 avg300=0.00 total=12345": the total= value. */
static int psi_total(struct cur *line, uint64_t *out)
{
	struct cur w;

	while (read_word(line, &w)) {
		if (word_starts(&w, "total=")) {
			struct cur v = { w.p + 6, w.end };
			int ok;

			*out = read_u64(&v, &ok);
			return ok;
		}
	}
	return 0;
}

void procfs_parse_pressure(const char *buf, size_t len, unsigned which, struct sys_sample *s)
{
	struct cur c = { buf, buf + len }, line, w;
	uint64_t *some, *full = NULL, dummy;

	if (which == SYS_HAVE_PSI_CPU) {
		some = &s->psi_cpu_some;
	} else if (which == SYS_HAVE_PSI_MEM) {
		some = &s->psi_mem_some;
		full = &s->psi_mem_full;
	} else if (which == SYS_HAVE_PSI_IO) {
		some = &s->psi_io_some;
		full = &s->psi_io_full;
	} else {
		return;
	}
	while (next_line(&c, &line)) {
		if (!read_word(&line, &w))
			continue;
		if (word_is(&w, "some") && psi_total(&line, some))
			s->have |= which;
		else if (word_is(&w, "full"))
			psi_total(&line, full ? full : &dummy);
	}
}

/* A partition is a whole disk's name followed by digits (sda1) or 'p' and
 * digits (nvme0n1p1, mmcblk0p2); whole disks come first in diskstats. */
static int is_partition(const struct sys_sample *s, const char *name)
{
	for (uint32_t i = 0; i < s->ndisk; i++) {
		size_t n = strlen(s->disk[i].name);
		const char *rest = name + n;

		if (strncmp(name, s->disk[i].name, n) || !*rest)
			continue;
		if (*rest == 'p')
			rest++;
		if (!*rest)
			continue;
		while (*rest >= '0' && *rest <= '9')
			rest++;
		if (!*rest)
			return 1;
	}
	return 0;
}

void procfs_parse_diskstats(const char *buf, size_t len, struct sys_sample *s)
{
	struct cur c = { buf, buf + len }, line, w;
	int any = 0;

	s->ndisk = 0;
	while (next_line(&c, &line)) {
		uint64_t f[11];
		int ok = 1;
		char name[SYS_NAME_MAX] = "";	/* zero-filled: samples compare bytewise */

		read_u64(&line, &ok);
		if (!ok)
			continue;
		read_u64(&line, &ok);
		if (!ok || !read_word(&line, &w))
			continue;
		word_copy(&w, name, sizeof(name));
		for (int i = 0; i < 11 && ok; i++)
			f[i] = read_u64(&line, &ok);
		if (!ok)
			continue;
		any = 1;
		/* Loop and RAM devices that did no I/O are noise on every machine. */
		if ((!strncmp(name, "loop", 4) || !strncmp(name, "ram", 3) || !strncmp(name, "zram", 4)) &&
		    !f[0] && !f[4])
			continue;
		if (is_partition(s, name) || s->ndisk >= SYS_MAX_DISKS)
			continue;
		struct sys_disk *d = &s->disk[s->ndisk++];

		memcpy(d->name, name, sizeof(d->name));
		d->rd_ios = f[0];
		d->rd_sectors = f[2];
		d->rd_ms = f[3];
		d->wr_ios = f[4];
		d->wr_sectors = f[6];
		d->wr_ms = f[7];
		d->in_flight = f[8];
		d->io_ticks_ms = f[9];
		d->queue_ms = f[10];
	}
	if (any)
		s->have |= SYS_HAVE_DISK;
}

void procfs_parse_netdev(const char *buf, size_t len, struct sys_sample *s)
{
	struct cur c = { buf, buf + len }, line;

	s->nnet = 0;
	while (next_line(&c, &line)) {
		const char *colon = memchr(line.p, ':', (size_t)(line.end - line.p));
		uint64_t f[16];
		int ok = 1;

		if (!colon || memchr(line.p, '|', (size_t)(line.end - line.p)))
			continue;	/* the two header lines */
		struct cur name = { line.p, colon };

		skip_spaces(&name);
		if (name.p == name.end)
			continue;
		struct cur v = { colon + 1, line.end };

		for (int i = 0; i < 16 && ok; i++)
			f[i] = read_u64(&v, &ok);
		if (!ok)
			continue;
		s->have |= SYS_HAVE_NET;
		if (s->nnet >= SYS_MAX_NETS)
			continue;
		struct sys_net *n = &s->net[s->nnet++];

		word_copy(&name, n->name, sizeof(n->name));
		n->rx_bytes = f[0];
		n->rx_packets = f[1];
		n->rx_errs = f[2];
		n->rx_drop = f[3];
		n->tx_bytes = f[8];
		n->tx_packets = f[9];
		n->tx_errs = f[10];
		n->tx_drop = f[11];
		n->speed_mbps = 0;
	}
}

void procfs_parse_snmp(const char *buf, size_t len, struct sys_sample *s)
{
	struct cur c = { buf, buf + len }, line, w;
	int col_out = -1, col_retrans = -1, col_inerr = -1, header_seen = 0;

	while (next_line(&c, &line)) {
		if (!read_word(&line, &w) || !word_is(&w, "Tcp:"))
			continue;
		if (!header_seen) {
			/* "Tcp: RtoAlgorithm ... OutSegs RetransSegs InErrs ..." */
			for (int i = 0; read_word(&line, &w); i++) {
				if (word_is(&w, "OutSegs"))
					col_out = i;
				else if (word_is(&w, "RetransSegs"))
					col_retrans = i;
				else if (word_is(&w, "InErrs"))
					col_inerr = i;
			}
			header_seen = 1;
			continue;
		}
		/* The values line; MaxConn is -1, so read words, not numbers. */
		for (int i = 0; read_word(&line, &w); i++) {
			struct cur v = w;
			uint64_t x = read_u64(&v, NULL);

			if (i == col_out)
				s->tcp_out_segs = x;
			else if (i == col_retrans)
				s->tcp_retrans_segs = x;
			else if (i == col_inerr)
				s->tcp_in_errs = x;
		}
		if (col_out >= 0 && col_retrans >= 0)
			s->have |= SYS_HAVE_SNMP;
		return;
	}
}

void procfs_parse_filenr(const char *buf, size_t len, struct sys_sample *s)
{
	struct cur c = { buf, buf + len };
	int ok1, ok2, ok3;

	s->fd_alloc = read_u64(&c, &ok1);
	read_u64(&c, &ok2);		/* free handles: always 0 since 2.6 */
	s->fd_max = read_u64(&c, &ok3);
	if (ok1 && ok2 && ok3 && s->fd_max)
		s->have |= SYS_HAVE_FILENR;
}

void procfs_parse_schedstat(const char *buf, size_t len, struct sys_sample *s)
{
	struct cur c = { buf, buf + len }, line, w;
	uint64_t run = 0, wait = 0, slices = 0;
	int any = 0;

	while (next_line(&c, &line)) {
		uint64_t f[9];
		int ok = 1;

		if (!read_word(&line, &w) || !word_starts(&w, "cpu"))
			continue;
		/* Version 15+: yld_count, legacy 0, sched_count, sched_goidle,
		 * ttwu_count, ttwu_local, then time running, time waiting (ns)
		 * and timeslices run. */
		for (int i = 0; i < 9 && ok; i++)
			f[i] = read_u64(&line, &ok);
		if (!ok)
			continue;
		run += f[6];
		wait += f[7];
		slices += f[8];
		any = 1;
	}
	if (any) {
		s->sched_run_ns = run;
		s->sched_wait_ns = wait;
		s->sched_slices = slices;
		s->have |= SYS_HAVE_SCHED;
	}
}

void procfs_parse_cg_cpu(const char *buf, size_t len, struct sys_sample *s)
{
	const struct kv kv[] = {
		{ "usage_usec", &s->cg_usage_usec }, { "nr_periods", &s->cg_nr_periods },
		{ "nr_throttled", &s->cg_nr_throttled }, { "throttled_usec", &s->cg_throttled_usec },
	};

	if (parse_pairs(buf, len, kv, ARRAY_SIZE(kv)))
		s->have |= SYS_HAVE_CG_CPU;
}

void procfs_parse_cg_memcur(const char *buf, size_t len, struct sys_sample *s)
{
	struct cur c = { buf, buf + len };
	int ok;

	s->cg_mem_current = read_u64(&c, &ok);
	if (ok)
		s->have |= SYS_HAVE_CG_MEM;
}

void procfs_parse_cg_memmax(const char *buf, size_t len, struct sys_sample *s)
{
	struct cur c = { buf, buf + len };
	int ok;

	skip_spaces(&c);
	s->cg_mem_max = UINT64_MAX;
	if (c.end - c.p >= 3 && !memcmp(c.p, "max", 3))
		return;
	uint64_t v = read_u64(&c, &ok);

	if (ok)
		s->cg_mem_max = v;
}

void procfs_parse_cg_events(const char *buf, size_t len, struct sys_sample *s)
{
	const struct kv kv[] = {
		{ "high", &s->cg_mem_high_events }, { "max", &s->cg_mem_max_events },
		{ "oom", &s->cg_oom }, { "oom_kill", &s->cg_oom_kill },
	};

	if (parse_pairs(buf, len, kv, ARRAY_SIZE(kv)))
		s->have |= SYS_HAVE_CG_EVENTS;
}

void procfs_parse_pid_stat(const char *buf, size_t len, struct sys_proc *p)
{
	const char *rp = NULL;

	/* The command name may hold spaces and ')': fields start after the last ')'. */
	for (size_t i = len; i > 0; i--) {
		if (buf[i - 1] == ')') {
			rp = buf + i;
			break;
		}
	}
	if (!rp)
		return;
	struct cur c = { rp, buf + len }, w;
	uint64_t f[24] = { 0 };

	/* state, field 3: a zombie has exited, its parent has not reaped it yet */
	if (read_word(&c, &w) && (*w.p == 'Z' || *w.p == 'X'))
		p->alive = 0;
	/* word by word: tty and tpgid may be negative (read as 0) */
	for (int i = 4; i <= 20 && read_word(&c, &w); i++)
		f[i - 4] = read_u64(&w, NULL);
	/* fields 4..20: minflt is 10, majflt 12, utime 14, stime 15, threads 20 */
	p->minflt = f[10 - 4];
	p->majflt = f[12 - 4];
	p->utime = f[14 - 4];
	p->stime = f[15 - 4];
	p->threads = f[20 - 4];
}

void procfs_parse_pid_status(const char *buf, size_t len, struct sys_proc *p)
{
	const struct kv kv[] = {
		{ "VmRSS", &p->rss_kib },
		{ "voluntary_ctxt_switches", &p->vol_ctxt },
		{ "nonvoluntary_ctxt_switches", &p->invol_ctxt },
		{ "Threads", &p->threads },
	};
	int found[4] = { 0 };

	parse_kv(buf, len, kv, ARRAY_SIZE(kv), found);
}

void procfs_parse_pid_io(const char *buf, size_t len, struct sys_proc *p)
{
	const struct kv kv[] = {
		{ "read_bytes", &p->read_bytes },
		{ "write_bytes", &p->write_bytes },
	};
	int found[2] = { 0 };

	parse_kv(buf, len, kv, ARRAY_SIZE(kv), found);
}

void procfs_parse_pid_schedstat(const char *buf, size_t len, struct sys_proc *p)
{
	struct cur c = { buf, buf + len };

	int ok1, ok2;

	read_u64(&c, &ok1);	/* time on CPU, ns */
	uint64_t delay = read_u64(&c, &ok2);

	if (ok1 && ok2)
		p->run_delay_ns = delay;
}

int procfs_parse_cgroup_path(const char *buf, size_t len, char *out, size_t n)
{
	struct cur c = { buf, buf + len }, line;

	while (next_line(&c, &line)) {
		if (line.end - line.p >= 3 && !memcmp(line.p, "0::", 3)) {
			struct cur path = { line.p + 3, line.end };

			if (path.p == path.end || *path.p != '/')
				return -1;
			word_copy(&path, out, n);
			return 0;
		}
	}
	return -1;
}
