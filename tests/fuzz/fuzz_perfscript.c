/*
 * libFuzzer target for the `perf script` text reader: any input reads
 * without a crash, leak or overflow into a profile whose sums hold (each
 * node's total is its self plus its children's), or fails with a message
 * where the weights would not fit in 64 bits; the folded text written from
 * what was read reads back strictly to the same total.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prof/folded.h"
#include "prof/perfscript.h"
#include "util/error.h"

static void check_sums(const struct profile *p)
{
	struct profile_flat *v;
	size_t n = profile_flatten(p, &v);
	uint64_t *kids = calloc(n, sizeof(*kids));

	for (size_t i = 1; i < n; i++)
		kids[v[i].parent] += v[i].node->total;
	for (size_t i = 0; i < n; i++)
		if (v[i].node->total != v[i].node->self + kids[i])
			abort();
	free(kids);
	free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile p, q;
	struct prof_read_stats st = { 0 }, st2 = { 0 };
	struct perfscript_opts o = { .annotate = size & 1 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	profile_init(&p, "samples");
	pe_error_clear();
	if (perfscript_read(&p, (const char *)data, size, &o, &st) < 0 &&
	    !strstr(pe_errmsg(), "(2^64-1)"))
		abort();	/* it fails only where the weights do not fit */
	(void)perfscript_detect((const char *)data, size);
	/* sums never saturate: a weight that would take them past 2^64-1 fails the read */
	check_sums(&p);
	f = open_memstream(&buf, &len);
	if (!f || folded_write(f, &p) < 0)
		abort();
	fclose(f);
	profile_init(&q, "samples");
	if (folded_read(&q, buf, len, 0, &st2) < 0 || q.root.total != p.root.total)
		abort();
	free(buf);
	profile_release(&q);
	profile_release(&p);
	return 0;
}
