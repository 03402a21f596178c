/*
 * What `perfeng model` shows of a fit (src/stats/usl.h): the three models'
 * parameters with their errors, the one the data supports and why, the
 * peak, predictions, the points with their residuals, and Little's law
 * where the points carry latency. As text, JSON and an SVG plot (the points,
 * the chosen model's curve, the other models dashed, the peak marked).
 */
#ifndef PE_MODEL_REPORT_H
#define PE_MODEL_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "stats/usl.h"

/* A point's Little's-law check departs from its concurrency by more than this share. */
#define MODEL_LITTLE_TOLERANCE 0.10

struct model_report {
	const char *source;			/* where the points came from (a file name) */
	const struct usl_point *pts;
	size_t n;
	const struct usl_fit *fits;		/* [USL_NKINDS] */
	enum usl_kind chosen;
	const char *why;			/* usl_choose()'s sentence */
	const double *predict;			/* concurrencies to predict the throughput at */
	size_t npredict;
};

void model_report_text(FILE *f, const struct model_report *r);
json_t *model_report_json(const struct model_report *r);
/* Returns 0, or -1 with pe_error() when the file cannot be written. */
int model_report_svg(FILE *f, const struct model_report *r);

#endif
