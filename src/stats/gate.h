/*
 * The regression gate's statistics, shared by `compare` and the calibration
 * suite: Holm's correction when several metrics are gated at once, and the
 * noise between identical runs learned from a metric's history, which widens
 * the band a change must clear. What a run is and where it is stored is not
 * here (store/), nor how a verdict is printed (cmd/compare.c).
 */
#ifndef PE_GATE_H
#define PE_GATE_H

#include <stddef.h>
#include <stdint.h>

/* The family-wise false-alarm rate the gate holds: p < GATE_ALPHA after Holm. */
#define GATE_ALPHA 0.05
/* The default practical threshold: a change smaller than this is not acted on. */
#define GATE_DEFAULT_BAND 0.05
/* Fewest consecutive pairs of earlier runs that make a learned band. */
#define GATE_MIN_PAIRS 5
/*
 * The learned band is this many robust standard deviations of the relative
 * differences between consecutive runs: a one-sided 1% tail of a normal.
 */
#define GATE_Z 2.326

/*
 * Holm's step-down adjustment of n p-values into padj (may be p itself):
 * padj_(i) = max over j <= i of min(1, (n - j + 1) * p_(j)), with p sorted
 * ascending. Rejecting where padj < alpha keeps the chance of any false
 * rejection among the n at most alpha. NaN stays NaN and counts in n.
 */
void gate_holm(const double *p, size_t n, double *padj);

/* What earlier identical runs say about the noise between two runs. */
struct gate_noise {
	size_t pairs;		/* consecutive pairs of finite, non-zero values */
	double median;		/* median relative difference (drift), new/old - 1 */
	double sd;		/* robust SD: 1.4826 * median |d - median| */
	double band;		/* GATE_Z * sd, the learned half-width */
	size_t beyond;		/* pairs whose |d| exceeds the band finally used */
};

/*
 * The relative differences v[i+1]/v[i] - 1 of a series in time order (the
 * means of a metric over earlier runs of one name) and their spread. Values
 * that are not finite or are 0 are skipped. pairs < GATE_MIN_PAIRS means too
 * few to learn from (band is then NAN). final_band, when > 0, is the band
 * the gate will use, against which `beyond` is counted.
 */
void gate_noise_learn(const double *v, size_t n, double final_band, struct gate_noise *out);

/*
 * The upper tail of a standard normal, P(Z > z): the false-alarm rate of a
 * one-sided band of z standard deviations.
 */
double gate_normal_tail(double z);

enum gate_verdict { GV_UNCHANGED = 0, GV_IMPROVED, GV_REGRESSED, GV_NA };

const char *gate_verdict_name(enum gate_verdict v);	/* "unchanged", "improved", ... */

/* One metric of a comparison: the caller fills the inputs, gate_evaluate the rest. */
struct gate_row {
	/* inputs: the samples of the old and the new run (not owned) */
	const double *old, *new;
	size_t nold, nnew;
	double old_value, new_value;	/* the medians (the means where a side has no samples) */
	int higher_is_better;
	int gated;		/* may fail the gate; Holm's correction runs over these */
	double band;		/* a change must clear +-band (a fraction) to be called */
	uint64_t seed;		/* of the bootstrap */
	/* outputs */
	double change;		/* new_value/old_value - 1 */
	double ci[2];		/* 95% bootstrap CI of the change of the medians */
	double p;		/* Mann-Whitney, two-sided */
	double p_adj;		/* Holm-adjusted over the gated rows; p for the others */
	enum gate_verdict verdict;
	const char *why;	/* for GV_NA: "no samples", "old value is 0" */
};

/*
 * Compares each row and decides its verdict: a change is called when its
 * p (p_adj for a gated row) is below GATE_ALPHA and its CI lies wholly
 * beyond the row's band. The gate fails when a gated row regressed.
 */
void gate_evaluate(struct gate_row *rows, size_t n);

#endif
