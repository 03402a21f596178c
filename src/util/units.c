#include "util/units.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

int parse_double(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (!*s || end == s || *end || errno || !isfinite(v))
		return pe_error("'%s' is not a number", s);
	*out = v;
	return 0;
}

int parse_uint(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	/* strtoull skips any leading white space and accepts a sign. */
	if (!isdigit((unsigned char)*s))
		return pe_error("'%s' is not a whole number", s);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (end == s || *end || errno)
		return pe_error("'%s' is not a whole number", s);
	*out = v;
	return 0;
}

/* Splits "12.5ms" into 12.5 and "ms"; the number part must be non-negative. */
static int units__split(const char *s, double *num, const char **suffix)
{
	char *end;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	*num = strtod(s, &end);
	if (end == s || errno || !isfinite(*num) || *num < 0)
		return -1;
	/* strtod accepts hex and "inf"; a quantity is plain decimal. */
	for (const char *p = s; p < end; p++)
		if (!strchr("0123456789.eE+-", *p))
			return -1;
	*suffix = end;
	return 0;
}

int parse_duration_ns(const char *s, uint64_t *out)
{
	static const struct { const char *suffix; double ns; } tab[] = {
		{ "", 1e9 }, { "s", 1e9 }, { "ms", 1e6 }, { "us", 1e3 },
		{ "µs", 1e3 }, { "ns", 1 }, { "m", 60e9 }, { "min", 60e9 },
		{ "h", 3600e9 },
	};
	const char *suffix;
	double num;

	if (units__split(s, &num, &suffix) < 0)
		goto bad;
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (strcmp(suffix, tab[i].suffix))
			continue;
		double ns = num * tab[i].ns;
		if (ns >= 1.8e19)
			goto bad;
		/* llround() returns a long long, too small above 9.2e18. */
		*out = (uint64_t)round(ns);
		return 0;
	}
bad:
	return pe_error("'%s' is not a duration (try 500ms, 10s, 2m)", s);
}

int parse_size(const char *s, uint64_t *out)
{
	static const struct { const char *suffix; double mult; } tab[] = {
		{ "", 1 }, { "b", 1 }, { "B", 1 },
		{ "k", 1024.0 }, { "K", 1024.0 }, { "kb", 1024.0 }, { "KB", 1024.0 }, { "KiB", 1024.0 },
		{ "m", 1048576.0 }, { "M", 1048576.0 }, { "mb", 1048576.0 }, { "MB", 1048576.0 }, { "MiB", 1048576.0 },
		{ "g", 1073741824.0 }, { "G", 1073741824.0 }, { "gb", 1073741824.0 }, { "GB", 1073741824.0 }, { "GiB", 1073741824.0 },
	};
	const char *suffix;
	double num;

	if (units__split(s, &num, &suffix) < 0)
		goto bad;
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (strcmp(suffix, tab[i].suffix))
			continue;
		double v = num * tab[i].mult;
		if (v >= 1.8e19)
			goto bad;
		*out = (uint64_t)round(v);
		return 0;
	}
bad:
	return pe_error("'%s' is not a size (try 4096, 64k, 1M)", s);
}

int parse_percent(const char *s, double *fraction)
{
	const char *suffix;
	double num;

	if (units__split(s, &num, &suffix) < 0)
		goto bad;
	if (!strcmp(suffix, "%"))
		num /= 100.0;
	else if (*suffix)
		goto bad;
	*fraction = num;
	return 0;
bad:
	return pe_error("'%s' is not a percentage (try 1%% or 0.01)", s);
}

int parse_time_unit(const char *s, enum time_unit *out)
{
	static const struct { const char *name; enum time_unit u; } tab[] = {
		{ "auto", TU_AUTO }, { "nanosecond", TU_NS }, { "ns", TU_NS },
		{ "microsecond", TU_US }, { "us", TU_US }, { "µs", TU_US },
		{ "millisecond", TU_MS }, { "ms", TU_MS },
		{ "second", TU_S }, { "s", TU_S },
	};

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (!strcmp(s, tab[i].name)) {
			*out = tab[i].u;
			return 0;
		}
	}
	return pe_error("'%s' is not a time unit (second, millisecond, microsecond, nanosecond)", s);
}

enum time_unit time_unit_for(double seconds)
{
	double a = fabs(seconds);

	if (a >= 1.0)
		return TU_S;
	if (a >= 1e-3)
		return TU_MS;
	if (a >= 1e-6)
		return TU_US;
	return TU_NS;
}

const char *time_unit_name(enum time_unit u)
{
	switch (u) {
	case TU_NS: return "ns";
	case TU_US: return "µs";
	case TU_MS: return "ms";
	default: return "s";
	}
}

const char *time_unit_ascii(enum time_unit u)
{
	switch (u) {
	case TU_NS: return "ns";
	case TU_US: return "us";
	case TU_MS: return "ms";
	default: return "s";
	}
}

double time_unit_scale(enum time_unit u)
{
	switch (u) {
	case TU_NS: return 1e9;
	case TU_US: return 1e6;
	case TU_MS: return 1e3;
	default: return 1.0;
	}
}

