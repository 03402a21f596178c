/*
 * Number formatting shared by the renderers: times with a unit and three to
 * four significant digits, byte sizes, p-values. All write into the caller's
 * buffer and return it.
 */
#ifndef PE_FORMAT_H
#define PE_FORMAT_H

#include <stddef.h>

#include "util/units.h"

/* "25.31 ms"; u == TU_AUTO picks the unit from the value. */
char *fmt_time(char *buf, size_t n, double seconds, enum time_unit u);
/* The number alone, no unit: "25.31". */
char *fmt_time_num(char *buf, size_t n, double seconds, enum time_unit u);
/* "1.9 MiB" from KiB. */
char *fmt_kib(char *buf, size_t n, double kib);
/* "p < 0.001" or "p = 0.041". */
char *fmt_p(char *buf, size_t n, double p);
/* A count with thousands left plain: "1234", "1.23e+09" only past 1e9. */
char *fmt_count(char *buf, size_t n, double v);

#endif
