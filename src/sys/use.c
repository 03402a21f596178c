/*
 * The USE method over two samples: utilization, saturation and errors per
 * resource for the interval between them, as Brendan Gregg's Linux
 * checklist derives them, and the summary over a run. The thresholds behind
 * `saturated` are documented in docs/observe.md (keep the two in step). A
 * counter that went backwards (reset, wrap, device replaced) counts as 0 for
 * that interval, so no rate is ever negative.
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "sys/use.h"

/* Thresholds: docs/observe.md, "Saturation thresholds". */
#define SAT_PSI 0.10		/* a PSI "some" share of the interval */
#define SAT_CPU_RUNQ 1.0	/* runnable tasks per CPU */
#define SAT_SCHED_WAIT 0.10	/* run-queue wait, seconds per second per CPU */
#define SAT_SWAP_IO 100.0	/* pages swapped in + out per second */
#define SAT_DISK_AQU 2.0	/* average requests in the queue of the busiest disk */
#define SAT_RETRANS 0.01	/* TCP retransmitted share of segments sent */
#define SAT_FULL 0.90		/* fd table, filesystem, cgroup memory */
#define SAT_CG_THROTTLED 0.10	/* share of cgroup CPU periods throttled */
#define SAT_GPU_MEM 0.95
/* NVML clocks event reasons that mean the GPU is held back: SW power cap,
 * HW slowdown, SW and HW thermal slowdown, HW power brake. */
#define GPU_THROTTLE_BAD (0x4ULL | 0x8ULL | 0x20ULL | 0x40ULL | 0x80ULL)

static const char *const res_names[USE_NRES] = {
	"cpu", "mem", "disk", "net", "fd", "fs", "cgroup", "gpu",
};

const char *use_res_name(enum use_res r)
{
	return (unsigned)r < USE_NRES ? res_names[r] : "?";
}

/* cur - prev, or 0 (and *reset set) when the counter went backwards. */
static double delta(uint64_t prev, uint64_t cur, int *reset)
{
	if (cur >= prev)
		return (double)(cur - prev);
	*reset = 1;
	return 0;
}

static uint64_t cpu_total(const struct sys_cpu *c)
{
	return c->user + c->nice + c->system + c->idle + c->iowait + c->irq + c->softirq + c->steal;
}

/* Busy share excluding iowait (iowait is idle time with I/O pending). */
static void cpu_detail(const struct sys_cpu *a, const struct sys_cpu *b, struct use_cpu_detail *o,
		       int *reset)
{
	double total = delta(cpu_total(a), cpu_total(b), reset);
	double idle = delta(a->idle, b->idle, reset);
	double iowait = delta(a->iowait, b->iowait, reset);

	if (total <= 0) {
		o->busy = o->user = o->system = o->iowait = o->steal = NAN;
		return;
	}
	o->busy = fmax(0, total - idle - iowait) / total;
	o->user = (delta(a->user, b->user, reset) + delta(a->nice, b->nice, reset)) / total;
	o->system = (delta(a->system, b->system, reset) + delta(a->irq, b->irq, reset) +
		     delta(a->softirq, b->softirq, reset)) / total;
	o->iowait = iowait / total;
	o->steal = delta(a->steal, b->steal, reset) / total;
	o->busy = fmin(o->busy, 1);
}

static void set_val(struct use_val *v, double u, double s, double e, int sat)
{
	v->u = u;
	v->s = s;
	v->e = e;
	v->saturated = sat;
}

static void derive_cpu(const struct sys_sample *a, const struct sys_sample *b, struct use_row *o)
{
	struct use_cpu_detail all;
	unsigned have = o->have;
	double ncpu = b->ncpu ? b->ncpu : 1;

	o->cpu_runq = o->cpu_psi = o->sched_wait = NAN;
	if (!(have & SYS_HAVE_STAT)) {
		set_val(&o->r[USE_CPU], NAN, NAN, NAN, 0);
		return;
	}
	cpu_detail(&a->cpu_all, &b->cpu_all, &all, &o->counters_reset);
	o->ncpu = a->ncpu < b->ncpu ? a->ncpu : b->ncpu;
	for (uint32_t i = 0; i < o->ncpu; i++)
		cpu_detail(&a->cpu[i], &b->cpu[i], &o->cpu[i], &o->counters_reset);
	/* procs_running counts the reader too: perfeng runs while it reads /proc/stat */
	o->cpu_runq = (double)(b->procs_running ? b->procs_running - 1 : 0) / ncpu;
	if (have & SYS_HAVE_PSI_CPU)
		o->cpu_psi = fmin(1, delta(a->psi_cpu_some, b->psi_cpu_some, &o->counters_reset) /
					     1e6 / o->interval_s);
	if (have & SYS_HAVE_SCHED)
		o->sched_wait = delta(a->sched_wait_ns, b->sched_wait_ns, &o->counters_reset) / 1e9 /
				o->interval_s / ncpu;
	int sat = o->cpu_runq > SAT_CPU_RUNQ || o->cpu_psi >= SAT_PSI || o->sched_wait >= SAT_SCHED_WAIT;

	set_val(&o->r[USE_CPU], all.busy, o->cpu_runq, NAN, sat);
}

static void derive_mem(const struct sys_sample *a, const struct sys_sample *b, struct use_row *o)
{
	double dt = o->interval_s;
	int *rs = &o->counters_reset;

	o->mem_swap = o->mem_scan_s = o->mem_steal_s = o->mem_psi = o->mem_swapio_s = o->mem_oom = NAN;
	if (!(o->have & SYS_HAVE_MEM) || !b->mem_total) {
		set_val(&o->r[USE_MEM], NAN, NAN, NAN, 0);
		return;
	}
	/* clamped: a replayed record may hold any numbers */
	double u = fmax(0, 1 - (double)b->mem_available / (double)b->mem_total);

	o->mem_swap = b->swap_total ? fmax(0, 1 - (double)b->swap_free / (double)b->swap_total) : 0;
	if (o->have & SYS_HAVE_VMSTAT) {
		o->mem_scan_s = delta(a->pgscan, b->pgscan, rs) / dt;
		o->mem_steal_s = delta(a->pgsteal, b->pgsteal, rs) / dt;
		o->mem_swapio_s = (delta(a->pswpin, b->pswpin, rs) + delta(a->pswpout, b->pswpout, rs)) / dt;
		o->mem_oom = delta(a->oom_kill, b->oom_kill, rs) / dt;
	}
	if (o->have & SYS_HAVE_PSI_MEM)
		o->mem_psi = fmin(1, delta(a->psi_mem_some, b->psi_mem_some, rs) / 1e6 / dt);
	int sat = o->mem_psi >= SAT_PSI || o->mem_swapio_s >= SAT_SWAP_IO || o->mem_oom > 0;

	set_val(&o->r[USE_MEM], u, o->mem_scan_s, o->mem_oom, sat);
}

/*
 * The entry named name in an array of disks or interfaces (each struct starts
 * with its name), trying index hint first: the order rarely changes.
 */
_Static_assert(offsetof(struct sys_disk, name) == 0 && offsetof(struct sys_net, name) == 0,
	       "find_named needs the name first");
static const void *find_named(const void *arr, size_t stride, uint32_t n, const char *name,
			      uint32_t hint)
{
	const char *base = arr;

	if (hint < n && !strcmp(base + hint * stride, name))
		return base + hint * stride;
	for (uint32_t i = 0; i < n; i++)
		if (!strcmp(base + i * stride, name))
			return base + i * stride;
	return NULL;
}

static void derive_disk(const struct sys_sample *a, const struct sys_sample *b, struct use_row *o)
{
	double dt_ms = o->interval_s * 1e3, umax = NAN, aqumax = NAN;
	int *rs = &o->counters_reset;

	o->disk_psi = NAN;
	o->ndisk = 0;
	if (o->have & SYS_HAVE_PSI_IO)
		o->disk_psi = fmin(1, delta(a->psi_io_some, b->psi_io_some, rs) / 1e6 / o->interval_s);
	if (!(o->have & SYS_HAVE_DISK)) {
		set_val(&o->r[USE_DISK], NAN, NAN, NAN, o->disk_psi >= SAT_PSI);
		return;
	}
	for (uint32_t i = 0; i < b->ndisk; i++) {
		const struct sys_disk *y = &b->disk[i];
		const struct sys_disk *x = find_named(a->disk, sizeof(a->disk[0]), a->ndisk, y->name, i);

		if (!x)
			continue;	/* appeared during the interval */
		struct use_disk_detail *d = &o->disk[o->ndisk++];
		double ios = delta(x->rd_ios, y->rd_ios, rs) + delta(x->wr_ios, y->wr_ios, rs);
		double ms = delta(x->rd_ms, y->rd_ms, rs) + delta(x->wr_ms, y->wr_ms, rs);

		memcpy(d->name, y->name, sizeof(d->name));
		d->util = fmin(1, delta(x->io_ticks_ms, y->io_ticks_ms, rs) / dt_ms);
		d->aqu = delta(x->queue_ms, y->queue_ms, rs) / dt_ms;
		d->await_ms = ios > 0 ? ms / ios : 0;
		d->r_s = delta(x->rd_ios, y->rd_ios, rs) / o->interval_s;
		d->w_s = delta(x->wr_ios, y->wr_ios, rs) / o->interval_s;
		/* diskstats counts 512-byte sectors whatever the device's own size */
		d->rkb_s = delta(x->rd_sectors, y->rd_sectors, rs) / 2 / o->interval_s;
		d->wkb_s = delta(x->wr_sectors, y->wr_sectors, rs) / 2 / o->interval_s;
		if (isnan(umax) || d->util > umax)
			umax = d->util;
		if (isnan(aqumax) || d->aqu > aqumax)
			aqumax = d->aqu;
	}
	int sat = o->disk_psi >= SAT_PSI || aqumax >= SAT_DISK_AQU;

	set_val(&o->r[USE_DISK], umax, aqumax, NAN, sat);
}

static void derive_net(const struct sys_sample *a, const struct sys_sample *b, struct use_row *o)
{
	double dt = o->interval_s, umax = NAN, drops = 0, errs = 0, rx = 0, tx = 0;
	int *rs = &o->counters_reset;

	o->nnet = 0;
	o->net_rx_mb_s = o->net_tx_mb_s = o->net_retrans_s = NAN;
	if (!(o->have & SYS_HAVE_NET)) {
		set_val(&o->r[USE_NET], NAN, NAN, NAN, 0);
		return;
	}
	for (uint32_t i = 0; i < b->nnet; i++) {
		const struct sys_net *y = &b->net[i];
		const struct sys_net *x = find_named(a->net, sizeof(a->net[0]), a->nnet, y->name, i);

		if (!x)
			continue;
		struct use_net_detail *d = &o->net[o->nnet++];
		double rb = delta(x->rx_bytes, y->rx_bytes, rs), tb = delta(x->tx_bytes, y->tx_bytes, rs);

		memcpy(d->name, y->name, sizeof(d->name));
		d->rx_kb_s = rb / 1024 / dt;
		d->tx_kb_s = tb / 1024 / dt;
		d->drops_s = (delta(x->rx_drop, y->rx_drop, rs) + delta(x->tx_drop, y->tx_drop, rs)) / dt;
		d->errs_s = (delta(x->rx_errs, y->rx_errs, rs) + delta(x->tx_errs, y->tx_errs, rs)) / dt;
		/* Full duplex: the busier direction against the link speed. */
		d->util = y->speed_mbps ? fmax(rb, tb) * 8 / ((double)y->speed_mbps * 1e6 * dt) : NAN;
		if (!isnan(d->util) && (isnan(umax) || d->util > umax))
			umax = d->util;
		drops += d->drops_s;
		errs += d->errs_s;
		/* loopback traffic is not network traffic */
		if (strcmp(d->name, "lo")) {
			rx += rb;
			tx += tb;
		}
	}
	o->net_rx_mb_s = rx / 1e6 / dt;
	o->net_tx_mb_s = tx / 1e6 / dt;
	double retrans_share = NAN;

	if (o->have & SYS_HAVE_SNMP) {
		double r = delta(a->tcp_retrans_segs, b->tcp_retrans_segs, rs);
		double out = delta(a->tcp_out_segs, b->tcp_out_segs, rs);

		o->net_retrans_s = r / dt;
		retrans_share = out > 0 ? r / out : 0;
		errs += delta(a->tcp_in_errs, b->tcp_in_errs, rs) / dt;
	}
	set_val(&o->r[USE_NET], umax, drops, errs, drops > 0 || retrans_share >= SAT_RETRANS);
}

static void derive_small(const struct sys_sample *a, const struct sys_sample *b, struct use_row *o)
{
	int *rs = &o->counters_reset;
	double dt = o->interval_s;

	if (o->have & SYS_HAVE_FILENR) {
		double u = (double)b->fd_alloc / (double)b->fd_max;

		set_val(&o->r[USE_FD], u, NAN, NAN, u >= SAT_FULL);
	} else {
		set_val(&o->r[USE_FD], NAN, NAN, NAN, 0);
	}
	double fsu = NAN, fsi = NAN;

	o->nfs = (o->have & SYS_HAVE_FS) ? b->nfs : 0;
	for (uint32_t i = 0; i < o->nfs; i++) {
		const struct sys_fs *f = &b->fs[i];
		/* df's Use%: used over what non-root users can reach */
		double u = f->used + f->avail ? (double)f->used / (double)(f->used + f->avail) : 0;
		double in = f->files ? fmax(0, 1 - (double)f->ffree / (double)f->files) : 0;

		memcpy(o->fs[i].mount, f->mount, sizeof(o->fs[i].mount));
		o->fs[i].mount[sizeof(o->fs[i].mount) - 1] = 0;
		o->fs[i].used = u;
		o->fs[i].inodes = in;
		if (isnan(fsu) || u > fsu)
			fsu = u;
		if (isnan(fsi) || in > fsi)
			fsi = in;
	}
	set_val(&o->r[USE_FS], fsu, fsi, NAN, fsu >= SAT_FULL || fsi >= SAT_FULL);

	o->cg_throttled = o->cg_mem = o->cg_oom = NAN;
	if (o->have & SYS_HAVE_CG_CPU) {
		double periods = delta(a->cg_nr_periods, b->cg_nr_periods, rs);

		if (b->cg_nr_periods)	/* a CPU quota is set: periods run */
			o->cg_throttled = periods > 0 ?
				delta(a->cg_nr_throttled, b->cg_nr_throttled, rs) / periods : 0;
	}
	if ((o->have & SYS_HAVE_CG_MEM) && b->cg_mem_max != UINT64_MAX && b->cg_mem_max)
		o->cg_mem = (double)b->cg_mem_current / (double)b->cg_mem_max;
	int max_hit = 0;

	if (o->have & SYS_HAVE_CG_EVENTS) {
		o->cg_oom = delta(a->cg_oom_kill, b->cg_oom_kill, rs) / dt;
		max_hit = delta(a->cg_mem_max_events, b->cg_mem_max_events, rs) > 0;
	}
	set_val(&o->r[USE_CGROUP], o->cg_mem, o->cg_throttled, o->cg_oom,
		o->cg_throttled >= SAT_CG_THROTTLED || o->cg_mem >= SAT_FULL || max_hit || o->cg_oom > 0);
}

/* a / b as a fraction, NAN when either is unknown (UINT64_MAX) or b is 0. */
static double frac(uint64_t a, uint64_t b)
{
	return a == UINT64_MAX || b == UINT64_MAX || !b ? NAN : (double)a / (double)b;
}

static void derive_gpu(const struct sys_sample *a, const struct sys_sample *b, struct use_row *o)
{
	double umax = NAN, pmax = NAN, ecc = NAN;
	int sat = 0;

	o->ngpu = 0;
	if (!(o->have & SYS_HAVE_GPU)) {
		set_val(&o->r[USE_GPU], NAN, NAN, NAN, 0);
		return;
	}
	for (uint32_t i = 0; i < b->ngpu; i++) {
		const struct sys_gpu *y = &b->gpu[i];
		struct use_gpu_detail *d = &o->gpu[o->ngpu++];

		memcpy(d->name, y->name, sizeof(d->name));
		d->util = frac(y->util_gpu, 100);
		d->mem = frac(y->mem_used, y->mem_total);
		d->power = frac(y->power_mw, y->power_limit_mw);
		d->clock = frac(y->sm_clock_mhz, y->sm_clock_max_mhz);
		d->throttle = y->throttle == UINT64_MAX ? 0 : y->throttle;
		d->ecc_s = NAN;
		if (i < a->ngpu && y->ecc_uncorrected != UINT64_MAX && a->gpu[i].ecc_uncorrected != UINT64_MAX)
			d->ecc_s = delta(a->gpu[i].ecc_uncorrected, y->ecc_uncorrected,
					 &o->counters_reset) / o->interval_s;
		if (!isnan(d->util) && (isnan(umax) || d->util > umax))
			umax = d->util;
		if (!isnan(d->power) && (isnan(pmax) || d->power > pmax))
			pmax = d->power;
		if (!isnan(d->ecc_s))
			ecc = (isnan(ecc) ? 0 : ecc) + d->ecc_s;
		sat |= (d->throttle & GPU_THROTTLE_BAD) || d->mem >= SAT_GPU_MEM;
	}
	set_val(&o->r[USE_GPU], umax, pmax, ecc, sat);
}

static void derive_proc(const struct sys_sample *a, const struct sys_sample *b, long hz,
			struct use_row *o)
{
	const struct sys_proc *x = &a->proc, *y = &b->proc;
	struct use_proc_detail *p = &o->proc;
	double dt = o->interval_s;
	int *rs = &o->counters_reset;

	o->has_proc = b->proc.pid != 0;
	if (!o->has_proc)
		return;
	memset(p, 0, sizeof(*p));
	p->pid = y->pid;
	p->alive = y->alive && (b->have & SYS_HAVE_PROC);
	if (!p->alive || !(a->have & SYS_HAVE_PROC)) {
		p->cpu = p->run_delay_ms_s = p->rss_mib = p->minflt_s = p->majflt_s = NAN;
		p->read_kb_s = p->write_kb_s = p->vcs_s = p->ivcs_s = NAN;
		return;
	}
	p->cpu = (delta(x->utime, y->utime, rs) + delta(x->stime, y->stime, rs)) / (double)hz / dt;
	p->run_delay_ms_s = x->run_delay_ns == UINT64_MAX || y->run_delay_ns == UINT64_MAX ? NAN :
			    delta(x->run_delay_ns, y->run_delay_ns, rs) / 1e6 / dt;
	p->rss_mib = (double)y->rss_kib / 1024;
	p->minflt_s = delta(x->minflt, y->minflt, rs) / dt;
	p->majflt_s = delta(x->majflt, y->majflt, rs) / dt;
	if (x->read_bytes != UINT64_MAX && y->read_bytes != UINT64_MAX) {
		p->read_kb_s = delta(x->read_bytes, y->read_bytes, rs) / 1024 / dt;
		p->write_kb_s = delta(x->write_bytes, y->write_bytes, rs) / 1024 / dt;
	} else {
		p->read_kb_s = p->write_kb_s = NAN;	/* /proc/PID/io needs ptrace access */
	}
	p->vcs_s = delta(x->vol_ctxt, y->vol_ctxt, rs) / dt;
	p->ivcs_s = delta(x->invol_ctxt, y->invol_ctxt, rs) / dt;
	p->threads = y->threads;
	p->fds = y->fds;
}

void use_derive(const struct sys_sample *prev, const struct sys_sample *cur, long ticks_per_sec,
		struct use_row *out)
{
	out->t_ns = cur->t_ns;
	out->have = prev->have & cur->have;
	out->counters_reset = 0;
	out->ncpu = 0;
	/* A zero or backwards interval (a bad recording) still divides safely. */
	out->interval_s = cur->t_ns > prev->t_ns ? (double)(cur->t_ns - prev->t_ns) / 1e9 : 1e-9;
	derive_cpu(prev, cur, out);
	derive_mem(prev, cur, out);
	derive_disk(prev, cur, out);
	derive_net(prev, cur, out);
	derive_small(prev, cur, out);
	derive_gpu(prev, cur, out);
	derive_proc(prev, cur, ticks_per_sec > 0 ? ticks_per_sec : 100, out);
}

void use_summary_init(struct use_summary *sum)
{
	memset(sum, 0, sizeof(*sum));
}

static void stat_add(double x, double *s, double *mx, uint64_t *n)
{
	if (isnan(x))
		return;
	*s += x;
	if (!*n || x > *mx)
		*mx = x;
	(*n)++;
}

void use_summary_add(struct use_summary *sum, const struct use_row *row)
{
	sum->intervals++;
	sum->seconds += row->interval_s;
	for (int r = 0; r < USE_NRES; r++) {
		const struct use_val *v = &row->r[r];
		struct use_stat *st = &sum->r[r];

		if (isnan(v->u) && isnan(v->s) && isnan(v->e))
			continue;
		st->n++;
		st->n_saturated += v->saturated != 0;
		stat_add(v->u, &st->u_sum, &st->u_max, &st->nu);
		stat_add(v->s, &st->s_sum, &st->s_max, &st->ns);
		stat_add(v->e, &st->e_sum, &st->e_max, &st->ne);
	}
}

void use_summary_finish(struct use_summary *sum)
{
	for (int r = 0; r < USE_NRES; r++) {
		const struct use_stat *st = &sum->r[r];

		sum->u_mean[r] = st->nu ? st->u_sum / (double)st->nu : NAN;
		sum->s_mean[r] = st->ns ? st->s_sum / (double)st->ns : NAN;
		sum->e_mean[r] = st->ne ? st->e_sum / (double)st->ne : NAN;
		sum->sat_share[r] = st->n ? (double)st->n_saturated / (double)st->n : NAN;
	}
}
