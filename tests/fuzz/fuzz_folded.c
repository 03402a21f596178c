/*
 * libFuzzer target for the folded stacks reader and every writer: any input
 * is read in both modes (fail on a bad line, skip and count) without a
 * crash, leak or overflow, and fails with a message or not at all; when the strict read succeeds, the folded text
 * written back reads again to the same tree (same total, same nodes, same
 * text), and the SVG, pprof and speedscope writers run on it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out/profile_out.h"
#include "prof/folded.h"
#include "util/error.h"

static char *write_folded(const struct profile *p, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f || folded_write(f, p) < 0)
		abort();
	fclose(f);
	return buf;
}

static void write_all_formats(const struct profile *p)
{
	static const enum profile_format fmts[] = { PROFILE_FMT_SVG, PROFILE_FMT_PPROF,
						    PROFILE_FMT_SPEEDSCOPE };
	struct profile_write_opts o = PROFILE_WRITE_OPTS_INIT;
	FILE *f = fopen("/dev/null", "w");

	if (!f)
		abort();
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++)
		if (profile_write_stream(p, f, fmts[i], &o) < 0)
			abort();
	o.before = p;
	o.inverted = 1;
	if (profile_write_stream(p, f, PROFILE_FMT_SVG, &o) < 0)
		abort();
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile p, q;
	struct prof_read_stats st = { 0 }, st2 = { 0 };
	const char *text = (const char *)data;

	profile_init(&p, "samples");
	pe_error_clear();
	/* skip mode fails only on counts whose sum does not fit in 64 bits */
	if (folded_read(&p, text, size, 1, &st) < 0 && !strstr(pe_errmsg(), "(2^64-1)"))
		abort();
	if (st.stacks + st.skipped > st.lines)
		abort();
	profile_release(&p);

	memset(&st, 0, sizeof(st));
	profile_init(&p, "samples");
	pe_error_clear();
	if (folded_read(&p, text, size, 0, &st) == 0) {
		size_t len, len2;
		char *a = write_folded(&p, &len), *b;

		profile_init(&q, "samples");
		if (folded_read(&q, a, len, 0, &st2) < 0 || q.root.total != p.root.total)
			abort();
		b = write_folded(&q, &len2);
		if (len != len2 || memcmp(a, b, len))
			abort();
		write_all_formats(&p);
		free(a);
		free(b);
		profile_release(&q);
	} else if (!pe_errmsg()[0]) {
		abort();
	}
	profile_release(&p);
	return 0;
}
