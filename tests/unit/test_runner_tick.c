/*
 * Tests of the runner's tick callback (run_spec.tick), which diagnose's
 * sampler rides on: the first tick comes at once with the child's pid, the
 * ticks keep to their period while the child runs, and none comes after
 * the child is reaped.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <string.h>

#include "runner/process.h"
#include "util/clock.h"

struct ticks {
	pid_t pid;
	unsigned n;
	uint64_t first, last;
	int alive_at_each;
};

static void on_tick(void *arg, pid_t pid, uint64_t now)
{
	struct ticks *t = arg;

	if (!t->n) {
		t->pid = pid;
		t->first = now;
	}
	t->last = now;
	t->n++;
	/* the child exists (running or a zombie not yet reaped) at every tick */
	if (kill(pid, 0) != 0)
		t->alive_at_each = 0;
}

static void test_ticks(void **state)
{
	char *argv[] = { "sleep", "0.3", NULL };
	struct ticks t = { .alive_at_each = 1 };
	struct run_spec spec = { .argv = argv, .stdin_fd = -1, .output = RUN_OUT_NULL,
				 .tick = on_tick, .tick_arg = &t, .tick_ns = 20 * NS_PER_MS };
	struct run_result res;
	uint64_t start = clock_now_ns();

	(void)state;
	assert_int_equal(runner_run(&spec, &res), 0);
	assert_int_equal(res.status, RUN_EXITED);
	assert_int_equal(res.exit_code, 0);
	assert_true(t.pid > 0);
	assert_true(t.alive_at_each);
	/* the first tick right after the exec, well before the first period ends */
	assert_true(t.first - start < 20 * NS_PER_MS);
	/* 0.3 s at 50 Hz: about 15 ticks; a loaded machine may skip some, never bunch them */
	assert_true(t.n >= 5);
	assert_true(t.n <= 17);
	assert_true(t.last - t.first <= res.wall_ns);
}

static void test_no_tick(void **state)
{
	char *argv[] = { "true", NULL };
	struct run_spec spec = { .argv = argv, .stdin_fd = -1, .output = RUN_OUT_NULL };
	struct run_result res;

	(void)state;
	assert_int_equal(runner_run(&spec, &res), 0);
	assert_int_equal(res.status, RUN_EXITED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ticks),
		cmocka_unit_test(test_no_tick),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
