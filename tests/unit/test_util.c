/*
 * Tests of the util/ leaf helpers: units (durations, sizes, percentages),
 * argv_split, the option parser and strbuf. Expected values are written out
 * by hand.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>

#include "util/argv.h"
#include "util/error.h"
#include "util/options.h"
#include "util/stop.h"
#include "util/strbuf.h"
#include "util/units.h"

/* --- units ----------------------------------------------------------------- */

static void test_duration(void **state)
{
	static const struct { const char *s; uint64_t ns; } ok[] = {
		{ "500ms", 500000000ULL }, { "10s", 10000000000ULL },
		{ "2m", 120000000000ULL }, { "1h", 3600000000000ULL },
		{ "250us", 250000ULL }, { "250µs", 250000ULL }, { "10ns", 10ULL },
		{ "1.5", 1500000000ULL }, { "0", 0ULL }, { "3min", 180000000000ULL },
		{ "0.5ms", 500000ULL }, { "1e3ms", 1000000000ULL }, { ".25s", 250000000ULL },
		/* Above 2^63 ns (292 years): still exact. */
		{ "1e10s", 10000000000000000000ULL },
	};
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		v = 12345;
		if (parse_duration_ns(ok[i].s, &v) != 0)
			fail_msg("'%s': %s", ok[i].s, pe_errmsg());
		if (v != ok[i].ns)
			fail_msg("'%s' gave %llu, want %llu", ok[i].s,
				 (unsigned long long)v, (unsigned long long)ok[i].ns);
	}
}

static void test_duration_errors(void **state)
{
	static const char *const bad[] = {
		"", "-1s", "10x", "ms", "1e400", "0x10", " 1s", "+1s", "1 s", "inf",
		"nan", "1.5.5s", "10S", "1sec", "18e9s", "s10",
	};
	uint64_t v = 7;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse_duration_ns(bad[i], &v) != -1)
			fail_msg("'%s' was accepted", bad[i]);
		assert_int_equal(v, 7);
	}
	parse_duration_ns("10x", &v);
	assert_string_equal(pe_errmsg(), "'10x' is not a duration (try 500ms, 10s, 2m)");
}

static void test_size(void **state)
{
	static const struct { const char *s; uint64_t v; } ok[] = {
		{ "64k", 65536 }, { "1M", 1048576 }, { "4096", 4096 }, { "2G", 2147483648ULL },
		{ "1.5k", 1536 }, { "512B", 512 }, { "3KiB", 3072 }, { "1mb", 1048576 },
		{ "0", 0 }, { "1e10G", 10737418240000000000ULL },
	};
	static const char *const bad[] = {
		"", "-1k", "1T", "k", "1e400", "0x10", "64 k", "1kk", "64K ", "1e10000G",
	};
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (parse_size(ok[i].s, &v) != 0)
			fail_msg("'%s': %s", ok[i].s, pe_errmsg());
		if (v != ok[i].v)
			fail_msg("'%s' gave %llu", ok[i].s, (unsigned long long)v);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse_size(bad[i], &v) != -1)
			fail_msg("'%s' was accepted", bad[i]);
	parse_size("1T", &v);
	assert_string_equal(pe_errmsg(), "'1T' is not a size (try 4096, 64k, 1M)");
}

static void test_percent(void **state)
{
	static const char *const bad[] = { "%", "1%%", "", "-1%", "1 %", "abc", "5x", "0x1%" };
	double f;

	(void)state;
	assert_int_equal(parse_percent("1%", &f), 0);
	assert_true(f == 0.01);
	assert_int_equal(parse_percent("0.05", &f), 0);
	assert_true(f == 0.05);
	assert_int_equal(parse_percent("150%", &f), 0);
	assert_true(f == 1.5);
	assert_int_equal(parse_percent("0%", &f), 0);
	assert_true(f == 0.0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse_percent(bad[i], &f) != -1)
			fail_msg("'%s' was accepted", bad[i]);
	parse_percent("1%%", &f);
	assert_string_equal(pe_errmsg(), "'1%%' is not a percentage (try 1% or 0.01)");
}

static void test_uint(void **state)
{
	static const char *const bad[] = {
		"-1", " 1", "1x", "18446744073709551616", "99999999999999999999999", "",
		"+1", "\t1", "\n1", "0x10", "1.0", "1 ",
	};
	uint64_t v;

	(void)state;
	assert_int_equal(parse_uint("42", &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(parse_uint("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_uint("007", &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(parse_uint("18446744073709551615", &v), 0);
	assert_true(v == UINT64_MAX);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 5;
		if (parse_uint(bad[i], &v) != -1)
			fail_msg("'%s' was accepted", bad[i]);
		assert_int_equal(v, 5);
	}
	parse_uint("1x", &v);
	assert_string_equal(pe_errmsg(), "'1x' is not a whole number");
}

static void test_double(void **state)
{
	double d;

	(void)state;
	assert_int_equal(parse_double("2.5", &d), 0);
	assert_true(d == 2.5);
	assert_int_equal(parse_double("-1e-3", &d), 0);
	assert_true(d == -1e-3);
	assert_int_equal(parse_double("", &d), -1);
	assert_int_equal(parse_double("1.5x", &d), -1);
	assert_int_equal(parse_double("inf", &d), -1);
	assert_int_equal(parse_double("nan", &d), -1);
	assert_int_equal(parse_double("1e999", &d), -1);
	assert_string_equal(pe_errmsg(), "'1e999' is not a number");
}

static void test_time_unit(void **state)
{
	enum time_unit u;

	(void)state;
	assert_int_equal(parse_time_unit("millisecond", &u), 0);
	assert_int_equal(u, TU_MS);
	assert_int_equal(parse_time_unit("us", &u), 0);
	assert_int_equal(u, TU_US);
	assert_int_equal(parse_time_unit("auto", &u), 0);
	assert_int_equal(u, TU_AUTO);
	assert_int_equal(parse_time_unit("minute", &u), -1);
	assert_string_equal(pe_errmsg(), "'minute' is not a time unit "
			    "(second, millisecond, microsecond, nanosecond)");

	assert_int_equal(time_unit_for(1.5), TU_S);
	assert_int_equal(time_unit_for(1.0), TU_S);
	assert_int_equal(time_unit_for(0.999), TU_MS);
	assert_int_equal(time_unit_for(1e-3), TU_MS);
	assert_int_equal(time_unit_for(2e-6), TU_US);
	assert_int_equal(time_unit_for(5e-9), TU_NS);
	assert_int_equal(time_unit_for(0), TU_NS);
	assert_int_equal(time_unit_for(-0.5), TU_MS);

	assert_string_equal(time_unit_name(TU_US), "µs");
	assert_string_equal(time_unit_ascii(TU_US), "us");
	assert_true(time_unit_scale(TU_MS) == 1e3);
	assert_true(time_unit_scale(TU_S) == 1.0);
}

/* --- argv_split ---------------------------------------------------------- */

/* Splits cmd and checks it gives exactly the NULL-terminated words. */
static void check_split(const char *cmd, ...)
{
	const char *want[32];
	char **argv = NULL;
	int argc = -1, n = 0;
	va_list ap;

	va_start(ap, cmd);
	while ((want[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	if (argv_split(cmd, &argv, &argc) != 0)
		fail_msg("[%s]: %s", cmd, pe_errmsg());
	if (argc != n)
		fail_msg("[%s]: %d words, want %d", cmd, argc, n);
	for (int i = 0; i < n; i++)
		if (strcmp(argv[i], want[i]))
			fail_msg("[%s]: word %d is [%s], want [%s]", cmd, i, argv[i], want[i]);
	assert_null(argv[argc]);
	argv_free(argv);
}

static void check_split_error(const char *cmd, const char *msg)
{
	char **argv = (char **)0x1;
	int argc = 99;

	if (argv_split(cmd, &argv, &argc) != -1)
		fail_msg("[%s] was accepted", cmd);
	assert_string_equal(pe_errmsg(), msg);
	/* Outputs untouched on error. */
	assert_ptr_equal(argv, (char **)0x1);
	assert_int_equal(argc, 99);
}

static void test_argv_words(void **state)
{
	(void)state;
	check_split("echo", "echo", NULL);
	check_split("echo hello world", "echo", "hello", "world", NULL);
	check_split("  a  \t b\t\tc  ", "a", "b", "c", NULL);
	check_split("a\nb", "a", "b", NULL);
	check_split("sleep 0.1", "sleep", "0.1", NULL);
	check_split("a=b --x=y a~b", "a=b", "--x=y", "a~b", NULL);	/* ~ only leading */
	/* More than the initial vector of 16. */
	check_split("1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18",
		    "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12",
		    "13", "14", "15", "16", "17", "18", NULL);
}

static void test_argv_quotes(void **state)
{
	(void)state;
	check_split("grep 'a b'  file", "grep", "a b", "file", NULL);
	check_split("'$HOME \\ \" | * ~'", "$HOME \\ \" | * ~", NULL);
	check_split("it'''s'", "its", NULL);
	check_split("pre'mid'post", "premidpost", NULL);
	check_split("echo \"double \\\"escaped\\\" \\$HOME\"",
		    "echo", "double \"escaped\" $HOME", NULL);
	check_split("\"a\\\\b\" \"\\`x\\`\"", "a\\b", "`x`", NULL);
	/* Inside double quotes a backslash before anything else stays. */
	check_split("\"\\a\\n\"", "\\a\\n", NULL);
	check_split("\"line\\\ncontinued\"", "linecontinued", NULL);
	check_split("\"'single' inside\"", "'single' inside", NULL);
	check_split("a \"\" b", "a", "", "b", NULL);
	check_split("''", "", NULL);
	check_split("x '' ''", "x", "", "", NULL);
	check_split("echo '|' \"&\" '>' ';' '*'", "echo", "|", "&", ">", ";", "*", NULL);
	check_split("'~/bin/x'", "~/bin/x", NULL);
}

static void test_argv_backslash(void **state)
{
	(void)state;
	check_split("a\\ b c", "a b", "c", NULL);
	check_split("\\'x \\\"y", "'x", "\"y", NULL);
	check_split("echo \\| \\$HOME \\~", "echo", "|", "$HOME", "~", NULL);
	check_split("a\\\\b", "a\\b", NULL);
	check_split("one\\\ntwo", "onetwo", NULL);	/* line continuation */
	check_split("one \\\n two", "one", "two", NULL);
}

static void test_argv_errors(void **state)
{
	static const char shell_chars[] = "|&;<>()$`*?";
	char cmd[64], msg[256];

	(void)state;
	check_split_error("", "empty command");
	check_split_error("  \t\n ", "empty command");
	check_split_error("\\\n", "empty command");
	check_split_error("echo 'abc", "unterminated ' in command 'echo 'abc'");
	check_split_error("'", "unterminated ' in command '''");
	check_split_error("echo \"abc", "unterminated \" in command 'echo \"abc'");
	check_split_error("echo \"abc\\\"", "unterminated \" in command 'echo \"abc\\\"'");
	check_split_error("echo \\", "command 'echo \\' ends with a lone backslash");
	/* a shell expands $ and ` inside double quotes: refuse rather than differ */
	check_split_error("echo \"$HOME\"",
			  "command 'echo \"$HOME\"' uses '$' inside double quotes, which needs a shell; "
			  "escape it, or leave out -N / --shell=none");
	check_split_error("echo \"`id`\"",
			  "command 'echo \"`id`\"' uses '`' inside double quotes, which needs a shell; "
			  "escape it, or leave out -N / --shell=none");
	for (const char *c = shell_chars; *c; c++) {
		snprintf(cmd, sizeof(cmd), "ls x%cy", *c);
		snprintf(msg, sizeof(msg), "command 'ls x%cy' uses '%c', which needs a shell; "
			 "quote it, or leave out -N / --shell=none", *c, *c);
		check_split_error(cmd, msg);
	}
	check_split_error("ls ~/src", "command 'ls ~/src' uses '~', which needs a shell; "
			  "quote it, or leave out -N / --shell=none");
	check_split_error("a 'ok' | b", "command 'a 'ok' | b' uses '|', which needs a shell; "
			  "quote it, or leave out -N / --shell=none");
}

static void test_argv_no_argc(void **state)
{
	char **argv;

	(void)state;
	assert_int_equal(argv_split("a b", &argv, NULL), 0);
	assert_string_equal(argv[1], "b");
	argv_free(argv);
	argv_free(NULL);
}

/* --- options --------------------------------------------------------------- */

struct opts {
	int interactive, quiet, color;
	uint64_t runs, timeout;
	const char *name;
	double threshold;
	const char *param[2];
	const char *range[3];
	int ncb;
};

static struct opts O;

static int cb_param(const struct option *opt, const char **args)
{
	struct opts *o = opt->value;

	if (!strcmp(args[0], "bad"))
		return pe_error("'%s' is not a parameter name", args[0]);
	o->param[0] = args[0];
	o->param[1] = args[1];
	o->ncb++;
	return 0;
}

static int cb_range(const struct option *opt, const char **args)
{
	struct opts *o = opt->value;

	memcpy(o->range, args, sizeof(o->range));
	o->ncb++;
	return 0;
}

static const struct option table[] = {
	OPT_GROUP("Options:"),
	OPT_FLAG('i', "interactive", &O.interactive, "ask before each run"),
	OPT_FLAG('q', "quiet", &O.quiet, "print less"),
	OPT_FLAG(0, "color", &O.color, "colour the output"),
	OPT_UINT('r', "runs", &O.runs, "N", "number of runs"),
	OPT_STRING('n', "name", &O.name, "NAME", "name of the benchmark"),
	OPT_DURATION('t', "timeout", &O.timeout, "TIME", "stop each run after TIME"),
	OPT_PERCENT(0, "threshold", &O.threshold, "PCT", "smallest change to report"),
	OPT_CALLBACK('P', "parameter-with-a-long-name", &O, "NAME VALUE",
		     "set a parameter", cb_param, 2),
	OPT_CALLBACK(0, "range", &O, "NAME FROM TO", "scan a range", cb_range, 3),
	OPT_END(),
};

/* Parses a NULL-terminated list of words (argv[0] first) with the table. */
static int parse(char **argv, int *npos)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	memset(&O, 0, sizeof(O));
	O.color = 1;
	return options_parse(argc, argv, table, npos);
}

static void test_options_long(void **state)
{
	char *argv[] = { "bench", "--runs=5", "--name", "sort", "--timeout=2s",
			 "--threshold", "5%", "--quiet", "--no-color", "--interactive", NULL };
	int npos = -1;

	(void)state;
	assert_int_equal(parse(argv, &npos), 0);
	assert_int_equal(npos, 0);
	assert_null(argv[0]);
	assert_int_equal(O.runs, 5);
	assert_string_equal(O.name, "sort");
	assert_int_equal(O.timeout, 2000000000ULL);
	assert_true(O.threshold == 0.05);
	assert_int_equal(O.quiet, 1);
	assert_int_equal(O.interactive, 1);
	assert_int_equal(O.color, 0);
}

static void test_options_short(void **state)
{
	char *a1[] = { "bench", "-r10", "-n", "x", "-t500ms", "-iq", NULL };
	char *a2[] = { "bench", "-r", "10", "-nx", "-t", "1m", "-qi", NULL };
	char *a3[] = { "bench", "-q", "--color", "-ir", "3", NULL };
	int npos;

	(void)state;
	assert_int_equal(parse(a1, &npos), 0);
	assert_int_equal(O.runs, 10);
	assert_string_equal(O.name, "x");
	assert_int_equal(O.timeout, 500000000ULL);
	assert_int_equal(O.interactive, 1);
	assert_int_equal(O.quiet, 1);
	assert_int_equal(npos, 0);

	assert_int_equal(parse(a2, &npos), 0);
	assert_int_equal(O.runs, 10);
	assert_string_equal(O.name, "x");
	assert_int_equal(O.timeout, 60000000000ULL);
	assert_int_equal(O.interactive, 1);
	assert_int_equal(O.quiet, 1);

	/* A value-taking option cannot sit inside a bundle. */
	assert_int_equal(parse(a3, &npos), -1);
	assert_string_equal(pe_errmsg(), "option '-r' takes a value; give it apart from '-ir'");
}

/* A repeatable option collects its values in order, from both spellings. */
static void test_options_list(void **state)
{
	struct string_list tags = { 0 };
	struct option opts[] = {
		OPT_LIST('t', "tag", &tags, "<TAG>", "tag"),
		OPT_END(),
	};
	char *argv[] = { "cmd", "--tag", "a", "pos", "-tb", "--tag=c", NULL };
	int npos = -1;

	(void)state;
	assert_int_equal(options_parse(6, argv, opts, &npos), 0);
	assert_int_equal(npos, 1);
	assert_string_equal(argv[0], "pos");
	assert_int_equal(tags.n, 3);
	assert_string_equal(tags.v[0], "a");
	assert_string_equal(tags.v[1], "b");
	assert_string_equal(tags.v[2], "c");
	free(tags.v);
}

static void test_options_callbacks(void **state)
{
	char *a1[] = { "x", "--parameter-with-a-long-name", "n", "v", "--range", "k", "1", "9", NULL };
	char *a2[] = { "x", "--parameter-with-a-long-name=n", "v", "-P", "m", "w", NULL };
	char *a3[] = { "x", "-Pn", "v", NULL };
	char *a4[] = { "x", "--range", "k", "1", NULL };
	char *a5[] = { "x", "-P", "bad", "v", NULL };
	int npos;

	(void)state;
	assert_int_equal(parse(a1, &npos), 0);
	assert_string_equal(O.param[0], "n");
	assert_string_equal(O.param[1], "v");
	assert_string_equal(O.range[0], "k");
	assert_string_equal(O.range[1], "1");
	assert_string_equal(O.range[2], "9");
	assert_int_equal(O.ncb, 2);

	assert_int_equal(parse(a2, &npos), 0);
	assert_string_equal(O.param[0], "m");
	assert_string_equal(O.param[1], "w");
	assert_int_equal(O.ncb, 2);

	assert_int_equal(parse(a3, &npos), 0);
	assert_string_equal(O.param[0], "n");
	assert_string_equal(O.param[1], "v");

	assert_int_equal(parse(a4, &npos), -1);
	assert_string_equal(pe_errmsg(), "option '--range' needs 3 values (NAME FROM TO)");

	assert_int_equal(parse(a5, &npos), -1);
	assert_string_equal(pe_errmsg(), "option '--parameter-with-a-long-name': "
			    "'bad' is not a parameter name");
}

static void test_options_positional(void **state)
{
	char *a1[] = { "bench", "first", "-r", "3", "second", "-", "-q", "third", NULL };
	char *a2[] = { "bench", "a", "--", "-r", "5", "--quiet", NULL };
	char *a3[] = { "bench", "--", NULL };
	int npos;

	(void)state;
	assert_int_equal(parse(a1, &npos), 0);
	assert_int_equal(npos, 4);
	assert_string_equal(a1[0], "first");
	assert_string_equal(a1[1], "second");
	assert_string_equal(a1[2], "-");
	assert_string_equal(a1[3], "third");
	assert_null(a1[4]);
	assert_int_equal(O.runs, 3);
	assert_int_equal(O.quiet, 1);

	/* "--" ends options: what follows is positional, even "-r". */
	assert_int_equal(parse(a2, &npos), 0);
	assert_int_equal(npos, 4);
	assert_string_equal(a2[0], "a");
	assert_string_equal(a2[1], "-r");
	assert_string_equal(a2[2], "5");
	assert_string_equal(a2[3], "--quiet");
	assert_null(a2[4]);
	assert_int_equal(O.runs, 0);
	assert_int_equal(O.quiet, 0);

	assert_int_equal(parse(a3, &npos), 0);
	assert_int_equal(npos, 0);
}

static void test_options_errors(void **state)
{
	static const struct { const char *args[4]; const char *msg; } cases[] = {
		{ { "--bogus" }, "unknown option '--bogus'" },
		{ { "--bogus=3" }, "unknown option '--bogus'" },
		{ { "--no-runs" }, "unknown option '--no-runs'" },
		{ { "-z" }, "unknown option '-z'" },
		{ { "-qz" }, "unknown option '-z' in '-qz'" },
		{ { "--runs" }, "option '--runs' needs 1 value (N)" },
		{ { "-n" }, "option '--name' needs 1 value (NAME)" },
		{ { "--parameter-with-a-long-name", "k" },
		  "option '--parameter-with-a-long-name' needs 2 values (NAME VALUE)" },
		{ { "--runs=abc" }, "option '--runs': 'abc' is not a whole number" },
		{ { "--runs", "-1" }, "option '--runs': '-1' is not a whole number" },
		{ { "-r", "" }, "option '--runs': '' is not a whole number" },
		{ { "-t", "10x" }, "option '--timeout': '10x' is not a duration (try 500ms, 10s, 2m)" },
		{ { "--threshold=1%%" },
		  "option '--threshold': '1%%' is not a percentage (try 1% or 0.01)" },
		{ { "--quiet=1" }, "option '--quiet' takes no value" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[6] = { "cmd" };
		int n = 1, npos = -7;

		for (int j = 0; j < 4 && cases[i].args[j]; j++)
			argv[n++] = (char *)cases[i].args[j];
		if (parse(argv, &npos) != -1)
			fail_msg("case %zu (%s) was accepted", i, cases[i].args[0]);
		if (strcmp(pe_errmsg(), cases[i].msg))
			fail_msg("case %zu: [%s], want [%s]", i, pe_errmsg(), cases[i].msg);
		assert_int_equal(npos, -7);
	}
}

static void test_options_help(void **state)
{
	char *a1[] = { "bench", "-r", "3", "-h", NULL };
	char *a2[] = { "bench", "x", "--help", "--bogus", NULL };
	char *a3[] = { "bench", "--name", "--help", NULL };
	char *a4[] = { "bench", "--", "--help", NULL };
	int npos;

	(void)state;
	assert_int_equal(parse(a1, &npos), OPT_HELP);
	assert_int_equal(parse(a2, &npos), OPT_HELP);
	/* As an option's value or after "--", it is not a request for help. */
	assert_int_equal(parse(a3, &npos), 0);
	assert_string_equal(O.name, "--help");
	assert_int_equal(parse(a4, &npos), 0);
	assert_int_equal(npos, 1);
	assert_string_equal(a4[0], "--help");
}

static void test_options_usage(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	f = open_memstream(&text, &len);
	assert_non_null(f);
	options_usage(f, "perfeng bench [options] <command>...", table);
	fclose(f);
	assert_true(strncmp(text, "usage: perfeng bench [options] <command>...\n", 44) == 0);
	for (const struct option *o = table; o->type != OPTT_END; o++) {
		char want[128];

		if (o->type == OPTT_GROUP) {
			assert_non_null(strstr(text, o->help));
			continue;
		}
		snprintf(want, sizeof(want), "--%s", o->long_name);
		if (!strstr(text, want))
			fail_msg("usage lacks %s:\n%s", want, text);
		assert_non_null(strstr(text, o->help));
	}
	/* Help texts line up in one column, long left-hand sides wrap. */
	assert_non_null(strstr(text, "    -r, --runs N                number of runs\n"));
	assert_non_null(strstr(text, "        --threshold PCT         smallest change to report\n"));
	assert_non_null(strstr(text, "    -P, --parameter-with-a-long-name NAME VALUE\n"
				     "                                set a parameter\n"));
	free(text);
}

/* --- strbuf ---------------------------------------------------------------- */

static void test_strbuf_addf(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char want[512];

	(void)state;
	assert_string_equal(strbuf_str(&sb), "");
	strbuf_addf(&sb, "%s=%d", "x", 42);
	assert_string_equal(sb.buf, "x=42");
	assert_int_equal(sb.len, 4);
	/* Past the 64 bytes addf reserves first, at and around the edge. */
	for (int n = 60; n < 70; n++) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%0*d", n, 7);
		assert_int_equal(sb.len, n);
		assert_int_equal(strlen(sb.buf), n);
		assert_int_equal(sb.buf[n - 1], '7');
	}
	strbuf_release(&sb);
	strbuf_addstr(&sb, "head:");
	strbuf_addf(&sb, "%300s|", "tail");
	assert_int_equal(sb.len, 5 + 300 + 1);
	snprintf(want, sizeof(want), "head:%300s|", "tail");
	assert_string_equal(sb.buf, want);
	assert_true(sb.alloc > sb.len);
	strbuf_addf(&sb, "%s", "");
	assert_int_equal(sb.len, 306);
	strbuf_release(&sb);
	assert_null(sb.buf);
	assert_int_equal(sb.len, 0);
}

static void test_strbuf_detach_reset(void **state)
{
	struct strbuf sb;
	char *s;

	(void)state;
	strbuf_init(&sb);
	s = strbuf_detach(&sb);		/* an unused strbuf gives "" */
	assert_string_equal(s, "");
	free(s);

	strbuf_add(&sb, "ab\0cd", 5);
	strbuf_addch(&sb, 'e');
	assert_int_equal(sb.len, 6);
	assert_memory_equal(sb.buf, "ab\0cde", 7);
	s = strbuf_detach(&sb);
	assert_null(sb.buf);
	assert_int_equal(sb.len, 0);
	assert_int_equal(sb.alloc, 0);
	assert_memory_equal(s, "ab\0cde", 7);
	free(s);

	strbuf_addstr(&sb, "some text");
	{
		size_t alloc = sb.alloc;

		strbuf_reset(&sb);
		assert_int_equal(sb.len, 0);
		assert_string_equal(sb.buf, "");
		assert_int_equal(sb.alloc, alloc);	/* keeps its memory */
	}
	strbuf_addstr(&sb, "new");
	assert_string_equal(strbuf_str(&sb), "new");
	strbuf_release(&sb);
	strbuf_reset(&sb);			/* reset of an unused strbuf */
	assert_string_equal(strbuf_str(&sb), "");
}

/*
 * The one stop flag: SIGINT and SIGTERM set it to the signal while caught;
 * release puts back the handler that was there (here SIG_IGN), and a second
 * catch does not save perfeng's own handler as "the old one".
 */
static void test_stop_flag(void **state)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, now;

	(void)state;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, NULL);
	sigaction(SIGTERM, &ign, NULL);
	stop_signal = 0;
	stop_catch();
	stop_catch();
	assert_false(stop_requested());
	raise(SIGTERM);
	assert_int_equal(stop_signal, SIGTERM);
	raise(SIGINT);
	assert_int_equal(stop_signal, SIGINT);
	assert_true(stop_requested());
	stop_release();
	assert_int_equal(stop_signal, SIGINT);
	sigaction(SIGINT, NULL, &now);
	assert_true(now.sa_handler == SIG_IGN);
	sigaction(SIGTERM, NULL, &now);
	assert_true(now.sa_handler == SIG_IGN);
	raise(SIGINT);	/* ignored now */
	stop_signal = 0;
	sigaction(SIGINT, &(struct sigaction){ .sa_handler = SIG_DFL }, NULL);
	sigaction(SIGTERM, &(struct sigaction){ .sa_handler = SIG_DFL }, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_duration_errors),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_percent),
		cmocka_unit_test(test_uint),
		cmocka_unit_test(test_double),
		cmocka_unit_test(test_time_unit),
		cmocka_unit_test(test_argv_words),
		cmocka_unit_test(test_argv_quotes),
		cmocka_unit_test(test_argv_backslash),
		cmocka_unit_test(test_argv_errors),
		cmocka_unit_test(test_argv_no_argc),
		cmocka_unit_test(test_options_long),
		cmocka_unit_test(test_options_short),
		cmocka_unit_test(test_options_callbacks),
		cmocka_unit_test(test_options_list),
		cmocka_unit_test(test_options_positional),
		cmocka_unit_test(test_options_errors),
		cmocka_unit_test(test_options_help),
		cmocka_unit_test(test_options_usage),
		cmocka_unit_test(test_stop_flag),
		cmocka_unit_test(test_strbuf_addf),
		cmocka_unit_test(test_strbuf_detach_reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
