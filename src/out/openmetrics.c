#include "out/openmetrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define OM_TEXT_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define OM_OPENMETRICS_CONTENT_TYPE "application/openmetrics-text; version=1.0.0; charset=utf-8"

const char *om_content_type(enum om_format format)
{
	return format == OM_OPENMETRICS ? OM_OPENMETRICS_CONTENT_TYPE : OM_TEXT_CONTENT_TYPE;
}

/* The q= of one media range's parameters ("; version=1.0.0; q=0.5"): 1 when absent, 0 when bad. */
static double om__quality(const char *p, const char *end)
{
	double q = 1;

	while (p < end) {
		const char *stop;

		while (p < end && (*p == ' ' || *p == '\t' || *p == ';'))
			p++;
		for (stop = p; stop < end && *stop != ';'; stop++)
			;
		if (stop - p > 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
			char num[16], *num_end;
			size_t n = (size_t)(stop - p - 2);

			while (n && (p[2 + n - 1] == ' ' || p[2 + n - 1] == '\t'))
				n--;
			if (n >= sizeof(num))
				return 0;
			memcpy(num, p + 2, n);
			num[n] = '\0';
			q = strtod(num, &num_end);
			if (num_end == num || *num_end || !(q >= 0 && q <= 1))	/* also NaN */
				return 0;
		}
		p = stop;
	}
	return q;
}

enum om_format om_negotiate(const char *accept)
{
	double q_om = 0, q_text = 0;

	for (const char *p = accept; p && *p;) {
		const char *comma = strchr(p, ',');
		const char *end = comma ? comma : p + strlen(p);
		const char *semi, *type_end;
		size_t n;
		double q;

		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		for (semi = p; semi < end && *semi != ';'; semi++)
			;
		type_end = semi;
		while (type_end > p && (type_end[-1] == ' ' || type_end[-1] == '\t'))
			type_end--;
		n = (size_t)(type_end - p);
		q = om__quality(semi, end);
		if (n == 28 && !strncasecmp(p, "application/openmetrics-text", n))
			q_om = q > q_om ? q : q_om;
		else if ((n == 10 && !strncasecmp(p, "text/plain", n)) || (n == 6 && !strncasecmp(p, "text/*", n)) ||
			 (n == 3 && !strncmp(p, "*/*", n)))
			q_text = q > q_text ? q : q_text;
		p = comma ? comma + 1 : end;
	}
	return q_om > 0 && q_om >= q_text ? OM_OPENMETRICS : OM_TEXT;
}

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

void om_family(struct om_writer *w, const char *name, enum om_type type, const char *help)
{
	/* the classic format names a counter by its sample, OpenMetrics by its family */
	const char *suffix = w->format == OM_TEXT && type == OM_COUNTER ? "_total" : "";

	strbuf_addf(w->sb, "# HELP %s%s ", name, suffix);
	om__help(w->sb, help);
	strbuf_addf(w->sb, "\n# TYPE %s%s %s\n", name, suffix, om__type_name(type));
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

void om_sample(struct om_writer *w, const char *name, const struct om_label *labels, size_t nlabels,
	       double value)
{
	om__line(w->sb, name, "", labels, nlabels, NULL, NULL, value);
}

void om_counter(struct om_writer *w, const char *name, const struct om_label *labels, size_t nlabels,
		double value)
{
	om__line(w->sb, name, "_total", labels, nlabels, NULL, NULL, value);
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

void om_histogram(struct om_writer *w, const char *name, const struct om_label *labels, size_t nlabels,
		  const double *bounds, const uint64_t *cumulative, size_t n, uint64_t count, double sum)
{
	char le[40];

	for (size_t i = 0; i < n; i++) {
		om__bound(le, sizeof(le), bounds[i]);
		om__line(w->sb, name, "_bucket", labels, nlabels, "le", le, (double)cumulative[i]);
	}
	om__line(w->sb, name, "_bucket", labels, nlabels, "le", "+Inf", (double)count);
	om__line(w->sb, name, "_count", labels, nlabels, NULL, NULL, (double)count);
	om__line(w->sb, name, "_sum", labels, nlabels, NULL, NULL, sum);
}

void om_summary(struct om_writer *w, const char *name, const struct om_label *labels, size_t nlabels,
		const double *q, const double *values, size_t n, uint64_t count, double sum)
{
	char qs[40];

	for (size_t i = 0; i < n; i++) {
		om__bound(qs, sizeof(qs), q[i]);
		om__line(w->sb, name, "", labels, nlabels, "quantile", qs, values[i]);
	}
	om__line(w->sb, name, "_count", labels, nlabels, NULL, NULL, (double)count);
	om__line(w->sb, name, "_sum", labels, nlabels, NULL, NULL, sum);
}

void om_eof(struct om_writer *w)
{
	if (w->format == OM_OPENMETRICS)
		strbuf_addstr(w->sb, "# EOF\n");
}
