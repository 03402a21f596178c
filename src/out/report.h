/*
 * `perfeng report`: saved runs as one self-contained HTML page (no network
 * access when opened: the styles, the SVG charts and the flame graphs'
 * scripts are all inline; light and dark; readable on a phone) or as
 * Markdown for a pull request. Per kind of run:
 *
 *   bench    each command's run times as points with the median, and with
 *            two or more bench runs each one's ratio of medians to the
 *            first, with its 95% CI and verdict (stats/compare.c)
 *   load     responses/s and p99 over the seconds, the percentiles
 *   sweep    the points and the fitted scalability model (out/model_report.c)
 *   profile  the flame graph, interactive (in a sandboxed frame of its own)
 *   diagnose the verdict and the threads' time by state, as a stacked bar
 *   all      their metrics (heap, locks, find-max, ... have only these)
 *
 * and, for names given with --history, the series of a metric over their
 * runs with its change points (as `perfeng history` finds and draws them).
 */
#ifndef PE_OUT_REPORT_H
#define PE_OUT_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "prof/profile.h"
#include "store/store.h"

#include "stats/changepoint.h"

struct report_run {
	const struct store_run *run;
	const struct profile *prof;	/* a profile run's stacks, or NULL */
};

/* A name's series of a metric (its runs' medians), with its change points as history finds them. */
struct report_history {
	const char *name, *metric;
	const struct store_series *se;
	const struct change_point *cps;
	size_t ncp;
	int is_time;
};

/* The runs, then the histories. */
struct report_input {
	const char *title;
	const struct report_run *runs;
	size_t n;
	const struct report_history *hist;
	size_t nhist;
};

/* Writes the page; 0, or -1 with pe_error() when it cannot be written. */
int report_html(FILE *f, const struct report_input *in);
/* Writes the Markdown; 0, or -1 with pe_error(). */
int report_markdown(FILE *f, const struct report_input *in);

#endif
