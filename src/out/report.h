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
 */
#ifndef PE_OUT_REPORT_H
#define PE_OUT_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "prof/profile.h"
#include "store/store.h"

struct report_run {
	const struct store_run *run;
	const struct profile *prof;	/* a profile run's stacks, or NULL */
};

/* Writes the page; 0, or -1 with pe_error() when it cannot be written. */
int report_html(FILE *f, const char *title, const struct report_run *runs, size_t n);
/* Writes the Markdown; 0, or -1 with pe_error(). */
int report_markdown(FILE *f, const char *title, const struct report_run *runs, size_t n);

#endif
