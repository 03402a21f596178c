/*
 * Output dispatch for profiles (format by file extension) and the top
 * table. Each format's writer lives in its own file; this one only opens
 * the file, picks the writer and reports errors with the file's name.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "out/profile_out.h"
#include "prof/folded.h"
#include "util/error.h"
#include "util/xalloc.h"

static const struct {
	const char *ext;
	enum profile_format fmt;
} formats[] = {
	{ ".folded", PROFILE_FMT_FOLDED },
	{ ".svg", PROFILE_FMT_SVG },
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
	case PROFILE_FMT_PPROF:
	case PROFILE_FMT_SPEEDSCOPE:
		return pe_error("this output format is not implemented yet");
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

	if (fmt == PROFILE_FMT_NONE)
		return pe_error("cannot tell the format of '%s' from its name; "
				"use .folded, .svg, .pb.gz or .speedscope.json", path);
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

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

void profile_print_top(FILE *f, const struct profile *p, size_t n)
{
	struct profile_func *fs;
	size_t nfs = profile_functions(p, &fs);
	uint64_t all = p->root.total;
	int w = 8;

	if (!n || n > nfs)
		n = nfs;
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
