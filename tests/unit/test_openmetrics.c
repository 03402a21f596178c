/*
 * The OpenMetrics text writer (src/out/openmetrics.c): exact text, written
 * out by hand from the OpenMetrics 1.0 specification's examples (TYPE/HELP
 * lines, _total, _bucket with le, quantile, label escaping of \, " and
 * newline, NaN and +Inf, # EOF).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "out/openmetrics.h"

static void test_counter_gauge(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct om_label l[2] = { { "path", "a\"b\\c\nd" }, { "k", "v" } };

	(void)state;
	om_family(&sb, "x_requests", OM_COUNTER, "Help with a \\ and\na newline.");
	om_counter(&sb, "x_requests", l, 2, 42);
	om_family(&sb, "x_rate", OM_GAUGE, "g");
	om_sample(&sb, "x_rate", NULL, 0, 0.25);
	om_sample(&sb, "x_rate", NULL, 0, NAN);
	om_sample(&sb, "x_rate", NULL, 0, INFINITY);
	om_eof(&sb);
	assert_string_equal(sb.buf,
		"# TYPE x_requests counter\n"
		"# HELP x_requests Help with a \\\\ and\\na newline.\n"
		"x_requests_total{path=\"a\\\"b\\\\c\\nd\",k=\"v\"} 42\n"
		"# TYPE x_rate gauge\n"
		"# HELP x_rate g\n"
		"x_rate 0.25\n"
		"x_rate NaN\n"
		"x_rate +Inf\n"
		"# EOF\n");
	strbuf_release(&sb);
}

static void test_histogram_summary(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	static const double bounds[] = { 0.0001, 0.5, 10 }, q[] = { 0.5, 0.99 }, v[] = { 0.003, 1.5 };
	static const uint64_t cum[] = { 1, 5, 7 };
	struct om_label l = { "job", "x" };

	(void)state;
	om_family(&sb, "lat_seconds", OM_HISTOGRAM, "h");
	om_histogram(&sb, "lat_seconds", &l, 1, bounds, cum, 3, 8, 12.5);
	om_family(&sb, "q_seconds", OM_SUMMARY, "s");
	om_summary(&sb, "q_seconds", NULL, 0, q, v, 2, 8, 12.5);
	assert_string_equal(sb.buf,
		"# TYPE lat_seconds histogram\n"
		"# HELP lat_seconds h\n"
		"lat_seconds_bucket{job=\"x\",le=\"0.0001\"} 1\n"
		"lat_seconds_bucket{job=\"x\",le=\"0.5\"} 5\n"
		"lat_seconds_bucket{job=\"x\",le=\"10\"} 7\n"
		"lat_seconds_bucket{job=\"x\",le=\"+Inf\"} 8\n"
		"lat_seconds_count{job=\"x\"} 8\n"
		"lat_seconds_sum{job=\"x\"} 12.5\n"
		"# TYPE q_seconds summary\n"
		"# HELP q_seconds s\n"
		"q_seconds{quantile=\"0.5\"} 0.003\n"
		"q_seconds{quantile=\"0.99\"} 1.5\n"
		"q_seconds_count 8\n"
		"q_seconds_sum 12.5\n");
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counter_gauge),
		cmocka_unit_test(test_histogram_summary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
