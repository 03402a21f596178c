#include "store/load_save.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats/hdr.h"
#include "sys/env.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

int load_save(struct store *st, const struct load_save *in, int64_t *id)
{
	static const struct { const char *name; double p; } ps[] = {
		{ "p50", 50 }, { "p90", 90 }, { "p99", 99 }, { "p999", 99.9 },
	};
	struct store_run run = { 0 };
	struct store_metric *m;
	struct strbuf blob = STRBUF_INIT;
	double *x = xcalloc(in->n + 1, sizeof(*x));
	double secs = (double)in->r->elapsed_ns / 1e9;
	size_t k;
	int rc;

	env_fill_run(&run, "load", in->name, in->started, in->ended, in->version, in->invocation);
	for (size_t t = 0; t < in->ntags; t++)
		store_run_add_tag(&run, in->tags[t]);
	if (in->extra_tag && *in->extra_tag)
		store_run_add_tag(&run, in->extra_tag);

	m = store_run_add_metric(&run, "rps", "req/s", 1);
	store_metric_set_samples(m, in->rps, in->n);
	if (!in->n)
		m->mean = secs > 0 ? (double)in->r->responses / secs : NAN;
	if (in->errors_known && in->errors) {
		for (k = 0; k < in->n; k++)
			x[k] = in->rps[k] + (double)in->errors[k] > 0 ? (double)in->errors[k] / (in->rps[k] + (double)in->errors[k]) : 0;
		m = store_run_add_metric(&run, "error_rate", "", 0);
		store_metric_set_samples(m, x, in->n);
	} else if (in->errors_known) {
		m = store_run_add_metric(&run, "error_rate", "", 0);
		store_metric_set_samples(m, NULL, 0);
		m->mean = m->median = in->error_rate;
	}
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		m = store_run_add_metric(&run, ps[i].name, "s", 0);
		if (!strcmp(ps[i].name, "p99")) {
			size_t n = 0;

			for (k = 0; k < in->n; k++)
				if (!isnan(in->p99_ms[k]))
					x[n++] = in->p99_ms[k] / 1e3;
			store_metric_set_samples(m, x, n);
			if (hdr_encode_compressed(&in->r->latency, &blob) == 0) {
				m->blob_len = blob.len;
				m->blob = strbuf_detach(&blob);
			}
		} else {
			store_metric_set_samples(m, NULL, 0);
		}
		/* the summary is the whole run's, from its histogram */
		m->mean = in->r->latency.total ? (double)hdr_value_at_percentile(&in->r->latency, ps[i].p) / 1e6 : NAN;
		m->median = m->mean;
	}
	free(x);
	rc = store_save(st, &run);
	*id = run.id;
	store_run_release(&run);
	strbuf_release(&blob);
	return rc;
}

