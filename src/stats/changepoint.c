#include "stats/changepoint.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats/rng.h"
#include "util/error.h"
#include "util/xalloc.h"

void cp_options_init(struct cp_options *o)
{
	o->alpha = 0.05;
	o->permutations = 199;
	o->min_size = 5;
	o->seed = 1;
}

struct cp__pair {
	double v;
	size_t i;
};

/* By value, then by position, so that ranks (and sums) never depend on the libc's qsort. */
static int cp__cmp_pair(const void *pa, const void *pb)
{
	const struct cp__pair *a = pa, *b = pb;

	if (a->v != b->v)
		return a->v < b->v ? -1 : 1;
	return (a->i > b->i) - (a->i < b->i);
}

static int cp__cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return (a > b) - (a < b);
}

static int cp__cmp_cp(const void *pa, const void *pb)
{
	size_t a = ((const struct change_point *)pa)->index;
	size_t b = ((const struct change_point *)pb)->index;

	return (a > b) - (a < b);
}

/* Fenwick tree node: how many of the points inserted so far have ranks in its range, and their sum. */
struct cp__fen {
	double cnt, sum;
};

/*
 * A segment of the series between two change points (or an end), with its
 * best split, and the maxima of Q over the shuffles of the segment made so
 * far. The values are ranked once; a shuffle only moves the ranks.
 */
struct cp__win {
	size_t lo, hi, len;
	double q;		/* largest Q over its splits; -INFINITY when it cannot split */
	size_t tau;		/* where: the size of the left side */
	double *s;		/* its values, ascending, minus the smallest */
	double *prefix;		/* prefix[k] = s[0] + ... + s[k-1] */
	size_t *rank;		/* rank[i]: position in s[] of its i-th point */
	double *perm_q;		/* the maximum Q of each shuffle made so far */
	unsigned nperm;
	struct rng rng;
};

/* Scratch shared by all windows, sized once for the whole series. */
struct cp__scratch {
	size_t min_size;
	struct cp__pair *pair;
	size_t *perm;
	struct cp__fen *fen;
};

/*
 * The largest Q over the split points of window w when its i-th point is
 * s[r[i]], and where it is: *tau is the size of the left side.
 *
 * Moving the points one by one from the right side R to the left side L
 * keeps three sums of |a - b| up to date: WL within L, WR within R, B
 * across. A point z of rank k leaving R for L adds its distance to L, dL,
 * to WL and B, and removes its distance to the rest of R, dR, from WR and
 * B. dL = z*c - s + (S - s) - z*(|L| - c), with c and s the count and sum
 * of the points of L below rank k, from the Fenwick tree; the points of R
 * below rank k are all those below it (prefix[k], k of them) but L's. So
 * each step costs O(log len), the whole scan O(len log len).
 */
static double cp__scan(const struct cp__win *w, struct cp__scratch *sc, const size_t *r,
		       size_t *tau)
{
	size_t len = w->len, min = sc->min_size;
	const double *s = w->s, *prefix = w->prefix;
	struct cp__fen *fen = sc->fen;
	double wl = 0, wr = 0, b = 0, sl = 0, sr = prefix[len];
	double best = -INFINITY, tot = (double)len;

	/* Sum of |s_j - s_k| over pairs of sorted values: each s_k is above k of them and below len-1-k. */
	for (size_t k = 0; k < len; k++)
		wr += s[k] * (2 * (double)k - (double)(len - 1));
	memset(fen, 0, (len + 1) * sizeof(*fen));
	*tau = min;

	for (size_t i = 0; i + min < len; i++) {
		size_t k = r[i];
		double z = s[k], cl = 0, sumlo = 0;
		double m = (double)i, nr = (double)(len - i);	/* |L|, and |R| with z in it */

		for (size_t j = k; j > 0; j &= j - 1) {
			cl += fen[j].cnt;
			sumlo += fen[j].sum;
		}
		double dl = z * cl - sumlo + (sl - sumlo) - z * (m - cl);
		double crlo = (double)k - cl, srlo = prefix[k] - sumlo;
		double crhi = nr - 1 - crlo, srhi = sr - z - srlo;
		double dr = z * crlo - srlo + srhi - z * crhi;

		wl += dl;
		wr -= dr;
		b += dr - dl;
		sl += z;
		sr -= z;
		for (size_t j = k + 1; j <= len; j += j & -j) {
			fen[j].cnt += 1;
			fen[j].sum += z;
		}

		size_t left = i + 1;

		if (left < min)
			continue;
		/*
		 * Q = mn/(m+n) * (2B/(mn) - 2WL/(m(m-1)) - 2WR/(n(n-1))),
		 * multiplied out so that nothing is divided twice.
		 */
		double lm = (double)left, rn = tot - lm;
		double q = 2 * b / tot - 2 * wl * rn / (tot * (lm - 1)) -
			   2 * wr * lm / (tot * (rn - 1));

		if (q > best) {
			best = q;
			*tau = left;
		}
	}
	return best;
}

/*
 * Makes the window x[lo..hi-1] and finds its best split. Its shuffles are
 * drawn from a generator seeded by the seed and the window's bounds, so a
 * window gets the same shuffles whatever was split before it.
 */
static void cp__win_init(struct cp__win *w, const double *x, size_t lo, size_t hi,
			 const struct cp_options *o, struct cp__scratch *sc)
{
	size_t len = hi - lo;

	*w = (struct cp__win){ .lo = lo, .hi = hi, .len = len, .q = -INFINITY };
	if (len / 2 < o->min_size)
		return;
	for (size_t i = 0; i < len; i++)
		sc->pair[i] = (struct cp__pair){ x[lo + i], i };
	qsort(sc->pair, len, sizeof(*sc->pair), cp__cmp_pair);
	if (sc->pair[0].v == sc->pair[len - 1].v)
		return;		/* constant: nothing to split, and Q would be 0/0 noise */

	w->s = xmalloc(len * sizeof(*w->s));
	w->prefix = xmalloc((len + 1) * sizeof(*w->prefix));
	w->rank = xmalloc(len * sizeof(*w->rank));
	w->perm_q = xmalloc(o->permutations * sizeof(*w->perm_q));
	/*
	 * Shifting by the minimum changes no distance, keeps every value >= 0
	 * and removes the offset (a latency of 1e6 ns varying by 1e3) that
	 * would otherwise eat the digits of the sums.
	 */
	w->prefix[0] = 0;
	for (size_t k = 0; k < len; k++) {
		w->s[k] = sc->pair[k].v - sc->pair[0].v;
		w->prefix[k + 1] = w->prefix[k] + w->s[k];
		w->rank[sc->pair[k].i] = k;
	}
	w->q = cp__scan(w, sc, w->rank, &w->tau);
	rng_seed(&w->rng, o->seed ^ (lo * 0x9e3779b97f4a7c15ULL) ^ (hi * 0xc2b2ae3d27d4eb4fULL));
}

static void cp__win_release(struct cp__win *w)
{
	free(w->s);
	free(w->prefix);
	free(w->rank);
	free(w->perm_q);
}

/* The maximum Q of the window's r-th shuffle (0-based), making shuffles up to it as needed. */
static double cp__win_perm(struct cp__win *w, unsigned r, struct cp__scratch *sc)
{
	size_t tau;

	if (w->q == -INFINITY)
		return -INFINITY;
	while (w->nperm <= r) {
		memcpy(sc->perm, w->rank, w->len * sizeof(*sc->perm));
		for (size_t i = w->len - 1; i > 0; i--) {
			size_t j = (size_t)rng_below(&w->rng, i + 1), t = sc->perm[i];

			sc->perm[i] = sc->perm[j];
			sc->perm[j] = t;
		}
		w->perm_q[w->nperm++] = cp__scan(w, sc, sc->perm, &tau);
	}
	return w->perm_q[r];
}

/*
 * Permutation p-value of the best split, qobs, among the windows win[0..nwin-1]
 * (Matteson & James, as ecp's e.divisive): shuffle the points within each
 * window, take the largest Q over all windows, R times; p = (#{that >= qobs}
 * + 1) / (R + 1). A window's shuffles are kept, so after a split only the
 * two new windows are shuffled. Stops as soon as p > alpha is certain (a
 * series without a change stops after a few dozen shuffles) and then returns
 * the p of the shuffles made: an estimate, but above alpha either way.
 */
static double cp__permutation_p(struct cp__win *win, size_t nwin, double qobs,
				const struct cp_options *o, struct cp__scratch *sc)
{
	double limit = o->alpha * ((double)o->permutations + 1);
	size_t exceed = 0;

	for (unsigned r = 0; r < o->permutations; r++) {
		double mx = -INFINITY;

		for (size_t k = 0; k < nwin; k++) {
			double q = cp__win_perm(&win[k], r, sc);

			if (q > mx)
				mx = q;
		}
		if (mx >= qobs && (double)(++exceed + 1) > limit)
			return (double)(exceed + 1) / ((double)r + 2);
	}
	return (double)(exceed + 1) / ((double)o->permutations + 1);
}

static double cp__median(const double *x, size_t n, double *tmp)
{
	memcpy(tmp, x, n * sizeof(*tmp));
	qsort(tmp, n, sizeof(*tmp), cp__cmp_double);
	return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

static int cp__check(const double *x, size_t n, const struct cp_options *o)
{
	if (!(o->alpha > 0 && o->alpha < 1))
		return pe_error("change points: alpha %g is not between 0 and 1", o->alpha);
	if (o->min_size < 2)
		return pe_error("change points: minimum segment size %zu is below 2", o->min_size);
	if (1 / ((double)o->permutations + 1) > o->alpha) {
		double least = ceil(1 / o->alpha - 1);

		if (1 / (least + 1) > o->alpha)	/* rounding */
			least++;
		return pe_error("change points: %u permutations can never reach alpha %g; use at least %.0f",
				o->permutations, o->alpha, least);
	}
	for (size_t i = 0; i < n; i++)
		if (!isfinite(x[i]))
			return pe_error("change points: value %zu (%g) is not a finite number", i, x[i]);
	return 0;
}

/* The medians of the segments on either side of each change point, sorted by index. */
static void cp__describe(const double *x, size_t n, struct change_point *cps, size_t ncp)
{
	double *tmp, prev = 0;
	size_t start = 0;

	if (!ncp)
		return;
	tmp = xmalloc(n * sizeof(*tmp));
	qsort(cps, ncp, sizeof(*cps), cp__cmp_cp);
	for (size_t c = 0; c <= ncp; c++) {
		size_t end = c < ncp ? cps[c].index : n;
		double med = cp__median(x + start, end - start, tmp);

		if (c > 0) {
			struct change_point *cp = &cps[c - 1];

			cp->before_median = prev;
			cp->after_median = med;
			if (prev != 0)
				cp->change = med / prev - 1;
			else
				cp->change = med == 0 ? 0 : copysign(INFINITY, med);
		}
		if (c < ncp)
			cps[c].before_median = med;
		prev = med;
		start = end;
	}
	free(tmp);
}

int cp_detect(const double *x, size_t n, const struct cp_options *o,
	      struct change_point **cps, size_t *ncp)
{
	struct cp__scratch sc = { .min_size = o->min_size };
	struct cp__win *win;
	size_t nwin = 1, acp = 0;

	*cps = NULL;
	*ncp = 0;
	if (cp__check(x, n, o) < 0)
		return -1;
	if (n / 2 < o->min_size)
		return 0;

	sc.pair = xmalloc(n * sizeof(*sc.pair));
	sc.perm = xmalloc(n * sizeof(*sc.perm));
	sc.fen = xmalloc((n + 1) * sizeof(*sc.fen));
	/* Each accepted split adds one window; there are at most n / min_size of them. */
	win = xmalloc((n / o->min_size + 1) * sizeof(*win));
	cp__win_init(&win[0], x, 0, n, o, &sc);

	for (;;) {
		size_t best = 0;
		double p;

		for (size_t k = 1; k < nwin; k++)
			if (win[k].q > win[best].q)
				best = k;
		if (win[best].q == -INFINITY)
			break;
		p = cp__permutation_p(win, nwin, win[best].q, o, &sc);
		if (p > o->alpha)
			break;

		struct cp__win old = win[best];
		size_t at = old.lo + old.tau;

		ALLOC_GROW(*cps, *ncp + 1, acp);
		(*cps)[(*ncp)++] = (struct change_point){ .index = at, .p = p, .stat = old.q };
		cp__win_release(&win[best]);
		cp__win_init(&win[best], x, old.lo, at, o, &sc);
		cp__win_init(&win[nwin++], x, at, old.hi, o, &sc);
	}
	cp__describe(x, n, *cps, *ncp);

	for (size_t k = 0; k < nwin; k++)
		cp__win_release(&win[k]);
	free(win);
	free(sc.pair);
	free(sc.perm);
	free(sc.fen);
	return 0;
}

int cp_detect_gated(const double *x, size_t n, double alpha, double min_change, struct change_point **cps,
		    size_t *ncp, size_t *nsmall)
{
	struct cp_options o;
	size_t k = 0, all = 0;

	*nsmall = 0;
	cp_options_init(&o);
	o.alpha = alpha;
	if (alpha > 0 && o.permutations < (unsigned)ceil(10 / alpha))
		o.permutations = (unsigned)ceil(10 / alpha);
	if (cp_detect(x, n, &o, cps, &all) < 0)
		return -1;
	/* a change too small to act on is not reported, nor can it fail a gate */
	for (size_t c = 0; c < all; c++) {
		if (isfinite((*cps)[c].change) && fabs((*cps)[c].change) < min_change) {
			(*nsmall)++;
			continue;
		}
		(*cps)[k++] = (*cps)[c];
	}
	*ncp = k;
	return 0;
}
