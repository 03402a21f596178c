#include "stats/slo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats/hdr.h"
#include "util/error.h"
#include "util/units.h"

int slo_parse(const char *s, struct slo *o)
{
	const char *op = strpbrk(s, "<>");
	size_t name_len;
	char value[64];

	memset(o, 0, sizeof(*o));
	o->percentile = -1;
	snprintf(o->text, sizeof(o->text), "%s", s);
	if (!op || op == s)
		goto bad;
	name_len = (size_t)(op - s);
	if (name_len >= sizeof(o->metric))
		goto bad;
	memcpy(o->metric, s, name_len);
	o->metric[name_len] = '\0';
	if (op[0] == '<')
		o->op = op[1] == '=' ? SLO_LE : SLO_LT;
	else
		o->op = op[1] == '=' ? SLO_GE : SLO_GT;
	op += op[1] == '=' ? 2 : 1;
	if (!*op || strlen(op) >= sizeof(value))
		goto bad;
	snprintf(value, sizeof(value), "%s", op);

	if (o->metric[0] == 'p' && o->metric[1] >= '0' && o->metric[1] <= '9') {
		char *end;
		double p = strtod(o->metric + 1, &end);

		/* p999 is p99.9 and p9999 p99.99, as load tools write them */
		if (!strcmp(o->metric, "p999"))
			p = 99.9;
		else if (!strcmp(o->metric, "p9999"))
			p = 99.99;
		else if (*end || !(p > 0 && p <= 100))
			goto bad;
		o->percentile = p;
		o->kind = SLO_TIME;
	} else if (!strcmp(o->metric, "max") || !strcmp(o->metric, "mean")) {
		o->kind = SLO_TIME;
	} else if (!strcmp(o->metric, "error_rate")) {
		o->kind = SLO_RATIO;
	} else if (!strcmp(o->metric, "rps")) {
		o->kind = SLO_RATE;
	} else {
		return pe_error("SLO '%s': unknown metric '%s' (p50, p90, p99, p99.9, max, mean, error_rate, rps)",
				s, o->metric);
	}
	if (o->kind == SLO_TIME) {
		uint64_t ns;

		if (parse_duration_ns(value, &ns) < 0)
			return pe_error("SLO '%s': '%s' is not a duration (try 200ms)", s, value);
		o->threshold = (double)ns / 1e9;
	} else if (o->kind == SLO_RATIO) {
		if (parse_percent(value, &o->threshold) < 0)
			return pe_error("SLO '%s': '%s' is not a percentage (try 0.1%%)", s, value);
	} else if (parse_double(value, &o->threshold) < 0 || o->threshold < 0) {
		return pe_error("SLO '%s': '%s' is not a rate (try 1000)", s, value);
	}
	return 0;
bad:
	return pe_error("SLO '%s' is not METRIC<VALUE or METRIC>VALUE (e.g. p99<200ms, error_rate<0.1%%, rps>1000)", s);
}

int slo_met(const struct slo *o, double value)
{
	if (isnan(value))
		return 0;
	switch (o->op) {
	case SLO_LT: return value < o->threshold;
	case SLO_LE: return value <= o->threshold;
	case SLO_GT: return value > o->threshold;
	default: return value >= o->threshold;
	}
}

double slo_value(const struct slo *o, const struct hdr *h, double secs, uint64_t sent,
		 uint64_t responses, uint64_t errors)
{
	if (o->kind == SLO_RATIO)
		return sent ? (double)errors / (double)sent : NAN;
	if (o->kind == SLO_RATE)
		return secs > 0 ? (double)responses / secs : NAN;
	if (!h->total)
		return NAN;
	if (!strcmp(o->metric, "max"))
		return (double)hdr_max(h) / 1e6;
	if (!strcmp(o->metric, "mean"))
		return hdr_mean(h) / 1e6;
	return (double)hdr_value_at_percentile(h, o->percentile) / 1e6;
}
