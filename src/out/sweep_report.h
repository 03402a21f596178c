/*
 * What `load --sweep` shows: a row per step as it ends (progress), then the
 * steps as a table and the scalability model fitted to them (the report of
 * `perfeng model`, src/out/model_report.c); or all of it as JSON.
 */
#ifndef PE_OUT_SWEEP_REPORT_H
#define PE_OUT_SWEEP_REPORT_H

#include <stdio.h>

#include <jansson.h>

#include "http/sweep.h"
#include "stats/usl.h"

/* The points of the model: (connections, responses/s, mean latency); with open, concurrency = X·W (Little). */
size_t sweep_points(const struct sweep_result *r, int open, struct usl_point *pts);

void sweep_report_row(FILE *f, int open, size_t index, const struct sweep_step *s);

/*
 * The table and the model (fits[] from usl_fit_all on sweep_points, or NULL
 * when the steps cannot be fitted: why says so).
 */
void sweep_report_text(FILE *f, const char *url, int open, const struct sweep_result *r,
		       const struct usl_point *pts, size_t n, const struct usl_fit *fits, const char *why);
json_t *sweep_report_json(const char *url, int open, const struct sweep_result *r, const struct usl_point *pts,
			  size_t n, const struct usl_fit *fits, const char *why);

#endif
