/*
 * Tests of runner/bench_plan.c: parameter values as the user wrote them,
 * the benchmarks a plan makes (how many, in what order, named how, with
 * which argv) and the plans it refuses. Expected values written by hand.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "runner/bench_plan.h"
#include "util/argv.h"
#include "util/error.h"

static void check_values(const struct bench_param_values *p, const char *const *want, size_t n)
{
	assert_int_equal(p->n, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(p->values[i], want[i]);
}

static void test_scan(void **state)
{
	static const char *const ints[] = { "1", "2", "3" };
	static const char *const steps[] = { "0.3", "0.5", "0.7" };
	static const char *const neg[] = { "-0.5", "0", "0.5", "1" };
	struct bench_param_values p;

	(void)state;
	assert_int_equal(bench_param_scan(&p, "n", "1", "3", NULL), 0);
	assert_string_equal(p.name, "n");
	check_values(&p, ints, 3);
	bench_param_values_release(&p);
	/* hyperfine's own example: -P delay 0.3 0.7 -D 0.2 */
	assert_int_equal(bench_param_scan(&p, "delay", "0.3", "0.7", "0.2"), 0);
	check_values(&p, steps, 3);
	bench_param_values_release(&p);
	/* never "-0", and 1.0 written as 1 */
	assert_int_equal(bench_param_scan(&p, "x", "-0.5", "1", "0.5"), 0);
	check_values(&p, neg, 4);
	bench_param_values_release(&p);

	assert_int_equal(bench_param_scan(&p, "x", "1.5", "3", NULL), -1);
	assert_string_equal(pe_errmsg(), "--parameter-scan x: '1.5' and '3' must be whole numbers "
			    "unless --parameter-step-size is given");
	assert_int_equal(bench_param_scan(&p, "x", "5", "1", NULL), -1);
	assert_string_equal(pe_errmsg(), "--parameter-scan x: the minimum 5 is above the maximum 1");
	assert_int_equal(bench_param_scan(&p, "x", "0", "20000", NULL), -1);
	assert_string_equal(pe_errmsg(), "--parameter-scan x: 20001 values; at most 10000");
	assert_int_equal(bench_param_scan(&p, "", "0", "1", NULL), -1);
}

static void test_list(void **state)
{
	static const char *const abc[] = { "gcc", "", "clang" };
	struct bench_param_values p;

	(void)state;
	assert_int_equal(bench_param_list(&p, "cc", "gcc,,clang"), 0);
	check_values(&p, abc, 3);
	bench_param_values_release(&p);
	assert_int_equal(bench_param_list(&p, "cc", ""), -1);
	assert_string_equal(pe_errmsg(), "--parameter-list cc: no values");
}

static void release_all(struct bench_command *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		bench_command_release(&c[i]);
	free(c);
}

/* Two commands crossed with x = 1,2 and y = a,b: x varies slowest, commands outermost. */
static void test_build_cross(void **state)
{
	struct bench_param_values p[2];
	const char *cmds[] = { "run {x} {y}", "walk {x}" };
	const char *names[] = { "r{y}" };
	const char *prep[] = { "prep {x}" };
	struct bench_plan plan = {
		.cmds = cmds, .ncmds = 2, .names = names, .nnames = 1,
		.params = p, .nparams = 2, .shell = "sh",
	};
	static const char *const want_cmd[] = {
		"run 1 a", "run 1 b", "run 2 a", "run 2 b", "walk 1", "walk 1", "walk 2", "walk 2",
	};
	static const char *const want_name[] = {
		"ra", "rb", "ra", "rb", "walk 1", "walk 1", "walk 2", "walk 2",
	};
	struct bench_command *c;
	size_t n;

	(void)state;
	plan.hooks[BENCH_PREPARE] = prep;
	plan.nhooks[BENCH_PREPARE] = 1;
	assert_int_equal(bench_param_list(&p[0], "x", "1,2"), 0);
	assert_int_equal(bench_param_list(&p[1], "y", "a,b"), 0);
	assert_int_equal(bench_plan_build(&plan, &c, &n), 0);
	assert_int_equal(n, 8);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(c[i].command, want_cmd[i]);
		assert_string_equal(c[i].name, want_name[i]);
		assert_string_equal(c[i].argv[0], "sh");
		assert_string_equal(c[i].argv[1], "-c");
		assert_string_equal(c[i].argv[2], want_cmd[i]);
		assert_null(c[i].argv[3]);
		assert_int_equal(c[i].nparams, 2);
		assert_string_equal(c[i].prepare.text, i == 2 || i == 3 || i >= 6 ? "prep 2" : "prep 1");
		assert_null(c[i].setup.argv);
	}
	release_all(c, n);
	bench_param_values_release(&p[0]);
	bench_param_values_release(&p[1]);
}

/* The reference runs once, without parameters, named as written; -n names the others. */
static void test_build_reference(void **state)
{
	struct bench_param_values p;
	const char *cmds[] = { "old {n}", "new {n}" };
	const char *names[] = { "new-{n}" };
	struct bench_plan plan = {
		.cmds = cmds, .ncmds = 2, .reference = 1, .names = names, .nnames = 1,
		.params = &p, .nparams = 1,
	};
	struct bench_command *c;
	size_t n;

	(void)state;
	assert_int_equal(bench_param_scan(&p, "n", "1", "3", NULL), 0);
	assert_int_equal(bench_plan_build(&plan, &c, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(c[0].command, "old {n}");
	assert_string_equal(c[0].name, "old {n}");
	assert_int_equal(c[0].nparams, 0);
	/* no shell: split into words */
	assert_string_equal(c[0].argv[0], "old");
	assert_string_equal(c[0].argv[1], "{n}");
	assert_string_equal(c[3].command, "new 3");
	assert_string_equal(c[3].name, "new-3");
	release_all(c, n);
	bench_param_values_release(&p);
}

static void test_build_refused(void **state)
{
	const char *cmds[] = { "a", "b" };
	const char *three[] = { "x", "y", "z" };
	const char *bad[] = { "a | b" };
	struct bench_param_values p[2];
	struct bench_plan plan = { .cmds = cmds, .ncmds = 2 };
	struct bench_command *c;
	size_t n;

	(void)state;
	plan.hooks[BENCH_CLEANUP] = three;
	plan.nhooks[BENCH_CLEANUP] = 3;
	assert_int_equal(bench_plan_build(&plan, &c, &n), -1);
	assert_string_equal(pe_errmsg(), "--cleanup given 3 times for 2 commands; give it once, or once per command");
	plan.nhooks[BENCH_CLEANUP] = 0;

	plan.names = three;
	plan.nnames = 3;
	assert_int_equal(bench_plan_build(&plan, &c, &n), -1);
	assert_string_equal(pe_errmsg(), "3 command names for 2 commands");
	plan.nnames = 0;

	assert_int_equal(bench_param_list(&p[0], "x", "1"), 0);
	assert_int_equal(bench_param_list(&p[1], "x", "2"), 0);
	plan.params = p;
	plan.nparams = 2;
	assert_int_equal(bench_plan_build(&plan, &c, &n), -1);
	assert_string_equal(pe_errmsg(), "parameter 'x' is given twice");
	plan.nparams = 0;
	bench_param_values_release(&p[0]);
	bench_param_values_release(&p[1]);

	/* without a shell, shell syntax fails the plan, and nothing is left allocated */
	plan.cmds = bad;
	plan.ncmds = 1;
	assert_int_equal(bench_plan_build(&plan, &c, &n), -1);
	assert_non_null(strstr(pe_errmsg(), "uses '|', which needs a shell"));
}

static void test_command_argv(void **state)
{
	char **v;

	(void)state;
	v = bench_command_argv("bash -O extglob", "echo a | wc -l");
	assert_non_null(v);
	assert_string_equal(v[0], "bash");
	assert_string_equal(v[1], "-O");
	assert_string_equal(v[2], "extglob");
	assert_string_equal(v[3], "-c");
	assert_string_equal(v[4], "echo a | wc -l");
	assert_null(v[5]);
	argv_free(v);
	assert_null(bench_command_argv("sh", " \t"));
	assert_string_equal(pe_errmsg(), "empty command");
	v = bench_shell_argv("sh", "");
	assert_string_equal(v[2], "");
	argv_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_build_cross),
		cmocka_unit_test(test_build_reference),
		cmocka_unit_test(test_build_refused),
		cmocka_unit_test(test_command_argv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
