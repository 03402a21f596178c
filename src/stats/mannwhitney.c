#include "stats/mannwhitney.h"

#include <math.h>
#include <stdlib.h>

#include "util/xalloc.h"

/* R's wilcox.test uses the exact distribution below this many values per sample. */
#define MW_EXACT_MAX 50

struct mw_obs {
	double v;
	int from_a;
};

static int mw__cmp_obs(const void *pa, const void *pb)
{
	double a = ((const struct mw_obs *)pa)->v, b = ((const struct mw_obs *)pb)->v;

	return (a > b) - (a < b);
}

/*
 * Number of arrangements of na a's and nb b's (all distinct) whose U equals
 * k, for every k in 0..na*nb, written to cnt[0..na*nb]; their sum is
 * C(na+nb, na). U counts the pairs with the a above the b, so an arrangement
 * is a partition of U into at most na parts (each a's count of b's below it)
 * of at most nb each: the coefficients of the Gaussian binomial
 * [na+nb choose na]_q. Counted by adding one part size at a time, additions
 * only, in doubles: C(98, 49) ~ 2.5e28 overflows every integer type, and
 * sums of positive terms keep their relative accuracy.
 */
static void mw__exact_counts(size_t na, size_t nb, double *cnt)
{
	size_t umax = na * nb, stride = umax + 1;
	/* ways[j * stride + u]: partitions of u into exactly j parts so far. */
	double *ways = xcalloc((na + 1) * stride, sizeof(*ways));

	ways[0] = 1;
	for (size_t part = 1; part <= nb; part++)
		for (size_t j = 1; j <= na; j++) {
			double *cur = ways + j * stride;
			const double *less = ways + (j - 1) * stride;

			/* Ascending j: less[] already allows this part size again. */
			for (size_t u = part; u <= umax; u++)
				cur[u] += less[u - part];
		}
	for (size_t u = 0; u <= umax; u++) {
		cnt[u] = 0;
		for (size_t j = 0; j <= na; j++)
			cnt[u] += ways[j * stride + u];
	}
	free(ways);
}

/*
 * Two-sided exact p as R's wilcox.test: twice the smaller tail, the upper
 * tail P(U >= u) when u is above its mean, each summed directly (not as
 * 1 - the other) so small p-values keep their digits.
 */
static double mw__exact_p(size_t na, size_t nb, double u)
{
	size_t umax = na * nb, w = (size_t)u;
	double *cnt = xmalloc((umax + 1) * sizeof(*cnt));
	double total = 0, tail = 0, p;

	mw__exact_counts(na, nb, cnt);
	for (size_t k = 0; k <= umax; k++)
		total += cnt[k];
	if (u > (double)umax / 2) {
		for (size_t k = w; k <= umax; k++)
			tail += cnt[k];
	} else {
		for (size_t k = 0; k <= w; k++)
			tail += cnt[k];
	}
	free(cnt);
	p = 2 * tail / total;
	return p < 1 ? p : 1;
}

/*
 * Ranks the pooled sample (ties get their average rank), then takes U from
 * the rank sum of a. The normal approximation is R's with correct = TRUE:
 * the variance shrinks by the ties' sum(t^3 - t), and U moves half a unit
 * toward its mean before standardising.
 */
void mann_whitney(const double *a, size_t na, const double *b, size_t nb,
		  struct mw_result *res)
{
	size_t n = na + nb;
	struct mw_obs *obs;
	double rank_sum_a = 0, tie_sum = 0, mean_u, sigma, z;
	int ties = 0;

	res->u = 0;
	res->p = 1;
	res->exact = 0;
	if (!na || !nb)
		return;

	obs = xmalloc(n * sizeof(*obs));
	for (size_t i = 0; i < na; i++)
		obs[i] = (struct mw_obs){ a[i], 1 };
	for (size_t i = 0; i < nb; i++)
		obs[na + i] = (struct mw_obs){ b[i], 0 };
	qsort(obs, n, sizeof(*obs), mw__cmp_obs);
	for (size_t i = 0; i < n;) {
		size_t j = i + 1, in_a = 0;
		double t, rank;

		while (j < n && obs[j].v == obs[i].v)
			j++;
		/* Positions i+1..j share the rank (i+1+j)/2. */
		rank = (double)(i + 1 + j) / 2;
		for (size_t k = i; k < j; k++)
			in_a += obs[k].from_a;
		rank_sum_a += rank * in_a;
		t = (double)(j - i);
		if (j - i > 1) {
			ties = 1;
			tie_sum += t * t * t - t;
		}
		i = j;
	}
	free(obs);
	res->u = rank_sum_a - (double)na * (na + 1) / 2;

	if (na < MW_EXACT_MAX && nb < MW_EXACT_MAX && !ties) {
		res->exact = 1;
		res->p = mw__exact_p(na, nb, res->u);
		return;
	}
	mean_u = (double)na * nb / 2;
	sigma = sqrt((double)na * nb / 12 *
		     ((double)(n + 1) - tie_sum / ((double)n * (n - 1))));
	if (!(sigma > 0))
		return;
	z = res->u - mean_u;
	z = (z - (z > 0 ? 0.5 : z < 0 ? -0.5 : 0)) / sigma;
	/* 2 * min(pnorm(z), pnorm(-z)) = erfc(|z| / sqrt(2)), accurate in the tail. */
	res->p = erfc(fabs(z) / sqrt(2));
	if (res->p > 1)
		res->p = 1;
}
