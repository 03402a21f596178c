/*
 * Tests of the change-point detector (src/stats/changepoint.c): the
 * statistic against a direct O(n^3) computation of its formula and a hand
 * computation, shifts found where they were made, no change points where
 * there are none, the edges (empty, short, constant, zero, huge offsets),
 * bad options, and reproducibility. The series come from series_gen(), the
 * logic of tests/helpers/series-gen, which one test checks against the
 * helper's output when $PERFENG_BUILD is set.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stats/changepoint.h"
#include "stats/rng.h"
#include "util/error.h"
#include "util/xalloc.h"

/*
 * x[0..n-1]: a level that starts at 100 and is multiplied by 1 + pct[k]/100
 * from index at[k] on (at[] ascending), times 1 + cv * N(0, 1) noise. Keep
 * in step with tests/helpers/series-gen.c.
 */
static void series_gen(uint64_t seed, size_t n, double cv, const size_t *at, const double *pct,
		       size_t nshift, double *x)
{
	struct rng r;
	double level = 100;
	size_t k = 0;

	rng_seed(&r, seed);
	for (size_t i = 0; i < n; i++) {
		while (k < nshift && at[k] <= i)
			level *= 1 + pct[k++] / 100;
		/* Box-Muller, cosine half only; 1 - u keeps log() away from 0. */
		double u1 = 1 - rng_uniform(&r), u2 = rng_uniform(&r);

		x[i] = level * (1 + cv * sqrt(-2 * log(u1)) * cos(2 * M_PI * u2));
	}
}

/* Runs cp_detect with default options but the seed; fails the test on an error. */
static struct change_point *detect(const double *x, size_t n, const struct cp_options *o,
				   size_t *ncp)
{
	struct change_point *cps;

	if (cp_detect(x, n, o, &cps, ncp) < 0)
		fail_msg("cp_detect: %s", pe_errmsg());
	return cps;
}

/* What every result must satisfy: sorted, inside, significant, finite, medians chained. */
static void check_sane(size_t n, const struct cp_options *o, const struct change_point *cps,
		       size_t ncp)
{
	for (size_t k = 0; k < ncp; k++) {
		const struct change_point *c = &cps[k];

		assert_true(c->index >= o->min_size && c->index + o->min_size <= n);
		if (k)
			assert_true(c->index >= cps[k - 1].index + o->min_size);
		assert_true(c->p >= 1 / ((double)o->permutations + 1) && c->p <= o->alpha);
		assert_false(isnan(c->stat) || isnan(c->before_median) ||
			     isnan(c->after_median) || isnan(c->change));
		assert_true(isfinite(c->stat) && c->stat > 0);
		if (k)
			assert_true(c->before_median == cps[k - 1].after_median);
	}
}

/* Fails unless cps[] are exactly one per shift, each within +-tol of it. */
static void check_found(const struct change_point *cps, size_t ncp, const size_t *at,
			size_t nshift, size_t tol, const char *what)
{
	if (ncp != nshift)
		fail_msg("%s: %zu change points, want %zu (first at %zu)", what, ncp, nshift,
			 ncp ? cps[0].index : 0);
	for (size_t k = 0; k < nshift; k++)
		if (cps[k].index + tol < at[k] || cps[k].index > at[k] + tol)
			fail_msg("%s: change point at %zu, want %zu +- %zu", what, cps[k].index,
				 at[k], tol);
}

/* Q's formula, term by term over all pairs, for the split at tau of x[0..n-1]. */
static double naive_q(const double *x, size_t n, size_t tau)
{
	double wl = 0, wr = 0, b = 0, m = (double)tau, k = (double)(n - tau);

	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			double d = fabs(x[i] - x[j]);

			if (j < tau)
				wl += d;
			else if (i >= tau)
				wr += d;
			else
				b += d;
		}
	return m * k / (m + k) * (2 * b / (m * k) - wl / (m * (m - 1) / 2) - wr / (k * (k - 1) / 2));
}

/* --- the statistic ------------------------------------------------------------ */

/*
 * By hand: left {1,2,1,2,1}, right {11,12,11,12,11}, the only split of 10
 * points into two of at least 5. Within each side 6 pairs differ by 1:
 * W = 6. Across, each 1 is 10,11,10,11,10 = 52 from the right, each 2 is
 * 47: B = 3*52 + 2*47 = 250. E = 2*250/25 - 6/10 - 6/10 = 18.8 and
 * Q = 25/10 * 18.8 = 47. Of the 252 splits of these values only those with
 * one side all low or all high reach Q = 47, so a shuffle reaches it
 * with probability 2/252: p ~ 0.01.
 */
static void test_hand_computed(void **state)
{
	static const double x[] = { 1, 2, 1, 2, 1, 11, 12, 11, 12, 11 };
	struct cp_options o;
	struct change_point *cps;
	size_t ncp;

	(void)state;
	cp_options_init(&o);
	cps = detect(x, 10, &o, &ncp);
	assert_int_equal(ncp, 1);
	assert_int_equal(cps[0].index, 5);
	assert_true(fabs(cps[0].stat - 47) < 1e-12);
	assert_true(cps[0].p <= 0.05);
	assert_true(cps[0].before_median == 1 && cps[0].after_median == 11);
	assert_true(fabs(cps[0].change - 10) < 1e-15);
	free(cps);
}

/*
 * The best split's Q and place against naive_q over every allowed split,
 * on noisy series, series with many ties (small integers) and a large
 * offset, for several minimum sizes.
 */
static void test_statistic_matches_formula(void **state)
{
	struct rng r;

	(void)state;
	rng_seed(&r, 2024);
	for (int it = 0; it < 60; it++) {
		size_t n = 20 + (size_t)rng_below(&r, 60), min = 2 + (size_t)rng_below(&r, 6);
		size_t at = n / 3 + (size_t)rng_below(&r, n / 3), best_tau = 0, ncp;
		double x[80], best = -INFINITY, off = it % 3 == 2 ? 1e6 : 0;
		struct cp_options o;
		struct change_point *cps;

		for (size_t i = 0; i < n; i++) {
			double v = it % 3 == 1 ? (double)rng_below(&r, 4) : rng_uniform(&r);

			x[i] = off + v + (i >= at ? 6 : 0);
		}
		for (size_t tau = min; tau + min <= n; tau++) {
			double q = naive_q(x, n, tau);

			if (q > best) {
				best = q;
				best_tau = tau;
			}
		}
		cp_options_init(&o);
		o.min_size = min;
		o.seed = (uint64_t)it;
		cps = detect(x, n, &o, &ncp);
		/* A shift of 6 against noise below 4: the first split is the best one. */
		assert_true(ncp >= 1);
		int seen = 0;

		for (size_t k = 0; k < ncp; k++)
			if (cps[k].index == best_tau) {
				seen = 1;
				if (!(fabs(cps[k].stat - best) <= 1e-9 * best))
					fail_msg("n %zu min %zu: Q %.17g, want %.17g", n, min,
						 cps[k].stat, best);
			}
		if (!seen)
			fail_msg("n %zu min %zu: no change point at the best split %zu", n, min,
				 best_tau);
		free(cps);
	}
}

/* --- shifts that are there ------------------------------------------------------ */

/*
 * One shift of 5% to 30% in noise of 1% to 5% CV, at least 2.5 noise
 * sigmas (sigma = the CV times the level), in the middle of 200 points and
 * off-centre, found within +-2 points and nothing else. About 5% of
 * series also get a spurious second point at the default alpha: of seeds 1
 * to 40, seeds 3, 6, 18, 20, 26, 32 and 36 do in at least one of these
 * cases (seed 3's noise has a bump near index 189 that is significant in a
 * short segment), so the test uses seeds 1, 2, 4, 5 and 7, which were
 * checked to have none.
 */
static void test_single_shift_found(void **state)
{
	static const struct {
		double pct, cv;
		size_t at;
	} cases[] = {
		{ 5, 0.01, 100 },	/* 5 sigma */
		{ 5, 0.02, 100 },	/* 2.5 sigma */
		{ -5, 0.02, 60 },
		{ 10, 0.03, 100 },	/* 3.3 sigma */
		{ 15, 0.05, 100 },	/* 3 sigma */
		{ 20, 0.05, 30 },	/* 4 sigma */
		{ 30, 0.05, 170 },	/* 6 sigma */
		{ 30, 0.01, 10 },	/* 30 sigma, near the start */
		{ -30, 0.01, 192 },	/* near the end: 8 points after it */
	};
	static const uint64_t seeds[] = { 1, 2, 4, 5, 7 };
	struct cp_options o;
	double x[200];

	(void)state;
	cp_options_init(&o);
	for (size_t c = 0; c < ARRAY_SIZE(cases); c++)
		for (size_t si = 0; si < ARRAY_SIZE(seeds); si++) {
			uint64_t seed = seeds[si];
			struct change_point *cps;
			size_t ncp;
			char what[96];

			series_gen(seed, 200, cases[c].cv, &cases[c].at, &cases[c].pct, 1, x);
			cps = detect(x, 200, &o, &ncp);
			snprintf(what, sizeof(what), "%+g%% at %zu in CV %g%%, seed %llu",
				 cases[c].pct, cases[c].at, 100 * cases[c].cv,
				 (unsigned long long)seed);
			check_found(cps, ncp, &cases[c].at, 1, 2, what);
			check_sane(200, &o, cps, ncp);
			/* The medians are those of the two sides, so the change is the shift's. */
			assert_true(fabs(cps[0].change - cases[c].pct / 100) < 2 * cases[c].cv);
			free(cps);
		}
}

/*
 * At 2 sigmas (10% in 5% CV) the shift is always found but its place
 * wanders: within +-2 points in 19 of 20 series at 100 and at 140 for
 * these seeds (the farthest 4 points off; about 90% in general:
 * docs/changepoints.md), so this asserts 17 of 20, and all within +-10.
 */
static void test_two_sigma_shift(void **state)
{
	static const size_t at[] = { 100, 140 };
	static const double pct[] = { -10, 10 };
	struct cp_options o;
	double x[200];

	(void)state;
	cp_options_init(&o);
	for (size_t c = 0; c < ARRAY_SIZE(at); c++) {
		size_t close = 0;

		for (uint64_t seed = 1; seed <= 20; seed++) {
			struct change_point *cps;
			size_t ncp, best = SIZE_MAX;

			series_gen(seed, 200, 0.05, &at[c], &pct[c], 1, x);
			cps = detect(x, 200, &o, &ncp);
			for (size_t k = 0; k < ncp; k++) {
				size_t d = cps[k].index > at[c] ? cps[k].index - at[c] : at[c] - cps[k].index;

				if (d < best)
					best = d;
			}
			if (best > 10)
				fail_msg("%+g%% at %zu, seed %llu: nothing within 10 points", pct[c],
					 at[c], (unsigned long long)seed);
			close += best <= 2;
			free(cps);
		}
		if (close < 17)
			fail_msg("%+g%% at %zu: %zu of 20 within +-2 points, want 17", pct[c], at[c],
				 close);
	}
}

/* Three shifts (up, down, up) and a bump that returns to its level: all found. */
static void test_multiple_shifts_found(void **state)
{
	static const size_t at1[] = { 100, 250, 330 }, at2[] = { 80, 160, 300 };
	static const double pct1[] = { 10, -8, 15 }, pct2[] = { 8, -100.0 / 108 * 8, -6 };
	struct cp_options o;
	double x[400];

	(void)state;
	cp_options_init(&o);
	for (uint64_t seed = 1; seed <= 5; seed++) {
		struct change_point *cps;
		size_t ncp;

		series_gen(seed, 400, 0.02, at1, pct1, 3, x);
		cps = detect(x, 400, &o, &ncp);
		check_found(cps, ncp, at1, 3, 2, "+10% -8% +15% in CV 2%");
		check_sane(400, &o, cps, ncp);
		free(cps);

		/* Up 8%, back to 100, down 6%: the middle segment is a bump. */
		series_gen(seed, 400, 0.015, at2, pct2, 3, x);
		cps = detect(x, 400, &o, &ncp);
		check_found(cps, ncp, at2, 3, 2, "bump and drop in CV 1.5%");
		check_sane(400, &o, cps, ncp);
		free(cps);
	}
}

/* --- no shift ------------------------------------------------------------------- */

/*
 * Stationary series: no change point. At the default alpha 0.05 about 5%
 * of such series show one (test_false_positive_rate checks that), so this
 * asserts "none" at alpha 0.01 (999 permutations), where 1% would; every
 * one of these 40 series was checked to have none.
 */
static void test_stationary_none(void **state)
{
	static const double cvs[] = { 0.005, 0.01, 0.03, 0.05, 0.10 };
	struct cp_options o;
	double x[300];

	(void)state;
	cp_options_init(&o);
	o.alpha = 0.01;
	o.permutations = 999;
	for (size_t c = 0; c < ARRAY_SIZE(cvs); c++)
		for (uint64_t seed = 1; seed <= 8; seed++) {
			struct change_point *cps;
			size_t ncp;

			series_gen(seed, 300, cvs[c], NULL, NULL, 0, x);
			cps = detect(x, 300, &o, &ncp);
			if (ncp)
				fail_msg("CV %g%%, seed %llu: change point at %zu (p %g)",
					 100 * cvs[c], (unsigned long long)seed, cps[0].index,
					 cps[0].p);
			free(cps);
		}
}

/*
 * The permutation test holds its level: of 200 stationary series at alpha
 * 0.05, about 10 show a change point (binomial, sd 3.1). The band 3 to 20
 * fails a detector that never or too often splits; the count for these
 * seeds is 9.
 */
static void test_false_positive_rate(void **state)
{
	struct cp_options o;
	size_t with = 0;
	double x[150];

	(void)state;
	cp_options_init(&o);
	for (uint64_t seed = 1; seed <= 200; seed++) {
		struct change_point *cps;
		size_t ncp;

		series_gen(1000 + seed, 150, 0.03, NULL, NULL, 0, x);
		cps = detect(x, 150, &o, &ncp);
		check_sane(150, &o, cps, ncp);
		with += ncp > 0;
		free(cps);
	}
	if (with < 3 || with > 20)
		fail_msg("%zu of 200 stationary series have a change point, want about 10", with);
}

/* --- edges ---------------------------------------------------------------------- */

static void test_empty_and_short(void **state)
{
	double x[9] = { 1, 1, 1, 1, 100, 100, 100, 100, 100 };
	struct cp_options o;
	struct change_point *cps = (void *)&o;
	size_t ncp = 99;

	(void)state;
	cp_options_init(&o);
	assert_int_equal(cp_detect(NULL, 0, &o, &cps, &ncp), 0);
	assert_null(cps);
	assert_int_equal(ncp, 0);
	/* 9 < 2 * 5: no split has 5 points on each side. */
	assert_int_equal(cp_detect(x, 9, &o, &cps, &ncp), 0);
	assert_null(cps);
	assert_int_equal(ncp, 0);
	/* With a minimum of 4 it splits. */
	o.min_size = 4;
	o.permutations = 999;
	assert_int_equal(cp_detect(x, 9, &o, &cps, &ncp), 0);
	/* A shuffle ties it when the four 1s come first, 1 in 126: p ~ 0.01. */
	assert_int_equal(ncp, 1);
	assert_int_equal(cps[0].index, 4);
	free(cps);
	/* A minimum too large for any series is no overflow, just no split. */
	o.min_size = SIZE_MAX;
	assert_int_equal(cp_detect(x, 9, &o, &cps, &ncp), 0);
	assert_int_equal(ncp, 0);
}

static void test_constant(void **state)
{
	double x[100];
	struct cp_options o;
	struct change_point *cps;
	size_t ncp;

	(void)state;
	cp_options_init(&o);
	for (size_t i = 0; i < 100; i++)
		x[i] = 0.1;
	cps = detect(x, 100, &o, &ncp);
	assert_int_equal(ncp, 0);
	assert_null(cps);

	/* Two constant levels: one change point, exact medians, no 0/0 anywhere. */
	for (size_t i = 60; i < 100; i++)
		x[i] = 0.3;
	cps = detect(x, 100, &o, &ncp);
	assert_int_equal(ncp, 1);
	assert_int_equal(cps[0].index, 60);
	assert_true(cps[0].before_median == 0.1 && cps[0].after_median == 0.3);
	check_sane(100, &o, cps, ncp);
	free(cps);

	/* From 0: the relative change is infinite, not NaN. */
	for (size_t i = 0; i < 100; i++)
		x[i] = i < 50 ? 0 : 2;
	cps = detect(x, 100, &o, &ncp);
	assert_int_equal(ncp, 1);
	assert_int_equal(cps[0].index, 50);
	assert_true(cps[0].before_median == 0 && isinf(cps[0].change) && cps[0].change > 0);
	free(cps);
}

/*
 * Distances ignore the offset: a series around 1e9 (nanosecond timestamps,
 * big latencies) splits where the same series around 100 does.
 */
static void test_large_offset(void **state)
{
	static const size_t at[] = { 70, 130 };
	static const double pct[] = { 10, -10 };
	double x[200], y[200];
	struct cp_options o;

	(void)state;
	cp_options_init(&o);
	for (uint64_t seed = 1; seed <= 3; seed++) {
		struct change_point *a, *b;
		size_t na, nb;

		series_gen(seed, 200, 0.02, at, pct, 2, x);
		for (size_t i = 0; i < 200; i++)
			y[i] = x[i] + 1e9;
		a = detect(x, 200, &o, &na);
		b = detect(y, 200, &o, &nb);
		assert_int_equal(na, nb);
		for (size_t k = 0; k < na; k++) {
			assert_int_equal(a[k].index, b[k].index);
			assert_true(fabs(a[k].stat - b[k].stat) < 1e-6 * a[k].stat);
		}
		free(a);
		free(b);
	}
}

static void test_bad_input(void **state)
{
	double x[20] = { 0 };
	struct cp_options o;
	struct change_point *cps;
	size_t ncp;

	(void)state;
	cp_options_init(&o);
	x[7] = NAN;
	assert_int_equal(cp_detect(x, 20, &o, &cps, &ncp), -1);
	assert_non_null(strstr(pe_errmsg(), "value 7"));
	assert_null(cps);
	assert_int_equal(ncp, 0);
	x[7] = INFINITY;
	assert_int_equal(cp_detect(x, 20, &o, &cps, &ncp), -1);
	x[7] = 0;

	o.alpha = 0;
	assert_int_equal(cp_detect(x, 20, &o, &cps, &ncp), -1);
	assert_non_null(strstr(pe_errmsg(), "alpha"));
	o.alpha = 1;
	assert_int_equal(cp_detect(x, 20, &o, &cps, &ncp), -1);
	o.alpha = NAN;
	assert_int_equal(cp_detect(x, 20, &o, &cps, &ncp), -1);

	cp_options_init(&o);
	o.min_size = 1;
	assert_int_equal(cp_detect(x, 20, &o, &cps, &ncp), -1);
	assert_non_null(strstr(pe_errmsg(), "minimum segment size 1"));

	/* 10 permutations give p >= 1/11 > 0.05: the message says what would do. */
	cp_options_init(&o);
	o.permutations = 10;
	assert_int_equal(cp_detect(x, 20, &o, &cps, &ncp), -1);
	assert_non_null(strstr(pe_errmsg(), "use at least 19"));
	o.permutations = 19;
	assert_int_equal(cp_detect(x, 20, &o, &cps, &ncp), 0);
}

/* --- determinism ---------------------------------------------------------------- */

static void test_reproducible(void **state)
{
	static const size_t at[] = { 150, 300, 330 };
	static const double pct[] = { 4, -3, 6 };
	double x[500];
	struct cp_options o;
	struct change_point *a, *b;
	size_t na, nb;

	(void)state;
	cp_options_init(&o);
	o.seed = 42;
	series_gen(7, 500, 0.03, at, pct, 3, x);
	a = detect(x, 500, &o, &na);
	b = detect(x, 500, &o, &nb);
	assert_true(na > 0);
	assert_int_equal(na, nb);
	assert_memory_equal(a, b, na * sizeof(*a));
	free(b);
	/* Another seed moves p a little, not the clear change points. */
	o.seed = 43;
	b = detect(x, 500, &o, &nb);
	for (size_t k = 0, j = 0; k < na; k++) {
		if (a[k].p > 0.01)
			continue;
		while (j < nb && b[j].index < a[k].index)
			j++;
		assert_true(j < nb && b[j].index == a[k].index && b[j].stat == a[k].stat);
	}
	free(a);
	free(b);
}

/* The helper program prints what series_gen() makes, to the last bit. */
static void test_series_gen_helper(void **state)
{
	static const size_t at[] = { 300, 700 };
	static const double pct[] = { 10, -5 };
	const char *build = getenv("PERFENG_BUILD");
	char cmd[4096], line[64];
	double x[1000];
	size_t i = 0;
	FILE *f;

	(void)state;
	if (!build)
		skip();
	snprintf(cmd, sizeof(cmd), "%s/tests/helpers/series-gen", build);
	if (access(cmd, X_OK) < 0)
		skip();
	snprintf(cmd, sizeof(cmd), "%s/tests/helpers/series-gen 5 1000 2%% 300:+10%%,700:-5%%",
		 build);
	series_gen(5, 1000, 0.02, at, pct, 2, x);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		assert_true(i < 1000);
		if (strtod(line, NULL) != x[i])
			fail_msg("value %zu: helper %s, want %.17g", i, line, x[i]);
		i++;
	}
	assert_int_equal(pclose(f), 0);
	assert_int_equal(i, 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hand_computed),
		cmocka_unit_test(test_statistic_matches_formula),
		cmocka_unit_test(test_single_shift_found),
		cmocka_unit_test(test_two_sigma_shift),
		cmocka_unit_test(test_multiple_shifts_found),
		cmocka_unit_test(test_stationary_none),
		cmocka_unit_test(test_false_positive_rate),
		cmocka_unit_test(test_empty_and_short),
		cmocka_unit_test(test_constant),
		cmocka_unit_test(test_large_offset),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_reproducible),
		cmocka_unit_test(test_series_gen_helper),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
