#include "store/sweep_save.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sys/env.h"
#include "util/error.h"
#include "util/xalloc.h"

int sweep_save(struct store *st, const struct sweep_save *in, int64_t *id)
{
	struct store_run run = { 0 };
	double *c = xcalloc(in->n + 1, sizeof(*c)), *x = xcalloc(in->n + 1, sizeof(*x)), *w = xcalloc(in->n + 1, sizeof(*w));
	int rc;

	env_fill_run(&run, "sweep", in->name, in->started, in->ended, in->version, in->invocation);
	for (size_t i = 0; i < in->ntags; i++)
		store_run_add_tag(&run, in->tags[i]);
	for (size_t i = 0; i < in->n; i++) {
		c[i] = in->pts[i].n;
		x[i] = in->pts[i].x;
		w[i] = in->pts[i].w;
	}
	store_metric_set_samples(store_run_add_metric(&run, "throughput", "req/s", 1), x, in->n);
	store_metric_set_samples(store_run_add_metric(&run, "concurrency", "", 0), c, in->n);
	store_metric_set_samples(store_run_add_metric(&run, "latency", "s", 0), w, in->n);
	rc = store_save(st, &run);
	*id = run.id;
	store_run_release(&run);
	free(c);
	free(x);
	free(w);
	return rc;
}

static const struct store_metric *sweep__metric(const struct store_run *r, const char *name)
{
	for (size_t i = 0; i < r->nmetrics; i++)
		if (!strcmp(r->metrics[i].name, name))
			return &r->metrics[i];
	return NULL;
}

int sweep_points_load(const struct store_run *run, struct usl_point **pts, size_t *n)
{
	const struct store_metric *c = sweep__metric(run, "concurrency"), *x = sweep__metric(run, "throughput");
	const struct store_metric *w = sweep__metric(run, "latency");
	struct usl_point *v;

	if (!c || !x || !c->nsamples || c->nsamples != x->nsamples)
		return pe_error("run %lld (%s, kind %s) has no points to fit: save a sweep with load --sweep --save",
				(long long)run->id, run->name ? run->name : "?", run->kind ? run->kind : "?");
	v = xcalloc(c->nsamples, sizeof(*v));
	for (size_t i = 0; i < c->nsamples; i++) {
		v[i].n = c->samples[i];
		v[i].x = x->samples[i];
		v[i].w = w && w->nsamples == c->nsamples ? w->samples[i] : NAN;
	}
	*pts = v;
	*n = c->nsamples;
	return 0;
}
