/*
 * Output dispatch for profiles (format by file extension) and the top
 * table. Each format's writer lives in its own file; this one only opens
 * the file, picks the writer and reports errors with the file's name.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "out/flamegraph.h"
#include "out/pprof.h"
#include "out/profile_out.h"
#include "out/speedscope.h"
#include "prof/folded.h"
#include "util/error.h"
#include "util/xalloc.h"

/*
 * The one table of the formats a profile is written in, by the end of the
 * file's name; the order is the order the error message lists them in.
 */
static const struct {
	const char *ext;
	enum profile_format fmt;
} formats[] = {
	{ ".svg", PROFILE_FMT_SVG },
	{ ".folded", PROFILE_FMT_FOLDED },
	{ ".pb.gz", PROFILE_FMT_PPROF },
	{ ".speedscope.json", PROFILE_FMT_SPEEDSCOPE },
};

enum profile_format profile_format_of(const char *path)
{
	size_t n = strlen(path);

	for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
		size_t e = strlen(formats[i].ext);

		if (n > e && !strcmp(path + n - e, formats[i].ext))
			return formats[i].fmt;
	}
	return PROFILE_FMT_NONE;
}

char *profile_format_list(char *buf, size_t size, unsigned allowed)
{
	size_t k = 0, n = 0, len = 0;

	for (size_t i = 0; i < ARRAY_SIZE(formats); i++)
		n += !!(allowed & PROFILE_FMT_BIT(formats[i].fmt));
	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(formats) && len < size; i++) {
		if (!(allowed & PROFILE_FMT_BIT(formats[i].fmt)))
			continue;
		k++;
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
					k == 1 ? "" : k == n ? " or " : ", ", formats[i].ext);
	}
	return buf;
}

int profile_format_check(const char *path, unsigned allowed)
{
	enum profile_format fmt = profile_format_of(path);
	char list[128];

	if (fmt != PROFILE_FMT_NONE && (allowed & PROFILE_FMT_BIT(fmt)))
		return 0;
	profile_format_list(list, sizeof(list), allowed);
	if (fmt != PROFILE_FMT_NONE)
		return pe_error("'%s': this command does not write %s; use a name ending in %s", path,
				profile_format_ext(fmt), list);
	return pe_error("'%s': unknown format; use a name ending in %s", path, list);
}

const char *profile_format_ext(enum profile_format fmt)
{
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++)
		if (formats[i].fmt == fmt)
			return formats[i].ext;
	return "";
}

int profile_write_stream(const struct profile *p, FILE *f, enum profile_format fmt,
			 const struct profile_write_opts *o)
{
	static const struct profile_write_opts defaults = PROFILE_WRITE_OPTS_INIT;

	if (!o)
		o = &defaults;
	switch (fmt) {
	case PROFILE_FMT_FOLDED:
		return folded_write(f, p);
	case PROFILE_FMT_SVG:
		return flamegraph_write(f, p, o);
	case PROFILE_FMT_PPROF:
		return pprof_write(f, p);
	case PROFILE_FMT_SPEEDSCOPE:
		return speedscope_write(f, p, o->title);
	default:
		break;
	}
	return pe_error("unknown output format");
}

int profile_write(const struct profile *p, const char *path, const struct profile_write_opts *o)
{
	int is_stdout = !strcmp(path, "-");
	enum profile_format fmt = is_stdout ? PROFILE_FMT_SVG : profile_format_of(path);
	FILE *f;
	int rc;

	if (!is_stdout && profile_format_check(path, PROFILE_FMTS_ALL) < 0)
		return -1;
	f = is_stdout ? stdout : fopen(path, "wb");
	if (!f)
		return pe_error("cannot create '%s': %s", path, strerror(errno));
	rc = profile_write_stream(p, f, fmt, o);
	if (rc < 0)
		pe_error("cannot write '%s': %s", path, pe_errmsg());
	if (is_stdout) {
		if (fflush(f) && !rc)
			rc = pe_error("cannot write to standard output: %s", strerror(errno));
	} else if (fclose(f) && !rc) {
		rc = pe_error("cannot write '%s': %s", path, strerror(errno));
	}
	return rc;
}

int profile_write_opts_set(struct profile_write_opts *o, const char *colors, const char *min_width,
			   uint64_t width)
{
	if (width && (width < 200 || width > 100000))
		return pe_error("--width: %llu is not between 200 and 100000 pixels",
				(unsigned long long)width);
	o->width = (unsigned)width;
	if (colors) {
		if (!strcmp(colors, "module"))
			o->colors = PROFILE_COLORS_MODULE;
		else if (!strcmp(colors, "kind"))
			o->colors = PROFILE_COLORS_KIND;
		else
			return pe_error("--colors: '%s' is not 'module' or 'kind'", colors);
	}
	if (min_width) {
		char *end;
		double w = strtod(min_width, &end);

		if (end == min_width || *end || !(w >= 0) || w > 1e6)
			return pe_error("--min-width: '%s' is not a number of pixels (such as 0.1)", min_width);
		o->min_width = w;
	}
	return 0;
}

int profile_write_opts_check(const struct profile_write_opts *o, const char *const *paths, size_t n)
{
	int svg = 0, titled = 0;

	for (size_t i = 0; i < n; i++) {
		enum profile_format fmt = strcmp(paths[i], "-") ? profile_format_of(paths[i]) : PROFILE_FMT_SVG;

		svg |= fmt == PROFILE_FMT_SVG;
		titled |= fmt == PROFILE_FMT_SVG || fmt == PROFILE_FMT_SPEEDSCOPE;
	}
	if (o->title && !titled)
		return pe_error("--title: no SVG or speedscope file is written to carry it (add -o FILE.svg)");
	if (o->inverted && !svg)
		return pe_error("--inverted: no SVG is written to invert (add -o FILE.svg)");
	return 0;
}

int profile_write_all(const struct profile *p, const char *const *paths, size_t n,
		      const struct profile_write_opts *o)
{
	char first[512] = "";

	for (size_t i = 0; i < n; i++)
		if (profile_write(p, paths[i], o) < 0 && !*first)
			snprintf(first, sizeof(first), "%s", pe_errmsg());
	return *first ? pe_error("%s", first) : 0;
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

void profile_print_top(FILE *f, const struct profile *p, size_t n)
{
	struct profile_func *fs;
	uint64_t all = p->root.total;
	int w = 8;

	n = profile_top(p, n, &fs);
	for (size_t i = 0; i < n; i++) {
		int l = (int)strlen(fs[i].name);

		if (l > w)
			w = l > 60 ? 60 : l;
	}
	fprintf(f, "%7s %7s %12s  %-*s  %s\n", "self%", "total%",
		p->unit ? p->unit : "samples", w, "function", "module");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%7.2f %7.2f %12llu  %-*s  %s\n", pct(fs[i].self, all),
			pct(fs[i].total, all), (unsigned long long)fs[i].self, w, fs[i].name,
			fs[i].module ? fs[i].module : "-");
	free(fs);
}

json_t *profile_top_json(const struct profile *p, size_t n)
{
	struct profile_func *fs;
	uint64_t all = p->root.total;
	json_t *a = json_array();

	n = profile_top(p, n, &fs);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s,s:o,s:f,s:f,s:I}", "function", fs[i].name,
			"module", fs[i].module ? json_string(fs[i].module) : json_null(),
			"self", all ? (double)fs[i].self / (double)all : 0.0,
			"total", all ? (double)fs[i].total / (double)all : 0.0,
			"samples", (json_int_t)fs[i].self));
	free(fs);
	return a;
}

struct fdiff {
	const char *name;
	double before, after;	/* self shares, percent */
};

static int func_name_cmp(const void *x, const void *y)
{
	return strcmp(((const struct profile_func *)x)->name, ((const struct profile_func *)y)->name);
}

static int fdiff_cmp(const void *x, const void *y)
{
	const struct fdiff *a = x, *b = y;
	double da = fabs(a->after - a->before), db = fabs(b->after - b->before);

	if (da != db)
		return da > db ? -1 : 1;
	return strcmp(a->name, b->name);
}

/* Sums functions of one name (several modules) after sorting by name; returns the count left. */
static size_t by_name(struct profile_func *fs, size_t n)
{
	size_t k = 0;

	qsort(fs, n, sizeof(*fs), func_name_cmp);
	for (size_t i = 0; i < n; i++) {
		if (k && !strcmp(fs[k - 1].name, fs[i].name))
			fs[k - 1].self += fs[i].self;
		else
			fs[k++] = fs[i];
	}
	return k;
}

void profile_print_diff_top(FILE *f, const struct profile *before, const struct profile *after,
			    size_t n)
{
	struct profile_func *a, *b;
	size_t na = profile_functions(before, &a), nb = profile_functions(after, &b);
	struct fdiff *d;
	size_t i = 0, j = 0, k = 0;

	na = by_name(a, na);
	nb = by_name(b, nb);
	d = xcalloc(na + nb + 1, sizeof(*d));

	/* a merge of the two name-sorted lists */
	while (i < na || j < nb) {
		int c = i == na ? 1 : j == nb ? -1 : strcmp(a[i].name, b[j].name);

		d[k].name = c <= 0 ? a[i].name : b[j].name;
		d[k].before = c <= 0 ? pct(a[i++].self, before->root.total) : 0;
		d[k].after = c >= 0 ? pct(b[j++].self, after->root.total) : 0;
		k++;
	}
	qsort(d, k, sizeof(*d), fdiff_cmp);
	if (!n || n > k)
		n = k;
	fprintf(f, "%8s %8s %9s  %s\n", "before%", "after%", "change", "function");
	for (i = 0; i < n; i++)
		fprintf(f, "%8.2f %8.2f %+9.2f  %s\n", d[i].before, d[i].after,
			d[i].after - d[i].before, d[i].name);
	free(d);
	free(a);
	free(b);
}
