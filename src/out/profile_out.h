/*
 * Writing a profile: one entry point that picks the format from the file
 * name (folded stacks, SVG flame graph, pprof, speedscope), and the top
 * table printed by `profile` and `flamegraph --top`. The formats themselves
 * live in their own files (prof/folded.c, out/flamegraph.c, out/pprof.c,
 * out/speedscope.c).
 */
#ifndef PE_PROFILE_OUT_H
#define PE_PROFILE_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "prof/profile.h"

enum profile_colors {
	PROFILE_COLORS_MODULE,	/* hue from a hash of the module (binary) */
	PROFILE_COLORS_KIND,	/* user, kernel, inline, JIT, process, unknown */
};

enum profile_format {
	PROFILE_FMT_NONE = -1,
	PROFILE_FMT_FOLDED,
	PROFILE_FMT_SVG,
	PROFILE_FMT_PPROF,
	PROFILE_FMT_SPEEDSCOPE,
};

struct profile_write_opts {
	const char *title;		/* NULL: "Flame Graph" (or "Differential Flame Graph") */
	int inverted;			/* icicle: roots at the top */
	enum profile_colors colors;
	double min_width;		/* SVG: frames narrower than this many pixels are merged */
	unsigned width;			/* SVG width in pixels; 0: 1200 */
	/*
	 * Differential: when set, the profile written is AFTER and colours show
	 * the change from this one, by share of the total (SVG; other formats
	 * write AFTER alone).
	 */
	const struct profile *before;
};

#define PROFILE_WRITE_OPTS_INIT { NULL, 0, PROFILE_COLORS_MODULE, 0.1, 0, NULL }

/* A set of formats, as a mask of PROFILE_FMT_BIT(fmt). */
#define PROFILE_FMT_BIT(fmt) (1u << (fmt))
#define PROFILE_FMTS_ALL (PROFILE_FMT_BIT(PROFILE_FMT_FOLDED) | PROFILE_FMT_BIT(PROFILE_FMT_SVG) | \
			  PROFILE_FMT_BIT(PROFILE_FMT_PPROF) | PROFILE_FMT_BIT(PROFILE_FMT_SPEEDSCOPE))
/* The extensions, as the commands' --help lists them. */
#define PROFILE_FMTS_HELP ".svg, .folded, .pb.gz, .speedscope.json"

/* The format a file name asks for, by extension; PROFILE_FMT_NONE when none matches. */
enum profile_format profile_format_of(const char *path);

/* The extension of a format (".svg"); "" for PROFILE_FMT_NONE. Static storage. */
const char *profile_format_ext(enum profile_format fmt);

/*
 * The extensions of the formats in the mask allowed, in the table's order,
 * as a phrase (".svg, .folded or .pb.gz") into buf. Returns buf.
 */
char *profile_format_list(char *buf, size_t size, unsigned allowed);

/*
 * Checks that path's name asks for one of the formats in allowed: returns 0,
 * or -1 with pe_error() naming the file and listing the formats allowed
 * ("'x.png': unknown format; use a name ending in .svg, .folded, .pb.gz or
 * .speedscope.json"). The one check every -o of a profile goes through.
 */
int profile_format_check(const char *path, unsigned allowed);

/*
 * Writes p to path ("-" for stdout, SVG then) in the format of path's
 * extension (see profile_format_check). Returns 0, or -1 with pe_error()
 * naming the file (unknown extension, cannot create, write error).
 */
int profile_write(const struct profile *p, const char *path, const struct profile_write_opts *o);

/* As profile_write, in an explicit format, to an open stream (not closed). */
int profile_write_stream(const struct profile *p, FILE *f, enum profile_format fmt,
			 const struct profile_write_opts *o);

/*
 * The top table: profile_top(p, n), with self %, total % (each stack
 * counted once however the function recurses), self weight, function and
 * module.
 */
void profile_print_top(FILE *f, const struct profile *p, size_t n);

/*
 * The rows of the top table (profile_top) as a JSON array (a new reference): for each,
 * function, module (null when unknown), self and total as shares of the
 * profile's weight (0 to 1), and samples, the self weight.
 */
json_t *profile_top_json(const struct profile *p, size_t n);

/*
 * Option values as the commands take them: colors "module" or "kind",
 * min_width a number of pixels >= 0 (NULL leaves either as it is), width
 * 200 to 100000 pixels or 0 (the default). Returns 0, or -1 with pe_error()
 * naming the option.
 */
int profile_write_opts_set(struct profile_write_opts *o, const char *colors, const char *min_width,
			   uint64_t width);

/*
 * Refuses write options that none of the n paths would use: a title with
 * no SVG or speedscope file, --inverted with no SVG ("-" is an SVG on
 * standard output). Returns 0, or -1 with pe_error() naming the option.
 */
int profile_write_opts_check(const struct profile_write_opts *o, const char *const *paths, size_t n);

/*
 * Writes p to each of the n paths (format by extension). Returns 0, or -1
 * with pe_error() naming the first file that failed (the others are still
 * written).
 */
int profile_write_all(const struct profile *p, const char *const *paths, size_t n,
		      const struct profile_write_opts *o);

/*
 * The functions whose self share changed most from before to after (n of
 * them, all when 0): before %, after %, the change in points, function.
 * Functions match by name.
 */
void profile_print_diff_top(FILE *f, const struct profile *before, const struct profile *after,
			    size_t n);

#endif
