/*
 * Change points of a series in time order (a metric across commits, for
 * `perfeng history`) by E-divisive means (Matteson & James 2014) with
 * alpha = 1, as Apache Otava and MongoDB use it: split where the energy
 * distance between the two sides is largest, keep the split when a
 * permutation test says it is significant, and recurse into both sides.
 * It finds shifts in level or distribution, not trends or single outliers.
 * docs/changepoints.md has the formulas, defaults and measured accuracy.
 */
#ifndef PE_CHANGEPOINT_H
#define PE_CHANGEPOINT_H

#include <stddef.h>
#include <stdint.h>

struct cp_options {
	double alpha;		/* significance of each split, in (0, 1); 0.05 */
	unsigned permutations;	/* R of the permutation test; 199; needs 1/(R+1) <= alpha */
	size_t min_size;	/* fewest points in a segment, >= 2; 5 */
	uint64_t seed;		/* of the permutations: same seed, same result; 1 */
};

/* Sets the defaults above. */
void cp_options_init(struct cp_options *o);

struct change_point {
	size_t index;		/* first index of the new segment */
	double p;		/* permutation p-value of the step that accepted it */
	double stat;		/* Q, the scaled energy statistic, at the split */
	double before_median;	/* medians of the two adjacent segments as finally split */
	double after_median;
	double change;		/* after/before - 1; +-INFINITY when before is 0, 0 if both are */
};

/*
 * Finds the change points of x[0..n-1]; *cps (owned by the caller, free();
 * NULL when none) is sorted by index and holds *ncp of them. Returns 0, or
 * -1 with pe_error() for bad options or a value that is not finite. A
 * series shorter than 2 * min_size, or constant, has none. Deterministic
 * for a given seed. Time about R * n log n; memory O(n), plus R doubles
 * per segment.
 */
int cp_detect(const double *x, size_t n, const struct cp_options *o,
	      struct change_point **cps, size_t *ncp);

/*
 * history's change points: cp_detect at significance alpha (with enough
 * permutations to resolve p-values well below it), then those smaller
 * than min_change (relative) left out, counted in *nsmall. Same returns as
 * cp_detect. `perfeng history` and `perfeng report` both call it.
 */
int cp_detect_gated(const double *x, size_t n, double alpha, double min_change, struct change_point **cps,
		    size_t *ncp, size_t *nsmall);

#endif
