/*
 * libFuzzer target for what `perfeng load` parses from its command line:
 * URLs (http_url_parse), SLO expressions (slo_parse), --stages
 * (stages_parse) and --sweep lists (sweep_parse). Each either succeeds with
 * fields that fit their buffers and make sense (a sweep: 2 to
 * SWEEP_MAX_STEPS ascending positive levels, whole for connections), or
 * fails with a message.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/stages.h"
#include "http/sweep.h"
#include "http/url.h"
#include "stats/slo.h"
#include "util/error.h"

/* Stages: each above 0 s with a rate of 0 or more, the durations adding up, the average among the rates. */
static void check_stages(const char *s)
{
	struct load_stage *st;
	size_t n;
	uint64_t total, sum = 0;
	double lo = 0, hi = 0, avg;
	int wrapped = 0;

	pe_error_clear();
	if (stages_parse(s, &st, &n, &total) < 0) {
		if (!pe_errmsg()[0] || st)
			abort();
		return;
	}
	if (!n)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (!st[i].duration_ns || !(st[i].rate >= 0))
			abort();
		wrapped |= sum + st[i].duration_ns < sum;
		sum += st[i].duration_ns;
		hi = st[i].rate > hi ? st[i].rate : hi;
	}
	if (sum != total)
		abort();
	avg = stages_average(st, n);
	/* past 2^64 ns (584 years) the total wraps, and the average means nothing */
	if (!wrapped && isfinite(hi) && !(avg >= lo && avg <= hi * (1 + 1e-9)))
		abort();
	free(st);
}

static void check_sweep(const char *s, int rates)
{
	double *v = NULL;
	size_t n;

	pe_error_clear();
	if (sweep_parse(s, rates, &v, &n) < 0) {
		if (!pe_errmsg()[0])
			abort();
		return;
	}
	if (n < 2 || n > SWEEP_MAX_STEPS)
		abort();
	for (size_t i = 0; i < n; i++)
		if (!(v[i] > 0) || v[i] > SWEEP_MAX_LEVEL || (i && !(v[i] > v[i - 1])) || (!rates && v[i] != floor(v[i])))
			abort();
	free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct http_url u;
	struct slo o;

	memcpy(s, data, size);
	s[size] = '\0';
	check_sweep(s, 0);
	check_sweep(s, 1);
	pe_error_clear();
	if (http_url_parse(s, &u) == 0) {
		if (u.path[0] != '/' || !u.host[0] || atoi(u.port) < 1 || atoi(u.port) > 65535)
			abort();
		for (const char *c = u.path; *c; c++)
			if ((unsigned char)*c <= ' ')
				abort();
	} else if (!pe_errmsg()[0]) {
		abort();
	}
	pe_error_clear();
	if (slo_parse(s, &o) == 0) {
		if (!(o.threshold >= 0) || !isfinite(o.threshold))
			abort();
		if (o.percentile != -1 && !(o.percentile > 0 && o.percentile <= 100))
			abort();
		(void)slo_met(&o, 1.0);
	} else if (!pe_errmsg()[0]) {
		abort();
	}
	check_stages(s);
	free(s);
	return 0;
}
