/*
 * Reads HdrHistogram interval logs (format 1.3, and the 1.2 lines without
 * tags), the counterpart of hlog.h's writer: the "#[StartTime: ...]" and
 * "#[BaseTime: ...]" headers, the legend, one line per interval
 * ("[Tag=NAME,]start,length,max,base64 of a V2-compressed histogram"),
 * and perfeng's counts line (hlog.h), at most one; other '#' lines are
 * comments.
 * It is a parser of outside input (logs from other machines, other tools)
 * and has a libFuzzer target; it hands each interval to a callback and
 * keeps nothing.
 */
#ifndef PE_HLOG_READ_H
#define PE_HLOG_READ_H

#include <stddef.h>

#include "out/hlog.h"
#include "stats/hdr.h"

struct hlog_interval {
	double start;		/* seconds: BaseTime (or StartTime) + the line's timestamp */
	double length;		/* seconds */
	double max;		/* Interval_Max as written (load writes milliseconds) */
	const char *tag;	/* NULL without a Tag= field; valid during the call */
	const struct hdr *h;	/* valid during the call */
	unsigned line;
};

struct hlog_info {
	double start_time, base_time;	/* seconds since the epoch; NAN when absent */
	size_t intervals;
	int has_counts;			/* the log has perfeng's counts line (hlog.h) */
	struct hlog_counts counts;	/* what it says */
};

/*
 * Parses the log text buf[0..len) (name is for messages) and calls fn for
 * each interval; fn returns 0, or -1 (with pe_error()) to stop. Returns 0,
 * or -1 with pe_error() naming name and the line at the first bad one.
 */
int hlog_parse(const char *buf, size_t len, const char *name, struct hlog_info *info,
	       int (*fn)(void *ctx, const struct hlog_interval *iv), void *ctx);

/* Reads the file at path (or "-" for stdin) and parses it as hlog_parse does. */
int hlog_read_file(const char *path, struct hlog_info *info,
		   int (*fn)(void *ctx, const struct hlog_interval *iv), void *ctx);

#endif
