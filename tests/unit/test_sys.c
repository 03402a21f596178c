/*
 * Tests of the USE engine (src/sys/use.h, procfs.c, sample.c, record.c) on
 * the fixture roots in tests/fixtures/sys/: debian12-6.18 was recorded on
 * this project's machine; the others were written by hand (see that
 * directory's README.md). Every expected value below was computed by hand
 * from the fixture text; the arithmetic is written next to each assertion.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out/use_table.h"
#include "sys/procfs.h"
#include "sys/record.h"
#include "sys/use.h"
#include "util/error.h"
#include "util/xalloc.h"

#include "sys_fixture.h"

#define assert_near(a, b) do { double a_ = (a), b_ = (b); \
	if (!(fabs(a_ - b_) <= 1e-9 * fmax(1, fabs(b_)))) \
		fail_msg("%s = %.12g, expected %.12g", #a, a_, b_); } while (0)
#define assert_nan(a) do { if (!isnan(a)) fail_msg("%s = %g, expected NaN", #a, (double)(a)); } while (0)

static void test_recorded_debian12(void **state)
{
	(void)state;
	struct sys_sample *s = sample_root(FIX "debian12-6.18", 1);

	/* copied from /proc of the machine: see the files for each figure */
	assert_true(s->have & SYS_HAVE_STAT);
	assert_int_equal(s->ncpu, 2);
	assert_int_equal(s->cpu_all.user, 511355);
	assert_int_equal(s->cpu_all.system, 185721);
	assert_int_equal(s->cpu_all.idle, 896109);
	assert_int_equal(s->cpu_all.iowait, 3964);
	assert_int_equal(s->cpu_all.softirq, 12257);
	assert_int_equal(s->cpu_all.steal, 192);
	assert_int_equal(s->cpu[1].user, 283169);
	assert_int_equal(s->mem_total, 24684092);
	assert_int_equal(s->mem_available, 24263296);
	assert_true(s->have & SYS_HAVE_PSI_CPU);
	assert_int_equal(s->psi_cpu_some, 927778991);
	assert_true(s->have & SYS_HAVE_SNMP);
	assert_int_equal(s->tcp_retrans_segs, 46);
	assert_int_equal(s->tcp_out_segs, 43938381);
	assert_int_equal(s->fd_alloc, 661);
	assert_int_equal(s->fd_max, 2466177);
	/* diskstats holds loop0..7 (no I/O: skipped) and vda */
	assert_int_equal(s->ndisk, 1);
	assert_string_equal(s->disk[0].name, "vda");
	assert_int_equal(s->nnet, 4);
	assert_string_equal(s->net[3].name, "eth0");
	assert_int_equal(s->net[3].rx_bytes, 98750897);
	assert_int_equal(s->net[3].tx_packets, 1973);
	assert_int_equal(s->net[3].speed_mbps, 0);	/* no sys/class/net here */
	/* cgroup2 mounted at /sys/fs/cgroup/unified, the process in "/" */
	assert_true(s->have & SYS_HAVE_CG_CPU);
	assert_int_equal(s->cg_usage_usec, 7150763230ULL);
	assert_false(s->have & SYS_HAVE_CG_MEM);
	assert_false(s->have & SYS_HAVE_SCHED);	/* no /proc/schedstat on this kernel */
	free(s);
}

/* Two samples of pair-5.15, 2 s apart, derived; arithmetic beside each line. */
static void test_pair_derive(void **state)
{
	(void)state;
	struct sys_sample *a = sample_root(FIX "pair-5.15/t0", 1000000000ULL);
	struct sys_sample *b = sample_root(FIX "pair-5.15/t1", 3000000000ULL);
	struct use_row *r = xcalloc(1, sizeof(*r));

	use_derive(a, b, 100, r);
	assert_near(r->interval_s, 2.0);
	assert_int_equal(r->counters_reset, 0);
	/* CPU: deltas user 200, system 100, idle 500, iowait 100, steal 100:
	 * total 1000, busy (1000 - 500 - 100) / 1000 = 0.4 */
	assert_near(r->r[USE_CPU].u, 0.4);
	assert_int_equal(r->ncpu, 2);
	assert_near(r->cpu[0].busy, 0.4);	/* 500 total, 250 idle, 50 iowait */
	assert_near(r->cpu[0].user, 0.2);	/* 100 / 500 */
	assert_near(r->cpu[1].steal, 0.1);	/* 50 / 500 */
	assert_near(r->cpu[1].iowait, 0.1);
	assert_near(r->cpu_runq, 1.5);		/* procs_running 4, less the reader, / 2 CPUs */
	assert_near(r->r[USE_CPU].s, 1.5);
	assert_near(r->cpu_psi, 0.2);		/* (500000 - 100000) us / 2 s */
	/* schedstat wait: cpu0 +200 ms, cpu1 +400 ms: 0.6 s / 2 s / 2 CPUs */
	assert_near(r->sched_wait, 0.15);
	assert_true(r->r[USE_CPU].saturated);
	assert_nan(r->r[USE_CPU].e);
	/* memory: 1 - 2000000 / 8000000; swap 1 - 250000 / 1000000 */
	assert_near(r->r[USE_MEM].u, 0.75);
	assert_near(r->mem_swap, 0.75);
	/* pgscan kswapd +2000, direct +1000 (anon/file/throttle ignored): 3000 / 2 s */
	assert_near(r->mem_scan_s, 1500);
	assert_near(r->r[USE_MEM].s, 1500);
	assert_near(r->mem_steal_s, 1250);	/* kswapd +2000, direct +500 */
	assert_near(r->mem_swapio_s, 200);	/* (100 + 300) / 2 */
	assert_near(r->mem_oom, 0.5);		/* oom_kill +1 */
	assert_near(r->mem_psi, 0.15);		/* 300000 us / 2 s */
	assert_true(r->r[USE_MEM].saturated);
	/* disks: sda, nvme0n1, loop1 (loop0, ram0 idle; partitions skipped) */
	assert_int_equal(r->ndisk, 3);
	assert_string_equal(r->disk[0].name, "sda");
	assert_near(r->disk[0].util, 0.4);	/* io_ticks +800 ms / 2000 ms */
	assert_near(r->disk[0].aqu, 1.0);	/* queue +2000 ms / 2000 ms */
	assert_near(r->disk[0].await_ms, 3.2);	/* (600 + 1000) ms / (300 + 200) I/Os */
	assert_near(r->disk[0].r_s, 150);
	assert_near(r->disk[0].w_s, 100);
	assert_near(r->disk[0].rkb_s, 600);	/* 2400 sectors * 512 B / 1024 / 2 s */
	assert_near(r->disk[0].wkb_s, 400);
	assert_string_equal(r->disk[1].name, "nvme0n1");
	assert_near(r->disk[1].util, 0.95);	/* +1900 / 2000 */
	assert_near(r->disk[1].aqu, 3.0);	/* +6000 / 2000 */
	assert_near(r->r[USE_DISK].u, 0.95);
	assert_near(r->r[USE_DISK].s, 3.0);
	assert_near(r->disk_psi, 0.05);		/* 100000 us / 2 s */
	assert_true(r->r[USE_DISK].saturated);	/* aqu 3 >= 2 */
	/* network: eth0 rx +25e6 B at 1000 Mb/s over 2 s: 25e6 * 8 / 2e9 = 0.1 */
	assert_int_equal(r->nnet, 2);
	assert_nan(r->net[0].util);		/* lo: no speed */
	assert_near(r->net[1].util, 0.1);
	assert_near(r->net[1].drops_s, 2);	/* rx_drop +4 / 2 s */
	assert_near(r->net[1].errs_s, 1);	/* rx_errs +2 / 2 s */
	assert_near(r->net_rx_mb_s, 12.5);	/* 25e6 / 1e6 / 2, lo left out */
	assert_near(r->net_tx_mb_s, 2.5);
	assert_near(r->net_retrans_s, 10);	/* RetransSegs +20 / 2 s; 20 / 1000 out = 2 % */
	assert_near(r->r[USE_NET].s, 2);
	assert_near(r->r[USE_NET].e, 2);	/* 1 interface error/s + InErrs +2 / 2 s */
	assert_true(r->r[USE_NET].saturated);
	/* fds 9000 / 10000 */
	assert_near(r->r[USE_FD].u, 0.9);
	assert_true(r->r[USE_FD].saturated);
	/* cgroup: throttled +50 of +200 periods; 512 MiB of 1 GiB; oom_kill +2 / 2 s */
	assert_near(r->cg_throttled, 0.25);
	assert_near(r->r[USE_CGROUP].u, 0.5);
	assert_near(r->r[USE_CGROUP].e, 1.0);
	assert_true(r->r[USE_CGROUP].saturated);
	assert_false(r->have & SYS_HAVE_FS);	/* its mount is not below the fixture */
	assert_nan(r->r[USE_FS].u);
	assert_nan(r->r[USE_GPU].u);
	free(a);
	free(b);
	free(r);
}

/* Every counter of t1 is below t0's: rates are 0, never negative, and flagged. */
static void test_backwards(void **state)
{
	(void)state;
	struct sys_sample *a = sample_root(FIX "backwards/t0", 0);
	struct sys_sample *b = sample_root(FIX "backwards/t1", 1000000000ULL);
	struct use_row *r = xcalloc(1, sizeof(*r));

	use_derive(a, b, 100, r);
	assert_int_equal(r->counters_reset, 1);
	assert_nan(r->r[USE_CPU].u);		/* total went back: no CPU figure */
	assert_near(r->mem_scan_s, 0);
	assert_near(r->mem_swapio_s, 0);
	assert_near(r->mem_oom, 0);
	assert_near(r->cpu_psi, 0);
	assert_int_equal(r->ndisk, 1);
	assert_near(r->disk[0].util, 0);
	assert_near(r->disk[0].aqu, 0);
	assert_near(r->disk[0].await_ms, 0);
	assert_near(r->net[0].rx_kb_s, 0);
	assert_near(r->net[0].drops_s, 0);
	assert_near(r->net_retrans_s, 0);
	assert_near(r->r[USE_NET].e, 0);
	/* the other way round is an ordinary interval */
	use_derive(b, a, 100, r);
	assert_int_equal(r->counters_reset, 0);
	assert_near(r->interval_s, 1e-9);	/* t went back: a tiny interval, not a negative one */
	free(a);
	free(b);
	free(r);
}

static void test_old_kernel(void **state)
{
	(void)state;
	struct sys_sample *s = sample_root(FIX "old-2.6.32", 1);

	assert_false(s->have & (SYS_HAVE_PSI_CPU | SYS_HAVE_PSI_MEM | SYS_HAVE_PSI_IO));
	/* no MemAvailable: free 1000000 + buffers 200000 + cached 800000 */
	assert_int_equal(s->mem_available, 2000000);
	/* per-zone counters: scan 10 + 100 + 1000 + 1 + 2 + 200, steal 5 + 50 + 500 */
	assert_int_equal(s->pgscan, 1313);
	assert_int_equal(s->pgsteal, 555);
	assert_int_equal(s->pgmajfault, 44);
	/* ram0 and loop0 idle, sda1 in the old 4-field form: sda and sdb */
	assert_int_equal(s->ndisk, 2);
	assert_string_equal(s->disk[0].name, "sda");
	assert_int_equal(s->disk[0].io_ticks_ms, 6000);
	assert_int_equal(s->disk[0].queue_ms, 15000);
	assert_string_equal(s->disk[1].name, "sdb");
	/* "eth0:12345678" glued */
	assert_int_equal(s->nnet, 2);
	assert_string_equal(s->net[1].name, "eth0");
	assert_int_equal(s->net[1].rx_bytes, 12345678);
	assert_int_equal(s->net[1].tx_drop, 5);
	/* Tcp without InCsumErrors */
	assert_int_equal(s->tcp_out_segs, 800);
	assert_int_equal(s->tcp_retrans_segs, 9);
	assert_int_equal(s->procs_running, 3);
	assert_int_equal(s->cpu_all.irq, 10);
	free(s);
}

static void test_container(void **state)
{
	(void)state;
	struct sys_sample *s = sample_root(FIX "container-nodisks", 1);

	assert_true(s->have & SYS_HAVE_DISK ? 0 : 1);
	assert_int_equal(s->ndisk, 0);
	assert_false(s->have & (SYS_HAVE_SNMP | SYS_HAVE_FILENR | SYS_HAVE_SCHED | SYS_HAVE_VMSTAT));
	/* cgroup2 at /sys/fs/cgroup, path "/": memory.max "max" */
	assert_true(s->have & SYS_HAVE_CG_MEM);
	assert_int_equal(s->cg_mem_current, 104857600);
	assert_true(s->cg_mem_max == UINT64_MAX);
	assert_true(s->have & SYS_HAVE_CG_CPU);
	assert_int_equal(s->cg_nr_periods, 0);

	struct sys_sample *b = xmalloc(sizeof(*b));
	struct use_row *r = xcalloc(1, sizeof(*r));

	*b = *s;
	b->t_ns = 1000000001;
	use_derive(s, b, 100, r);
	assert_nan(r->r[USE_DISK].u);
	assert_nan(r->r[USE_CGROUP].u);		/* no memory limit */
	assert_nan(r->r[USE_CGROUP].s);		/* no CPU quota: no periods */
	assert_near(r->r[USE_MEM].u, 0.25);	/* 1 - 1500000 / 2000000 */
	assert_nan(r->r[USE_FD].u);
	free(s);
	free(b);
	free(r);
}

/* No cgroup namespace: /proc/self/cgroup names a host path, the mount is the container's own. */
static void test_container_no_cgroupns(void **state)
{
	(void)state;
	struct sys_sample *s = sample_root(FIX "container-nocgns", 1);

	assert_true(s->have & SYS_HAVE_CG_MEM);
	assert_int_equal(s->cg_mem_current, 1073741824);
	assert_int_equal(s->cg_mem_max, 2147483648ULL);
	assert_true(s->have & SYS_HAVE_CG_CPU);
	assert_int_equal(s->cg_nr_throttled, 1);
	free(s);
}

static void test_long_ifnames(void **state)
{
	(void)state;
	struct sys_sample *s = sample_root(FIX "long-ifnames", 1);

	assert_int_equal(s->nnet, 3);
	assert_string_equal(s->net[0].name, "veth1234567abcd");	/* 15 characters */
	assert_int_equal(s->net[0].rx_bytes, 1111);
	assert_int_equal(s->net[0].tx_errs, 2);
	assert_string_equal(s->net[1].name, "br-0123456789ab");
	assert_int_equal(s->net[1].rx_drop, 3);
	assert_int_equal(s->net[1].tx_drop, 4);
	assert_string_equal(s->net[2].name, "wlp0s20f3xyzw");
	assert_true(s->net[2].rx_bytes == UINT64_MAX);
	assert_false(s->have & SYS_HAVE_STAT);		/* no proc/stat in this root */
	free(s);
}

static void test_many_cpus(void **state)
{
	(void)state;
	struct sys_sample *s = sample_root(FIX "many-cpus", 1);

	assert_int_equal(s->ncpu, 128);
	/* cpuN: user N, system 2N, idle 1000 - 3N */
	assert_int_equal(s->cpu[127].user, 127);
	assert_int_equal(s->cpu[127].system, 254);
	assert_int_equal(s->cpu[127].idle, 619);
	assert_int_equal(s->cpu_all.user, 8128);	/* 0 + 1 + ... + 127 */
	/* schedstat: run 1000 N, wait 10 N, slices N summed over N = 0..127 */
	assert_int_equal(s->sched_run_ns, 8128000);
	assert_int_equal(s->sched_wait_ns, 81280);
	assert_int_equal(s->sched_slices, 8128);
	assert_int_equal(s->procs_running, 130);
	free(s);
}

/* A root that does not exist is an error; an empty one is only empty. */
static void test_missing_root(void **state)
{
	(void)state;
	struct sys_source src;
	struct sys_sample *s = xcalloc(1, sizeof(*s));

	assert_int_equal(sys_source_init(&src, FIX "no-such-root", 0), -1);
	assert_non_null(strstr(pe_errmsg(), "no-such-root"));
	assert_int_equal(sys_source_init(&src, FIX "long-ifnames/proc", 0), 0);
	assert_int_equal(sys_sample(&src, s), 0);
	assert_int_equal(s->have, 0);
	sys_source_release(&src);
	free(s);
}

static void test_parsers_malformed(void **state)
{
	(void)state;
	struct sys_sample *s = xcalloc(1, sizeof(*s));
	struct sys_proc p = { 0 };
	static const char stat_text[] = "cpu";
	static const char pid_stat[] = "42 (a b) c) S 1 42 42 0 -1 4194560 100 0 7 0 250 50 0 0 20 0 3 0";
	static const char snmp_text[] = "Tcp: OutSegs\n";
	char path[64];

	procfs_parse_stat(stat_text, 3, s);
	assert_true(s->have & SYS_HAVE_STAT);
	assert_int_equal(s->cpu_all.user, 0);
	procfs_parse_pid_stat(pid_stat, sizeof(pid_stat) - 1, &p);
	assert_int_equal(p.minflt, 100);
	assert_int_equal(p.majflt, 7);
	assert_int_equal(p.utime, 250);
	assert_int_equal(p.stime, 50);
	assert_int_equal(p.threads, 3);
	p.alive = 1;
	procfs_parse_pid_stat("9 (z) Z 1 9", 11, &p);
	assert_int_equal(p.alive, 0);		/* a zombie has exited */
	s->have = 0;
	procfs_parse_snmp(snmp_text, sizeof(snmp_text) - 1, s);
	assert_false(s->have & SYS_HAVE_SNMP);
	procfs_parse_filenr("12 0", 4, s);
	assert_false(s->have & SYS_HAVE_FILENR);
	assert_int_equal(procfs_parse_cgroup_path("1:cpu:/x\n0::/a/b\n", 17, path, sizeof(path)), 0);
	assert_string_equal(path, "/a/b");
	assert_int_equal(procfs_parse_cgroup_path("1:cpu:/x\n", 9, path, sizeof(path)), -1);
	free(s);
}

/* Recording then reading back gives the same samples, field by field. */
static void test_record_roundtrip(void **state)
{
	(void)state;
	struct sys_sample *a = sample_root(FIX "pair-5.15/t0", 1000000000ULL);
	struct sys_sample *b = xcalloc(1, sizeof(*b));
	struct rec_reader rd;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	a->ngpu = 1;
	a->have |= SYS_HAVE_GPU;
	memset(&a->gpu[0], 0, sizeof(a->gpu[0]));
	strcpy(a->gpu[0].name, "Some GPU 80GB");
	a->gpu[0].util_gpu = 42;
	a->gpu[0].ecc_uncorrected = UINT64_MAX;
	a->proc.pid = 7;
	a->proc.alive = 1;
	a->proc.utime = 99;
	a->proc.read_bytes = UINT64_MAX;
	assert_int_equal(rec_write_header(f, 100, "no GPU data: test"), 0);
	assert_int_equal(rec_write(f, a), 0);
	fclose(f);
	f = fmemopen(buf, len, "r");
	assert_int_equal(rec_reader_init(&rd, f, "mem"), 0);
	assert_int_equal(rd.hz, 100);
	assert_string_equal(rd.note, "no GPU data: test");
	assert_int_equal(rec_read(&rd, b), 1);
	assert_int_equal(rec_read(&rd, b + 0) == 0 ? 0 : 1, 0);
	fclose(f);
	/* compare what the writer wrote, reading once more */
	f = fmemopen(buf, len, "r");
	assert_int_equal(rec_reader_init(&rd, f, "mem"), 0);
	assert_int_equal(rec_read(&rd, b), 1);
	fclose(f);
	assert_int_equal(b->t_ns, a->t_ns);
	assert_int_equal(b->have, a->have);
	assert_int_equal(b->ncpu, a->ncpu);
	assert_memory_equal(&b->cpu_all, &a->cpu_all, sizeof(a->cpu_all));
	assert_memory_equal(b->cpu, a->cpu, a->ncpu * sizeof(a->cpu[0]));
	assert_memory_equal(&b->ctxt, &a->ctxt, offsetof(struct sys_sample, ndisk) - offsetof(struct sys_sample, ctxt));
	assert_int_equal(b->ndisk, a->ndisk);
	for (uint32_t i = 0; i < a->ndisk; i++) {
		assert_string_equal(b->disk[i].name, a->disk[i].name);
		assert_memory_equal(&b->disk[i].rd_ios, &a->disk[i].rd_ios,
				    sizeof(a->disk[0]) - offsetof(struct sys_disk, rd_ios));
	}
	assert_int_equal(b->nnet, a->nnet);
	for (uint32_t i = 0; i < a->nnet; i++) {
		assert_string_equal(b->net[i].name, a->net[i].name);
		assert_int_equal(b->net[i].rx_bytes, a->net[i].rx_bytes);
		assert_int_equal(b->net[i].speed_mbps, a->net[i].speed_mbps);
	}
	assert_string_equal(b->gpu[0].name, "Some GPU 80GB");
	assert_int_equal(b->gpu[0].util_gpu, 42);
	assert_true(b->gpu[0].ecc_uncorrected == UINT64_MAX);
	assert_int_equal(b->proc.pid, 7);
	assert_int_equal(b->proc.utime, 99);
	assert_true(b->proc.read_bytes == UINT64_MAX);
	free(buf);
	free(a);
	free(b);
}

static void test_record_errors(void **state)
{
	(void)state;
	struct sys_sample *s = xcalloc(1, sizeof(*s));
	struct rec_reader rd;
	static const char *const bad[] = {
		"",
		"something else\n",
		"perfeng-observe-record 9\n",
		"perfeng-observe-record 1\nhz 100\nsample 5 1\ncpu all 1 2 3\nend\n",
		"perfeng-observe-record 1\nsample 5 1\nmem_total 3\n",
		"perfeng-observe-record 1\nsample x 1\nend\n",
	};
	static const char *const msg[] = { "observe record", "not an observe record", "version 9",
					   "malformed", "no 'end'", "expected 'sample" };

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		FILE *f = fmemopen((void *)bad[i], strlen(bad[i]) ? strlen(bad[i]) : 1, "r");
		int rc = rec_reader_init(&rd, f, "x.rec");

		if (rc == 0)
			rc = rec_read(&rd, s);
		assert_int_equal(rc, -1);
		if (!strstr(pe_errmsg(), msg[i]))
			fail_msg("case %zu: '%s' lacks '%s'", i, pe_errmsg(), msg[i]);
		fclose(f);
	}
	free(s);
}

static void test_summary(void **state)
{
	(void)state;
	struct use_summary sum;
	struct use_row *r = xcalloc(1, sizeof(*r));

	use_summary_init(&sum);
	for (int i = 0; i < USE_NRES; i++)
		r->r[i].u = r->r[i].s = r->r[i].e = NAN;
	/* CPU u 0.2, 0.6, 0.4; s 1, 3, NaN; saturated in the second only */
	double u[] = { 0.2, 0.6, 0.4 }, s[] = { 1, 3, NAN };

	for (int i = 0; i < 3; i++) {
		r->interval_s = 0.5;
		r->r[USE_CPU].u = u[i];
		r->r[USE_CPU].s = s[i];
		r->r[USE_CPU].saturated = i == 1;
		use_summary_add(&sum, r);
	}
	use_summary_finish(&sum);
	assert_int_equal(sum.intervals, 3);
	assert_near(sum.seconds, 1.5);
	assert_near(sum.u_mean[USE_CPU], 0.4);		/* 1.2 / 3 */
	assert_near(sum.r[USE_CPU].u_max, 0.6);
	assert_near(sum.s_mean[USE_CPU], 2);		/* (1 + 3) / 2: NaN left out */
	assert_near(sum.r[USE_CPU].s_max, 3);
	assert_nan(sum.e_mean[USE_CPU]);
	assert_near(sum.sat_share[USE_CPU], 1.0 / 3);
	assert_int_equal(sum.r[USE_MEM].n, 0);
	assert_nan(sum.sat_share[USE_MEM]);
	free(r);
}

/* The text row of the pair-5.15 interval, against the figures of test_pair_derive. */
static void test_table_row(void **state)
{
	(void)state;
	struct sys_sample *a = sample_root(FIX "pair-5.15/t0", 1000000000ULL);
	struct sys_sample *b = sample_root(FIX "pair-5.15/t1", 3000000000ULL);
	struct use_row *r = xcalloc(1, sizeof(*r));
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct use_table t = { f, 0, 0, a->t_ns };

	use_derive(a, b, 100, r);
	use_table_header(&t);
	use_table_row(&t, r);
	fclose(f);
	/* 2.0 s; cpu 40 %, runq 1.50, PSI 20 %; mem 75 %, 1500 scans/s, PSI 15 %, 0.5 oom/s;
	 * disk 95 %, aqu 3.00, PSI 5.0 %; net 10 %, 2 drops/s, 2 errors/s; fd 90 %, no fs;
	 * cgroup memory 50 %, 25 % of periods throttled */
	assert_string_equal(buf,
		"  time |cpu% runq cpsi |mem% scan/s mpsi oom |dsk%  aqu dpsi |net% drop/s err/s "
		"| fd%  fs% |cgm% thr%\n"
		"   2.0 |  40 1.50   20 |  75   1.5k   15 0.5 |  95 3.00  5.0 |  10    2.0   2.0 "
		"|  90    - |  50   25\n");
	free(buf);
	free(a);
	free(b);
	free(r);
}

/* NVML through the fake library of tests/helpers/libfake-nvml.c (its values are listed there). */
static void test_nvml_fake(void **state)
{
	(void)state;
	const char *build = getenv("PERFENG_BUILD");
	char lib[4096];
	struct sys_source src;
	struct sys_sample *s = xcalloc(1, sizeof(*s));

	if (!build) {
		free(s);
		skip();	/* run by the Makefile's test target, which sets PERFENG_BUILD */
	}
	snprintf(lib, sizeof(lib), "%s/tests/helpers/libfake-nvml.so", build);
	setenv("PERFENG_NVML_LIB", lib, 1);
	setenv("FAKE_NVML_MODE", "two", 1);
	assert_int_equal(sys_source_init(&src, FIX "long-ifnames", 1), 0);
	assert_non_null(src.nvml);
	assert_string_equal(src.gpu_note, "");
	sys_sample(&src, s);
	sys_source_release(&src);
	assert_true(s->have & SYS_HAVE_GPU);
	assert_int_equal(s->ngpu, 2);
	assert_string_equal(s->gpu[0].name, "Fake GPU 0");
	assert_int_equal(s->gpu[0].util_gpu, 42);
	assert_int_equal(s->gpu[0].util_mem, 17);
	assert_int_equal(s->gpu[0].mem_used, 8ULL << 30);
	assert_int_equal(s->gpu[0].mem_total, 16ULL << 30);
	assert_int_equal(s->gpu[0].power_mw, 150000);
	assert_int_equal(s->gpu[0].power_limit_mw, 300000);
	assert_int_equal(s->gpu[0].sm_clock_mhz, 1200);
	assert_int_equal(s->gpu[0].sm_clock_max_mhz, 1800);
	assert_int_equal(s->gpu[0].throttle, 0x4);
	assert_int_equal(s->gpu[0].ecc_uncorrected, 3);
	assert_string_equal(s->gpu[1].name, "Fake GPU 1");
	assert_int_equal(s->gpu[1].power_limit_mw, 250000);

	setenv("FAKE_NVML_MODE", "errors", 1);
	assert_int_equal(sys_source_init(&src, FIX "long-ifnames", 1), 0);
	sys_sample(&src, s);
	sys_source_release(&src);
	assert_int_equal(s->ngpu, 1);
	assert_string_equal(s->gpu[0].name, "Fake GPU 0");
	assert_true(s->gpu[0].util_gpu == UINT64_MAX && s->gpu[0].mem_total == UINT64_MAX &&
		    s->gpu[0].power_mw == UINT64_MAX && s->gpu[0].throttle == UINT64_MAX &&
		    s->gpu[0].ecc_uncorrected == UINT64_MAX);

	setenv("FAKE_NVML_MODE", "initfail", 1);
	assert_int_equal(sys_source_init(&src, FIX "long-ifnames", 1), 0);
	assert_null(src.nvml);
	assert_string_equal(src.gpu_note, "no GPU data: nvmlInit failed (NVML error 9)");
	sys_source_release(&src);
	setenv("PERFENG_NVML_LIB", "/nonexistent/libnvidia-ml.so.1", 1);
	assert_int_equal(sys_source_init(&src, FIX "long-ifnames", 1), 0);
	assert_null(src.nvml);
	assert_string_equal(src.gpu_note,
			    "no GPU data: no NVIDIA driver (/nonexistent/libnvidia-ml.so.1 not loadable)");
	sys_source_release(&src);
	unsetenv("FAKE_NVML_MODE");
	unsetenv("PERFENG_NVML_LIB");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recorded_debian12),
		cmocka_unit_test(test_pair_derive),
		cmocka_unit_test(test_backwards),
		cmocka_unit_test(test_old_kernel),
		cmocka_unit_test(test_container),
		cmocka_unit_test(test_container_no_cgroupns),
		cmocka_unit_test(test_long_ifnames),
		cmocka_unit_test(test_many_cpus),
		cmocka_unit_test(test_missing_root),
		cmocka_unit_test(test_parsers_malformed),
		cmocka_unit_test(test_record_roundtrip),
		cmocka_unit_test(test_record_errors),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_nvml_fake),
		cmocka_unit_test(test_table_row),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
