/*
 * Renders a `load --find-max` search: the table of steps (target and
 * achieved rate, p50, p99, error rate, each SLO) and the knee, as text or
 * JSON. The search itself is src/http/findmax.c.
 */
#ifndef PE_OUT_FINDMAX_REPORT_H
#define PE_OUT_FINDMAX_REPORT_H

#include <stdio.h>

#include <jansson.h>

#include "http/findmax.h"

/* One row of the table (also the live progress line): f is stdout or stderr. */
void findmax_report_row(FILE *f, const struct findmax_opts *o, size_t index, const struct findmax_step *s);

/* The whole table and the knee, as text on stdout. */
void findmax_report_text(const char *url, const struct findmax_opts *o, const struct findmax_result *r);

/* The search as a JSON object (a new reference). */
json_t *findmax_report_json(const char *url, const struct findmax_opts *o, const struct findmax_result *r);

#endif
