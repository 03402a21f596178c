#include "out/hlog_read.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#define HLOG_MAX_FILE (1024L * 1024 * 1024)	/* refuse logs above 1 GiB */

/* A decimal number filling s[0..n) exactly (no sign games beyond strtod's, finite). */
static int hlog__number(const char *s, size_t n, double *out)
{
	char buf[64], *end;

	if (!n || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (strspn(buf, "0123456789.-+eE") != n)
		return -1;
	errno = 0;
	*out = strtod(buf, &end);
	if (*end || errno || !isfinite(*out))
		return -1;
	return 0;
}

/* "#[StartTime: 1700000000.000 (seconds since epoch), ...]": the number after the key. */
static void hlog__header(const char *line, size_t n, const char *key, double *out)
{
	size_t kl = strlen(key), i, j;

	if (n < kl || memcmp(line, key, kl))
		return;
	for (i = kl; i < n && line[i] == ' '; i++)
		;
	for (j = i; j < n && line[j] != ' ' && line[j] != ']'; j++)
		;
	if (hlog__number(line + i, j - i, out) < 0)
		*out = NAN;
}

/*
 * The counts line "#[perfeng counts: a=1 b=2]" into info; -1 with pe_error()
 * when it is not that shape, or the log has one already.
 */
static int hlog__counts(const char *line, size_t n, const char *name, unsigned lineno,
			struct hlog_info *info)
{
	size_t i = strlen(HLOG_COUNTS_PREFIX);

	if (info->has_counts)
		return pe_error("%s:%u: a second perfeng counts line", name, lineno);
	if (line[n - 1] != ']')
		return pe_error("%s:%u: the perfeng counts line does not end with ']'", name, lineno);
	n--;
	info->counts.n = 0;
	while (i < n) {
		struct hlog_count *c = &info->counts.v[info->counts.n];
		size_t k = 0;
		uint64_t v = 0, d, seen;

		if (info->counts.n == HLOG_COUNTS_MAX)
			return pe_error("%s:%u: perfeng counts: more than %d", name, lineno, HLOG_COUNTS_MAX);
		if (line[i++] != ' ')
			return pe_error("%s:%u: perfeng counts: one space before each NAME=COUNT", name, lineno);
		while (i < n && k + 1 < HLOG_COUNT_NAME && ((line[i] >= 'a' && line[i] <= 'z') ||
							 (line[i] >= '0' && line[i] <= '9') || line[i] == '_'))
			c->name[k++] = line[i++];
		c->name[k] = '\0';
		if (!k || i >= n || line[i++] != '=' || i >= n || line[i] < '0' || line[i] > '9')
			return pe_error("%s:%u: perfeng counts: not NAME=COUNT (names of a-z, 0-9 and _, "
					"at most %d bytes)", name, lineno, HLOG_COUNT_NAME - 1);
		for (; i < n && line[i] >= '0' && line[i] <= '9'; i++) {
			d = (uint64_t)(line[i] - '0');
			if (v > (UINT64_MAX - d) / 10)
				return pe_error("%s:%u: perfeng counts: '%s' is 2^64 or more", name, lineno, c->name);
			v = v * 10 + d;
		}
		if (i < n && line[i] != ' ')
			return pe_error("%s:%u: perfeng counts: '%s' is not a decimal count", name, lineno, c->name);
		if (hlog_counts_get(&info->counts, c->name, &seen) == 0)
			return pe_error("%s:%u: perfeng counts: '%s' twice", name, lineno, c->name);
		c->value = v;
		info->counts.n++;
	}
	info->has_counts = 1;
	return 0;
}

static int hlog__line(const char *line, size_t n, const char *name, unsigned lineno,
		      struct hlog_info *info, int (*fn)(void *, const struct hlog_interval *), void *ctx)
{
	const char *f[4], *tag_end = NULL;
	size_t fl[4], k = 0, i = 0, start;
	struct hlog_interval iv = { .line = lineno };
	struct strbuf bin = STRBUF_INIT;
	struct hdr h;
	char tag[256];
	double ts, base;
	int rc;

	if (n > 4 && !memcmp(line, "Tag=", 4)) {
		tag_end = memchr(line, ',', n);
		if (!tag_end || (size_t)(tag_end - line - 4) >= sizeof(tag))
			return pe_error("%s:%u: a Tag= field without a comma after it, or over 255 bytes", name, lineno);
		memcpy(tag, line + 4, (size_t)(tag_end - line - 4));
		tag[tag_end - line - 4] = '\0';
		iv.tag = tag;
		i = (size_t)(tag_end - line) + 1;
	}
	for (start = i; i <= n && k < 4; i++) {
		if (i == n || (line[i] == ',' && k < 3)) {
			f[k] = line + start;
			fl[k++] = i - start;
			start = i + 1;
		}
	}
	if (k != 4)
		return pe_error("%s:%u: not an interval line (start,length,max,histogram)", name, lineno);
	if (hlog__number(f[0], fl[0], &ts) < 0 || hlog__number(f[1], fl[1], &iv.length) < 0 ||
	    hlog__number(f[2], fl[2], &iv.max) < 0 || ts < 0 || iv.length < 0)
		return pe_error("%s:%u: the start, length and max must be numbers of 0 or more", name, lineno);
	if (base64_decode(f[3], fl[3], &bin) < 0) {
		strbuf_release(&bin);
		return pe_error("%s:%u: the histogram is not base64", name, lineno);
	}
	if (hdr_decode_compressed(bin.buf, bin.len, &h) < 0) {
		strbuf_release(&bin);
		return pe_error("%s:%u: %s", name, lineno, pe_errmsg());
	}
	strbuf_release(&bin);
	/* as HdrHistogram's reader: relative to BaseTime, else to StartTime when it looks relative */
	base = !isnan(info->base_time) ? info->base_time
	       : (!isnan(info->start_time) && ts < 365 * 86400.0) ? info->start_time : 0;
	iv.start = base + ts;
	iv.h = &h;
	info->intervals++;
	rc = fn ? fn(ctx, &iv) : 0;
	hdr_release(&h);
	return rc;
}

int hlog_parse(const char *buf, size_t len, const char *name, struct hlog_info *info,
	       int (*fn)(void *ctx, const struct hlog_interval *iv), void *ctx)
{
	unsigned lineno = 0;
	size_t pos = 0;

	info->start_time = info->base_time = NAN;
	info->intervals = 0;
	info->has_counts = 0;
	info->counts.n = 0;
	while (pos < len) {
		const char *line = buf + pos, *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;

		pos += n + (nl != NULL);
		lineno++;
		if (n && line[n - 1] == '\r')
			n--;
		if (!n)
			continue;
		if (n >= strlen(HLOG_COUNTS_PREFIX) && !memcmp(line, HLOG_COUNTS_PREFIX, strlen(HLOG_COUNTS_PREFIX))) {
			if (hlog__counts(line, n, name, lineno, info) < 0)
				return -1;
			continue;
		}
		if (line[0] == '#') {
			hlog__header(line, n, "#[StartTime:", &info->start_time);
			hlog__header(line, n, "#[BaseTime:", &info->base_time);
			continue;
		}
		if (line[0] == '"')	/* the legend */
			continue;
		if (hlog__line(line, n, name, lineno, info, fn, ctx) < 0)
			return -1;
	}
	return 0;
}

int hlog_read_file(const char *path, struct hlog_info *info,
		   int (*fn)(void *ctx, const struct hlog_interval *iv), void *ctx)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	struct strbuf sb = STRBUF_INIT;
	char buf[65536];
	size_t n;
	int rc;

	if (!f)
		return pe_error("cannot open histogram log '%s': %s", path, strerror(errno));
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		strbuf_add(&sb, buf, n);
		if (sb.len > (size_t)HLOG_MAX_FILE) {
			n = 0;
			break;
		}
	}
	if (ferror(f) || sb.len > (size_t)HLOG_MAX_FILE) {
		int e = ferror(f) ? errno : EFBIG;

		if (f != stdin)
			fclose(f);
		strbuf_release(&sb);
		return pe_error("cannot read histogram log '%s': %s", path, strerror(e));
	}
	if (f != stdin)
		fclose(f);
	rc = hlog_parse(sb.buf ? sb.buf : "", sb.len, path, info, fn, ctx);
	strbuf_release(&sb);
	return rc;
}
