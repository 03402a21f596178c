/*
 * The system sampling engine behind `observe` and `diagnose`: raw counters
 * from /proc, /sys, cgroup v2 and NVML (sys_sample), the USE method's
 * utilization / saturation / errors per resource for one interval
 * (use_derive), and a summary over many intervals (use_summary). It reads
 * and derives; it never prints (renderers are in src/out/use_table.h).
 *
 * Sampling is cheap by design: files are opened once and pread each time,
 * parsed in place, and a sample is a fixed-size struct (no allocation).
 * Everything is read below a root prefix so that tests can point the engine
 * at a fixture directory holding proc/ and sys/.
 *
 * Use (a sample is ~127 KB and a row ~84 KB: allocate them, not on the stack):
 *
 *	sys_source_init(&src, "/", use_gpu);		   once; src.gpu_note says why no GPU
 *	sys_sample(&src, a);  ...  sys_sample(&src, b);	   one per interval
 *	use_derive(a, b, src.ticks_per_sec, row);	   then swap a and b
 *	use_summary_add(&sum, row);
 *	use_summary_finish(&sum); use_summary_print(f, &sum);   (out/use_table.h)
 *	sys_source_release(&src);
 */
#ifndef PE_SYS_USE_H
#define PE_SYS_USE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SYS_MAX_CPUS 1024
#define SYS_MAX_DISKS 256
#define SYS_MAX_NETS 256	/* container hosts have hundreds of veths */
#define SYS_MAX_FS 32
#define SYS_MAX_GPUS 16
#define SYS_NAME_MAX 32		/* disk and interface names (IFNAMSIZ is 16) */
#define SYS_PATH_MAX 128	/* mount points, longer ones are cut */

/* Which parts of a sample were read: a missing file leaves its bit clear. */
enum {
	SYS_HAVE_STAT = 1u << 0,	/* /proc/stat */
	SYS_HAVE_MEM = 1u << 1,		/* /proc/meminfo */
	SYS_HAVE_VMSTAT = 1u << 2,	/* /proc/vmstat */
	SYS_HAVE_PSI_CPU = 1u << 3,	/* /proc/pressure/cpu */
	SYS_HAVE_PSI_MEM = 1u << 4,
	SYS_HAVE_PSI_IO = 1u << 5,
	SYS_HAVE_DISK = 1u << 6,	/* /proc/diskstats */
	SYS_HAVE_NET = 1u << 7,		/* /proc/net/dev */
	SYS_HAVE_SNMP = 1u << 8,	/* /proc/net/snmp */
	SYS_HAVE_FILENR = 1u << 9,	/* /proc/sys/fs/file-nr */
	SYS_HAVE_SCHED = 1u << 10,	/* /proc/schedstat */
	SYS_HAVE_FS = 1u << 11,		/* statvfs of mounted filesystems */
	SYS_HAVE_CG_CPU = 1u << 12,	/* cgroup v2 cpu.stat */
	SYS_HAVE_CG_MEM = 1u << 13,	/* cgroup v2 memory.current, memory.max */
	SYS_HAVE_CG_EVENTS = 1u << 14,	/* cgroup v2 memory.events */
	SYS_HAVE_GPU = 1u << 15,	/* NVML */
	SYS_HAVE_PROC = 1u << 16,	/* the watched process (-p) was read */
};

/* CPU time in USER_HZ ticks, as /proc/stat counts it (guest is inside user). */
struct sys_cpu {
	uint64_t user, nice, system, idle, iowait, irq, softirq, steal;
};

/* One /proc/diskstats line of a whole disk (partitions are skipped). */
struct sys_disk {
	char name[SYS_NAME_MAX];
	uint64_t rd_ios, rd_sectors, rd_ms, wr_ios, wr_sectors, wr_ms;
	uint64_t in_flight, io_ticks_ms, queue_ms;	/* queue_ms: weighted time in queue */
};

/* One /proc/net/dev interface, and its link speed from /sys (0: unknown). */
struct sys_net {
	char name[SYS_NAME_MAX];
	uint64_t rx_bytes, rx_packets, rx_errs, rx_drop;
	uint64_t tx_bytes, tx_packets, tx_errs, tx_drop;
	uint64_t speed_mbps;
};

/* statvfs of one mounted filesystem, in bytes and inodes. */
struct sys_fs {
	char mount[SYS_PATH_MAX];
	uint64_t size, avail, used, files, ffree;
};

/* One GPU from NVML; a value NVML refused is UINT64_MAX. */
struct sys_gpu {
	char name[64];
	uint64_t util_gpu, util_mem;		/* percent over NVML's own window */
	uint64_t mem_used, mem_total;		/* bytes */
	uint64_t power_mw, power_limit_mw;
	uint64_t sm_clock_mhz, sm_clock_max_mhz;
	uint64_t throttle;			/* clocks event reasons bit mask */
	uint64_t ecc_uncorrected;		/* volatile (since driver load) */
};

/* The watched process (-p PID), from /proc/PID/{stat,status,io,schedstat,fd}. */
struct sys_proc {
	int32_t pid;
	uint32_t alive;			/* 0 once it has exited */
	uint64_t utime, stime;		/* ticks */
	uint64_t run_delay_ns;		/* schedstat: waiting on a run queue; UINT64_MAX unknown */
	uint64_t rss_kib, minflt, majflt;
	uint64_t read_bytes, write_bytes;	/* UINT64_MAX when /proc/PID/io is unreadable */
	uint64_t vol_ctxt, invol_ctxt, threads, fds;
};

/* One snapshot of raw counters. Fixed size: reused, never allocated per sample. */
struct sys_sample {
	uint64_t t_ns;			/* CLOCK_MONOTONIC */
	uint32_t have;			/* SYS_HAVE_* */
	uint32_t ncpu;			/* per-CPU lines in cpu[] */
	struct sys_cpu cpu_all;
	struct sys_cpu cpu[SYS_MAX_CPUS];
	uint64_t ctxt, procs_running, procs_blocked;
	/* meminfo, KiB */
	uint64_t mem_total, mem_available, mem_free, swap_total, swap_free;
	/* vmstat, pages or events */
	uint64_t pgscan, pgsteal, pswpin, pswpout, pgmajfault, oom_kill;
	/* PSI "total=" stall time, microseconds */
	uint64_t psi_cpu_some, psi_mem_some, psi_mem_full, psi_io_some, psi_io_full;
	/* TCP from /proc/net/snmp */
	uint64_t tcp_out_segs, tcp_retrans_segs, tcp_in_errs;
	/* file-nr: allocated handles and the system limit */
	uint64_t fd_alloc, fd_max;
	/* schedstat summed over CPUs, nanoseconds: on CPU, waiting on a run queue */
	uint64_t sched_run_ns, sched_wait_ns, sched_slices;
	/* cgroup v2 */
	uint64_t cg_usage_usec, cg_nr_periods, cg_nr_throttled, cg_throttled_usec;
	uint64_t cg_mem_current, cg_mem_max;	/* cg_mem_max UINT64_MAX: "max" */
	uint64_t cg_mem_high_events, cg_mem_max_events, cg_oom, cg_oom_kill;
	uint32_t ndisk, nnet, nfs, ngpu;
	struct sys_disk disk[SYS_MAX_DISKS];
	struct sys_net net[SYS_MAX_NETS];
	struct sys_fs fs[SYS_MAX_FS];
	struct sys_gpu gpu[SYS_MAX_GPUS];
	struct sys_proc proc;
};

struct sys_file {
	const char *rel;	/* path below the root, e.g. "proc/stat" */
	int fd;			/* -1: missing or unreadable */
};

enum sys_file_id {
	SF_STAT, SF_MEMINFO, SF_VMSTAT, SF_PSI_CPU, SF_PSI_MEM, SF_PSI_IO, SF_DISKSTATS,
	SF_NETDEV, SF_SNMP, SF_FILENR, SF_SCHEDSTAT,
	SF_CG_CPU, SF_CG_MEMCUR, SF_CG_MEMMAX, SF_CG_EVENTS,
	SF_PID_STAT, SF_PID_STATUS, SF_PID_IO, SF_PID_SCHED,
	SF_COUNT
};

struct nvml;

/*
 * Where samples come from. Caller-owned; sys_source_init opens, sys_source_release
 * closes. The buffer is grown only when a file outgrows it.
 */
struct sys_source {
	char root[256];			/* "" for "/", else a directory without the trailing '/' */
	struct sys_file f[SF_COUNT];
	char cgroup[256];		/* the cgroup v2 directory below root, "" when none */
	char *buf;
	size_t buf_size;
	long ticks_per_sec;		/* USER_HZ */
	uint32_t online_cpus;		/* cores the kernel runs on */
	int32_t pid;			/* watched process, 0 for none */
	int pid_fd_dir;			/* /proc/PID/fd, for counting fds */
	char mounts[SYS_MAX_FS][SYS_PATH_MAX];	/* filesystems to statvfs, from mounts */
	uint32_t nmounts;
	char speed_name[SYS_MAX_NETS][SYS_NAME_MAX];	/* link speed cache */
	uint64_t speed_mbps[SYS_MAX_NETS];
	uint32_t nspeed;
	struct nvml *nvml;		/* NULL: no NVML */
	char gpu_note[160];		/* why there is no GPU data, for a one-line note */
};

/*
 * Opens the files below root ("/" or a fixture directory holding proc/ and
 * sys/). Missing files are not an error: their parts of a sample stay empty.
 * use_gpu: try NVML (PERFENG_NVML_LIB or libnvidia-ml.so.1). Returns 0, or -1
 * with pe_error() when root itself cannot be used.
 */
int sys_source_init(struct sys_source *s, const char *root, int use_gpu);
/* Watches a process too; -1 with pe_error() when /proc/PID does not exist. */
int sys_source_watch_pid(struct sys_source *s, pid_t pid);
void sys_source_release(struct sys_source *s);

/* Reads one snapshot into *out (overwritten). Returns 0; never fails on a missing file. */
int sys_sample(struct sys_source *s, struct sys_sample *out);

/* ---- derivations ------------------------------------------------------------ */

enum use_res { USE_CPU, USE_MEM, USE_DISK, USE_NET, USE_FD, USE_FS, USE_CGROUP, USE_GPU, USE_NRES };

/*
 * The USE triple of a resource over an interval. u is a fraction of capacity
 * (0..1, may pass 1 for a queue), s a saturation figure in the resource's own
 * unit, e an error count per second; NAN where the data is missing.
 * saturated: past a threshold (docs/observe.md lists them).
 */
struct use_val {
	double u, s, e;
	int saturated;
};

struct use_cpu_detail { double busy, user, system, iowait, steal; };
struct use_disk_detail {
	char name[SYS_NAME_MAX];
	double util, aqu, await_ms, r_s, w_s, rkb_s, wkb_s;
};
struct use_net_detail {
	char name[SYS_NAME_MAX];
	double util, rx_kb_s, tx_kb_s, drops_s, errs_s;	/* util NAN: speed unknown */
};
struct use_fs_detail {
	char mount[SYS_PATH_MAX];
	double used, inodes;	/* fractions: df's Use% and IUse% */
};
struct use_gpu_detail {
	char name[64];
	double util, mem, power, clock, ecc_s;	/* fractions; NAN when NVML refused */
	uint64_t throttle;
};
struct use_proc_detail {
	int32_t pid;
	int alive;
	double cpu, run_delay_ms_s, rss_mib, minflt_s, majflt_s, read_kb_s, write_kb_s;
	double vcs_s, ivcs_s;
	uint64_t threads, fds;
};

/* One interval, derived from two samples. */
struct use_row {
	uint64_t t_ns;			/* end of the interval */
	double interval_s;
	uint32_t have;			/* cur->have & prev->have */
	struct use_val r[USE_NRES];
	/* the figures behind the triples (also in -v and --json) */
	double cpu_runq, cpu_psi, sched_wait;		/* runq per CPU; PSI fraction; wait s/s per CPU */
	double mem_swap, mem_scan_s, mem_steal_s, mem_psi, mem_swapio_s, mem_oom;
	double disk_psi;
	double net_rx_mb_s, net_tx_mb_s, net_retrans_s;
	double cg_throttled, cg_mem, cg_oom;		/* share of periods; fraction of max; events */
	uint32_t ncpu, ndisk, nnet, nfs, ngpu;
	struct use_cpu_detail cpu[SYS_MAX_CPUS];	/* -v */
	struct use_disk_detail disk[SYS_MAX_DISKS];
	struct use_net_detail net[SYS_MAX_NETS];
	struct use_fs_detail fs[SYS_MAX_FS];
	struct use_gpu_detail gpu[SYS_MAX_GPUS];
	struct use_proc_detail proc;
	int has_proc;
	int counters_reset;		/* some counter went backwards: its rate is 0 */
};

/* Fills *out for the interval prev..cur. Rates never go negative. */
void use_derive(const struct sys_sample *prev, const struct sys_sample *cur, long ticks_per_sec,
		struct use_row *out);

/* Resource names ("cpu", "mem", ...). */
const char *use_res_name(enum use_res r);

/* Per resource over many intervals: mean and max of U, S, E; share saturated. */
struct use_stat {
	uint64_t n;			/* intervals with data */
	uint64_t n_saturated;
	double u_sum, u_max, s_sum, s_max, e_sum, e_max;
	uint64_t nu, ns, ne;		/* intervals with each figure */
};

struct use_summary {
	uint64_t intervals;
	double seconds;
	struct use_stat r[USE_NRES];
	/* after use_summary_finish: */
	double u_mean[USE_NRES], s_mean[USE_NRES], e_mean[USE_NRES];
	double sat_share[USE_NRES];
};

void use_summary_init(struct use_summary *sum);
void use_summary_add(struct use_summary *sum, const struct use_row *row);
void use_summary_finish(struct use_summary *sum);

#endif
