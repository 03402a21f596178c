/*
 * The decision rule shared by `bench` and `compare`: a difference is called
 * only when it is both statistically significant and larger than the noise
 * band the user accepts.
 */
#ifndef PE_VERDICT_H
#define PE_VERDICT_H

enum verdict {
	VERDICT_SAME = 0,	/* no significant difference */
	VERDICT_FASTER,		/* ratio below 1: new/cmd takes less (lower is better) */
	VERDICT_SLOWER,
};

/*
 * ratio_lo..ratio_hi is the 95% CI of stat(x)/stat(ref) for a lower-is-better
 * metric; p the Mann-Whitney p-value; noise a fraction (0.01 for 1%).
 * SAME whenever p >= 0.05 or the CI reaches into [1-noise, 1+noise].
 */
enum verdict verdict_decide(double ratio_lo, double ratio_hi, double p, double noise);
const char *verdict_name(enum verdict v);

#endif
