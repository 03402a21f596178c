/*
 * Tests of the regression gate's statistics (src/stats/gate.c): Holm's
 * adjustment against R's p.adjust, the noise learned from a history against
 * a hand computation, the normal tail against R's pnorm, and gate_evaluate
 * both ways: a regression past the band fires, the same change inside a
 * widened band or lost to Holm's correction does not.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>

#include "stats/describe.h"
#include "stats/gate.h"

static void test_holm_r_reference(void **state)
{
	/*
	 * R 4.2: p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm") gives
	 * 0.03 0.06 0.06 0.02 (sorted 0.005 0.01 0.03 0.04 times 4 3 2 1 is
	 * 0.02 0.03 0.06 0.04, then the running maximum).
	 */
	double p[] = { 0.01, 0.04, 0.03, 0.005 }, want[] = { 0.03, 0.06, 0.06, 0.02 };
	double adj[4];

	(void)state;
	gate_holm(p, 4, adj);
	for (int i = 0; i < 4; i++)
		assert_true(fabs(adj[i] - want[i]) < 1e-15);
	/* in place, and capped at 1: p.adjust(c(0.6, 0.5), "holm") is 1 1 */
	double q[] = { 0.6, 0.5 };

	gate_holm(q, 2, q);
	assert_true(q[0] == 1 && q[1] == 1);
	/* one p-value is its own adjustment */
	double one = 0.042;

	gate_holm(&one, 1, &one);
	assert_true(one == 0.042);
	/* NaN stays NaN and counts in n: p.adjust(c(0.01, NA), "holm", n = 2) is 0.02 NA */
	double r[] = { 0.01, NAN };

	gate_holm(r, 2, r);
	assert_true(fabs(r[0] - 0.02) < 1e-15 && isnan(r[1]));
}

static void test_noise_learn_hand(void **state)
{
	/*
	 * Means 100 102 99 101 100 103: relative differences +0.02, -0.0294118,
	 * +0.0202020, -0.0099010, +0.03; their median +0.02, the absolute
	 * deviations from it 0, 0.0494118, 0.000202, 0.029901, 0.01, whose median
	 * is 0.01: robust SD 0.014826, band 2.326 * 0.014826 = 0.0344853.
	 */
	double v[] = { 100, 102, 99, 101, 100, 103 };
	struct gate_noise g;

	(void)state;
	gate_noise_learn(v, 6, 0, &g);
	assert_int_equal(g.pairs, 5);
	assert_true(fabs(g.median - 0.02) < 1e-12);
	assert_true(fabs(g.sd - 0.014826) < 1e-9);
	assert_true(fabs(g.band - 2.326 * 0.014826) < 1e-9);
	assert_int_equal(g.beyond, 0);
	/* against a band of 2.5%: -2.94% and +3% lie beyond it */
	gate_noise_learn(v, 6, 0.025, &g);
	assert_int_equal(g.beyond, 2);
	/* NaN and 0 are skipped, not paired */
	double w[] = { 100, NAN, 102, 0, 99, 101, 100, 103 };

	gate_noise_learn(w, 8, 0, &g);
	assert_int_equal(g.pairs, 5);
	assert_true(fabs(g.sd - 0.014826) < 1e-9);
	/* too few pairs: nothing learned */
	gate_noise_learn(v, 5, 0, &g);
	assert_int_equal(g.pairs, 4);
	assert_true(isnan(g.band));
}

static void test_normal_tail(void **state)
{
	(void)state;
	/*
	 * Printed tables of the standard normal: P(Z > 2.33) = 0.00990,
	 * P(Z > 1.96) = 0.0250, P(Z > 1.00) = 0.1587; and P(Z > 0) = 0.5.
	 */
	assert_true(fabs(gate_normal_tail(2.33) - 0.00990) < 5e-6);
	assert_true(fabs(gate_normal_tail(1.96) - 0.0250) < 5e-5);
	assert_true(fabs(gate_normal_tail(1.00) - 0.1587) < 5e-5);
	assert_true(fabs(gate_normal_tail(0) - 0.5) < 1e-15);
}

static void row_init(struct gate_row *r, const double *old, const double *new, size_t n, int gated,
		     double band)
{
	*r = (struct gate_row){ .old = old, .new = new, .nold = n, .nnew = n,
				.old_value = stats_median(old, n), .new_value = stats_median(new, n),
				.gated = gated, .band = band, .seed = 7 };
}

static void test_evaluate_both_ways(void **state)
{
	/* +10% with no overlap: p < 0.05 and the CI wholly above 5%: regressed */
	double old[] = { 1.00, 1.01, 0.99, 1.005, 0.995, 1.002, 0.998, 1.001 };
	double slow[] = { 1.10, 1.111, 1.089, 1.1055, 1.0945, 1.1022, 1.0978, 1.1011 };
	struct gate_row r;

	(void)state;
	row_init(&r, old, slow, 8, 1, 0.05);
	gate_evaluate(&r, 1);
	assert_int_equal(r.verdict, GV_REGRESSED);
	assert_true(r.p < 0.05 && r.ci[0] > 0.05);
	/* the same change inside a band of 15% (as one learned from a noisy history): unchanged */
	row_init(&r, old, slow, 8, 1, 0.15);
	gate_evaluate(&r, 1);
	assert_int_equal(r.verdict, GV_UNCHANGED);
	/* higher is better: the same numbers are an improvement */
	row_init(&r, old, slow, 8, 1, 0.05);
	r.higher_is_better = 1;
	gate_evaluate(&r, 1);
	assert_int_equal(r.verdict, GV_IMPROVED);
	/* identical samples: unchanged, p 1 */
	row_init(&r, old, old, 8, 1, 0.05);
	gate_evaluate(&r, 1);
	assert_int_equal(r.verdict, GV_UNCHANGED);
	assert_true(r.p == 1);
}

static void test_evaluate_holm(void **state)
{
	/*
	 * 4 against 4 with no overlap: U = 0, and R's wilcox.test (exact for
	 * fewer than 50 values without ties) gives p = 2 / choose(8, 4) =
	 * 2/70 = 0.0285714. Alone it is significant; gated with a second metric,
	 * Holm's correction doubles it past 0.05 and nothing is called.
	 */
	double a[] = { 1.00, 1.01, 1.02, 1.03 }, b[] = { 2.00, 2.01, 2.02, 2.03 };
	struct gate_row rows[2];

	(void)state;
	row_init(&rows[0], a, b, 4, 1, 0.05);
	gate_evaluate(rows, 1);
	assert_true(fabs(rows[0].p - 0.0285714) < 1e-7);
	assert_int_equal(rows[0].verdict, GV_REGRESSED);
	row_init(&rows[0], a, b, 4, 1, 0.05);
	row_init(&rows[1], a, b, 4, 1, 0.05);
	gate_evaluate(rows, 2);
	assert_true(fabs(rows[0].p_adj - 2 * 0.0285714) < 1e-7);
	assert_int_equal(rows[0].verdict, GV_UNCHANGED);
	assert_int_equal(rows[1].verdict, GV_UNCHANGED);
	/* a metric shown but not gated does not count in the correction */
	row_init(&rows[0], a, b, 4, 1, 0.05);
	row_init(&rows[1], a, b, 4, 0, 0.05);
	gate_evaluate(rows, 2);
	assert_int_equal(rows[0].verdict, GV_REGRESSED);
	assert_true(rows[0].p_adj == rows[0].p);
	/* no samples: n/a, and not counted either */
	row_init(&rows[1], a, b, 4, 1, 0.05);
	rows[1].nold = 0;
	row_init(&rows[0], a, b, 4, 1, 0.05);
	gate_evaluate(rows, 2);
	assert_int_equal(rows[1].verdict, GV_NA);
	assert_int_equal(rows[0].verdict, GV_REGRESSED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_holm_r_reference),
		cmocka_unit_test(test_noise_learn_hand),
		cmocka_unit_test(test_normal_tail),
		cmocka_unit_test(test_evaluate_both_ways),
		cmocka_unit_test(test_evaluate_holm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
