#include "http/stages.h"

#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/units.h"
#include "util/xalloc.h"

int stages_parse(const char *arg, struct load_stage **out, size_t *n, uint64_t *total)
{
	char *copy = xstrdup(arg), *save = NULL;
	size_t k = 0;

	*out = NULL;
	*total = 0;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(tok, ':');
		struct load_stage st;

		if (!colon) {
			pe_error("--stages: '%s' is not DURATION:RATE", tok);
			goto fail;	/* after the message: tok points into copy */
		}
		*colon = '\0';
		if (parse_duration_ns(tok, &st.duration_ns) < 0 || !st.duration_ns ||
		    parse_double(colon + 1, &st.rate) < 0 || st.rate < 0) {
			pe_error("--stages: '%s:%s' is not DURATION:RATE with a duration above 0 "
				 "and a rate of 0 or more", tok, colon + 1);
			goto fail;
		}
		*out = xrealloc(*out, (k + 1) * sizeof(**out));
		(*out)[k++] = st;
		*total += st.duration_ns;
	}
	free(copy);
	if (!k)
		return pe_error("--stages: no stage in '%s'", arg);
	*n = k;
	return 0;
fail:
	free(copy);
	free(*out);
	*out = NULL;
	return -1;
}

double stages_average(const struct load_stage *st, size_t n)
{
	double area = 0, r0 = 0;
	uint64_t total = 0;

	for (size_t i = 0; i < n; i++) {
		area += (r0 + st[i].rate) / 2 * ((double)st[i].duration_ns / 1e9);
		r0 = st[i].rate;
		total += st[i].duration_ns;
	}
	return total ? area / ((double)total / 1e9) : 0;
}
