/*
 * libFuzzer target for the JSON importer (perfeng's and hyperfine's
 * formats): any bytes either give runs that are whole (a name, a wall
 * metric, summaries consistent with the samples) or an error with a message.
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
			for (size_t k = 0; k < runs[i].nmetrics; k++) {
				const struct store_metric *m = &runs[i].metrics[k];

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
