/*
 * The scalability fits (src/stats/usl.c) against published reference fits,
 * the model choice both ways, Student's t quantiles, and the CSV reader of
 * the points (src/stats/usl_csv.c).
 *
 * References:
 * - SPEC SDM91, Sun SPARCcenter 2000 (the specsdm91 data set of the R
 *   package usl, from Gunther's "Guerrilla Capacity Planning"): the usl
 *   package's README (R nls) gives sigma (alpha) 0.0277285 (SE 0.0091217),
 *   kappa (beta) 0.0001044 (SE 0.0000199), lambda (gamma) 89.9952330
 *   (SE 14.2134894), residual standard error 82.8 on 4 degrees of freedom.
 * - The Cisco benchmark of Baron Schwartz's "Practical Scalability
 *   Analysis with the Universal Scalability Law", as usl4j's tests list it:
 *   sigma 0.02671591, kappa 7.690945e-4, lambda 995.6486; usl4j's
 *   throughputAtConcurrency(35) = 12341.7456205207, (20) = 11063.633137626028.
 * - Student's t: qt(0.975, 4) = 2.776445, qt(0.975, 1) = 12.7062, qt(0.975, 29)
 *   = 2.045230, qt(0.95, 10) = 1.812461 (R, and any table).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats/usl.h"
#include "stats/usl_csv.h"
#include "util/error.h"

static const struct usl_point spec[] = {
	{ 1, 64.9, NAN }, { 18, 995.9, NAN }, { 36, 1652.4, NAN }, { 72, 1853.2, NAN },
	{ 108, 1828.9, NAN }, { 144, 1775.0, NAN }, { 216, 1702.2, NAN },
};

static const double cisco[][2] = {
	{ 1, 955.16 }, { 2, 1878.91 }, { 3, 2688.01 }, { 4, 3548.68 }, { 5, 4315.54 }, { 6, 5130.43 },
	{ 7, 5931.37 }, { 8, 6531.08 }, { 9, 7219.8 }, { 10, 7867.61 }, { 11, 8278.71 }, { 12, 8646.7 },
	{ 13, 9047.84 }, { 14, 9426.55 }, { 15, 9645.37 }, { 16, 9897.24 }, { 17, 10097.6 },
	{ 18, 10240.5 }, { 19, 10532.39 }, { 20, 10798.52 }, { 21, 11151.43 }, { 22, 11518.63 },
	{ 23, 11806 }, { 24, 12089.37 }, { 25, 12075.41 }, { 26, 12177.29 }, { 27, 12211.41 },
	{ 28, 12158.93 }, { 29, 12155.27 }, { 30, 12118.04 }, { 31, 12140.4 }, { 32, 12074.39 },
};

/* |got - want| <= rel * |want| */
static void assert_rel(double got, double want, double rel)
{
	if (!(fabs(got - want) <= rel * fabs(want)))
		fail_msg("got %.10g, want %.10g (within %g relative)", got, want, rel);
}

static void test_specsdm91(void **state)
{
	struct usl_fit f[USL_NKINDS];
	const struct usl_fit *u = &f[USL_USL];
	char why[200];

	(void)state;
	assert_int_equal(usl_fit_all(spec, 7, f), 0);
	assert_rel(u->p[USL_SIGMA], 0.0277285, 2e-6);
	assert_rel(u->p[USL_KAPPA], 0.0001044, 5e-4);	/* printed to 4 digits */
	assert_rel(u->p[USL_LAMBDA], 89.9952330, 1e-8);
	assert_rel(u->se[USL_SIGMA], 0.0091217, 1e-4);
	assert_rel(u->se[USL_KAPPA], 0.0000199, 5e-3);
	assert_rel(u->se[USL_LAMBDA], 14.2134894, 1e-6);
	assert_int_equal(u->df, 4);
	assert_rel(u->residual_se, 82.8, 1e-3);
	assert_int_equal(usl_choose(f, why, sizeof(why)), USL_USL);
	assert_non_null(strstr(why, "κ > 0"));
	/* N* = sqrt((1 - σ) / κ) from the fitted values */
	assert_rel(usl_peak_n(u), sqrt((1 - u->p[USL_SIGMA]) / u->p[USL_KAPPA]), 1e-12);
	assert_rel(usl_peak_n(u), 96.52, 1e-3);
	assert_true(usl_peak_x(u) > usl_predict(u, 90) && usl_peak_x(u) > usl_predict(u, 103));
}

static void test_cisco(void **state)
{
	struct usl_point p[32];
	struct usl_fit f[USL_NKINDS];
	const struct usl_fit *u = &f[USL_USL];

	(void)state;
	for (int i = 0; i < 32; i++)
		p[i] = (struct usl_point){ cisco[i][0], cisco[i][1], NAN };
	assert_int_equal(usl_fit_all(p, 32, f), 0);
	assert_rel(u->p[USL_SIGMA], 0.02671591, 2e-6);
	assert_rel(u->p[USL_KAPPA], 7.690945e-4, 2e-6);
	assert_rel(u->p[USL_LAMBDA], 995.6486, 2e-7);
	assert_rel(usl_predict(u, 35), 12341.7456205207, 1e-7);
	assert_rel(usl_predict(u, 20), 11063.633137626028, 1e-7);
	assert_rel(usl_peak_n(u), 35.57, 1e-3);
	assert_true(u->r2 > 0.99 && u->r2 < 1);
}

/* Amdahl's law exactly (σ = 0.05, λ = 100): κ ends at 0, and the data supports Amdahl. */
static void test_amdahl_exact(void **state)
{
	static const double ns[] = { 1, 2, 4, 8, 16, 32, 64 };
	struct usl_point p[7];
	struct usl_fit f[USL_NKINDS];
	char why[200];

	(void)state;
	for (int i = 0; i < 7; i++)
		p[i] = (struct usl_point){ ns[i], 100 * ns[i] / (1 + 0.05 * (ns[i] - 1)), NAN };
	assert_int_equal(usl_fit_all(p, 7, f), 0);
	assert_rel(f[USL_AMDAHL].p[USL_SIGMA], 0.05, 1e-9);
	assert_rel(f[USL_AMDAHL].p[USL_LAMBDA], 100, 1e-9);
	assert_true(f[USL_USL].p[USL_KAPPA] < 1e-12);
	assert_int_equal(usl_choose(f, why, sizeof(why)), USL_AMDAHL);
	assert_true(isinf(usl_peak_n(&f[USL_AMDAHL])));
	assert_true(isinf(usl_peak_x(&f[USL_AMDAHL])));
}

/* Amdahl with ±1% noise: κ's interval holds 0, so not the USL; σ's lies above it. */
static void test_amdahl_noisy(void **state)
{
	static const double ns[] = { 1, 2, 4, 8, 12, 16, 24, 32, 48, 64 };
	static const double noise[] = { 0.01, -0.01, 0.005, -0.008, 0.01, -0.004, 0.006, -0.01, 0.008, -0.006 };
	struct usl_point p[10];
	struct usl_fit f[USL_NKINDS];
	char why[200];

	(void)state;
	for (int i = 0; i < 10; i++)
		p[i] = (struct usl_point){ ns[i], 100 * ns[i] / (1 + 0.05 * (ns[i] - 1)) * (1 + noise[i]), NAN };
	assert_int_equal(usl_fit_all(p, 10, f), 0);
	assert_true(!(f[USL_USL].ci[USL_KAPPA][0] > 0) || f[USL_USL].at_bound[USL_KAPPA]);
	assert_int_equal(usl_choose(f, why, sizeof(why)), USL_AMDAHL);
	assert_rel(f[USL_AMDAHL].p[USL_SIGMA], 0.05, 0.1);
}

/* Linear scaling with ±1% noise: neither σ nor κ is told apart from 0. */
static void test_linear(void **state)
{
	static const double noise[] = { 0.01, -0.01, 0.005, -0.008, 0.01, -0.004, 0.006, -0.01 };
	struct usl_point p[8];
	struct usl_fit f[USL_NKINDS];
	char why[200];

	(void)state;
	for (int i = 0; i < 8; i++)
		p[i] = (struct usl_point){ i + 1, 50.0 * (i + 1) * (1 + noise[i]), NAN };
	assert_int_equal(usl_fit_all(p, 8, f), 0);
	assert_int_equal(usl_choose(f, why, sizeof(why)), USL_LINEAR);
	assert_rel(f[USL_LINEAR].p[USL_LAMBDA], 50, 0.01);
	assert_true(isinf(usl_peak_n(&f[USL_LINEAR])));
}

static void test_bad_points(void **state)
{
	struct usl_fit f[USL_NKINDS];
	struct usl_point one[] = { { 4, 100, NAN } };
	struct usl_point same[] = { { 4, 100, NAN }, { 4, 110, NAN }, { 4, 90, NAN } };
	struct usl_point two[] = { { 1, 100, NAN }, { 2, 190, NAN }, { 2, 180, NAN }, { 1, 95, NAN } };
	struct usl_point neg[] = { { 1, 100, NAN }, { 2, -190, NAN }, { 4, 300, NAN } };
	struct usl_point zero_n[] = { { 0, 100, NAN }, { 2, 190, NAN }, { 4, 300, NAN } };
	struct usl_point bad_w[] = { { 1, 100, 0.01 }, { 2, 190, -1 }, { 4, 300, NAN } };

	(void)state;
	pe_error_clear();
	assert_int_equal(usl_fit_all(one, 0, f), -1);
	assert_string_equal(pe_errmsg(), "no points to fit");
	assert_int_equal(usl_fit_all(one, 1, f), -1);
	assert_string_equal(pe_errmsg(), "1 point at 1 concurrency: a fit needs at least 3 distinct concurrencies");
	assert_int_equal(usl_fit_all(same, 3, f), -1);
	assert_string_equal(pe_errmsg(), "3 points at 1 concurrency: a fit needs at least 3 distinct concurrencies");
	assert_int_equal(usl_fit_all(two, 4, f), -1);
	assert_string_equal(pe_errmsg(), "4 points at 2 concurrencies: a fit needs at least 3 distinct concurrencies");
	assert_int_equal(usl_fit_all(neg, 3, f), -1);
	assert_string_equal(pe_errmsg(), "point 2: the throughput must be a positive number");
	assert_int_equal(usl_fit_all(zero_n, 3, f), -1);
	assert_string_equal(pe_errmsg(), "point 1: the concurrency must be a positive number");
	assert_int_equal(usl_fit_all(bad_w, 3, f), -1);
	assert_string_equal(pe_errmsg(), "point 2: the latency must be a positive number of seconds");
}

/* Exactly 3 points: the USL has no residual degrees of freedom, so no errors and no claim of κ > 0. */
static void test_three_points(void **state)
{
	struct usl_point p[] = { { 1, 100, NAN }, { 8, 600, NAN }, { 32, 900, NAN } };
	struct usl_fit f[USL_NKINDS];
	char why[200];

	(void)state;
	assert_int_equal(usl_fit_all(p, 3, f), 0);
	assert_int_equal(f[USL_USL].df, 0);
	assert_true(isnan(f[USL_USL].se[USL_KAPPA]));
	assert_int_not_equal(usl_choose(f, why, sizeof(why)), USL_USL);
}

static void test_t_quantile(void **state)
{
	(void)state;
	assert_rel(usl_t_quantile(0.975, 4), 2.776445, 1e-6);
	assert_rel(usl_t_quantile(0.975, 1), 12.7062, 1e-5);
	assert_rel(usl_t_quantile(0.975, 29), 2.045230, 1e-6);
	assert_rel(usl_t_quantile(0.95, 10), 1.812461, 1e-6);
	assert_rel(usl_t_quantile(0.025, 4), -2.776445, 1e-6);
	assert_true(usl_t_quantile(0.5, 7) == 0);
}

static void test_csv(void **state)
{
	const char *with_header = "# a sweep\nthreads,rps,latency_ms,host\n1,100,10,a\n\n2, 190 ,10.5,b\r\n4;360;11;c\n";
	const char *bare = "1,100\n2\t190\t0.0105\n4,360";
	struct usl_point *p;
	size_t n;

	(void)state;
	assert_int_equal(usl_read_csv(with_header, strlen(with_header), &p, &n), 0);
	assert_int_equal(n, 3);
	assert_true(p[1].n == 2 && p[1].x == 190);
	assert_rel(p[1].w, 0.0105, 1e-12);
	assert_rel(p[2].w, 0.011, 1e-12);
	free(p);
	assert_int_equal(usl_read_csv(bare, strlen(bare), &p, &n), 0);
	assert_int_equal(n, 3);
	assert_true(isnan(p[0].w) && p[1].w == 0.0105 && p[2].x == 360);
	free(p);
	assert_int_equal(usl_read_csv("", 0, &p, &n), 0);
	assert_int_equal(n, 0);
	free(p);
}

static void test_csv_errors(void **state)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "1,100\n2,abc\n", "line 2: the throughput 'abc' is not a number" },
		{ "1,100\nx,5\n", "line 2: the concurrency 'x' is not a number" },
		{ "1,100\n7\n", "line 2: 1 field, expected at least 2" },
		{ "1,100,fast\n", "line 1: the latency 'fast' is not a number" },
		{ "1,inf\n", "line 1: the throughput 'inf' is not a number" },
		{ "n,latency\n1,2\n", "line 1: a header needs a throughput column (concurrency, n, load, connections, threads, users, clients or processors; throughput, x, rps or tput)" },
		{ "when,rps\n1,2\n", "line 1: a header needs a concurrency column (concurrency, n, load, connections, threads, users, clients or processors; throughput, x, rps or tput)" },
	};
	struct usl_point *p = NULL;
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pe_error_clear();
		assert_int_equal(usl_read_csv(cases[i].text, strlen(cases[i].text), &p, &n), -1);
		assert_string_equal(pe_errmsg(), cases[i].msg);
	}
	pe_error_clear();
	assert_int_equal(usl_read_csv("1,2\n\0,3\n", 8, &p, &n), -1);
	assert_string_equal(pe_errmsg(), "line 2: a NUL byte: this is not a text file");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_specsdm91),
		cmocka_unit_test(test_cisco),
		cmocka_unit_test(test_amdahl_exact),
		cmocka_unit_test(test_amdahl_noisy),
		cmocka_unit_test(test_linear),
		cmocka_unit_test(test_bad_points),
		cmocka_unit_test(test_three_points),
		cmocka_unit_test(test_t_quantile),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_csv_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
