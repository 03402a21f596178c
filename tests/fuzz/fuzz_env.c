/*
 * libFuzzer target for the /proc text parsers of sys/env: /proc/cpuinfo's
 * model line into a small buffer, and /proc/loadavg.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sys/env.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	char out[16];
	double la[3];

	memcpy(text, data, size);
	text[size] = '\0';

	/* A canary past n shows a write beyond the buffer the parser was given. */
	memset(out, 'Z', sizeof(out));
	if (env_parse_cpuinfo_model(text, out, 12) == 0) {
		if (!memchr(out, '\0', 12) || !out[0])
			abort();
	}
	for (size_t i = 12; i < sizeof(out); i++)
		if (out[i] != 'Z')
			abort();
	if (env_parse_cpuinfo_model(text, out, 1) == 0 && out[0])
		abort();

	if (env_parse_loadavg(text, la) == 0) {
		for (int i = 0; i < 3; i++)
			if (!isfinite(la[i]) || la[i] < 0)
				abort();
	}
	free(text);
	return 0;
}
