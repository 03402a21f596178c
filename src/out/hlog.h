/*
 * The HdrHistogram interval log, format 1.3, as HdrHistogram's
 * HistogramLogWriter writes it: a few "#[...]" header lines, the legend,
 * then one line per interval with its start, length, max and histogram
 * (V2-compressed, base64), so that HdrHistogram's own tools
 * (HistogramLogProcessor, HdrHistogramVisualizer, hdr-histogram-js) merge
 * and plot what `load` measured, and perfeng's counts of the run in a
 * comment line they skip. It writes logs; hlog_read.h reads them.
 *
 * Units: the histograms hold microseconds; Interval_Max is written in
 * milliseconds (a max value unit ratio of 1000), as wrk2 does. Readers take
 * the unit of the histograms from the user, not from the file.
 */
#ifndef PE_HLOG_H
#define PE_HLOG_H

#include <stdint.h>
#include <stdio.h>

#include "stats/hdr.h"
#include "util/strbuf.h"

/* Interval_Max = hdr_max() / HLOG_MAX_UNIT_RATIO: microseconds to milliseconds. */
#define HLOG_MAX_UNIT_RATIO 1000.0

/*
 * perfeng's own counts of the run (requests sent, errors by kind, status
 * classes), which the histograms do not hold, kept in the log as one
 * comment line that HdrHistogram's readers skip as they skip every line
 * that starts with '#':
 *
 *   #[perfeng counts: sent=1000 connect=0 read=6 ... status_5xx=0]
 *
 * NAME=COUNT pairs separated by one space, names of [a-z0-9_] (at most
 * HLOG_COUNT_NAME - 1 bytes, each once), counts decimal and below 2^64.
 * The names are the caller's (load_report.h says which load writes).
 */
#define HLOG_COUNTS_PREFIX "#[perfeng counts:"
#define HLOG_COUNTS_MAX 32
#define HLOG_COUNT_NAME 32

struct hlog_counts {
	size_t n;
	struct hlog_count {
		char name[HLOG_COUNT_NAME];
		uint64_t value;
	} v[HLOG_COUNTS_MAX];
};

/* Appends name=value to c (name as above; at most HLOG_COUNTS_MAX pairs, the caller's to respect). */
void hlog_counts_set(struct hlog_counts *c, const char *name, uint64_t value);

/* The value of name in c: 0, or -1 when c has no such pair. */
int hlog_counts_get(const struct hlog_counts *c, const char *name, uint64_t *value);

/* The counts line of c, with its newline, appended to out. */
void hlog_counts_format(const struct hlog_counts *c, struct strbuf *out);

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
 * Writes the counts line of c (see above), once, after the intervals.
 * Returns 0, or -1 with pe_error() when it could not be written.
 */
int hlog_counts(struct hlog *l, const struct hlog_counts *c);

/*
 * Flushes and closes the file (not stdout) and releases l, whatever the
 * result. Empty intervals still held are left out, unless the log has no
 * other interval (then they are all it measured, and are written). Returns
 * 0, or -1 with pe_error() when any write to it failed.
 */
int hlog_close(struct hlog *l);

#endif
