/*
 * The calibration of `perfeng history`'s defaults on synthetic series, for
 * bench/calibrate.sh: 200 flat series of 60 runs and 200 with a +5% step
 * after run 30, at 1%, 2% and 3% noise (normal, as tests/helpers/series-gen
 * makes them), through cp_detect with history's defaults (alpha 0.01, 1,000
 * permutations, --min-change 2%) and with the detector's own (alpha 0.05,
 * 199 permutations, no minimum). Prints a Markdown table: flat series with
 * a change point, stepped series whose step was found within 5 runs, and
 * stepped series with a change point elsewhere.
 *
 * Build (calibrate.sh does): cc -O2 -Isrc bench/cp-flat-step.c obj/libperfeng.a -lm
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "stats/changepoint.h"
#include "stats/rng.h"

#define N 60
#define SERIES 200

/* As series_gen() in tests/helpers/series-gen.c: level 100, one shift at `at`. */
static void gen(uint64_t seed, double cv, size_t at, double pct, double *x)
{
	struct rng r;
	double level = 100;

	rng_seed(&r, seed);
	for (size_t i = 0; i < N; i++) {
		if (at && i == at)
			level *= 1 + pct / 100;
		double u1 = 1 - rng_uniform(&r), u2 = rng_uniform(&r);

		x[i] = level * (1 + cv * sqrt(-2 * log(u1)) * cos(2 * M_PI * u2));
	}
}

/* Change points of x at least min_change, into *kept; returns how many. */
static size_t detect(const double *x, double alpha, unsigned perms, double min_change,
		     size_t *at, size_t max)
{
	struct cp_options o;
	struct change_point *cps = NULL;
	size_t n = 0, k = 0;

	cp_options_init(&o);
	o.alpha = alpha;
	o.permutations = perms;
	if (cp_detect(x, N, &o, &cps, &n) < 0)
		exit(1);
	for (size_t i = 0; i < n; i++)
		if (fabs(cps[i].change) >= min_change && k < max)
			at[k++] = cps[i].index;
	free(cps);
	return k;
}

int main(void)
{
	static const struct {
		const char *name;
		double alpha, min_change;
		unsigned perms;
	} settings[] = {
		{ "history's defaults (alpha 0.01, --min-change 2%)", 0.01, 0.02, 1000 },
		{ "alpha 0.05, no minimum change", 0.05, 0, 199 },
	};
	static const double cvs[] = { 0.01, 0.02, 0.03 };
	double x[N];
	size_t at[N];

	printf("| settings | noise | flat series with a change point | +5%% step found within 5 runs | stepped series with another point |\n");
	printf("|---|---|---|---|---|\n");
	for (size_t s = 0; s < 2; s++) {
		for (size_t c = 0; c < 3; c++) {
			int flat = 0, found = 0, extra = 0;

			for (int i = 0; i < SERIES; i++) {
				gen(1000 + i, cvs[c], 0, 0, x);
				flat += detect(x, settings[s].alpha, settings[s].perms, settings[s].min_change, at, N) > 0;
				gen(5000 + i, cvs[c], N / 2, 5, x);
				size_t k = detect(x, settings[s].alpha, settings[s].perms, settings[s].min_change, at, N);
				int f = 0, e = 0;

				for (size_t j = 0; j < k; j++) {
					if (labs((long)at[j] - N / 2) <= 5)
						f = 1;
					else
						e = 1;
				}
				found += f;
				extra += e;
			}
			printf("| %s | %.0f%% | %d / %d | %d / %d | %d / %d |\n", settings[s].name, cvs[c] * 100,
			       flat, SERIES, found, SERIES, extra, SERIES);
		}
	}
	return 0;
}
