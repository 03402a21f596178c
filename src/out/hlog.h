/*
 * The HdrHistogram interval log, format 1.3, as HdrHistogram's
 * HistogramLogWriter writes it: a few "#[...]" header lines, the legend,
 * then one line per interval with its start, length, max and histogram
 * (V2-compressed, base64), so that HdrHistogram's own tools
 * (HistogramLogProcessor, HdrHistogramVisualizer, hdr-histogram-js) merge
 * and plot what `load` measured. It writes logs; it does not read them.
 *
 * Units: the histograms hold microseconds; Interval_Max is written in
 * milliseconds (a max value unit ratio of 1000), as wrk2 does. Readers take
 * the unit of the histograms from the user, not from the file.
 */
#ifndef PE_HLOG_H
#define PE_HLOG_H

#include <stdio.h>

#include "stats/hdr.h"
#include "util/strbuf.h"

/* Interval_Max = hdr_max() / HLOG_MAX_UNIT_RATIO: microseconds to milliseconds. */
#define HLOG_MAX_UNIT_RATIO 1000.0

struct hlog {
	FILE *f;
	char *path;		/* owned; for messages */
	double base;		/* BaseTime, seconds since the epoch */
	struct strbuf enc;	/* scratch, reused by each interval */
	struct strbuf b64;
	struct strbuf held;	/* empty intervals not written yet: lines, in order */
	int wrote;		/* an interval line is in the file */
};

/*
 * Creates (truncates) path, "-" for stdout, and writes the header: StartTime
 * and BaseTime are start_unix_seconds. Returns 0, or -1 with pe_error()
 * naming the file (nothing to close then).
 */
int hlog_open(struct hlog *l, const char *path, double start_unix_seconds);

/*
 * One interval line: start in seconds since the epoch (written relative to
 * BaseTime), its length in seconds, and the histogram. An empty histogram's
 * line is held back until a later interval with counts is written, so that
 * the log does not end with empty intervals (the run's last tick, a
 * millisecond after the end). Returns 0, or -1 with pe_error() when the
 * line could not be encoded or written.
 */
int hlog_interval(struct hlog *l, double start, double length, const struct hdr *h);

/*
 * Flushes and closes the file (not stdout) and releases l, whatever the
 * result. Empty intervals still held are left out, unless the log has no
 * other interval (then they are all it measured, and are written). Returns
 * 0, or -1 with pe_error() when any write to it failed.
 */
int hlog_close(struct hlog *l);

#endif
