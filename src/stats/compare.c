#include "stats/compare.h"

#include <math.h>

#include "stats/bootstrap.h"
#include "stats/describe.h"
#include "stats/mannwhitney.h"

void compare_samples(const double *x, size_t nx, const double *ref, size_t nref,
		     double noise, uint64_t seed, struct comparison *c)
{
	struct mw_result mw;
	double mref = stats_mean(ref, nref), medref = stats_median(ref, nref);

	c->ratio = mref != 0 ? stats_mean(x, nx) / mref : NAN;
	bootstrap_ratio_ci(x, nx, ref, nref, BOOT_MEAN, 0.95, COMPARE_BOOTSTRAP_B,
			   seed, &c->ratio_ci[0], &c->ratio_ci[1]);
	c->median_ratio = medref != 0 ? stats_median(x, nx) / medref : NAN;
	bootstrap_ratio_ci(x, nx, ref, nref, BOOT_MEDIAN, 0.95, COMPARE_BOOTSTRAP_B,
			   seed, &c->median_ci[0], &c->median_ci[1]);
	mann_whitney(x, nx, ref, nref, &mw);
	c->p = mw.p;
	if (isnan(c->median_ratio) || isnan(c->median_ci[0]))
		c->verdict = VERDICT_SAME;
	else
		c->verdict = verdict_decide(c->median_ci[0], c->median_ci[1], c->p, noise);
}
