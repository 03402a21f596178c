/*
 * Tests of prof/perfscript (perf script text folded as FlameGraph's
 * stackcollapse-perf.pl folds it by default) and prof/persist (profiles in
 * the results store). The expected folded lines were written by hand from
 * the rules of stackcollapse-perf.pl (reading its source, not running it):
 * comm with spaces made '_' as the root, frames reversed, +0xOFF dropped,
 * "[unknown]" named by the module's basename, ';' made ':', everything from
 * the first '(' dropped except "(anonymous namespace)" and Go methods,
 * quotes deleted, 'L' dropped from Java names, "a->b" inlines as "a;b_[i]",
 * only the first event's samples, weight = the period when printed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prof/folded.h"
#include "prof/perfscript.h"
#include "prof/persist.h"
#include "util/error.h"

static char *folded_of(const char *text, const struct perfscript_opts *o, struct prof_read_stats *st,
		       struct profile *keep)
{
	struct profile p;
	struct prof_read_stats local = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	profile_init(&p, "samples");
	assert_int_equal(perfscript_read(&p, text, strlen(text), o, st ? st : &local), 0);
	f = open_memstream(&buf, &len);
	assert_int_equal(folded_write(f, &p), 0);
	fclose(f);
	if (keep)
		*keep = p;
	else
		profile_release(&p);
	return buf;
}

static void test_names(void **state)
{
	const char *text =
		"# ========\n"
		"# captured on: Sun Nov 22 06:00:00 2026\n"
		"V8 WorkerThread 24636/25607 [000] 94564.109216: cycles:\n"
		"\t7f0001 foo(int, char const*) (/usr/lib/libx.so.1)\n"
		"\t7f0002 [unknown] (/usr/lib/libx.so.1)\n"
		"\t7f0003 [unknown] ([unknown])\n"
		"\t7f0004 ns::(anonymous namespace)::bar(std::vector<int>)+0x1c (/opt/app)\n"
		"\t7f0005 net/http.(*Client).Do+0x10 (/opt/app)\n"
		"\t7f0006 it's;\"quoted\" (/opt/app)\n"
		"\t7f0007 main+0x1f (/opt/app)\n"
		"\n";
	struct profile p;
	char *out = folded_of(text, NULL, NULL, &p);

	(void)state;
	assert_string_equal(out, "V8_WorkerThread;main;its:quoted;net/http.(*Client).Do;"
				 "ns::(anonymous namespace)::bar;[unknown];[libx.so.1];foo 1\n");
	/* no period printed: weights are sample counts */
	assert_string_equal(p.unit, "samples");
	assert_string_equal(p.event, "cycles");
	assert_int_equal(p.root.total, 1);
	free(out);
	profile_release(&p);
}

static void test_java_inline_period(void **state)
{
	const char *java =
		"java 12688/12764 6544038.708352:       1000 cpu-clock:u:\n"
		"\t7f1 Lorg/mozilla/Foo;.call(Lorg/X;)V (/tmp/perf-123.map)\n"
		"\t7f2 Interpreter (/tmp/perf-123.map)\n"
		"\n"
		"java 12688/12764 6544038.709352:       1000 cpu-clock:u:\n"
		"\t7f1 Lorg/mozilla/Foo;.call(Lorg/X;)V (/tmp/perf-123.map)\n"
		"\t7f2 Interpreter (/tmp/perf-123.map)\n"
		"\n";
	const char *inl =
		"prog 1 2.000000: 7 ev:\n"
		"\t10 c->d (/bin/prog)\n"
		"\t20 main (/bin/prog)\n"
		"\t30 (skipped) (/bin/prog)\n"
		"\n";
	struct profile p;
	char *out;

	(void)state;
	out = folded_of(java, NULL, NULL, &p);
	assert_string_equal(out, "java;Interpreter;org/mozilla/Foo:.call 2000\n");
	assert_string_equal(p.unit, "nanoseconds");
	assert_string_equal(p.event, "cpu-clock:u");
	assert_int_equal(p.period_ns, 1000);
	free(out);
	profile_release(&p);
	/* a->b is caller->callee on one line: b is inlined into a */
	out = folded_of(inl, NULL, NULL, &p);
	assert_string_equal(out, "prog;main;c;d_[i] 7\n");
	assert_string_equal(p.unit, "events");
	free(out);
	profile_release(&p);
}

static void test_events_and_annotate(void **state)
{
	const char *text =
		"dd   721  7811.410514:    2004008  cpu-clock: \n"
		"\tffffffff821ed4e6 do_syscall_64+0x46 ([kernel.kallsyms])\n"
		"\t           f82ad read+0xd (/usr/lib/x86_64-linux-gnu/libc.so.6)\n"
		"\n"
		"dd   721  7811.410537:    2004008 task-clock: \n"
		"\tffffffff821ed4e6 do_syscall_64+0x46 ([kernel.kallsyms])\n"
		"\t           f82ad read+0xd (/usr/lib/x86_64-linux-gnu/libc.so.6)\n"
		"\n"
		"dd   721  7811.410600:    2004008 task-clock: \n"
		"\t           f82ad read+0xd (/usr/lib/x86_64-linux-gnu/libc.so.6)\n"
		"\n";
	struct perfscript_opts o = { .event = "task-clock", .annotate = 1 };
	struct prof_read_stats st = { 0 };
	struct profile p;
	char *out;

	(void)state;
	out = folded_of(text, NULL, &st, &p);
	assert_string_equal(out, "dd;read;do_syscall_64 2004008\n");
	assert_int_equal(st.filtered, 2);
	assert_string_equal(st.other_event, "task-clock");	/* interned in p */
	free(out);
	profile_release(&p);
	memset(&st, 0, sizeof(st));
	out = folded_of(text, &o, &st, NULL);
	assert_string_equal(out, "dd;read 2004008\ndd;read;do_syscall_64_[k] 2004008\n");
	assert_int_equal(st.filtered, 1);
	free(out);
}

/* Cut-off and garbage input: a clean partial result, counted. */
static void test_damaged(void **state)
{
	const char *text =
		"\tdeadbeef orphan (/bin/x)\n"		/* a frame before any header: ignored */
		"this is not perf script\n"		/* skipped, counted */
		"p 9 1.0: 3 ev:\n"
		"\t1 leaf (/bin/x)\n"
		"\tno module here\n"			/* skipped, counted */
		"\t2 root (/bin/x)\n"
		"\n"
		"p 9 1.1: 3 ev:\n"
		"\t1 leaf (/bin/x)\n"
		"\t2 ro";				/* cut off: left out, counted */
	struct prof_read_stats st = { 0 };
	char *out = folded_of(text, NULL, &st, NULL);

	(void)state;
	assert_string_equal(out, "p;root;leaf 3\n");
	assert_int_equal(st.skipped, 3);	/* and "\t2 ro", which has no module */
	assert_int_equal(st.first_bad_line, 2);
	assert_int_equal(st.stacks, 1);
	assert_int_equal(st.cut_off, 1);
	assert_int_equal(st.lines, 10);
	free(out);
	memset(&st, 0, sizeof(st));
	out = folded_of("p 9 1.0: 3 ev:\n\n\n", NULL, &st, NULL);
	assert_string_equal(out, "");
	assert_int_equal(st.stacks, 0);
	free(out);
}

/*
 * The last sample needs no blank line after it: a file trimmed by an editor
 * or a script (with or without the final newline) keeps every sample.
 */
static void test_last_sample(void **state)
{
	const char *two = "p 9 1.0: 3 ev:\n"
			  "\t1 leaf (/bin/x)\n"
			  "\t2 root (/bin/x)\n"
			  "\n"
			  "p 9 1.1: 5 ev:\n"
			  "\t1 other (/bin/x)\n"
			  "\t2 root (/bin/x)\n";
	struct prof_read_stats st = { 0 };
	char *out, *nonl;

	(void)state;
	out = folded_of(two, NULL, &st, NULL);
	assert_string_equal(out, "p;root;leaf 3\np;root;other 5\n");
	assert_int_equal(st.stacks, 2);
	assert_int_equal(st.cut_off, 0);
	assert_int_equal(st.skipped, 0);
	free(out);

	/* no newline after the last frame either: the line is whole, so is the sample */
	nonl = strdup(two);
	nonl[strlen(nonl) - 1] = '\0';
	memset(&st, 0, sizeof(st));
	out = folded_of(nonl, NULL, &st, NULL);
	assert_string_equal(out, "p;root;leaf 3\np;root;other 5\n");
	assert_int_equal(st.stacks, 2);
	assert_int_equal(st.cut_off, 0);
	free(out);
	free(nonl);

	/* a lone sample, the whole file */
	memset(&st, 0, sizeof(st));
	out = folded_of("w 1 2.0: 7 cpu-clock:\n\t1 main (/bin/w)", NULL, &st, NULL);
	assert_string_equal(out, "w;main 7\n");
	assert_int_equal(st.stacks, 1);
	free(out);
}

/*
 * Weights that do not fit in 64 bits fail the read: saturated sums would
 * draw each of two such stacks at 100%.
 */
static void test_weight_overflow(void **state)
{
	/* 2^63 twice is 2^64: one more than the sums can hold */
	const char *twice = "w 1 1.0: 9223372036854775808 ev:\n"
			    "\t1 a (/bin/w)\n"
			    "\n"
			    "w 1 2.0: 9223372036854775808 ev:\n"
			    "\t1 b (/bin/w)\n"
			    "\n";
	/* exactly 2^64-1 in all still fits */
	const char *fits = "w 1 1.0: 9223372036854775808 ev:\n"
			   "\t1 a (/bin/w)\n"
			   "\n"
			   "w 1 2.0: 9223372036854775807 ev:\n"
			   "\t1 b (/bin/w)\n";
	struct prof_read_stats st = { 0 };
	struct profile p;
	char *out;

	(void)state;
	profile_init(&p, "samples");
	pe_error_clear();
	assert_int_equal(perfscript_read(&p, twice, strlen(twice), NULL, &st), -1);
	assert_string_equal(pe_errmsg(), "line 4: the sample weights add up to more than "
			    "18446744073709551615 (2^64-1), which cannot be shown; are the periods garbage?");
	profile_release(&p);

	/* a period of more than 64 bits on its own */
	profile_init(&p, "samples");
	memset(&st, 0, sizeof(st));
	pe_error_clear();
	assert_int_equal(perfscript_read(&p, "w 1 1.0: 18446744073709551616 ev:\n\t1 a (/bin/w)\n\n",
					 50, NULL, &st), -1);
	assert_non_null(strstr(pe_errmsg(), "line 1: the sample weights add up to more than"));
	assert_int_equal(st.stacks, 0);
	profile_release(&p);

	memset(&st, 0, sizeof(st));
	out = folded_of(fits, NULL, &st, &p);
	assert_true(p.root.total == UINT64_MAX);
	assert_string_equal(out, "w;a 9223372036854775808\nw;b 9223372036854775807\n");
	profile_release(&p);
	free(out);
}

static void test_detect(void **state)
{
	(void)state;
	assert_int_equal(perfscript_detect("a;b 1\n", 6), 0);
	assert_int_equal(perfscript_detect("\n# c\nw 1 2.0: 3 cpu-clock: \n\t1 f (m)\n", 37), 1);
	assert_int_equal(perfscript_detect("", 0), 0);
	/* perf script -F comm,tid,ip,sym: the header ends in a number */
	assert_int_equal(perfscript_detect("w 1234\n\t1 main (/bin/w)\n", 24), 1);
	assert_int_equal(perfscript_detect("w 1234\nw;x 3\n", 13), 0);
	{
		const char *t = "w 1234\n\t1 main (/bin/w)\n\n";
		struct profile p;
		struct prof_read_stats st = { 0 };

		profile_init(&p, "samples");
		perfscript_read(&p, t, strlen(t), NULL, &st);
		assert_int_equal(st.stacks, 1);
		assert_int_equal(p.root.total, 1);
		profile_release(&p);
	}
}

static void test_blob_and_store(void **state)
{
	struct profile p, q;
	struct prof_read_stats st = { 0 };
	const char *text = "main;hot 70\nmain;warm;sys_[k] 30\n";
	void *blob;
	size_t len;
	char dir[] = "/tmp/pe-test-persist-XXXXXX", spec[128];
	struct store *s;
	struct store_run run = { 0 }, back = { 0 };
	int64_t id;

	(void)state;
	profile_init(&p, "samples");
	assert_int_equal(folded_read(&p, text, strlen(text), 0, &st), 0);
	p.event = "cpu-clock";
	p.period_ns = 2004008;
	p.lost = 4;
	assert_int_equal(profile_blob_encode(&p, &blob, &len), 0);
	profile_init(&q, "samples");
	assert_int_equal(profile_blob_decode(&q, blob, len), 0);
	assert_int_equal(q.root.total, 100);
	assert_int_equal(q.samples, 2);
	assert_int_equal(q.lost, 4);
	assert_int_equal(q.period_ns, 2004008);
	assert_string_equal(q.event, "cpu-clock");
	profile_release(&q);
	((unsigned char *)blob)[len - 3] ^= 0xff;	/* damage the compressed data */
	profile_init(&q, "samples");
	assert_int_equal(profile_blob_decode(&q, blob, len), -1);
	assert_string_equal(pe_errmsg(), "damaged profile blob (cannot decompress it)");
	assert_int_equal(profile_blob_decode(&q, "garbage", 7), -1);
	profile_release(&q);
	free(blob);

	assert_non_null(mkdtemp(dir));
	snprintf(spec, sizeof(spec), "%s/r.db", dir);
	assert_int_equal(store_open(spec, &s), 0);
	run.kind = strdup("profile");
	run.name = strdup("prof-test");
	assert_int_equal(profile_store_save(s, &run, &p, 1), 0);
	assert_int_equal(store_resolve(s, "prof-test", &id), 0);
	assert_int_equal(store_get(s, id, &back), 0);
	/* top 1: "self:hot" (70% of 100), then "profile" with the total */
	assert_int_equal(back.nmetrics, 2);
	assert_string_equal(back.metrics[0].name, "self:hot");
	assert_string_equal(back.metrics[0].unit, "%");
	assert_int_equal(back.metrics[0].higher_is_better, 0);
	assert_true(back.metrics[0].mean == 70.0);
	assert_string_equal(back.metrics[1].name, "profile");
	assert_true(back.metrics[1].mean == 100.0);
	store_run_release(&back);
	profile_init(&q, "samples");
	assert_int_equal(profile_store_load(s, "prof-test", &q), 0);
	assert_int_equal(q.root.total, 100);
	profile_release(&q);
	profile_init(&q, "samples");
	assert_int_equal(profile_store_load(s, "no-such-run", &q), -1);
	profile_release(&q);
	store_close(s);
	store_run_release(&run);
	profile_release(&p);
	unlink(spec);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_java_inline_period),
		cmocka_unit_test(test_events_and_annotate),
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_last_sample),
		cmocka_unit_test(test_weight_overflow),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_blob_and_store),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
