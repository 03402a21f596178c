/*
 * Tests of how many threads the load engine runs (load__threads_next in
 * src/http/load.c). The expected values are worked out by hand from the rule
 * that docs/load.md states ("Threads"): double when those running were over
 * 90% busy, up to -t; else run ceil(busy / 0.8) when that is fewer than
 * k - 1 would need, i.e. when busy < 0.8 (k - 1).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "http/load_impl.h"

static void test_fewer(void **state)
{
	(void)state;
	/* 2 threads using 0.68 of a CPU (the nginx benchmark): 0.68 < 0.8 * 1 */
	assert_int_equal(load__threads_next(2, 0.68, 2), 1);
	/* 8 threads using 1.9 CPUs: 1.9 < 0.8 * 7; ceil(1.9 / 0.8) = ceil(2.375) = 3 */
	assert_int_equal(load__threads_next(8, 1.9, 16), 3);
	assert_int_equal(load__threads_next(3, 0.1, 3), 1);	/* ceil(0.125) = 1 */
	assert_int_equal(load__threads_next(4, 0.0, 4), 1);	/* idle: one thread */
}

static void test_same(void **state)
{
	(void)state;
	assert_int_equal(load__threads_next(2, 0.85, 2), 2);	/* 0.8 <= 0.85 <= 1.8 */
	assert_int_equal(load__threads_next(8, 5.7, 16), 8);	/* 5.6 <= 5.7 <= 7.2 */
	assert_int_equal(load__threads_next(1, 0.64, 2), 1);	/* one thread at 64%: stays */
	assert_int_equal(load__threads_next(1, 0.9, 2), 1);	/* 90% is not over 90% */
	assert_int_equal(load__threads_next(1, 0.0, 1), 1);
}

static void test_more(void **state)
{
	(void)state;
	assert_int_equal(load__threads_next(1, 0.95, 2), 2);
	assert_int_equal(load__threads_next(4, 3.7, 16), 8);	/* 3.7 > 3.6: twice as many */
	assert_int_equal(load__threads_next(8, 7.5, 12), 12);	/* twice, but at most -t */
	assert_int_equal(load__threads_next(1, 0.95, 1), 1);	/* -t 1: never more */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fewer),
		cmocka_unit_test(test_same),
		cmocka_unit_test(test_more),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
