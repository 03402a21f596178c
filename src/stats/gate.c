#include "stats/gate.h"

#include <math.h>
#include <stdlib.h>

#include "stats/compare.h"
#include "stats/describe.h"
#include "util/xalloc.h"

struct gate__pv {
	double p;
	size_t i;
};

/* NaN last, then by value, then by position: the order never depends on qsort. */
static int gate__cmp(const void *pa, const void *pb)
{
	const struct gate__pv *a = pa, *b = pb;

	if (isnan(a->p) != isnan(b->p))
		return isnan(a->p) ? 1 : -1;
	if (!isnan(a->p) && a->p != b->p)
		return a->p < b->p ? -1 : 1;
	return (a->i > b->i) - (a->i < b->i);
}

void gate_holm(const double *p, size_t n, double *padj)
{
	struct gate__pv *s = xcalloc(n ? n : 1, sizeof(*s));
	double run = 0;

	for (size_t i = 0; i < n; i++) {
		s[i].p = p[i];
		s[i].i = i;
	}
	qsort(s, n, sizeof(*s), gate__cmp);
	for (size_t k = 0; k < n; k++) {
		double a;

		if (isnan(s[k].p)) {
			padj[s[k].i] = NAN;
			continue;
		}
		a = fmin(1, (double)(n - k) * s[k].p);
		run = fmax(run, a);
		padj[s[k].i] = run;
	}
	free(s);
}

void gate_noise_learn(const double *v, size_t n, double final_band, struct gate_noise *out)
{
	double *d = xcalloc(n ? n : 1, sizeof(*d)), *dev = xcalloc(n ? n : 1, sizeof(*dev));
	size_t k = 0;
	double prev = NAN;

	for (size_t i = 0; i < n; i++) {
		if (!isfinite(v[i]) || v[i] == 0)
			continue;
		if (isfinite(prev))
			d[k++] = v[i] / prev - 1;
		prev = v[i];
	}
	out->pairs = k;
	out->median = out->sd = out->band = NAN;
	out->beyond = 0;
	if (k >= GATE_MIN_PAIRS) {
		out->median = stats_median(d, k);
		for (size_t i = 0; i < k; i++)
			dev[i] = fabs(d[i] - out->median);
		out->sd = 1.4826 * stats_median(dev, k);
		out->band = GATE_Z * out->sd;
		if (final_band > 0)
			for (size_t i = 0; i < k; i++)
				out->beyond += fabs(d[i]) > final_band;
	}
	free(d);
	free(dev);
}

double gate_normal_tail(double z)
{
	return 0.5 * erfc(z / M_SQRT2);
}

const char *gate_verdict_name(enum gate_verdict v)
{
	switch (v) {
	case GV_IMPROVED: return "improved";
	case GV_REGRESSED: return "regressed";
	case GV_NA: return "n/a";
	default: return "unchanged";
	}
}

static void gate__compare(struct gate_row *r)
{
	struct comparison c;

	r->change = r->old_value != 0 && isfinite(r->old_value) ? r->new_value / r->old_value - 1 : NAN;
	r->ci[0] = r->ci[1] = r->p = r->p_adj = NAN;
	r->why = NULL;
	r->verdict = GV_NA;
	if (!r->nold || !r->nnew) {
		r->why = "no samples";
		return;
	}
	if (!(r->old_value != 0)) {
		r->why = "old value is 0";
		return;
	}
	compare_samples(r->new, r->nnew, r->old, r->nold, r->band, r->seed, &c);
	r->ci[0] = c.median_ci[0] - 1;
	r->ci[1] = c.median_ci[1] - 1;
	r->p = r->p_adj = c.p;
	r->verdict = GV_UNCHANGED;
}

void gate_evaluate(struct gate_row *rows, size_t n)
{
	double *p = xcalloc(n ? n : 1, sizeof(*p));
	size_t *idx = xcalloc(n ? n : 1, sizeof(*idx)), m = 0;

	for (size_t i = 0; i < n; i++) {
		gate__compare(&rows[i]);
		if (rows[i].gated && rows[i].verdict != GV_NA) {
			idx[m] = i;
			p[m++] = rows[i].p;
		}
	}
	gate_holm(p, m, p);
	for (size_t k = 0; k < m; k++)
		rows[idx[k]].p_adj = p[k];
	for (size_t i = 0; i < n; i++) {
		struct gate_row *r = &rows[i];
		enum verdict v;

		if (r->verdict == GV_NA)
			continue;
		v = verdict_decide(r->ci[0] + 1, r->ci[1] + 1, r->p_adj, r->band);
		if (v == VERDICT_SAME)
			r->verdict = GV_UNCHANGED;
		else if ((v == VERDICT_SLOWER) != (r->higher_is_better != 0))
			r->verdict = GV_REGRESSED;
		else
			r->verdict = GV_IMPROVED;
	}
	free(p);
	free(idx);
}
