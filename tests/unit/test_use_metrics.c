/*
 * The OpenMetrics view of a USE interval (src/out/use_metrics.c): the
 * pair-5.15 fixture's interval (two samples 2 s apart, tests/fixtures/sys)
 * rendered and checked line by line against figures computed by hand from
 * the fixture files (the same arithmetic as test_sys.c's test_pair_derive,
 * repeated beside each line), plus the raw counters of t1 as the files
 * hold them; label escaping, GPU and process families from built rows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out/use_metrics.h"
#include "sys/use.h"
#include "util/xalloc.h"

#include "sys_fixture.h"


/* line is one whole line of text. */
#define assert_line(text, line) do { \
	char want_[512]; \
	snprintf(want_, sizeof(want_), "\n%s\n", (line)); \
	if (!strstr((text), want_)) \
		fail_msg("no line '%s' in:\n%s", (line), (text)); } while (0)
#define assert_no(text, s) do { if (strstr((text), (s))) fail_msg("'%s' should not be there", (s)); } while (0)

static size_t count(const char *text, const char *s)
{
	size_t n = 0;

	for (const char *p = strstr(text, s); p; p = strstr(p + 1, s))
		n++;
	return n;
}

static void test_no_interval_yet(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct om_writer w = { &sb, OM_OPENMETRICS };
	struct use_metrics_view v = { .row = NULL, .cur = NULL, .hz = 100, .intervals = 0 };

	(void)state;
	use_metrics_render(&w, &v);
	assert_string_equal(sb.buf,
		"# HELP perfeng_observe_intervals Intervals observed so far.\n"
		"# TYPE perfeng_observe_intervals counter\n"
		"perfeng_observe_intervals_total 0\n"
		"# EOF\n");
	strbuf_release(&sb);
}

static void test_pair(void **state)
{
	struct sys_sample *a = sample_root(FIX "pair-5.15/t0", 1000000000ULL);
	struct sys_sample *b = sample_root(FIX "pair-5.15/t1", 3000000000ULL);
	struct use_row *r = xcalloc(1, sizeof(*r));
	struct strbuf sb = STRBUF_INIT;
	struct om_writer w = { &sb, OM_OPENMETRICS };
	const char *t;

	(void)state;
	use_derive(a, b, 100, r);
	struct use_metrics_view v = { .row = r, .cur = b, .hz = 100, .intervals = 7 };

	use_metrics_render(&w, &v);
	t = sb.buf;
	assert_line(t, "perfeng_observe_intervals_total 7");
	assert_line(t, "perfeng_observe_interval_seconds 2");
	/* USE: cpu (1000 - 500 idle - 100 iowait) / 1000; mem 1 - 2000000/8000000; disk nvme0n1
	 * io_ticks +1900 / 2000 ms; net eth0 25e6 B * 8 / (1000 Mb/s * 2 s); fd 9000/10000;
	 * cgroup 512 MiB of 1 GiB; no filesystem below the fixture, no GPU */
	assert_line(t, "# TYPE perfeng_observe_utilization_ratio gauge");
	assert_line(t, "perfeng_observe_utilization_ratio{resource=\"cpu\"} 0.4");
	assert_line(t, "perfeng_observe_utilization_ratio{resource=\"mem\"} 0.75");
	assert_line(t, "perfeng_observe_utilization_ratio{resource=\"disk\"} 0.95");
	assert_line(t, "perfeng_observe_utilization_ratio{resource=\"net\"} 0.1");
	assert_line(t, "perfeng_observe_utilization_ratio{resource=\"fd\"} 0.9");
	assert_line(t, "perfeng_observe_utilization_ratio{resource=\"cgroup\"} 0.5");
	assert_no(t, "resource=\"fs\"");
	assert_no(t, "resource=\"gpu\"");
	assert_no(t, "perfeng_observe_gpu_");
	assert_no(t, "perfeng_observe_process_");
	/* every resource with data is past a threshold in this interval */
	assert_int_equal(count(t, "perfeng_observe_saturated{"), 6);
	assert_int_equal(count(t, "perfeng_observe_saturated{resource=\"cpu\"} 1\n"
				 "perfeng_observe_saturated{resource=\"mem\"} 1\n"
				 "perfeng_observe_saturated{resource=\"disk\"} 1\n"
				 "perfeng_observe_saturated{resource=\"net\"} 1\n"
				 "perfeng_observe_saturated{resource=\"fd\"} 1\n"
				 "perfeng_observe_saturated{resource=\"cgroup\"} 1\n"), 1);
	/* PSI some: cpu +400000 us, memory +300000 us, io +100000 us over 2 s */
	assert_line(t, "perfeng_observe_pressure_ratio{resource=\"cpu\"} 0.2");
	assert_line(t, "perfeng_observe_pressure_ratio{resource=\"memory\"} 0.15");
	assert_line(t, "perfeng_observe_pressure_ratio{resource=\"io\"} 0.05");
	/* procs_running 4 less the reader on 2 CPUs; schedstat wait 0.6 s / 2 s / 2 CPUs */
	assert_line(t, "perfeng_observe_cpu_runnable_per_cpu 1.5");
	assert_line(t, "perfeng_observe_cpu_run_queue_wait_ratio 0.15");
	/* cpu0: 500 ticks, 250 idle, 50 iowait, user 100; cpu1 steal 50 of 500 */
	assert_line(t, "perfeng_observe_cpu_core_utilization_ratio{cpu=\"0\"} 0.4");
	assert_line(t, "perfeng_observe_cpu_core_mode_ratio{cpu=\"0\",mode=\"user\"} 0.2");
	assert_line(t, "perfeng_observe_cpu_core_mode_ratio{cpu=\"1\",mode=\"steal\"} 0.1");
	assert_line(t, "perfeng_observe_cpu_core_mode_ratio{cpu=\"1\",mode=\"iowait\"} 0.1");
	/* t1's /proc/stat "cpu  300 0 150 1300 150 0 0 100" at 100 ticks/s; ctxt 5000 */
	assert_line(t, "# TYPE perfeng_observe_cpu_seconds counter");
	assert_line(t, "perfeng_observe_cpu_seconds_total{mode=\"user\"} 3");
	assert_line(t, "perfeng_observe_cpu_seconds_total{mode=\"idle\"} 13");
	assert_line(t, "perfeng_observe_cpu_seconds_total{mode=\"iowait\"} 1.5");
	assert_line(t, "perfeng_observe_cpu_seconds_total{mode=\"steal\"} 1");
	assert_line(t, "perfeng_observe_context_switches_total 5000");
	/* memory: 8000000 kB, 2000000 kB available, swap 1000000 kB, 250000 free */
	assert_line(t, "perfeng_observe_memory_total_bytes 8192000000");
	assert_line(t, "perfeng_observe_memory_available_bytes 2048000000");
	assert_line(t, "perfeng_observe_swap_used_ratio 0.75");
	/* pgscan +3000, pgsteal +2500, pswpin+out +400, oom_kill +1, over 2 s */
	assert_line(t, "perfeng_observe_memory_scanned_pages_per_second 1500");
	assert_line(t, "perfeng_observe_memory_reclaimed_pages_per_second 1250");
	assert_line(t, "perfeng_observe_swap_pages_per_second 200");
	assert_line(t, "perfeng_observe_oom_kills_per_second 0.5");
	/* t1 vmstat: pgscan_kswapd 3000 + direct 1000; pswpin 100; oom_kill 1 */
	assert_line(t, "perfeng_observe_memory_scanned_pages_total 4000");
	assert_line(t, "perfeng_observe_swap_pages_total{direction=\"in\"} 100");
	assert_line(t, "perfeng_observe_oom_kills_total 1");
	/* sda: io_ticks +800 / 2000 ms; queue +2000 / 2000 ms; (600 + 1000) ms / 500 I/Os;
	 * 300 reads and 200 writes over 2 s; 2400 sectors * 512 B / 2 s */
	assert_line(t, "perfeng_observe_disk_utilization_ratio{device=\"sda\"} 0.4");
	assert_line(t, "perfeng_observe_disk_queue_length{device=\"sda\"} 1");
	assert_line(t, "perfeng_observe_disk_queue_length{device=\"nvme0n1\"} 3");
	assert_line(t, "perfeng_observe_disk_await_seconds{device=\"sda\"} 0.0032");
	assert_line(t, "perfeng_observe_disk_ops_per_second{device=\"sda\",op=\"read\"} 150");
	assert_line(t, "perfeng_observe_disk_ops_per_second{device=\"sda\",op=\"write\"} 100");
	assert_line(t, "perfeng_observe_disk_bytes_per_second{device=\"sda\",op=\"read\"} 614400");
	/* t1 diskstats sda: 1300 reads, 10400 sectors, io_ticks 1800 ms, weighted 5000 ms, 2 in flight */
	assert_line(t, "perfeng_observe_disk_ops_total{device=\"sda\",op=\"read\"} 1300");
	assert_line(t, "perfeng_observe_disk_bytes_total{device=\"sda\",op=\"read\"} 5324800");
	assert_line(t, "perfeng_observe_disk_io_time_seconds_total{device=\"sda\"} 1.8");
	assert_line(t, "perfeng_observe_disk_io_time_weighted_seconds_total{device=\"sda\"} 5");
	assert_line(t, "perfeng_observe_disk_in_flight{device=\"sda\"} 2");
	assert_no(t, "device=\"sda1\"");	/* partitions are not disks */
	/* eth0: rx +25e6 B over 2 s; drops +4, errors +2; lo has no speed: no utilization */
	assert_line(t, "perfeng_observe_network_utilization_ratio{interface=\"eth0\"} 0.1");
	assert_no(t, "perfeng_observe_network_utilization_ratio{interface=\"lo\"}");
	assert_line(t, "perfeng_observe_network_bytes_per_second{interface=\"eth0\",direction=\"receive\"} 12500000");
	assert_line(t, "perfeng_observe_network_drops_per_second{interface=\"eth0\"} 2");
	assert_line(t, "perfeng_observe_network_errors_per_second{interface=\"eth0\"} 1");
	assert_line(t, "perfeng_observe_network_speed_bytes_per_second{interface=\"eth0\"} 125000000");
	/* t1 net/dev eth0: 125000000 B received, 14 rx drops, 3 tx drops; RetransSegs +20 / 2 s */
	assert_line(t, "perfeng_observe_network_bytes_total{interface=\"eth0\",direction=\"receive\"} 125000000");
	assert_line(t, "perfeng_observe_network_drops_total{interface=\"eth0\",direction=\"transmit\"} 3");
	assert_line(t, "perfeng_observe_tcp_retransmitted_segments_per_second 10");
	assert_line(t, "perfeng_observe_tcp_retransmitted_segments_total 120");
	assert_line(t, "perfeng_observe_tcp_sent_segments_total 11000");
	assert_line(t, "perfeng_observe_fds_allocated 9000");
	assert_line(t, "perfeng_observe_fds_limit 10000");
	/* cgroup: throttled +50 of +200 periods; oom_kill +2 / 2 s; 512 MiB of 1 GiB */
	assert_line(t, "perfeng_observe_cgroup_throttled_ratio 0.25");
	assert_line(t, "perfeng_observe_cgroup_oom_kills_per_second 1");
	assert_line(t, "perfeng_observe_cgroup_memory_bytes 536870912");
	assert_line(t, "perfeng_observe_cgroup_memory_max_bytes 1073741824");
	assert_line(t, "perfeng_observe_cgroup_throttled_periods_total 60");
	/* each family once, and the end */
	assert_int_equal(count(t, "# TYPE perfeng_observe_disk_ops counter\n"), 1);
	assert_int_equal(count(t, "# TYPE "), count(t, "# HELP "));
	assert_int_equal(strcmp(t + sb.len - 6, "# EOF\n"), 0);
	free(a);
	free(b);
	free(r);
	strbuf_release(&sb);
}

/* Label values from outside (mount points, GPU names) are escaped; NaN figures have no line. */
static void test_labels_gpu_proc(void **state)
{
	struct use_row *r = xcalloc(1, sizeof(*r));
	struct sys_sample *c = xcalloc(1, sizeof(*c));
	struct strbuf sb = STRBUF_INIT;
	struct om_writer w = { &sb, OM_OPENMETRICS };
	struct use_metrics_view v = { .row = r, .cur = c, .hz = 100, .intervals = 1 };

	(void)state;
	for (int i = 0; i < USE_NRES; i++)
		r->r[i].u = r->r[i].s = r->r[i].e = NAN;
	r->interval_s = 1;
	r->cpu_runq = r->cpu_psi = r->sched_wait = r->disk_psi = NAN;
	r->mem_swap = r->mem_scan_s = r->mem_steal_s = r->mem_psi = r->mem_swapio_s = r->mem_oom = NAN;
	r->net_retrans_s = r->cg_throttled = r->cg_mem = r->cg_oom = NAN;
	r->have = c->have = SYS_HAVE_FS | SYS_HAVE_GPU | SYS_HAVE_PROC;
	r->nfs = c->nfs = 1;
	strcpy(r->fs[0].mount, "/mnt/a \"b\"\\c\nd");
	r->fs[0].used = 0.5;
	r->fs[0].inodes = NAN;
	c->fs[0].size = 4096;
	c->fs[0].avail = 1024;
	r->ngpu = c->ngpu = 1;
	strcpy(r->gpu[0].name, "GPU \"x\"");
	r->gpu[0].util = 0.42;
	r->gpu[0].mem = r->gpu[0].power = r->gpu[0].clock = r->gpu[0].ecc_s = NAN;
	r->gpu[0].throttle = 4;
	c->gpu[0].mem_used = UINT64_MAX;
	c->gpu[0].mem_total = 1ULL << 34;
	c->gpu[0].power_mw = 150000;
	c->gpu[0].ecc_uncorrected = 3;
	r->has_proc = 1;
	r->proc.pid = 4242;
	r->proc.alive = 1;
	r->proc.cpu = 1.25;
	r->proc.run_delay_ms_s = 250;
	r->proc.minflt_s = r->proc.majflt_s = r->proc.vcs_s = r->proc.ivcs_s = 0;
	r->proc.read_kb_s = r->proc.write_kb_s = NAN;	/* /proc/PID/io unreadable */
	c->proc.utime = 150;
	c->proc.stime = 50;
	c->proc.rss_kib = 2048;
	c->proc.threads = 3;
	c->proc.read_bytes = c->proc.write_bytes = UINT64_MAX;
	use_metrics_render(&w, &v);
	const char *t = sb.buf;

	assert_line(t, "perfeng_observe_filesystem_used_ratio{mountpoint=\"/mnt/a \\\"b\\\"\\\\c\\nd\"} 0.5");
	assert_no(t, "perfeng_observe_filesystem_inodes_used_ratio");	/* only NaN: no family */
	assert_line(t, "perfeng_observe_filesystem_avail_bytes{mountpoint=\"/mnt/a \\\"b\\\"\\\\c\\nd\"} 1024");
	assert_line(t, "perfeng_observe_gpu_utilization_ratio{gpu=\"0\",name=\"GPU \\\"x\\\"\"} 0.42");
	assert_line(t, "perfeng_observe_gpu_throttle_reasons{gpu=\"0\",name=\"GPU \\\"x\\\"\"} 4");
	assert_line(t, "perfeng_observe_gpu_power_watts{gpu=\"0\",name=\"GPU \\\"x\\\"\"} 150");
	assert_line(t, "perfeng_observe_gpu_memory_total_bytes{gpu=\"0\",name=\"GPU \\\"x\\\"\"} 17179869184");
	assert_line(t, "perfeng_observe_gpu_ecc_uncorrected_errors_total{gpu=\"0\",name=\"GPU \\\"x\\\"\"} 3");
	assert_no(t, "perfeng_observe_gpu_memory_used_bytes");	/* NVML refused it */
	assert_no(t, "perfeng_observe_gpu_power_ratio");
	assert_line(t, "perfeng_observe_process_up{pid=\"4242\"} 1");
	assert_line(t, "perfeng_observe_process_cpu_ratio{pid=\"4242\"} 1.25");
	assert_line(t, "perfeng_observe_process_run_delay_ratio{pid=\"4242\"} 0.25");
	assert_line(t, "perfeng_observe_process_resident_bytes{pid=\"4242\"} 2097152");
	assert_line(t, "perfeng_observe_process_threads{pid=\"4242\"} 3");
	assert_line(t, "perfeng_observe_process_cpu_seconds_total{pid=\"4242\"} 2");
	assert_no(t, "perfeng_observe_process_io_bytes");
	assert_no(t, "perfeng_observe_utilization_ratio");	/* every U was NaN */
	assert_no(t, "perfeng_observe_saturated");
	assert_no(t, "perfeng_observe_cpu_seconds");	/* no /proc/stat in this sample */

	/* the process has exited: only process_up 0 */
	strbuf_reset(&sb);
	r->proc.alive = 0;
	use_metrics_render(&w, &v);
	assert_line(sb.buf, "perfeng_observe_process_up{pid=\"4242\"} 0");
	assert_no(sb.buf, "perfeng_observe_process_cpu");
	free(r);
	free(c);
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_interval_yet),
		cmocka_unit_test(test_pair),
		cmocka_unit_test(test_labels_gpu_proc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
