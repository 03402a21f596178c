#include "out/openmetrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *om__type_name(enum om_type t)
{
	switch (t) {
	case OM_COUNTER: return "counter";
	case OM_GAUGE: return "gauge";
	case OM_HISTOGRAM: return "histogram";
	default: return "summary";
	}
}

void om_escape(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			strbuf_addstr(sb, "\\\\");
		else if (*s == '"')
			strbuf_addstr(sb, "\\\"");
		else if (*s == '\n')
			strbuf_addstr(sb, "\\n");
		else
			strbuf_add(sb, s, 1);
	}
}

/* HELP text escapes backslash and newline (not quotes). */
static void om__help(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			strbuf_addstr(sb, "\\\\");
		else if (*s == '\n')
			strbuf_addstr(sb, "\\n");
		else
			strbuf_add(sb, s, 1);
	}
}

void om_family(struct strbuf *sb, const char *name, enum om_type type, const char *help)
{
	strbuf_addf(sb, "# TYPE %s %s\n# HELP %s ", name, om__type_name(type), name);
	om__help(sb, help);
	strbuf_addstr(sb, "\n");
}

/* A number as OpenMetrics writes it: integers plainly, +Inf/-Inf/NaN by name. */
static void om__number(struct strbuf *sb, double v)
{
	if (isnan(v))
		strbuf_addstr(sb, "NaN");
	else if (isinf(v))
		strbuf_addstr(sb, v > 0 ? "+Inf" : "-Inf");
	else if (v == floor(v) && fabs(v) < 9007199254740992.0)
		strbuf_addf(sb, "%.0f", v);
	else {
		char b[40];

		for (int digits = 1; digits <= 17; digits++) {	/* the shortest that reads back the same */
			snprintf(b, sizeof(b), "%.*g", digits, v);
			if (strtod(b, NULL) == v)
				break;
		}
		strbuf_addstr(sb, b);
	}
}

/* name{labels[,extra="value"]} value */
static void om__line(struct strbuf *sb, const char *name, const char *suffix,
		     const struct om_label *labels, size_t nlabels, const char *extra,
		     const char *extra_value, double value)
{
	strbuf_addf(sb, "%s%s", name, suffix);
	if (nlabels || extra) {
		strbuf_addstr(sb, "{");
		for (size_t i = 0; i < nlabels; i++) {
			strbuf_addf(sb, "%s%s=\"", i ? "," : "", labels[i].name);
			om_escape(sb, labels[i].value);
			strbuf_addstr(sb, "\"");
		}
		if (extra) {
			strbuf_addf(sb, "%s%s=\"", nlabels ? "," : "", extra);
			om_escape(sb, extra_value);
			strbuf_addstr(sb, "\"");
		}
		strbuf_addstr(sb, "}");
	}
	strbuf_addstr(sb, " ");
	om__number(sb, value);
	strbuf_addstr(sb, "\n");
}

void om_sample(struct strbuf *sb, const char *name, const struct om_label *labels, size_t nlabels,
	       double value)
{
	om__line(sb, name, "", labels, nlabels, NULL, NULL, value);
}

void om_counter(struct strbuf *sb, const char *name, const struct om_label *labels, size_t nlabels,
		double value)
{
	om__line(sb, name, "_total", labels, nlabels, NULL, NULL, value);
}

/*
 * A label value for a bound: the shortest text that reads back as the same
 * double, in plain decimals ("0.0001", "10") where that is short.
 */
static void om__bound(char *buf, size_t n, double v)
{
	int plain = fabs(v) >= 1e-6 && fabs(v) < 1e15;

	for (int digits = plain ? 0 : 1; digits <= 17; digits++) {
		snprintf(buf, n, plain ? "%.*f" : "%.*g", digits, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

void om_histogram(struct strbuf *sb, const char *name, const struct om_label *labels, size_t nlabels,
		  const double *bounds, const uint64_t *cumulative, size_t n, uint64_t count, double sum)
{
	char le[40];

	for (size_t i = 0; i < n; i++) {
		om__bound(le, sizeof(le), bounds[i]);
		om__line(sb, name, "_bucket", labels, nlabels, "le", le, (double)cumulative[i]);
	}
	om__line(sb, name, "_bucket", labels, nlabels, "le", "+Inf", (double)count);
	om__line(sb, name, "_count", labels, nlabels, NULL, NULL, (double)count);
	om__line(sb, name, "_sum", labels, nlabels, NULL, NULL, sum);
}

void om_summary(struct strbuf *sb, const char *name, const struct om_label *labels, size_t nlabels,
		const double *q, const double *values, size_t n, uint64_t count, double sum)
{
	char qs[40];

	for (size_t i = 0; i < n; i++) {
		om__bound(qs, sizeof(qs), q[i]);
		om__line(sb, name, "", labels, nlabels, "quantile", qs, values[i]);
	}
	om__line(sb, name, "_count", labels, nlabels, NULL, NULL, (double)count);
	om__line(sb, name, "_sum", labels, nlabels, NULL, NULL, sum);
}

void om_eof(struct strbuf *sb)
{
	strbuf_addstr(sb, "# EOF\n");
}
