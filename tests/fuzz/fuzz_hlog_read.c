/*
 * libFuzzer target for the HdrHistogram interval-log reader
 * (src/out/hlog_read.c), the text that `perfeng merge` reads from other
 * nodes and other tools. Any input either fails with a message or gives
 * intervals whose histograms are consistent (counts add up to the total)
 * and add into one histogram of perfeng's layout.
 */
#include <stdint.h>
#include <stdlib.h>

#include "http/load.h"
#include "out/hlog_read.h"
#include "stats/hdr.h"
#include "util/error.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hlog_info info;
	struct hdr sum;

	if (hdr_init(&sum, LOAD_HDR_LOWEST, LOAD_HDR_HIGHEST, LOAD_HDR_DIGITS) < 0)
		abort();
	pe_error_clear();
	if (hlog_parse((const char *)data, size, "fuzz", &info, on_interval, &sum) < 0)
		CHECK(pe_errmsg()[0] != '\0');
	hdr_release(&sum);
	return 0;
}
