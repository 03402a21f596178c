#include "out/hlog.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/error.h"
#include "util/xalloc.h"

static int hlog__is_stdout(const struct hlog *l)
{
	return l->f == stdout;
}

/*
 * Java's Date.toString(), which HistogramLogWriter puts in the StartTime
 * line: "Tue Nov 14 22:13:20 UTC 2023", local time, English names whatever
 * the locale.
 */
static void hlog__java_date(char *buf, size_t n, double unix_seconds)
{
	static const char *const wday[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)floor(unix_seconds);
	struct tm tm;
	char zone[64];

	if (!localtime_r(&t, &tm)) {
		snprintf(buf, n, "?");
		return;
	}
	if (!strftime(zone, sizeof(zone), "%Z", &tm))
		zone[0] = '\0';
	snprintf(buf, n, "%s %s %02d %02d:%02d:%02d %s %d", wday[tm.tm_wday % 7], mon[tm.tm_mon % 12],
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, zone, tm.tm_year + 1900);
}

int hlog_open(struct hlog *l, const char *path, double start_unix_seconds)
{
	char date[128];

	memset(l, 0, sizeof(*l));
	if (!strcmp(path, "-")) {
		l->f = stdout;
	} else {
		l->f = fopen(path, "w");
		if (!l->f)
			return pe_error("cannot create histogram log '%s': %s", path, strerror(errno));
	}
	l->path = xstrdup(path);
	l->base = start_unix_seconds;
	strbuf_init(&l->enc);
	strbuf_init(&l->b64);
	strbuf_init(&l->held);

	hlog__java_date(date, sizeof(date), start_unix_seconds);
	fprintf(l->f, "#[StartTime: %.3f (seconds since epoch), %s]\n", start_unix_seconds, date);
	fprintf(l->f, "#[BaseTime: %.3f (seconds since epoch)]\n", start_unix_seconds);
	fprintf(l->f, "#[Histogram log format version 1.3]\n");
	fprintf(l->f, "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n");
	if (ferror(l->f)) {
		int e = errno;

		pe_error("cannot write histogram log '%s': %s", path, strerror(e));
		if (!hlog__is_stdout(l))
			fclose(l->f);
		free(l->path);
		memset(l, 0, sizeof(*l));
		return -1;
	}
	return 0;
}

int hlog_interval(struct hlog *l, double start, double length, const struct hdr *h)
{
	strbuf_reset(&l->enc);
	strbuf_reset(&l->b64);
	if (hdr_encode_compressed(h, &l->enc) < 0)
		return pe_error("histogram log '%s': %s", l->path, pe_errmsg());
	base64_encode(l->enc.buf, l->enc.len, &l->b64);
	if (!h->total) {
		strbuf_addf(&l->held, "%.3f,%.3f,%.3f,%s\n", start - l->base, length,
			    (double)hdr_max(h) / HLOG_MAX_UNIT_RATIO, l->b64.buf);
		return 0;
	}
	if ((l->held.len && fwrite(l->held.buf, 1, l->held.len, l->f) != l->held.len) ||
	    fprintf(l->f, "%.3f,%.3f,%.3f,%s\n", start - l->base, length,
		    (double)hdr_max(h) / HLOG_MAX_UNIT_RATIO, l->b64.buf) < 0)
		return pe_error("cannot write histogram log '%s': %s", l->path, strerror(errno));
	strbuf_reset(&l->held);
	l->wrote = 1;
	return 0;
}

void hlog_counts_set(struct hlog_counts *c, const char *name, uint64_t value)
{
	struct hlog_count *p = &c->v[c->n++];

	snprintf(p->name, sizeof(p->name), "%s", name);
	p->value = value;
}

int hlog_counts_get(const struct hlog_counts *c, const char *name, uint64_t *value)
{
	for (size_t i = 0; i < c->n; i++) {
		if (!strcmp(c->v[i].name, name)) {
			*value = c->v[i].value;
			return 0;
		}
	}
	return -1;
}

void hlog_counts_format(const struct hlog_counts *c, struct strbuf *out)
{
	strbuf_addstr(out, HLOG_COUNTS_PREFIX);
	for (size_t i = 0; i < c->n; i++)
		strbuf_addf(out, " %s=%llu", c->v[i].name, (unsigned long long)c->v[i].value);
	strbuf_addstr(out, "]\n");
}

int hlog_counts(struct hlog *l, const struct hlog_counts *c)
{
	strbuf_reset(&l->enc);
	hlog_counts_format(c, &l->enc);
	if (fwrite(l->enc.buf, 1, l->enc.len, l->f) != l->enc.len)
		return pe_error("cannot write histogram log '%s': %s", l->path, strerror(errno));
	return 0;
}

int hlog_close(struct hlog *l)
{
	int rc = 0, e = 0;

	if (!l->f)
		return 0;
	/* trailing empty intervals are dropped, unless they are the whole log */
	if (!l->wrote && l->held.len)
		fwrite(l->held.buf, 1, l->held.len, l->f);
	if (fflush(l->f) != 0 || ferror(l->f)) {
		e = errno ? errno : EIO;
		rc = -1;
	}
	if (!hlog__is_stdout(l) && fclose(l->f) != 0 && !rc) {
		e = errno;
		rc = -1;
	}
	if (rc)
		pe_error("cannot write histogram log '%s': %s", l->path, strerror(e));
	free(l->path);
	strbuf_release(&l->enc);
	strbuf_release(&l->b64);
	strbuf_release(&l->held);
	memset(l, 0, sizeof(*l));
	return rc;
}
