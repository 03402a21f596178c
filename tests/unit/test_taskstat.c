/*
 * Tests of sys/taskstat (the per-thread /proc parsers) on fixture lines
 * copied from real kernels, and of sys/threads (the sampler) on children
 * of the test itself: field values are checked against the fixture text,
 * and the sampler's on-CPU time against the child's own rusage.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sys/cgthrottle.h"
#include "sys/taskstat.h"
#include "sys/threads.h"
#include "util/clock.h"

/* /proc/28370/task/28370/stat of sh on Linux 6.18 (x86-64): 52 fields. */
static const char stat_618[] =
	"28370 (sh) S 28365 28365 24896 0 -1 4194304 90 75 0 0 13 0 0 0 20 0 1 0 760024 "
	"2654208 407 18446744073709551615 94591865069568 94591865146297 140720516848496 0 0 0 0 "
	"0 65538 1 0 0 17 0 0 0 7 0 0 94591865175600 94591865180736 94592787124224 "
	"140720516852091 140720516852190 140720516852190 140720516853740 0\n";

/* A thread whose comm holds spaces and parentheses (prctl(PR_SET_NAME, "a) b (c")). */
static const char stat_parens[] =
	"4242 (a) b (c) R 1 4242 4242 0 -1 4194368 1200 0 3 0 250 17 0 0 20 0 4 0 123456 "
	"10000000 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";

/* Linux 2.6.9 (RHEL 4) stops at field 41, before delayacct_blkio_ticks. */
static const char stat_2_6_9[] =
	"1 (init) S 0 0 0 0 -1 256 1141 1234 21 30 5 99 7 8 16 0 1 0 17 1798144 139 "
	"4294967295 134512640 134544208 3221222816 3221221548 3078569 0 0 1475401980 671819267 "
	"0 0 0 17 0 0 0\n";

static void test_stat_618(void **state)
{
	struct task_stat st;

	(void)state;
	assert_int_equal(taskstat_parse_stat(stat_618, strlen(stat_618), &st), 0);
	assert_int_equal(st.pid, 28370);
	assert_string_equal(st.comm, "sh");
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.ppid, 28365);
	assert_int_equal(st.minflt, 90);
	assert_int_equal(st.majflt, 0);
	assert_int_equal(st.utime, 13);
	assert_int_equal(st.stime, 0);
	assert_int_equal(st.num_threads, 1);
	assert_int_equal(st.starttime, 760024);
	assert_int_equal(st.have_blkio, 1);
	assert_int_equal(st.blkio_ticks, 7);	/* field 42 of the fixture */
}

static void test_stat_parens_in_comm(void **state)
{
	struct task_stat st;

	(void)state;
	assert_int_equal(taskstat_parse_stat(stat_parens, strlen(stat_parens), &st), 0);
	assert_string_equal(st.comm, "a) b (c");
	assert_int_equal(st.state, 'R');
	assert_int_equal(st.ppid, 1);
	assert_int_equal(st.minflt, 1200);
	assert_int_equal(st.majflt, 3);
	assert_int_equal(st.utime, 250);
	assert_int_equal(st.stime, 17);
	assert_int_equal(st.num_threads, 4);
	assert_int_equal(st.starttime, 123456);
	assert_int_equal(st.have_blkio, 1);
	assert_int_equal(st.blkio_ticks, 0);
}

static void test_stat_old_kernel_no_blkio(void **state)
{
	struct task_stat st;

	(void)state;
	assert_int_equal(taskstat_parse_stat(stat_2_6_9, strlen(stat_2_6_9), &st), 0);
	assert_string_equal(st.comm, "init");
	assert_int_equal(st.majflt, 21);
	assert_int_equal(st.utime, 5);
	assert_int_equal(st.stime, 99);
	assert_int_equal(st.starttime, 17);
	assert_int_equal(st.have_blkio, 0);
}

static void test_stat_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"abc",
		"12 (x",				/* no ')' */
		"12 (x)",				/* no state */
		"12 (x) ",
		"12 (x) RR 1 2 3",			/* state is one letter */
		"12 (x) R 1 2 3 4 5 6 7 8 9 10 11 12",	/* stops before stime */
		"12 (x) R 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18",	/* stops before starttime */
		"x12 (x) R 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20",
		"12 (x) R 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 x 20",
		"(x) R 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20",
	};
	struct task_stat st;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(taskstat_parse_stat(bad[i], strlen(bad[i]), &st), -EINVAL);
	/* the same line cut short at every length: never read past len */
	for (size_t n = 0; n < strlen(stat_618); n++) {
		char *copy = malloc(n ? n : 1);

		memcpy(copy, stat_618, n);
		(void)taskstat_parse_stat(copy, n, &st);
		free(copy);
	}
	/* a comm longer than the field is cut, not overflowed */
	char longc[300];

	snprintf(longc, sizeof(longc), "7 (%0200d) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20\n", 0);
	assert_int_equal(taskstat_parse_stat(longc, strlen(longc), &st), 0);
	assert_int_equal(strlen(st.comm), sizeof(st.comm) - 1);
	assert_int_equal(st.starttime, 19);	/* field 22: the 19th number after the state */
	assert_int_equal(st.have_blkio, 0);
}

static void test_schedstat(void **state)
{
	uint64_t run, delay;
	static const char ok[] = "135514895 291715 9\n";

	(void)state;
	assert_int_equal(taskstat_parse_schedstat(ok, strlen(ok), &run, &delay), 0);
	assert_int_equal(run, 135514895);
	assert_int_equal(delay, 291715);
	/* two fields (some kernels), no newline */
	assert_int_equal(taskstat_parse_schedstat("5 6", 3, &run, &delay), 0);
	assert_int_equal(run, 5);
	assert_int_equal(delay, 6);
	assert_int_equal(taskstat_parse_schedstat("", 0, &run, &delay), -EINVAL);
	assert_int_equal(taskstat_parse_schedstat("5", 1, &run, &delay), -EINVAL);
	assert_int_equal(taskstat_parse_schedstat("5 x 1", 5, &run, &delay), -EINVAL);
	assert_int_equal(taskstat_parse_schedstat("-5 6", 4, &run, &delay), -EINVAL);
	assert_int_equal(taskstat_parse_schedstat("5 -6", 4, &run, &delay), -EINVAL);
	/* len is respected: "12 34" cut after "12 3" */
	assert_int_equal(taskstat_parse_schedstat("12 34", 4, &run, &delay), 0);
	assert_int_equal(delay, 3);
}

static void test_wait_class(void **state)
{
	(void)state;
	assert_int_equal(taskstat_wait_class('D', "folio_wait_bit"), WAIT_IO);
	assert_int_equal(taskstat_wait_class('D', "0"), WAIT_IO);
	assert_int_equal(taskstat_wait_class('S', "futex_wait_queue"), WAIT_LOCK);
	assert_int_equal(taskstat_wait_class('S', "futex_wait_queue_me"), WAIT_LOCK);
	assert_int_equal(taskstat_wait_class('S', "hrtimer_nanosleep"), WAIT_SLEEP);
	assert_int_equal(taskstat_wait_class('S', "do_nanosleep"), WAIT_SLEEP);
	assert_int_equal(taskstat_wait_class('S', "ep_poll"), WAIT_NET);
	assert_int_equal(taskstat_wait_class('S', "do_select"), WAIT_NET);
	assert_int_equal(taskstat_wait_class('S', "pipe_read"), WAIT_NET);
	/* the same functions' names since Linux 6.15 (seen on 6.18) */
	assert_int_equal(taskstat_wait_class('S', "anon_pipe_read"), WAIT_NET);
	assert_int_equal(taskstat_wait_class('S', "anon_pipe_write"), WAIT_NET);
	assert_int_equal(taskstat_wait_class('S', "do_wait"), WAIT_CHILD);
	/* a vfork parent is in D until its child execs: a child, not I/O */
	assert_int_equal(taskstat_wait_class('D', "kernel_clone"), WAIT_CHILD);
	assert_int_equal(taskstat_wait_class('D', "wait_for_vfork_done"), WAIT_CHILD);
	assert_int_equal(taskstat_wait_class('S', "0"), WAIT_OTHER);
	assert_int_equal(taskstat_wait_class('S', ""), WAIT_OTHER);
	assert_int_equal(taskstat_wait_class('S', NULL), WAIT_OTHER);
	assert_int_equal(taskstat_wait_class('S', "some_new_function"), WAIT_OTHER);
	assert_string_equal(wait_class_name(WAIT_LOCK), "lock");
	assert_string_equal(wait_class_name(WAIT_NR), "other");
}

static pid_t child_run(void (*fn)(void))
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		fn();
		_exit(0);
	}
	return pid;
}

static void spin_300ms(void)
{
	uint64_t end = clock_now_ns() + 300 * NS_PER_MS;
	volatile uint64_t x = 0;

	while (clock_now_ns() < end)
		x++;
}

static void sleep_300ms(void)
{
	struct timespec ts = { 0, 300 * 1000000 };

	nanosleep(&ts, NULL);
}

/* Samples a child every 20 ms until it exits; returns its rusage through *ru. */
static struct tsampler *sample_child(pid_t pid, uint64_t start, struct rusage *ru)
{
	struct tsampler *s = tsampler_new(pid, start);
	int status;

	for (;;) {
		struct timespec ts = { 0, 20 * 1000000 };
		siginfo_t si = { 0 };

		tsampler_sample(s, clock_now_ns());
		if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid)
			break;
		nanosleep(&ts, NULL);
	}
	assert_int_equal(wait4(pid, &status, 0, ru), pid);
	return s;
}

static void test_sampler_spinner(void **state)
{
	uint64_t start = clock_now_ns();
	pid_t pid = child_run(spin_300ms);
	struct rusage ru;
	struct tsampler *s = sample_child(pid, start, &ru);
	const struct thread_totals *t = tsampler_totals(s);
	uint64_t cpu = (uint64_t)ru.ru_utime.tv_sec * NS_PER_SEC + (uint64_t)ru.ru_utime.tv_usec * 1000 +
		       (uint64_t)ru.ru_stime.tv_sec * NS_PER_SEC + (uint64_t)ru.ru_stime.tv_usec * 1000;

	(void)state;
	assert_true(t->samples >= 5);
	assert_int_equal(t->threads, 1);
	assert_int_equal(t->processes, 1);
	/* sampled on-CPU time never exceeds what the kernel says the child used */
	assert_true(t->user_ns <= cpu + 20 * NS_PER_MS);
	tsampler_finish(s, cpu, 0, 0, 0);
	assert_true(t->user_ns + t->sys_ns >= cpu);
	assert_true(t->thread_ns >= t->user_ns + t->sys_ns + t->runq_ns);
	assert_true(t->state_samples[TSTATE_R] > t->state_samples[TSTATE_S]);
	tsampler_free(s);
}

static void test_sampler_sleeper(void **state)
{
	uint64_t start = clock_now_ns();
	pid_t pid = child_run(sleep_300ms);
	struct rusage ru;
	struct tsampler *s = sample_child(pid, start, &ru);
	const struct thread_totals *t = tsampler_totals(s);

	(void)state;
	assert_true(t->samples >= 5);
	/* most of the thread-time sleeps, and the wait channel says nanosleep */
	assert_true(t->wait_ns[WAIT_SLEEP] > t->thread_ns / 2);
	assert_true(t->nwchan >= 1);
	tsampler_free(s);
}

static void forker(void)
{
	pid_t c = fork();

	if (c == 0) {
		spin_300ms();
		_exit(0);
	}
	waitpid(c, NULL, 0);
}

static void test_sampler_follows_children(void **state)
{
	uint64_t start = clock_now_ns();
	pid_t pid = child_run(forker);
	struct rusage ru;
	struct tsampler *s = sample_child(pid, start, &ru);
	const struct thread_totals *t = tsampler_totals(s);

	(void)state;
	uint64_t cpu = (uint64_t)ru.ru_utime.tv_sec * NS_PER_SEC + (uint64_t)ru.ru_utime.tv_usec * 1000 +
		       (uint64_t)ru.ru_stime.tv_sec * NS_PER_SEC + (uint64_t)ru.ru_stime.tv_usec * 1000;

	assert_int_equal(t->processes, 2);
	assert_int_equal(t->threads, 2);
	/* the parent only waits for its child: that time is set apart */
	assert_true(t->wait_ns[WAIT_CHILD] > 100 * NS_PER_MS);
	/*
	 * the grandchild's CPU is seen by the samples (however little a busy
	 * machine gave it), never more than wait4 says the tree used (it covers
	 * the reaped grandchild), and all of it after tsampler_finish
	 */
	assert_true(t->user_ns > 0);
	assert_true(t->user_ns <= cpu + 20 * NS_PER_MS);
	tsampler_finish(s, cpu, 0, 0, 0);
	assert_true(t->user_ns + t->sys_ns >= cpu);
	tsampler_free(s);
}

static void test_sampler_gone(void **state)
{
	/* a pid that has exited and been reaped: no thread, no crash, nothing negative */
	pid_t pid = child_run(spin_300ms);
	struct tsampler *s;
	const struct thread_totals *t;

	(void)state;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	s = tsampler_new(pid, clock_now_ns());
	tsampler_sample(s, clock_now_ns());
	tsampler_sample(s, clock_now_ns());
	t = tsampler_totals(s);
	assert_int_equal(t->samples, 0);
	assert_int_equal(t->thread_ns, 0);
	tsampler_finish(s, 0, 0, 0, 0);
	assert_int_equal(t->user_ns + t->sys_ns, 0);
	tsampler_free(s);
}

static void test_cgroup_path(void **state)
{
	/* cgroup v1 as on the Debian 12 VM of the tests; /sys/fs/cgroup is a fixture root */
	static const char v1[] = "9:name=systemd:/\n4:memory:/process_api/9a4c\n2:cpuacct:/\n1:cpu:/jobs/a\n0::/\n";
	static const char v1_joined[] = "3:cpu,cpuacct:/user.slice\n0::/user.slice/x.scope\n";
	static const char v2[] = "0::/user.slice/user-1000.slice/session-2.scope\n";
	static const char none[] = "5:memory:/\n";
	char out[256];

	(void)state;
	/* v1: the "cpu" controller's mount that exists; none exists under the fixture root */
	assert_int_equal(cgthrottle_path_from(v2, "/fix", out, sizeof(out)), 0);
	assert_string_equal(out, "/fix/user.slice/user-1000.slice/session-2.scope/cpu.stat");
	assert_int_equal(cgthrottle_path_from(v1_joined, "/fix", out, sizeof(out)), 0);
	assert_string_equal(out, "/fix/user.slice/x.scope/cpu.stat");	/* no v1 mount there: v2 */
	assert_int_equal(cgthrottle_path_from(v1, "/fix", out, sizeof(out)), 0);
	assert_string_equal(out, "/fix/cpu.stat");	/* 0::/ is the v2 root */
	assert_int_equal(cgthrottle_path_from(none, "/fix", out, sizeof(out)), -1);
	assert_int_equal(cgthrottle_path_from("", "/fix", out, sizeof(out)), -1);
	assert_int_equal(cgthrottle_path_from(v2, "/fix", out, 10), -1);	/* does not fit */
	/* a real v1 mount under /tmp */
	char root[] = "/tmp/pe-cgXXXXXX", dir[300];

	assert_non_null(mkdtemp(root));
	snprintf(dir, sizeof(dir), "%s/cpu", root);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(dir, sizeof(dir), "%s/cpu/jobs", root);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(dir, sizeof(dir), "%s/cpu/jobs/a", root);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(dir, sizeof(dir), "%s/cpu/jobs/a/cpu.stat", root);
	FILE *f = fopen(dir, "w");

	assert_non_null(f);
	fputs("nr_periods 10\nnr_throttled 4\nthrottled_time 123456789\n", f);
	fclose(f);
	assert_int_equal(cgthrottle_path_from(v1, root, out, sizeof(out)), 0);
	assert_string_equal(out, dir);
	uint64_t ns = 0;

	assert_int_equal(cgthrottle_read(out, &ns), 0);
	assert_int_equal(ns, 123456789);
	unlink(dir);
	static const char *const dirs[] = { "/cpu/jobs/a", "/cpu/jobs", "/cpu", "" };

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(dir, sizeof(dir), "%s%s", root, dirs[i]);
		assert_int_equal(rmdir(dir), 0);
	}
}

static void test_cgroup_stat(void **state)
{
	uint64_t ns;

	(void)state;
	/* v2 cpu.stat (Linux 6.x): microseconds */
	assert_int_equal(cgthrottle_parse_stat("usage_usec 100\nuser_usec 60\nsystem_usec 40\nnr_periods 5\n"
					       "nr_throttled 2\nthrottled_usec 1500\n", &ns), 0);
	assert_int_equal(ns, 1500000);
	/* v1: nanoseconds */
	assert_int_equal(cgthrottle_parse_stat("nr_periods 0\nnr_throttled 0\nthrottled_time 42\n", &ns), 0);
	assert_int_equal(ns, 42);
	assert_int_equal(cgthrottle_parse_stat("nr_periods 0\n", &ns), -1);
	assert_int_equal(cgthrottle_parse_stat("throttled_usec x\n", &ns), -1);
	assert_int_equal(cgthrottle_parse_stat("throttled_usec -1\n", &ns), -1);
	assert_int_equal(cgthrottle_parse_stat("throttled_usec 99999999999999999999\n", &ns), -1);
	assert_int_equal(cgthrottle_parse_stat("throttled_usec 18446744073709552\n", &ns), -1);	/* *1000 overflows */
	assert_int_equal(cgthrottle_parse_stat("", &ns), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat_618),
		cmocka_unit_test(test_stat_parens_in_comm),
		cmocka_unit_test(test_stat_old_kernel_no_blkio),
		cmocka_unit_test(test_stat_malformed),
		cmocka_unit_test(test_schedstat),
		cmocka_unit_test(test_wait_class),
		cmocka_unit_test(test_sampler_spinner),
		cmocka_unit_test(test_sampler_sleeper),
		cmocka_unit_test(test_sampler_follows_children),
		cmocka_unit_test(test_sampler_gone),
		cmocka_unit_test(test_cgroup_path),
		cmocka_unit_test(test_cgroup_stat),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
