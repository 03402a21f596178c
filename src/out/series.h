/*
 * Drawing a series of values (a metric over runs): a sparkline for the
 * terminal and a self-contained SVG line plot with change points marked.
 */
#ifndef PE_SERIES_H
#define PE_SERIES_H

#include <stddef.h>
#include <stdio.h>

/* At most width characters of ▁▂▃▄▅▆▇█; longer series are averaged into buckets. */
void out_sparkline(FILE *f, const double *v, size_t n, size_t width);

struct series_plot {
	const char *title;
	const char *ylabel;		/* "wall median (ms)" */
	const char *xlabel;		/* NULL: "run (oldest to newest, N runs)" */
	double yscale;			/* values are multiplied by this for the axis */
	const double *v;
	size_t n;
	const size_t *change;		/* indices where a new segment starts */
	const char *const *change_label;	/* a label per change point ("+12.3%") */
	size_t nchange;
	const double *seg_level;	/* per segment (nchange + 1): its median, drawn as a step */
};

/* Writes the SVG; returns 0 or -1 with pe_error() set. */
int out_series_svg(FILE *f, const struct series_plot *p);

#include "stats/changepoint.h"

/*
 * A series with its change points as out_series_svg draws it: each change
 * labelled "+12.3%", each segment's median as a step; values in seconds
 * when is_time (the axis then in the unit that suits their median), the
 * axis named by what ("median", "mean"). history --svg and report draw it.
 */
int out_series_cp_svg(FILE *f, const char *title, const char *what, int is_time, const double *v, size_t n,
		      const struct change_point *cps, size_t ncp);

#endif
