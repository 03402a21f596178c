/*
 * libFuzzer target for the HdrHistogram interval-log reader
 * (src/out/hlog_read.c), the text that `perfeng merge` reads from other
 * nodes and other tools. Any input either fails with a message or gives
 * intervals whose histograms are consistent (counts add up to the total)
 * and add into one histogram of perfeng's layout; and perfeng's counts
 * line, when it has one, holds valid, distinct names, reads back the same
 * once written again, and adds into a load result or says which count it
 * lacks.
 */
#include <stdint.h>
#include <stdlib.h>

#include <string.h>

#include "http/load.h"
#include "out/hlog_read.h"
#include "out/load_report.h"
#include "stats/hdr.h"
#include "util/error.h"
#include "util/strbuf.h"

#define CHECK(c)                \
	do {                    \
		if (!(c))       \
			abort(); \
	} while (0)

static int on_interval(void *ctx, const struct hlog_interval *iv)
{
	struct hdr *sum = ctx;
	int64_t n = 0;

	for (int32_t i = 0; i < iv->h->counts_len; i++)
		n += iv->h->counts[i];
	CHECK(n == iv->h->total);
	CHECK(iv->length >= 0);
	hdr_add_values(sum, iv->h);
	return 0;
}

/* The counts line of info, checked, written again and read back. */
static void check_counts(const struct hlog_info *info)
{
	const struct hlog_counts *c = &info->counts;
	struct hlog_info again;
	struct strbuf line = STRBUF_INIT;
	struct load_result r;
	uint64_t v;

	CHECK(c->n <= HLOG_COUNTS_MAX);
	for (size_t i = 0; i < c->n; i++) {
		size_t len = strlen(c->v[i].name);

		CHECK(len > 0 && len < HLOG_COUNT_NAME);
		CHECK(strspn(c->v[i].name, "abcdefghijklmnopqrstuvwxyz0123456789_") == len);
		CHECK(hlog_counts_get(c, c->v[i].name, &v) == 0 && v == c->v[i].value);	/* the first is itself */
	}
	hlog_counts_format(c, &line);
	CHECK(hlog_parse(line.buf, line.len, "again", &again, NULL, NULL) == 0);
	CHECK(again.has_counts && again.counts.n == c->n);
	for (size_t i = 0; i < c->n; i++)
		CHECK(!strcmp(again.counts.v[i].name, c->v[i].name) && again.counts.v[i].value == c->v[i].value);
	strbuf_release(&line);
	memset(&r, 0, sizeof(r));
	pe_error_clear();
	if (load_report_add_counts(&r, c, "fuzz") < 0)
		CHECK(pe_errmsg()[0] != '\0');
	else
		CHECK(hlog_counts_get(c, "sent", &v) == 0 && r.sent == v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hlog_info info;
	struct hdr sum;

	if (hdr_init(&sum, LOAD_HDR_LOWEST, LOAD_HDR_HIGHEST, LOAD_HDR_DIGITS) < 0)
		abort();
	pe_error_clear();
	if (hlog_parse((const char *)data, size, "fuzz", &info, on_interval, &sum) < 0)
		CHECK(pe_errmsg()[0] != '\0');
	else if (info.has_counts)
		check_counts(&info);
	hdr_release(&sum);
	return 0;
}
