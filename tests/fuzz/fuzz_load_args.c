/*
 * libFuzzer target for what `perfeng load` parses from its command line:
 * URLs (http_url_parse) and SLO expressions (slo_parse). Each either
 * succeeds with fields that fit their buffers and make sense, or fails with
 * a message.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/url.h"
#include "stats/slo.h"
#include "util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct http_url u;
	struct slo o;

	memcpy(s, data, size);
	s[size] = '\0';
	pe_error_clear();
	if (http_url_parse(s, &u) == 0) {
		if (u.path[0] != '/' || !u.host[0] || atoi(u.port) < 1 || atoi(u.port) > 65535)
			abort();
		for (const char *c = u.path; *c; c++)
			if ((unsigned char)*c <= ' ')
				abort();
	} else if (!pe_errmsg()[0]) {
		abort();
	}
	pe_error_clear();
	if (slo_parse(s, &o) == 0) {
		if (!(o.threshold >= 0) || !isfinite(o.threshold))
			abort();
		if (o.percentile != -1 && !(o.percentile > 0 && o.percentile <= 100))
			abort();
		(void)slo_met(&o, 1.0);
	} else if (!pe_errmsg()[0]) {
		abort();
	}
	free(s);
	return 0;
}
