/*
 * Tests of sys/diagnosis: hand-made thread-time decompositions go through
 * the rules table and must come out with the verdict the table in
 * docs/diagnose.md gives them (worked by hand in each test's comment);
 * each rule is hit once on each side of its threshold.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "sys/diagnosis.h"
#include "sys/threads.h"

#define MS 1000000ULL

/* A decomposition in milliseconds of thread-time: user, sys, runq, io, lock, sleep, net, other. */
static struct thread_totals mk(unsigned samples, double user, double sys, double runq, double io,
			       double lock, double sleep, double net, double other)
{
	struct thread_totals t;

	memset(&t, 0, sizeof(t));
	t.samples = samples;
	t.have_schedstat = 1;
	t.user_ns = (uint64_t)(user * MS);
	t.sys_ns = (uint64_t)(sys * MS);
	t.runq_ns = (uint64_t)(runq * MS);
	t.wait_ns[WAIT_IO] = (uint64_t)(io * MS);
	t.wait_ns[WAIT_LOCK] = (uint64_t)(lock * MS);
	t.wait_ns[WAIT_SLEEP] = (uint64_t)(sleep * MS);
	t.wait_ns[WAIT_NET] = (uint64_t)(net * MS);
	t.wait_ns[WAIT_OTHER] = (uint64_t)(other * MS);
	t.thread_ns = t.user_ns + t.sys_ns + t.runq_ns + t.wait_ns[WAIT_IO] + t.wait_ns[WAIT_LOCK] +
		      t.wait_ns[WAIT_SLEEP] + t.wait_ns[WAIT_NET] + t.wait_ns[WAIT_OTHER];
	return t;
}

static const struct diag_system no_sys = { NAN, NAN, NAN, NAN };

/* The verdict and detail for t over wall seconds. */
static const struct diag_rule *decide(const struct thread_totals *t, double wall, const struct diag_system *sys)
{
	static double m[DM_NR];

	diag_metrics(t, wall, sys, m);
	return diag_decide(m);
}

static void assert_verdict(const struct diag_rule *r, enum diag_verdict v, const char *detail)
{
	assert_string_equal(diag_verdict_name(r->verdict), diag_verdict_name(v));
	assert_string_equal(r->detail, detail);
}

static void test_too_short(void **state)
{
	struct thread_totals t = mk(2, 10, 0, 0, 0, 0, 0, 0, 0);

	(void)state;
	assert_verdict(decide(&t, 0.01, &no_sys), DV_INCONCLUSIVE, "too short to sample");
	t.samples = 3;
	assert_verdict(decide(&t, 0.01, &no_sys), DV_CPU_BOUND, "single-threaded");
}

static void test_cpu_single(void **state)
{
	/* 1 thread, 2 s: 1.9 s user, 0.05 s waiting: on-CPU 95% >= 50%, parallelism 0.95 < 1.5 */
	struct thread_totals t = mk(40, 1900, 0, 50, 0, 0, 0, 0, 50);
	double m[DM_NR];

	(void)state;
	assert_verdict(decide(&t, 2, &no_sys), DV_CPU_BOUND, "single-threaded");
	diag_metrics(&t, 2, &no_sys, m);
	assert_float_equal(m[DM_ON_CPU], 0.95, 1e-9);
	assert_float_equal(m[DM_PARALLELISM], 0.95, 1e-9);
	assert_float_equal(m[DM_RUNQ_OF_RUNNABLE], 50.0 / 1950, 1e-9);
	/* on-CPU just under 50% with the rest "other": no CPU verdict from the share */
	t = mk(40, 990, 0, 0, 0, 0, 0, 0, 1010);
	assert_verdict(decide(&t, 2, &no_sys), DV_OFF_CPU_BOUND, "waiting");
}

static void test_cpu_parallel(void **state)
{
	/* 4 threads, 1 s: 3.6 s on-CPU: 90% of thread-time, 3.6 CPUs >= 1.5 */
	struct thread_totals t = mk(20, 3400, 200, 100, 0, 0, 0, 0, 300);

	(void)state;
	assert_verdict(decide(&t, 1, &no_sys), DV_CPU_BOUND, "parallel");
	/* parallelism 1.49: single-threaded (the rule is >= 1.5) */
	t = mk(20, 1490, 0, 0, 0, 0, 0, 0, 10);
	assert_verdict(decide(&t, 1, &no_sys), DV_CPU_BOUND, "single-threaded");
}

static void test_cpu_starved(void **state)
{
	/* 8 threads on 2 CPUs, 1 s: 2 s on-CPU, 6 s runnable: runq 75% >= 20%, 6/8 = 75% of runnable >= 30% */
	struct thread_totals t = mk(20, 2000, 0, 6000, 0, 0, 0, 0, 0);

	(void)state;
	assert_verdict(decide(&t, 1, &no_sys), DV_CPU_STARVED, "waiting for a CPU");
	/* runq 19%: below the rule; on-CPU 81%: cpu-bound */
	t = mk(20, 810, 0, 190, 0, 0, 0, 0, 0);
	assert_verdict(decide(&t, 1, &no_sys), DV_CPU_BOUND, "single-threaded");
	/* runq 20% of thread-time but only 25% of runnable time: not starved */
	t = mk(20, 600, 0, 200, 0, 0, 0, 0, 200);
	assert_verdict(decide(&t, 1, &no_sys), DV_CPU_BOUND, "single-threaded");
	/*
	 * without schedstat the run delay is unknown (the sampler counts it as
	 * "other"): never starved by the run queue; 2 CPUs busy: CPU-bound
	 */
	t = mk(20, 2000, 0, 0, 0, 0, 0, 0, 6000);
	t.have_schedstat = 0;
	assert_verdict(decide(&t, 1, &no_sys), DV_CPU_BOUND, "busy threads on the CPU, the rest idle");
}

static void test_throttled(void **state)
{
	struct thread_totals t = mk(20, 500, 0, 100, 0, 0, 0, 0, 400);
	struct diag_system sys = { 0.1, NAN, NAN, NAN };	/* 0.1 s of 1 s: 10% >= 10% */

	(void)state;
	assert_verdict(decide(&t, 1, &sys), DV_CPU_STARVED, "cgroup CPU throttling");
	sys.throttled_s = 0.099;
	assert_verdict(decide(&t, 1, &sys), DV_CPU_BOUND, "single-threaded");
}

static void test_io_bound(void **state)
{
	/* fsync loop: 40% system, 55% in D */
	struct thread_totals t = mk(20, 0, 400, 20, 550, 0, 0, 0, 30);

	(void)state;
	assert_verdict(decide(&t, 1, &no_sys), DV_IO_BOUND, "blocked on I/O");
	/* D at 29%: not I/O-bound */
	t = mk(20, 600, 0, 0, 290, 0, 0, 0, 110);
	assert_verdict(decide(&t, 1, &no_sys), DV_CPU_BOUND, "single-threaded");
}

static void test_memory_bound(void **state)
{
	/* 1 s, 50 major faults, 10% in D: memory-bound; 49 faults: I/O rules decide */
	struct thread_totals t = mk(20, 200, 400, 0, 400, 0, 0, 0, 0);
	struct diag_system sys = { NAN, NAN, NAN, NAN };

	(void)state;
	t.majflt = 50;
	assert_verdict(decide(&t, 1, &sys), DV_MEMORY_BOUND, "major page faults");
	t.majflt = 49;
	assert_verdict(decide(&t, 1, &sys), DV_IO_BOUND, "blocked on I/O");
	/* swapping: 100 pages/s with 10% in D */
	t = mk(20, 800, 0, 0, 100, 0, 0, 0, 100);
	sys.swap_pages_per_s = 100;
	assert_verdict(decide(&t, 1, &sys), DV_MEMORY_BOUND, "swapping");
	sys.swap_pages_per_s = 99;
	assert_verdict(decide(&t, 1, &sys), DV_CPU_BOUND, "single-threaded");
	/* reclaim: 1000 pages scanned/s and 20% system time */
	t = mk(20, 600, 200, 0, 0, 0, 0, 0, 200);
	sys.swap_pages_per_s = 0;
	sys.scan_pages_per_s = 1000;
	assert_verdict(decide(&t, 1, &sys), DV_MEMORY_BOUND, "reclaim");
}

static void test_off_cpu(void **state)
{
	/*
	 * 4 threads on a mutex held while sleeping: 3 wait (75% lock), 1 sleeps
	 * (25%): contention 75% >= 20% with 4 threads. One thread waiting on a
	 * futex (another process's) is no contention: 98% off the CPU, waiting.
	 */
	struct thread_totals t = mk(20, 10, 10, 0, 0, 3000, 980, 0, 0);

	(void)state;
	t.max_threads = 4;
	assert_verdict(decide(&t, 1, &no_sys), DV_LOCK_CONTENTION, "threads wait for a lock that others hold");
	t.max_threads = 1;
	assert_verdict(decide(&t, 1, &no_sys), DV_OFF_CPU_BOUND, "waiting");
	t = mk(20, 10, 0, 0, 0, 0, 990, 0, 0);
	assert_verdict(decide(&t, 1, &no_sys), DV_OFF_CPU_BOUND, "sleep");
	t = mk(20, 100, 100, 0, 0, 0, 0, 800, 0);
	assert_verdict(decide(&t, 1, &no_sys), DV_OFF_CPU_BOUND, "network, poll or pipes");
	t = mk(20, 100, 100, 0, 0, 0, 0, 0, 800);
	assert_verdict(decide(&t, 1, &no_sys), DV_OFF_CPU_BOUND, "waiting");
}

static void test_busy_thread_idle_pool(void **state)
{
	/* 1 busy thread and 3 idle pool threads on futexes, 1 s: on-CPU 24%, parallelism 0.97 */
	struct thread_totals t = mk(20, 970, 0, 30, 0, 3000, 0, 0, 0);

	(void)state;
	assert_verdict(decide(&t, 1, &no_sys), DV_CPU_BOUND, "busy threads on the CPU, the rest idle");
}

static void test_contention(void **state)
{
	/*
	 * pe-contend 2: two workers, 1 s, 0.9 s user and 0.6 s system between
	 * them, 0.3 s waiting on the futex, 0.2 s other; main parked in
	 * pthread_join for 1 s (not counted). Counted 2 s: lock 15%, on a CPU
	 * 75%, 1.5 CPUs. The profile puts 60% of the on-CPU samples in lock
	 * code: lock_cpu 0.6 * 75% = 45%, contention 60% >= 20%.
	 */
	struct thread_totals t = mk(20, 900, 600, 0, 0, 1300, 0, 0, 200);
	struct diag_system sys = { NAN, NAN, NAN, 0.6 };
	double m[DM_NR];

	(void)state;
	t.lock_parked_ns = 1000 * MS;
	t.max_threads = 3;
	diag_metrics(&t, 1, &sys, m);
	assert_float_equal(m[DM_LOCK], 0.15, 1e-9);
	assert_float_equal(m[DM_ON_CPU], 0.75, 1e-9);
	assert_float_equal(m[DM_LOCK_CPU], 0.45, 1e-9);
	assert_float_equal(m[DM_CONTENTION], 0.60, 1e-9);
	assert_verdict(diag_decide(m), DV_LOCK_CONTENTION, "threads wait for a lock that others hold");
	assert_true(diag_hot_shown(diag_decide(m), m));
	/* without a profile only the waiting is known: 15% < 20%, and 1.5 CPUs busy: cpu-bound */
	assert_verdict(decide(&t, 1, &no_sys), DV_CPU_BOUND, "parallel");
	/* 5% of the samples in lock code (an uncontended lock's fast path): 15% + 3.75% < 20% */
	sys.lock_cpu_frac = 0.05;
	assert_verdict(decide(&t, 1, &sys), DV_CPU_BOUND, "parallel");
	/* the main thread's join is not a wait for a lock: were it counted, lock would be 43% */
	t.lock_parked_ns = 0;
	diag_metrics(&t, 1, &sys, m);
	assert_float_equal(m[DM_LOCK], 1300.0 / 3000, 1e-9);
}

static void test_parallel_with_join(void **state)
{
	/* pe-burn 2: two spinning workers, main parked in pthread_join: cpu-bound, not contention */
	struct thread_totals t = mk(20, 2000, 0, 0, 0, 1000, 0, 0, 0);
	struct diag_system sys = { NAN, NAN, NAN, 0.0 };

	(void)state;
	t.lock_parked_ns = 1000 * MS;
	t.max_threads = 3;
	assert_verdict(decide(&t, 1, &sys), DV_CPU_BOUND, "parallel");
}

static void test_child_wait_not_counted(void **state)
{
	/* sh -c 'spinner': the shell waits 1 s for its child, the child spins 1 s */
	struct thread_totals t = mk(20, 1000, 0, 0, 0, 0, 0, 0, 0);
	double m[DM_NR];

	(void)state;
	t.wait_ns[WAIT_CHILD] = 1000 * MS;
	t.thread_ns += 1000 * MS;
	diag_metrics(&t, 1, &no_sys, m);
	assert_float_equal(m[DM_ON_CPU], 1.0, 1e-9);
	assert_verdict(diag_decide(m), DV_CPU_BOUND, "single-threaded");
}

static void test_balanced_and_empty(void **state)
{
	/* 45% CPU, 15% run queue (25% of runnable), 25% I/O, 15% lock: no rule holds */
	struct thread_totals t = mk(20, 450, 0, 150, 250, 150, 0, 0, 0);
	double m[DM_NR];

	(void)state;
	assert_verdict(decide(&t, 1, &no_sys), DV_BALANCED, "no single limit");
	/* nothing seen at all: the metrics are unknown, not zero; inconclusive */
	t = mk(0, 0, 0, 0, 0, 0, 0, 0, 0);
	diag_metrics(&t, 0, &no_sys, m);
	assert_true(isnan(m[DM_ON_CPU]));
	assert_true(isnan(m[DM_PARALLELISM]));
	assert_verdict(diag_decide(m), DV_INCONCLUSIVE, "too short to sample");
}

/* The hot functions are shown for cpu-bound and cpu-starved, or from 30% on a CPU. */
static void test_hot_shown(void **state)
{
	struct thread_totals t = mk(40, 1900, 0, 50, 0, 0, 0, 0, 50);
	double m[DM_NR];

	(void)state;
	diag_metrics(&t, 2, &no_sys, m);
	assert_true(diag_hot_shown(diag_decide(m), m));		/* cpu-bound, 95% */
	t = mk(20, 200, 0, 700, 0, 0, 0, 0, 100);
	diag_metrics(&t, 1, &no_sys, m);
	assert_int_equal(diag_decide(m)->verdict, DV_CPU_STARVED);
	assert_true(diag_hot_shown(diag_decide(m), m));		/* starved, 20% on a CPU */
	t = mk(20, 300, 0, 0, 700, 0, 0, 0, 0);
	diag_metrics(&t, 1, &no_sys, m);
	assert_int_equal(diag_decide(m)->verdict, DV_IO_BOUND);
	assert_true(diag_hot_shown(diag_decide(m), m));		/* io-bound, but 30% on a CPU */
	t = mk(20, 299, 0, 0, 701, 0, 0, 0, 0);
	diag_metrics(&t, 1, &no_sys, m);
	assert_false(diag_hot_shown(diag_decide(m), m));	/* 29.9%: not */
	t = mk(20, 10, 0, 0, 0, 0, 990, 0, 0);
	diag_metrics(&t, 1, &no_sys, m);
	assert_false(diag_hot_shown(diag_decide(m), m));	/* a sleeper */
	t = mk(0, 0, 0, 0, 0, 0, 0, 0, 0);
	diag_metrics(&t, 0, &no_sys, m);
	assert_false(diag_hot_shown(diag_decide(m), m));	/* nothing seen: unknown share */
}

static void test_table_is_sound(void **state)
{
	(void)state;
	/* every rule can be told from the text: a name, a detail, a next step, and conditions */
	for (size_t i = 0; i < diag_nrules; i++) {
		const struct diag_rule *r = &diag_rules[i];

		assert_true(r->ncond >= 1 && r->ncond <= DIAG_MAX_CONDS);
		assert_true(r->nevidence <= DIAG_MAX_EVIDENCE);
		assert_non_null(r->detail);
		assert_non_null(r->next_step);
		for (size_t k = 0; k < r->ncond; k++)
			assert_true(r->cond[k].metric < DM_NR);
	}
	for (int m = 0; m < DM_NR; m++)
		assert_string_not_equal(diag_metric_name((enum diag_metric)m), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_too_short),
		cmocka_unit_test(test_cpu_single),
		cmocka_unit_test(test_cpu_parallel),
		cmocka_unit_test(test_cpu_starved),
		cmocka_unit_test(test_throttled),
		cmocka_unit_test(test_io_bound),
		cmocka_unit_test(test_memory_bound),
		cmocka_unit_test(test_off_cpu),
		cmocka_unit_test(test_busy_thread_idle_pool),
		cmocka_unit_test(test_contention),
		cmocka_unit_test(test_parallel_with_join),
		cmocka_unit_test(test_child_wait_not_counted),
		cmocka_unit_test(test_balanced_and_empty),
		cmocka_unit_test(test_hot_shown),
		cmocka_unit_test(test_table_is_sound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
