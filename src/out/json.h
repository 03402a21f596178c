/*
 * Small helpers for the JSON every command writes with jansson.
 */
#ifndef PE_OUT_JSON_H
#define PE_OUT_JSON_H

#include <jansson.h>
#include <math.h>

/* A number, or null for NaN and infinities, which JSON cannot hold. A new reference. */
static inline json_t *json_num(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

#endif
