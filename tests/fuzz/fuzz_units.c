/*
 * libFuzzer target for the quantity parsers of util/units: every parser sees
 * the same text; each must succeed with a sane value or fail with a message.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/units.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	enum time_unit tu;
	uint64_t u;
	double d;

	memcpy(s, data, size);
	s[size] = '\0';

	pe_error_clear();
	if (parse_duration_ns(s, &u) < 0 && !pe_errmsg()[0])
		abort();
	pe_error_clear();
	if (parse_size(s, &u) < 0 && !pe_errmsg()[0])
		abort();
	if (parse_percent(s, &d) == 0) {
		if (!isfinite(d) || d < 0)
			abort();
	}
	parse_uint(s, &u);
	if (parse_double(s, &d) == 0) {
		if (!isfinite(d))
			abort();
	}
	if (parse_time_unit(s, &tu) == 0) {
		time_unit_name(tu);
		time_unit_scale(tu);
	}
	free(s);
	return 0;
}
