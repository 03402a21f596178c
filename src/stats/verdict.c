#include "stats/verdict.h"

#include <math.h>

/*
 * A NaN p (no test possible) or CI (no ratio defined) can never call a
 * difference: every comparison with NaN is false, so it falls through to SAME.
 * lo <= hi is assumed; a CI that only touches the noise band counts as inside.
 */
enum verdict verdict_decide(double ratio_lo, double ratio_hi, double p, double noise)
{
	if (isnan(p) || p >= 0.05)
		return VERDICT_SAME;
	if (ratio_hi < 1.0 - noise)
		return VERDICT_FASTER;
	if (ratio_lo > 1.0 + noise)
		return VERDICT_SLOWER;
	return VERDICT_SAME;
}

const char *verdict_name(enum verdict v)
{
	switch (v) {
	case VERDICT_FASTER:
		return "faster";
	case VERDICT_SLOWER:
		return "slower";
	case VERDICT_SAME:
		break;
	}
	return "no significant difference";
}
