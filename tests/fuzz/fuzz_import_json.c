/*
 * libFuzzer target for the JSON importer (perfeng's and hyperfine's
 * formats): any bytes either give runs that are whole (a name, a wall
 * metric with samples or a mean, summaries consistent with the samples,
 * every value one a run can have: finite, not negative, within its unit's
 * bound) or an error with a message.
 */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/import_json.h"
#include "util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t err;
	json_t *doc = json_loadb((const char *)data, size, 0, &err);
	struct store_run *runs;
	size_t n;

	if (!doc)
		return 0;
	pe_error_clear();
	if (import_json_doc(doc, "fuzz", size % 2 ? "name" : NULL, &runs, &n) < 0) {
		if (!pe_errmsg()[0])
			abort();
	} else {
		if (!n)
			abort();
		for (size_t i = 0; i < n; i++) {
			if (!runs[i].name || !runs[i].nmetrics || strcmp(runs[i].metrics[0].name, "wall"))
				abort();
			/* the wall times are the result: some samples, or a mean */
			if (!runs[i].metrics[0].nsamples && !(runs[i].metrics[0].mean >= 0))
				abort();
			for (size_t k = 0; k < runs[i].nmetrics; k++) {
				const struct store_metric *m = &runs[i].metrics[k];
				double max = !strcmp(m->unit, "s") ? 1e9 : 18446744073709551616.0;

				/* every value stored is one a run can have */
				for (size_t j = 0; j < m->nsamples; j++)
					if (!(m->samples[j] >= 0 && m->samples[j] <= max))
						abort();
				if (!isnan(m->mean) && !(m->mean >= 0 && m->mean <= max))
					abort();

				if (m->nsamples && !(m->min <= m->median && m->median <= m->max) &&
				    !isnan(m->median))
					abort();
			}
		}
		store_runs_free(runs, n);
	}
	json_decref(doc);
	return 0;
}
