/*
 * Parsing and printing of the quantities users type: durations ("500ms",
 * "10s", "2m", "1h", "250us", "10ns"; a bare number is seconds), sizes ("64k",
 * "1M", binary multiples) and percentages ("1%", or a fraction "0.01").
 * Parsers return 0 or -1 with pe_error() set, naming the bad text.
 */
#ifndef PE_UNITS_H
#define PE_UNITS_H

#include <stddef.h>
#include <stdint.h>

int parse_duration_ns(const char *s, uint64_t *out);
int parse_size(const char *s, uint64_t *out);
int parse_percent(const char *s, double *fraction);
int parse_uint(const char *s, uint64_t *out);
int parse_double(const char *s, double *out);

/* Time units for printing (as hyperfine's --time-unit). */
enum time_unit { TU_AUTO = 0, TU_NS, TU_US, TU_MS, TU_S };

int parse_time_unit(const char *s, enum time_unit *out);
/* Picks the unit that shows seconds-valued x with 1-3 digits before the point. */
enum time_unit time_unit_for(double seconds);
const char *time_unit_name(enum time_unit u);	/* "ns", "µs", "ms", "s" */
const char *time_unit_ascii(enum time_unit u);	/* "ns", "us", "ms", "s" */
double time_unit_scale(enum time_unit u);	/* multiply seconds by this */

#endif
