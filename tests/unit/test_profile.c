/*
 * Tests of prof/profile (stack tree, interning, merge, functions), the
 * folded stacks reader/writer and the top table. Expected values are worked
 * by hand in the comments next to them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out/profile_out.h"
#include "out/xml.h"
#include "util/utf8.h"
#include "prof/folded.h"
#include "prof/profile.h"
#include "util/error.h"

static void add_folded(struct profile *p, const char *text)
{
	struct prof_read_stats st = { 0 };

	if (folded_read(p, text, strlen(text), 0, &st) < 0)
		fail_msg("folded_read: %s", pe_errmsg());
}

/* Folded text of p, caller frees. */
static char *to_folded(const struct profile *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_int_equal(folded_write(f, p), 0);
	fclose(f);
	return buf;
}

static const struct profile_node *find_child(const struct profile_node *n, const char *name)
{
	for (const struct profile_node *c = n->child; c; c = c->next)
		if (!strcmp(c->frame.name, name))
			return c;
	return NULL;
}

static void test_intern(void **state)
{
	struct profile p;
	char buf[32];
	const char *a, *b, *first[5000];

	(void)state;
	profile_init(&p, "samples");
	a = profile_intern(&p, "main", 4);
	b = profile_intern(&p, "main_extra", 4);	/* a prefix: same string */
	assert_ptr_equal(a, b);
	assert_string_equal(a, "main");
	assert_ptr_not_equal(profile_intern(&p, "mai", 3), a);
	assert_string_equal(profile_intern(&p, "", 0), "");
	/* Enough strings to grow the table several times; all stay put. */
	for (int i = 0; i < 5000; i++) {
		int n = snprintf(buf, sizeof(buf), "fn%d", i);

		first[i] = profile_intern(&p, buf, n);
	}
	for (int i = 0; i < 5000; i++) {
		int n = snprintf(buf, sizeof(buf), "fn%d", i);

		assert_ptr_equal(profile_intern(&p, buf, n), first[i]);
		assert_string_equal(first[i], buf);
	}
	/* A string longer than a chunk's quarter gets its own block. */
	{
		size_t big = 100000;
		char *s = malloc(big);

		memset(s, 'x', big);
		a = profile_intern(&p, s, big);
		assert_int_equal(strlen(a), big);
		assert_ptr_equal(profile_intern(&p, s, big), a);
		free(s);
	}
	assert_ptr_equal(profile_intern(&p, "main", 4), b);
	profile_release(&p);
}

static void test_add(void **state)
{
	struct profile p;
	struct frame f[3] = { { 0 } };
	const struct profile_node *m, *w, *l;

	(void)state;
	profile_init(&p, "samples");
	f[0].name = profile_intern(&p, "main", 4);
	f[1].name = profile_intern(&p, "work", 4);
	f[2].name = profile_intern(&p, "leaf", 4);
	profile_add(&p, f, 3, 5);	/* main;work;leaf 5 */
	profile_add(&p, f, 2, 2);	/* main;work 2 */
	profile_add(&p, f, 3, 1);	/* main;work;leaf 1 */
	profile_add(&p, NULL, 0, 4);	/* root self 4 */
	assert_int_equal(p.samples, 4);
	assert_int_equal(p.nodes, 3);
	assert_int_equal(p.root.total, 12);
	assert_int_equal(p.root.self, 4);
	m = find_child(&p.root, "main");
	w = find_child(m, "work");
	l = find_child(w, "leaf");
	assert_non_null(l);
	assert_int_equal(m->total, 8);
	assert_int_equal(m->self, 0);
	assert_int_equal(w->total, 8);
	assert_int_equal(w->self, 2);
	assert_int_equal(l->total, 6);
	assert_int_equal(l->self, 6);
	assert_ptr_equal(l->parent, w);

	/* Same name, other kind or module: another node. */
	f[2].kind = FRAME_KERNEL;
	profile_add(&p, f, 3, 1);
	f[2].kind = FRAME_USER;
	f[2].module = profile_intern(&p, "libc.so.6", 9);
	profile_add(&p, f, 3, 1);
	assert_int_equal(p.nodes, 5);
	profile_release(&p);
}

/* 200,000 distinct stacks: pools and the child table grow; sums stay exact. */
static void test_many(void **state)
{
	struct profile p;
	char buf[32];
	struct frame f[3] = { { 0 } };

	(void)state;
	profile_init(&p, "samples");
	f[0].name = profile_intern(&p, "main", 4);
	for (int i = 0; i < 200000; i++) {
		f[1].name = profile_intern(&p, buf, snprintf(buf, sizeof(buf), "a%d", i % 1000));
		f[2].name = profile_intern(&p, buf, snprintf(buf, sizeof(buf), "b%d", i));
		profile_add(&p, f, 3, 1);
		profile_add(&p, f, 3, 2);
	}
	/* 1 main + 1000 a + 200000 b */
	assert_int_equal(p.nodes, 201001);
	assert_int_equal(p.root.total, 600000);
	assert_int_equal(find_child(&p.root, "main")->total, 600000);
	assert_int_equal(find_child(find_child(&p.root, "main"), "a7")->total, 600);
	profile_release(&p);
}

static void test_folded_roundtrip(void **state)
{
	struct profile p;
	char *out;

	(void)state;
	profile_init(&p, "samples");
	/* CRLF, blank lines, tabs, kind suffixes, a big weight, repeated stacks. */
	add_folded(&p, "main;work;leaf 3\r\n"
		       "\n"
		       "main;work 2\r\n"
		       "   \n"
		       "main;sys_read_[k] 18446744073709551000\n"
		       "main;work;leaf 4\n"
		       "main;inl_[i];jitted_[j]\t1\n"
		       "  main;b 1");
	out = to_folded(&p);
	/* Sorted by name at each level; the suffixes come back. */
	assert_string_equal(out, "main;b 1\n"
				 "main;inl_[i];jitted_[j] 1\n"
				 "main;sys_read_[k] 18446744073709551000\n"
				 "main;work 2\n"
				 "main;work;leaf 7\n");
	free(out);
	{
		const struct profile_node *m = find_child(&p.root, "main");

		assert_int_equal(find_child(m, "sys_read")->frame.kind, FRAME_KERNEL);
		assert_int_equal(find_child(m, "inl")->frame.kind, FRAME_INLINE);
		assert_int_equal(find_child(find_child(m, "inl"), "jitted")->frame.kind, FRAME_JIT);
	}
	profile_release(&p);
}

/* Weight on no function (a stack of empty frames) survives a write and a read (found by fuzz_folded). */
static void test_folded_root_weight(void **state)
{
	struct profile p, q;
	char *out, *again;

	(void)state;
	profile_init(&p, "samples");
	add_folded(&p, "a 5\n;; 3\nb;c 2\n");
	assert_int_equal(p.root.total, 10);
	out = to_folded(&p);
	assert_string_equal(out, "; 3\na 5\nb;c 2\n");
	profile_init(&q, "samples");
	add_folded(&q, out);
	assert_int_equal(q.root.total, 10);
	again = to_folded(&q);
	assert_string_equal(again, out);
	free(out);
	free(again);
	profile_release(&p);
	profile_release(&q);
}

static void test_folded_errors(void **state)
{
	struct profile p;
	struct prof_read_stats st = { 0 };
	const char *bad = "a;b 1\nno_count_here\na;b 2\n;;; 5\na x\na;b 3\n";

	(void)state;
	profile_init(&p, "samples");
	assert_int_equal(folded_read(&p, bad, strlen(bad), 0, &st), -1);
	assert_string_equal(pe_errmsg(), "line 2: expected 'frame;frame;... COUNT'");
	profile_release(&p);

	memset(&st, 0, sizeof(st));
	profile_init(&p, "samples");
	assert_int_equal(folded_read(&p, bad, strlen(bad), 1, &st), 0);
	/* lines 2 and 5 (count "x") skipped; 1 + 2 + 3 kept, and ";;; 5" is the root's */
	assert_int_equal(st.lines, 6);
	assert_int_equal(st.skipped, 2);
	assert_int_equal(st.first_bad_line, 2);
	assert_int_equal(st.stacks, 4);
	assert_int_equal(p.root.total, 11);
	assert_int_equal(p.root.self, 5);
	profile_release(&p);

	memset(&st, 0, sizeof(st));
	profile_init(&p, "samples");
	assert_int_equal(folded_read(&p, "a 99999999999999999999\n", 23, 0, &st), -1);
	assert_string_equal(pe_errmsg(), "line 1: the count is not a non-negative integer");
	assert_int_equal(folded_read(&p, "a -1\n", 5, 0, &st), -1);
	profile_release(&p);

	/* counts that add up past 2^64-1 fail in either mode: saturated, each would be 100% */
	for (int skip = 0; skip < 2; skip++) {
		const char *big = "a 18446744073709551615\nb 1\n";

		memset(&st, 0, sizeof(st));
		profile_init(&p, "samples");
		pe_error_clear();
		assert_int_equal(folded_read(&p, big, strlen(big), skip, &st), -1);
		assert_string_equal(pe_errmsg(), "line 2: the counts add up to more than "
				    "18446744073709551615 (2^64-1), which cannot be shown; "
				    "is the count column garbage?");
		profile_release(&p);
	}
	/* exactly 2^64-1 fits */
	memset(&st, 0, sizeof(st));
	profile_init(&p, "samples");
	assert_int_equal(folded_read(&p, "a 18446744073709551614\nb 1\n", 26, 0, &st), 0);
	assert_true(p.root.total == UINT64_MAX);
	profile_release(&p);
}

static void test_merge(void **state)
{
	struct profile a, b, c;
	char *ma, *mc;

	(void)state;
	profile_init(&a, "samples");
	profile_init(&b, "samples");
	profile_init(&c, "samples");
	add_folded(&a, "main;x;y 3\nmain;z 1\nother 2\n");
	add_folded(&b, "main;x;y 4\nmain;x 1\nnew;deep;er 5\n");
	add_folded(&c, "main;x;y 3\nmain;z 1\nother 2\nmain;x;y 4\nmain;x 1\nnew;deep;er 5\n");
	b.lost = 7;
	profile_merge(&a, &b);
	profile_release(&b);	/* a holds its own copies of b's strings */
	ma = to_folded(&a);
	mc = to_folded(&c);
	assert_string_equal(ma, mc);
	assert_int_equal(a.root.total, 16);
	assert_int_equal(a.samples, 6);
	assert_int_equal(a.lost, 7);
	assert_int_equal(a.nodes, c.nodes);
	free(ma);
	free(mc);
	profile_release(&a);
	profile_release(&c);
}

/*
 * Recursion: in "a;b;a;b 3" a and b each appear twice, so each stack is
 * counted once: total(a) = 3 + 1 (a;c) + 2 (a) = 6, total(b) = 3 + 2 = 5,
 * self(b) = 3 + 2, self(c) = 1, self(a) = 0 + 2 ("a 2").
 */
static void test_functions(void **state)
{
	struct profile p;
	struct profile_func *fs;
	size_t n;

	(void)state;
	profile_init(&p, "samples");
	add_folded(&p, "a;b;a;b 3\na;c 1\nb 2\na 2\n");
	n = profile_functions(&p, &fs);
	assert_int_equal(n, 3);
	assert_string_equal(fs[0].name, "b");
	assert_int_equal(fs[0].self, 5);
	assert_int_equal(fs[0].total, 5);
	assert_string_equal(fs[1].name, "a");
	assert_int_equal(fs[1].self, 2);
	assert_int_equal(fs[1].total, 6);
	assert_string_equal(fs[2].name, "c");
	assert_int_equal(fs[2].self, 1);
	assert_int_equal(fs[2].total, 1);
	free(fs);
	profile_release(&p);
}

static void test_top(void **state)
{
	struct profile p;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	profile_init(&p, "samples");
	add_folded(&p, "main;hot 70\nmain;warm 30\n");
	f = open_memstream(&buf, &len);
	profile_print_top(f, &p, 2);
	fclose(f);
	assert_string_equal(buf,
			    "  self%  total%      samples  function  module\n"
			    "  70.00   70.00           70  hot       -\n"
			    "  30.00   30.00           30  warm      -\n");
	free(buf);
	profile_release(&p);
}

/* The JSON of the top table: the rows of test_top, shares 0 to 1 (b is 5 of 8 samples). */
static void test_top_json(void **state)
{
	struct profile p;
	json_t *a;
	char *text;

	(void)state;
	profile_init(&p, "samples");
	add_folded(&p, "a;b;a;b 3\na;c 1\nb 2\na 2\n");
	a = profile_top_json(&p, 2);
	text = json_dumps(a, JSON_COMPACT | JSON_REAL_PRECISION(6));
	assert_string_equal(text, "[{\"function\":\"b\",\"module\":null,\"self\":0.625,\"total\":0.625,\"samples\":5},"
				  "{\"function\":\"a\",\"module\":null,\"self\":0.25,\"total\":0.75,\"samples\":2}]");
	free(text);
	json_decref(a);
	a = profile_top_json(&p, 0);
	assert_int_equal(json_array_size(a), 3);
	json_decref(a);
	profile_release(&p);
}

/*
 * One definition of the top functions: the process name at the root is no
 * function, in the text table, in the JSON (which used to list it, at
 * 100% total) and in what --save keeps.
 */
static void test_top_no_process(void **state)
{
	struct profile p;
	struct profile_func *fs;
	struct frame st[2] = { { .kind = FRAME_PROCESS }, { .kind = FRAME_USER } };
	json_t *a;
	size_t n;

	(void)state;
	profile_init(&p, "samples");
	st[0].name = profile_intern(&p, "pe-burn", 7);
	st[1].name = profile_intern(&p, "burn", 4);
	profile_add(&p, st, 2, 3);
	profile_add(&p, st, 1, 1);	/* a sample with no stack: self weight on the process */
	n = profile_top(&p, 0, &fs);
	assert_int_equal(n, 1);
	assert_string_equal(fs[0].name, "burn");
	free(fs);
	a = profile_top_json(&p, 0);
	assert_int_equal(json_array_size(a), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0), "function")), "burn");
	json_decref(a);
	profile_release(&p);
}

static void test_format_of(void **state)
{
	(void)state;
	assert_int_equal(profile_format_of("x.folded"), PROFILE_FMT_FOLDED);
	assert_int_equal(profile_format_of("a/b.svg"), PROFILE_FMT_SVG);
	assert_int_equal(profile_format_of("cpu.pb.gz"), PROFILE_FMT_PPROF);
	assert_int_equal(profile_format_of("p.speedscope.json"), PROFILE_FMT_SPEEDSCOPE);
	assert_int_equal(profile_format_of("p.json"), PROFILE_FMT_NONE);
	assert_int_equal(profile_format_of(".svg"), PROFILE_FMT_NONE);
	assert_int_equal(profile_write(NULL, "/tmp/x.txt", NULL), -1);
	/* the same message as every command's -o check, from the one table */
	assert_string_equal(pe_errmsg(), "'/tmp/x.txt': unknown format; "
					 "use a name ending in .svg, .folded, .pb.gz or .speedscope.json");
}

static void test_format_check(void **state)
{
	char buf[128];

	(void)state;
	assert_int_equal(profile_format_check("a.pb.gz", PROFILE_FMTS_ALL), 0);
	assert_int_equal(profile_format_check("a.svg", PROFILE_FMT_BIT(PROFILE_FMT_SVG)), 0);
	assert_int_equal(profile_format_check("a.pb.gz", PROFILE_FMT_BIT(PROFILE_FMT_SVG) |
								  PROFILE_FMT_BIT(PROFILE_FMT_FOLDED)), -1);
	assert_string_equal(pe_errmsg(), "'a.pb.gz': this command does not write .pb.gz; "
					 "use a name ending in .svg or .folded");
	assert_int_equal(profile_format_check("a.png", PROFILE_FMT_BIT(PROFILE_FMT_SVG)), -1);
	assert_string_equal(pe_errmsg(), "'a.png': unknown format; use a name ending in .svg");
	assert_string_equal(profile_format_list(buf, sizeof(buf), PROFILE_FMTS_ALL),
			    ".svg, .folded, .pb.gz or .speedscope.json");
	assert_string_equal(profile_format_ext(PROFILE_FMT_PPROF), ".pb.gz");
	assert_string_equal(profile_format_ext(PROFILE_FMT_NONE), "");
}

/* Escaping for the SVG: markup, quotes, control bytes and bad UTF-8 (U+FFFD is EF BF BD). */
static void test_xml(void **state)
{
	char *buf = NULL, *fixed;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_int_equal(xml_escape(f, "<a href=\"x\">&'\t\x01\xff\xc3\xa9\xed\xa0\x80\xef\xbf\xbe", 0), 22);
	fclose(f);
	assert_string_equal(buf, "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&#9;\xef\xbf\xbd\xef\xbf\xbd\xc3\xa9"
				 "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	free(buf);
	/* at most 3 characters: a two-byte character counts one */
	f = open_memstream(&buf, &len);
	assert_int_equal(xml_escape(f, "\xc3\xa9t\xc3\xa9s", 3), 3);
	fclose(f);
	assert_string_equal(buf, "\xc3\xa9t\xc3\xa9");
	free(buf);
	assert_int_equal(xml_strlen("a\xc3\xa9\xff"), 3);
	assert_null(utf8_sanitize("caf\xc3\xa9"));
	fixed = utf8_sanitize("a\xff" "b\xc3");
	assert_string_equal(fixed, "a\xef\xbf\xbd" "b\xef\xbf\xbd");
	free(fixed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intern),
		cmocka_unit_test(test_add),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_folded_roundtrip),
		cmocka_unit_test(test_folded_root_weight),
		cmocka_unit_test(test_folded_errors),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_functions),
		cmocka_unit_test(test_top),
		cmocka_unit_test(test_top_json),
		cmocka_unit_test(test_top_no_process),
		cmocka_unit_test(test_format_of),
		cmocka_unit_test(test_format_check),
		cmocka_unit_test(test_xml),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
