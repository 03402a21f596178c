/*
 * Renderers of the USE engine's rows and summaries (src/sys/use.h): the
 * compact one-line-per-interval table of `observe`, its -v detail and -p
 * process line, JSON objects, and the per-resource summary that `observe`
 * and `diagnose` both print. Text goes to the caller's FILE; JSON comes back
 * as new jansson references the caller owns.
 */
#ifndef PE_OUT_USE_TABLE_H
#define PE_OUT_USE_TABLE_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "sys/use.h"

struct use_table {
	FILE *f;
	int color;		/* highlight saturated values with ANSI colours */
	int gpu;		/* show the GPU columns */
	uint64_t t0_ns;		/* times print as seconds since this */
};

/* The header line (names fit 120 columns with the GPU group, less without). */
void use_table_header(const struct use_table *t);
/* One interval's compact line. */
void use_table_row(const struct use_table *t, const struct use_row *r);
/* -v: one line per CPU, disk, interface and GPU, indented under the row. */
void use_table_detail(const struct use_table *t, const struct use_row *r);
/* -p: the watched process's line under the row ("process N exited" once gone). */
void use_table_proc(const struct use_table *t, const struct use_row *r);

/* One interval as a JSON object; verbose adds per-CPU figures. */
json_t *use_row_json(const struct use_row *r, uint64_t t0_ns, int verbose);

/* The per-resource summary table (mean, max, share saturated); finished sums only. */
void use_summary_print(FILE *f, const struct use_summary *sum);
json_t *use_summary_json(const struct use_summary *sum);

#endif
