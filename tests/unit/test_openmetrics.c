/*
 * The exposition writer (src/out/openmetrics.c): exact text, written out by
 * hand from the OpenMetrics 1.0 specification's examples (TYPE/HELP lines,
 * _total, _bucket with le, quantile, label escaping of \, " and newline,
 * NaN and +Inf, # EOF) and from the Prometheus text format 0.0.4's
 * description (a counter's HELP and TYPE name its _total sample, no # EOF);
 * the choice between them from Accept headers, Prometheus 2.42's own among
 * them; the Accept header read from a request head (src/http/serve.c).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "http/serve.h"
#include "out/openmetrics.h"

static void test_counter_gauge(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct om_writer w = { &sb, OM_OPENMETRICS };
	struct om_label l[2] = { { "path", "a\"b\\c\nd" }, { "k", "v" } };

	(void)state;
	om_family(&w, "x_requests", OM_COUNTER, "Help with a \\ and\na newline.");
	om_counter(&w, "x_requests", l, 2, 42);
	om_family(&w, "x_rate", OM_GAUGE, "g");
	om_sample(&w, "x_rate", NULL, 0, 0.25);
	om_sample(&w, "x_rate", NULL, 0, NAN);
	om_sample(&w, "x_rate", NULL, 0, INFINITY);
	om_eof(&w);
	assert_string_equal(sb.buf,
		"# HELP x_requests Help with a \\\\ and\\na newline.\n"
		"# TYPE x_requests counter\n"
		"x_requests_total{path=\"a\\\"b\\\\c\\nd\",k=\"v\"} 42\n"
		"# HELP x_rate g\n"
		"# TYPE x_rate gauge\n"
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
	struct om_writer w = { &sb, OM_OPENMETRICS };

	(void)state;
	om_family(&w, "lat_seconds", OM_HISTOGRAM, "h");
	om_histogram(&w, "lat_seconds", &l, 1, bounds, cum, 3, 8, 12.5);
	om_family(&w, "q_seconds", OM_SUMMARY, "s");
	om_summary(&w, "q_seconds", NULL, 0, q, v, 2, 8, 12.5);
	assert_string_equal(sb.buf,
		"# HELP lat_seconds h\n"
		"# TYPE lat_seconds histogram\n"
		"lat_seconds_bucket{job=\"x\",le=\"0.0001\"} 1\n"
		"lat_seconds_bucket{job=\"x\",le=\"0.5\"} 5\n"
		"lat_seconds_bucket{job=\"x\",le=\"10\"} 7\n"
		"lat_seconds_bucket{job=\"x\",le=\"+Inf\"} 8\n"
		"lat_seconds_count{job=\"x\"} 8\n"
		"lat_seconds_sum{job=\"x\"} 12.5\n"
		"# HELP q_seconds s\n"
		"# TYPE q_seconds summary\n"
		"q_seconds{quantile=\"0.5\"} 0.003\n"
		"q_seconds{quantile=\"0.99\"} 1.5\n"
		"q_seconds_count 8\n"
		"q_seconds_sum 12.5\n");
	strbuf_release(&sb);
}

/* The classic text format: the counter's lines name x_requests_total; no # EOF. */
static void test_classic_text(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct om_writer w = { &sb, OM_TEXT };
	struct om_label l = { "kind", "read" };

	(void)state;
	om_family(&w, "x_errors", OM_COUNTER, "Errors.");
	om_counter(&w, "x_errors", &l, 1, 3);
	om_family(&w, "x_rate", OM_GAUGE, "g");
	om_sample(&w, "x_rate", NULL, 0, 0.5);
	om_eof(&w);
	assert_string_equal(sb.buf,
		"# HELP x_errors_total Errors.\n"
		"# TYPE x_errors_total counter\n"
		"x_errors_total{kind=\"read\"} 3\n"
		"# HELP x_rate g\n"
		"# TYPE x_rate gauge\n"
		"x_rate 0.5\n");
	strbuf_release(&sb);
	assert_string_equal(om_content_type(OM_TEXT), "text/plain; version=0.0.4; charset=utf-8");
	assert_string_equal(om_content_type(OM_OPENMETRICS),
			    "application/openmetrics-text; version=1.0.0; charset=utf-8");
}

static void test_negotiate(void **state)
{
	(void)state;
	/* Prometheus 2.42's scrape header (scrape/scrape.go, acceptHeader) */
	assert_int_equal(om_negotiate("application/openmetrics-text;version=1.0.0,"
				      "application/openmetrics-text;version=0.0.1;q=0.75,"
				      "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"), OM_OPENMETRICS);
	assert_int_equal(om_negotiate("application/openmetrics-text"), OM_OPENMETRICS);
	assert_int_equal(om_negotiate(" Application/OpenMetrics-Text ; q=0.9 , text/plain;q=0.5"), OM_OPENMETRICS);
	/* the classic format: asked for, preferred, wildcard, nothing, or openmetrics refused */
	assert_int_equal(om_negotiate("text/plain;version=0.0.4"), OM_TEXT);
	assert_int_equal(om_negotiate("application/openmetrics-text;q=0.3,text/plain"), OM_TEXT);
	assert_int_equal(om_negotiate("*/*"), OM_TEXT);
	assert_int_equal(om_negotiate(NULL), OM_TEXT);
	assert_int_equal(om_negotiate(""), OM_TEXT);
	assert_int_equal(om_negotiate("application/openmetrics-text;q=0"), OM_TEXT);
	assert_int_equal(om_negotiate("application/openmetrics-text;q=abc"), OM_TEXT);
	assert_int_equal(om_negotiate("application/json"), OM_TEXT);
	assert_int_equal(om_negotiate("application/openmetrics-textx"), OM_TEXT);
}

static void test_serve_header(void **state)
{
	char v[64];
	const char *head = "GET /metrics HTTP/1.1\r\nHost: a\r\naccept:  text/plain ; q=1 \r\nX: y\r\n\r\n";

	(void)state;
	assert_int_equal(serve_header(head, "Accept", v, sizeof(v)), 0);
	assert_string_equal(v, "text/plain ; q=1");
	assert_int_equal(serve_header(head, "host", v, sizeof(v)), 0);
	assert_string_equal(v, "a");
	assert_int_equal(serve_header(head, "Accep", v, sizeof(v)), -1);
	assert_int_equal(serve_header(head, "Accept", v, 4), -1);	/* does not fit */
	/* a header after the blank line is a body, not a header; bare \n line ends work too */
	assert_int_equal(serve_header("GET / HTTP/1.0\n\nAccept: x\n", "Accept", v, sizeof(v)), -1);
	assert_int_equal(serve_header("GET / HTTP/1.0\nAccept:x\n\n", "Accept", v, sizeof(v)), 0);
	assert_string_equal(v, "x");
	assert_int_equal(serve_header("GET / HTTP/1.0", "Accept", v, sizeof(v)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counter_gauge),
		cmocka_unit_test(test_histogram_summary),
		cmocka_unit_test(test_classic_text),
		cmocka_unit_test(test_negotiate),
		cmocka_unit_test(test_serve_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
