/*
 * The points of `perfeng model FILE` from CSV: one point a line,
 * "concurrency,throughput[,latency]", with or without a header line. With a
 * header, columns are found by name (concurrency, n, load, connections,
 * threads, users, clients; throughput, x, rps, tput; latency in seconds,
 * latency_ms in milliseconds), in any order, other columns ignored; without
 * one, the first two columns, and a third is the latency in seconds. Blank
 * lines and lines starting with '#' are skipped; fields may be separated by
 * commas, semicolons or tabs, with blanks around them.
 */
#ifndef PE_USL_CSV_H
#define PE_USL_CSV_H

#include <stddef.h>

#include "stats/usl.h"

/*
 * Parses len bytes of text (not NUL-terminated) into a new array *pts of *n
 * points (free() it). Returns 0, or -1 with pe_error() naming the line and
 * what is wrong (a field that is not a number, a missing column, a header
 * without a concurrency or throughput column) and nothing allocated.
 * Values are not checked for range here: usl_fit_all() does that.
 */
int usl_read_csv(const char *buf, size_t len, struct usl_point **pts, size_t *n);

#endif
