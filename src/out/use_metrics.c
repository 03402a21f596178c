#include "out/use_metrics.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "out/openmetrics.h"

/*
 * A family written lazily: its TYPE and HELP lines go out with its first
 * sample, so that a family without data (no GPU, no -p) is left out, and a
 * NaN figure (no data this interval) has no sample.
 */
struct um {
	struct om_writer *w;
	const char *name, *help;
	enum om_type type;
	int open;
};

static void um_family(struct um *m, const char *name, enum om_type type, const char *help)
{
	m->name = name;
	m->type = type;
	m->help = help;
	m->open = 0;
}

static void um_put(struct um *m, const struct om_label *l, size_t n, double v)
{
	if (isnan(v))
		return;
	if (!m->open) {
		om_family(m->w, m->name, m->type, m->help);
		m->open = 1;
	}
	if (m->type == OM_COUNTER)
		om_counter(m->w, m->name, l, n, v);
	else
		om_sample(m->w, m->name, l, n, v);
}

/* A family of one unlabelled sample. */
static void um_one(struct um *m, const char *name, enum om_type type, const char *help, double v)
{
	um_family(m, name, type, help);
	um_put(m, NULL, 0, v);
}

/* A sample with one label. */
static void um_put1(struct um *m, const char *k, const char *kv, double v)
{
	struct om_label l = { k, kv };

	um_put(m, &l, 1, v);
}

/* A sample with two labels. */
static void um_put2(struct um *m, const char *k1, const char *v1, const char *k2, const char *v2, double v)
{
	struct om_label l[2] = { { k1, v1 }, { k2, v2 } };

	um_put(m, l, 2, v);
}

/*
 * Families of one figure per device (disk, interface, filesystem): each
 * entry of arr starts with its name, which is the label's value, and holds
 * the figure at off, a double or (u64) a uint64_t, divided by div (a unit:
 * 1e3 for milliseconds to seconds; dividing keeps 1900 / 1e3 at 1.9).
 */
struct um_dev {
	const char *name, *help;
	enum om_type type;
	size_t off;
	double div;
	int u64;
};

_Static_assert(offsetof(struct use_disk_detail, name) == 0 && offsetof(struct use_net_detail, name) == 0 &&
	       offsetof(struct use_fs_detail, mount) == 0 && offsetof(struct sys_disk, name) == 0,
	       "um_devices takes the label from the start of an entry");

static void um_devices(struct um *m, const struct um_dev *f, size_t nf, const char *label, const void *arr,
		       size_t stride, uint32_t n)
{
	for (size_t k = 0; k < nf; k++) {
		um_family(m, f[k].name, f[k].type, f[k].help);
		for (uint32_t i = 0; i < n; i++) {
			const char *e = (const char *)arr + i * stride;
			double d;
			uint64_t u;

			if (f[k].u64) {
				memcpy(&u, e + f[k].off, sizeof(u));
				d = (double)u;
			} else {
				memcpy(&d, e + f[k].off, sizeof(d));
			}
			um_put1(m, label, e, d / f[k].div);
		}
	}
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A raw counter as a double; NaN for the engine's "unknown" (UINT64_MAX). */
static double u64(uint64_t x)
{
	return x == UINT64_MAX ? NAN : (double)x;
}

static void render_use(struct um *m, const struct use_row *r)
{
	um_family(m, "perfeng_observe_utilization_ratio", OM_GAUGE,
		  "USE utilization over the interval (cpu: busy share; mem: 1 - available/total; disk, net, gpu: "
		  "the busiest device; fd: allocated/limit; fs: the fullest filesystem; cgroup: memory/max).");
	for (int i = 0; i < USE_NRES; i++)
		um_put1(m, "resource", use_res_name(i), r->r[i].u);
	um_family(m, "perfeng_observe_saturated", OM_GAUGE,
		  "1 when the resource passed a saturation threshold in the interval (docs/observe.md), else 0.");
	for (int i = 0; i < USE_NRES; i++) {
		const struct use_val *v = &r->r[i];

		if (!isnan(v->u) || !isnan(v->s) || !isnan(v->e))
			um_put1(m, "resource", use_res_name(i), v->saturated ? 1 : 0);
	}
	um_family(m, "perfeng_observe_pressure_ratio", OM_GAUGE,
		  "Share of the interval in which some task stalled on the resource (PSI \"some\").");
	um_put1(m, "resource", "cpu", r->cpu_psi);
	um_put1(m, "resource", "memory", r->mem_psi);
	um_put1(m, "resource", "io", r->disk_psi);
}

static void render_cpu(struct um *m, const struct use_row *r, const struct sys_sample *c, long hz)
{
	static const char *const modes[] = { "user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal" };
	char id[16];

	um_one(m, "perfeng_observe_cpu_runnable_per_cpu", OM_GAUGE,
	       "Runnable tasks per CPU at the end of the interval (perfeng's own reader left out).", r->cpu_runq);
	um_one(m, "perfeng_observe_cpu_run_queue_wait_ratio", OM_GAUGE,
	       "Time tasks waited on run queues, seconds per second per CPU (schedstat).", r->sched_wait);
	um_family(m, "perfeng_observe_cpu_core_utilization_ratio", OM_GAUGE,
		  "Busy share of each CPU over the interval (iowait counts as idle).");
	for (uint32_t i = 0; i < r->ncpu; i++) {
		snprintf(id, sizeof(id), "%u", i);
		um_put1(m, "cpu", id, r->cpu[i].busy);
	}
	um_family(m, "perfeng_observe_cpu_core_mode_ratio", OM_GAUGE,
		  "Share of each CPU's time over the interval by mode (user includes nice; system irq and softirq).");
	for (uint32_t i = 0; i < r->ncpu; i++) {
		const struct use_cpu_detail *d = &r->cpu[i];

		snprintf(id, sizeof(id), "%u", i);
		um_put2(m, "cpu", id, "mode", "user", d->user);
		um_put2(m, "cpu", id, "mode", "system", d->system);
		um_put2(m, "cpu", id, "mode", "iowait", d->iowait);
		um_put2(m, "cpu", id, "mode", "steal", d->steal);
	}
	if (!(c->have & SYS_HAVE_STAT))
		return;
	const uint64_t t[] = { c->cpu_all.user, c->cpu_all.nice, c->cpu_all.system, c->cpu_all.idle,
			       c->cpu_all.iowait, c->cpu_all.irq, c->cpu_all.softirq, c->cpu_all.steal };

	um_family(m, "perfeng_observe_cpu_seconds", OM_COUNTER, "CPU time of all CPUs by mode (/proc/stat).");
	for (int i = 0; i < 8; i++)
		um_put1(m, "mode", modes[i], (double)t[i] / (double)hz);
	um_one(m, "perfeng_observe_context_switches", OM_COUNTER, "Context switches (/proc/stat ctxt).",
	       (double)c->ctxt);
	um_one(m, "perfeng_observe_processes_blocked", OM_GAUGE, "Tasks blocked on I/O (/proc/stat procs_blocked).",
	       (double)c->procs_blocked);
}

static void render_mem(struct um *m, const struct use_row *r, const struct sys_sample *c)
{
	if (r->have & SYS_HAVE_MEM) {
		um_one(m, "perfeng_observe_memory_total_bytes", OM_GAUGE, "MemTotal.", (double)c->mem_total * 1024);
		um_one(m, "perfeng_observe_memory_available_bytes", OM_GAUGE, "MemAvailable (estimated on old kernels).",
		       (double)c->mem_available * 1024);
		um_one(m, "perfeng_observe_swap_total_bytes", OM_GAUGE, "SwapTotal.", (double)c->swap_total * 1024);
		um_one(m, "perfeng_observe_swap_free_bytes", OM_GAUGE, "SwapFree.", (double)c->swap_free * 1024);
	}
	um_one(m, "perfeng_observe_swap_used_ratio", OM_GAUGE, "Share of swap in use (0 without swap).", r->mem_swap);
	um_one(m, "perfeng_observe_memory_scanned_pages_per_second", OM_GAUGE,
	       "Pages scanned by kswapd and direct reclaim per second over the interval.", r->mem_scan_s);
	um_one(m, "perfeng_observe_memory_reclaimed_pages_per_second", OM_GAUGE,
	       "Pages reclaimed (pgsteal) per second over the interval.", r->mem_steal_s);
	um_one(m, "perfeng_observe_swap_pages_per_second", OM_GAUGE,
	       "Pages swapped in and out per second over the interval.", r->mem_swapio_s);
	um_one(m, "perfeng_observe_oom_kills_per_second", OM_GAUGE,
	       "Kernel OOM kills per second over the interval.", r->mem_oom);
	if (!(c->have & SYS_HAVE_VMSTAT))
		return;
	um_one(m, "perfeng_observe_memory_scanned_pages", OM_COUNTER, "Pages scanned by kswapd and direct reclaim.",
	       (double)c->pgscan);
	um_one(m, "perfeng_observe_memory_reclaimed_pages", OM_COUNTER, "Pages reclaimed (pgsteal).",
	       (double)c->pgsteal);
	um_family(m, "perfeng_observe_swap_pages", OM_COUNTER, "Pages swapped in and out (pswpin, pswpout).");
	um_put1(m, "direction", "in", (double)c->pswpin);
	um_put1(m, "direction", "out", (double)c->pswpout);
	um_one(m, "perfeng_observe_major_faults", OM_COUNTER, "Major page faults (pgmajfault).", (double)c->pgmajfault);
	um_one(m, "perfeng_observe_oom_kills", OM_COUNTER, "Kernel OOM kills (oom_kill).", (double)c->oom_kill);
}

static void render_disk(struct um *m, const struct use_row *r, const struct sys_sample *c)
{
	static const struct um_dev interval[] = {
		{ "perfeng_observe_disk_utilization_ratio", "Share of the interval the disk was busy.", OM_GAUGE,
		  offsetof(struct use_disk_detail, util), 1, 0 },
		{ "perfeng_observe_disk_queue_length", "Average requests in the disk's queue over the interval (iostat aqu-sz).",
		  OM_GAUGE, offsetof(struct use_disk_detail, aqu), 1, 0 },
		{ "perfeng_observe_disk_await_seconds", "Average time of the interval's I/Os, queue and service (iostat await).",
		  OM_GAUGE, offsetof(struct use_disk_detail, await_ms), 1e3, 0 },
	};
	static const struct um_dev raw[] = {
		{ "perfeng_observe_disk_io_time_seconds", "Time the disk was busy.", OM_COUNTER,
		  offsetof(struct sys_disk, io_ticks_ms), 1e3, 1 },
		{ "perfeng_observe_disk_io_time_weighted_seconds",
		  "Time spent by I/Os in the queue, summed over I/Os (its rate is the queue length).", OM_COUNTER,
		  offsetof(struct sys_disk, queue_ms), 1e3, 1 },
		{ "perfeng_observe_disk_in_flight", "I/Os in flight when sampled.", OM_GAUGE,
		  offsetof(struct sys_disk, in_flight), 1, 1 },
	};
	const char *dev = "device";
	uint32_t i;

	um_devices(m, interval, NELEM(interval), dev, r->disk, sizeof(r->disk[0]), r->ndisk);
	um_family(m, "perfeng_observe_disk_ops_per_second", OM_GAUGE, "I/Os completed per second over the interval.");
	for (i = 0; i < r->ndisk; i++) {
		um_put2(m, dev, r->disk[i].name, "op", "read", r->disk[i].r_s);
		um_put2(m, dev, r->disk[i].name, "op", "write", r->disk[i].w_s);
	}
	um_family(m, "perfeng_observe_disk_bytes_per_second", OM_GAUGE, "Bytes read and written per second over the interval.");
	for (i = 0; i < r->ndisk; i++) {
		um_put2(m, dev, r->disk[i].name, "op", "read", r->disk[i].rkb_s * 1024);
		um_put2(m, dev, r->disk[i].name, "op", "write", r->disk[i].wkb_s * 1024);
	}
	if (!(c->have & SYS_HAVE_DISK))
		return;
	um_family(m, "perfeng_observe_disk_ops", OM_COUNTER, "I/Os completed (/proc/diskstats).");
	for (i = 0; i < c->ndisk; i++) {
		um_put2(m, dev, c->disk[i].name, "op", "read", (double)c->disk[i].rd_ios);
		um_put2(m, dev, c->disk[i].name, "op", "write", (double)c->disk[i].wr_ios);
	}
	um_family(m, "perfeng_observe_disk_bytes", OM_COUNTER, "Bytes read and written (512-byte sectors).");
	for (i = 0; i < c->ndisk; i++) {
		um_put2(m, dev, c->disk[i].name, "op", "read", (double)c->disk[i].rd_sectors * 512);
		um_put2(m, dev, c->disk[i].name, "op", "write", (double)c->disk[i].wr_sectors * 512);
	}
	um_devices(m, raw, NELEM(raw), dev, c->disk, sizeof(c->disk[0]), c->ndisk);
}

static void render_net(struct um *m, const struct use_row *r, const struct sys_sample *c)
{
	static const struct um_dev interval[] = {
		{ "perfeng_observe_network_utilization_ratio",
		  "The busier direction's throughput over the link speed (interfaces with a known speed).", OM_GAUGE,
		  offsetof(struct use_net_detail, util), 1, 0 },
		{ "perfeng_observe_network_drops_per_second", "Packets dropped per second over the interval, both directions.",
		  OM_GAUGE, offsetof(struct use_net_detail, drops_s), 1, 0 },
		{ "perfeng_observe_network_errors_per_second", "Interface errors per second over the interval, both directions.",
		  OM_GAUGE, offsetof(struct use_net_detail, errs_s), 1, 0 },
	};
	const char *ifc = "interface", *dir = "direction";
	uint32_t i;

	um_devices(m, interval, NELEM(interval), ifc, r->net, sizeof(r->net[0]), r->nnet);
	um_family(m, "perfeng_observe_network_bytes_per_second", OM_GAUGE, "Bytes per second over the interval.");
	for (i = 0; i < r->nnet; i++) {
		um_put2(m, ifc, r->net[i].name, dir, "receive", r->net[i].rx_kb_s * 1024);
		um_put2(m, ifc, r->net[i].name, dir, "transmit", r->net[i].tx_kb_s * 1024);
	}
	um_one(m, "perfeng_observe_tcp_retransmitted_segments_per_second", OM_GAUGE,
	       "TCP segments retransmitted per second over the interval.", r->net_retrans_s);
	if (c->have & SYS_HAVE_NET) {
		um_family(m, "perfeng_observe_network_speed_bytes_per_second", OM_GAUGE,
			  "Link speed (/sys/class/net/IF/speed), where the interface reports one.");
		for (i = 0; i < c->nnet; i++)
			um_put1(m, ifc, c->net[i].name, c->net[i].speed_mbps ? (double)c->net[i].speed_mbps * 125000 : NAN);
		/* four counters, each by direction: receive and transmit columns of /proc/net/dev */
		static const char *const names[4] = { "perfeng_observe_network_bytes", "perfeng_observe_network_packets",
						      "perfeng_observe_network_errors", "perfeng_observe_network_drops" };
		static const char *const helps[4] = { "Bytes (/proc/net/dev).", "Packets.", "Errors.", "Packets dropped." };

		for (int k = 0; k < 4; k++) {
			um_family(m, names[k], OM_COUNTER, helps[k]);
			for (i = 0; i < c->nnet; i++) {
				const struct sys_net *n = &c->net[i];
				const uint64_t rx[4] = { n->rx_bytes, n->rx_packets, n->rx_errs, n->rx_drop };
				const uint64_t tx[4] = { n->tx_bytes, n->tx_packets, n->tx_errs, n->tx_drop };

				um_put2(m, ifc, n->name, dir, "receive", (double)rx[k]);
				um_put2(m, ifc, n->name, dir, "transmit", (double)tx[k]);
			}
		}
	}
	if (c->have & SYS_HAVE_SNMP) {
		um_one(m, "perfeng_observe_tcp_sent_segments", OM_COUNTER, "TCP segments sent (/proc/net/snmp OutSegs).",
		       (double)c->tcp_out_segs);
		um_one(m, "perfeng_observe_tcp_retransmitted_segments", OM_COUNTER, "TCP segments retransmitted (RetransSegs).",
		       (double)c->tcp_retrans_segs);
		um_one(m, "perfeng_observe_tcp_receive_errors", OM_COUNTER, "TCP segments received in error (InErrs).",
		       (double)c->tcp_in_errs);
	}
}

static void render_fd_fs(struct um *m, const struct use_row *r, const struct sys_sample *c)
{
	static const struct um_dev fs[] = {
		{ "perfeng_observe_filesystem_used_ratio", "Used over used + available to non-root users (df's Use%).",
		  OM_GAUGE, offsetof(struct use_fs_detail, used), 1, 0 },
		{ "perfeng_observe_filesystem_inodes_used_ratio", "Inodes in use (df -i's IUse%).", OM_GAUGE,
		  offsetof(struct use_fs_detail, inodes), 1, 0 },
	};
	const char *mp = "mountpoint";
	uint32_t i;

	if (r->have & SYS_HAVE_FILENR) {
		um_one(m, "perfeng_observe_fds_allocated", OM_GAUGE, "File handles allocated (/proc/sys/fs/file-nr).",
		       (double)c->fd_alloc);
		um_one(m, "perfeng_observe_fds_limit", OM_GAUGE, "The system's file handle limit (file-max).",
		       (double)c->fd_max);
	}
	um_devices(m, fs, NELEM(fs), mp, r->fs, sizeof(r->fs[0]), r->nfs);
	/* row->fs[i] is cur->fs[i] when the row has filesystems */
	um_family(m, "perfeng_observe_filesystem_size_bytes", OM_GAUGE, "Filesystem size.");
	for (i = 0; i < r->nfs; i++)
		um_put1(m, mp, r->fs[i].mount, (double)c->fs[i].size);
	um_family(m, "perfeng_observe_filesystem_avail_bytes", OM_GAUGE, "Bytes available to non-root users.");
	for (i = 0; i < r->nfs; i++)
		um_put1(m, mp, r->fs[i].mount, (double)c->fs[i].avail);
}

static void render_cgroup(struct um *m, const struct use_row *r, const struct sys_sample *c)
{
	if (r->have & SYS_HAVE_CG_MEM) {
		um_one(m, "perfeng_observe_cgroup_memory_bytes", OM_GAUGE, "The cgroup's memory.current.",
		       (double)c->cg_mem_current);
		um_one(m, "perfeng_observe_cgroup_memory_max_bytes", OM_GAUGE, "The cgroup's memory.max (none when \"max\").",
		       u64(c->cg_mem_max));
	}
	um_one(m, "perfeng_observe_cgroup_throttled_ratio", OM_GAUGE,
	       "Share of the interval's CPU quota periods that were throttled.", r->cg_throttled);
	um_one(m, "perfeng_observe_cgroup_oom_kills_per_second", OM_GAUGE,
	       "OOM kills in the cgroup per second over the interval.", r->cg_oom);
	if (c->have & SYS_HAVE_CG_CPU) {
		um_one(m, "perfeng_observe_cgroup_cpu_seconds", OM_COUNTER, "CPU time of the cgroup (cpu.stat usage_usec).",
		       (double)c->cg_usage_usec / 1e6);
		um_one(m, "perfeng_observe_cgroup_periods", OM_COUNTER, "CPU quota periods (nr_periods).",
		       (double)c->cg_nr_periods);
		um_one(m, "perfeng_observe_cgroup_throttled_periods", OM_COUNTER, "Periods throttled (nr_throttled).",
		       (double)c->cg_nr_throttled);
		um_one(m, "perfeng_observe_cgroup_throttled_seconds", OM_COUNTER, "Time throttled (throttled_usec).",
		       (double)c->cg_throttled_usec / 1e6);
	}
	if (c->have & SYS_HAVE_CG_EVENTS) {
		um_family(m, "perfeng_observe_cgroup_memory_events", OM_COUNTER, "The cgroup's memory.events.");
		um_put1(m, "event", "high", (double)c->cg_mem_high_events);
		um_put1(m, "event", "max", (double)c->cg_mem_max_events);
		um_put1(m, "event", "oom", (double)c->cg_oom);
		um_put1(m, "event", "oom_kill", (double)c->cg_oom_kill);
	}
}

/* Each GPU's figures: one family at a time, a sample per GPU (labels gpu, name). */
static void render_gpu(struct um *m, const struct use_row *r, const struct sys_sample *c)
{
	static const struct {
		const char *name, *help;
		enum om_type type;
	} f[] = {
		{ "perfeng_observe_gpu_utilization_ratio", "Share of NVML's window with a kernel running.", OM_GAUGE },
		{ "perfeng_observe_gpu_memory_used_ratio", "GPU memory used over total.", OM_GAUGE },
		{ "perfeng_observe_gpu_power_ratio", "Power draw over the power limit.", OM_GAUGE },
		{ "perfeng_observe_gpu_clock_ratio", "SM clock over its maximum.", OM_GAUGE },
		{ "perfeng_observe_gpu_throttle_reasons", "NVML clocks event reasons, a bit mask.", OM_GAUGE },
		{ "perfeng_observe_gpu_memory_used_bytes", "GPU memory used.", OM_GAUGE },
		{ "perfeng_observe_gpu_memory_total_bytes", "GPU memory.", OM_GAUGE },
		{ "perfeng_observe_gpu_power_watts", "Power draw.", OM_GAUGE },
		{ "perfeng_observe_gpu_ecc_errors_per_second", "Uncorrected ECC errors per second over the interval.", OM_GAUGE },
		{ "perfeng_observe_gpu_ecc_uncorrected_errors", "Uncorrected ECC errors since the driver loaded.", OM_COUNTER },
	};
	char id[16];

	if (!(r->have & SYS_HAVE_GPU))
		return;
	for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++) {
		um_family(m, f[k].name, f[k].type, f[k].help);
		for (uint32_t i = 0; i < r->ngpu && i < c->ngpu; i++) {
			const struct use_gpu_detail *d = &r->gpu[i];
			const struct sys_gpu *g = &c->gpu[i];
			const double v[] = { d->util, d->mem, d->power, d->clock, (double)d->throttle, u64(g->mem_used),
					     u64(g->mem_total), g->power_mw == UINT64_MAX ? NAN : (double)g->power_mw / 1e3,
					     d->ecc_s, u64(g->ecc_uncorrected) };

			snprintf(id, sizeof(id), "%u", i);
			um_put2(m, "gpu", id, "name", d->name, v[k]);
		}
	}
}

static void render_proc(struct um *m, const struct use_row *r, const struct sys_sample *c, long hz)
{
	const struct use_proc_detail *p = &r->proc;
	const struct sys_proc *s = &c->proc;
	char pid[16];

	if (!r->has_proc)
		return;
	snprintf(pid, sizeof(pid), "%d", (int)p->pid);
	um_family(m, "perfeng_observe_process_up", OM_GAUGE, "1 while the watched process (-p) runs, 0 once it has exited.");
	um_put1(m, "pid", pid, p->alive ? 1 : 0);
	if (!p->alive)
		return;
	um_family(m, "perfeng_observe_process_cpu_ratio", OM_GAUGE, "CPU time per second over the interval (1: one core).");
	um_put1(m, "pid", pid, p->cpu);
	um_family(m, "perfeng_observe_process_run_delay_ratio", OM_GAUGE,
		  "Time its threads waited on run queues, seconds per second (schedstat).");
	um_put1(m, "pid", pid, p->run_delay_ms_s / 1e3);
	um_family(m, "perfeng_observe_process_resident_bytes", OM_GAUGE, "Resident set size.");
	um_put1(m, "pid", pid, (double)s->rss_kib * 1024);
	um_family(m, "perfeng_observe_process_threads", OM_GAUGE, "Threads.");
	um_put1(m, "pid", pid, (double)s->threads);
	um_family(m, "perfeng_observe_process_fds", OM_GAUGE, "Open file descriptors.");
	um_put1(m, "pid", pid, (double)s->fds);
	um_family(m, "perfeng_observe_process_faults_per_second", OM_GAUGE, "Page faults per second over the interval.");
	um_put2(m, "pid", pid, "kind", "minor", p->minflt_s);
	um_put2(m, "pid", pid, "kind", "major", p->majflt_s);
	um_family(m, "perfeng_observe_process_io_bytes_per_second", OM_GAUGE,
		  "Bytes read from and written to storage per second over the interval (/proc/PID/io).");
	um_put2(m, "pid", pid, "direction", "read", p->read_kb_s * 1024);
	um_put2(m, "pid", pid, "direction", "write", p->write_kb_s * 1024);
	um_family(m, "perfeng_observe_process_context_switches_per_second", OM_GAUGE,
		  "Context switches per second over the interval.");
	um_put2(m, "pid", pid, "kind", "voluntary", p->vcs_s);
	um_put2(m, "pid", pid, "kind", "involuntary", p->ivcs_s);
	um_family(m, "perfeng_observe_process_cpu_seconds", OM_COUNTER, "CPU time, user and system.");
	um_put1(m, "pid", pid, (double)(s->utime + s->stime) / (double)hz);
	um_family(m, "perfeng_observe_process_faults", OM_COUNTER, "Page faults.");
	um_put2(m, "pid", pid, "kind", "minor", (double)s->minflt);
	um_put2(m, "pid", pid, "kind", "major", (double)s->majflt);
	um_family(m, "perfeng_observe_process_io_bytes", OM_COUNTER, "Bytes read from and written to storage.");
	um_put2(m, "pid", pid, "direction", "read", u64(s->read_bytes));
	um_put2(m, "pid", pid, "direction", "write", u64(s->write_bytes));
	um_family(m, "perfeng_observe_process_context_switches", OM_COUNTER, "Context switches.");
	um_put2(m, "pid", pid, "kind", "voluntary", (double)s->vol_ctxt);
	um_put2(m, "pid", pid, "kind", "involuntary", (double)s->invol_ctxt);
}

void use_metrics_render(struct om_writer *w, const struct use_metrics_view *v)
{
	struct um m = { .w = w };
	const struct use_row *r = v->row;
	long hz = v->hz > 0 ? v->hz : 100;

	um_one(&m, "perfeng_observe_intervals", OM_COUNTER, "Intervals observed so far.", (double)v->intervals);
	if (r) {
		um_one(&m, "perfeng_observe_interval_seconds", OM_GAUGE, "Length of the latest interval.", r->interval_s);
		render_use(&m, r);
		render_cpu(&m, r, v->cur, hz);
		render_mem(&m, r, v->cur);
		render_disk(&m, r, v->cur);
		render_net(&m, r, v->cur);
		render_fd_fs(&m, r, v->cur);
		render_cgroup(&m, r, v->cur);
		render_gpu(&m, r, v->cur);
		render_proc(&m, r, v->cur, hz);
	}
	om_eof(w);
}
