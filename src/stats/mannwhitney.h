/*
 * The Mann-Whitney U test (Wilcoxon rank-sum), two-sided, as R's
 * wilcox.test(a, b) computes it by default: the exact null distribution when
 * both samples have fewer than 50 values and there are no ties, otherwise the
 * normal approximation with tie correction and continuity correction.
 */
#ifndef PE_MANNWHITNEY_H
#define PE_MANNWHITNEY_H

#include <stddef.h>

struct mw_result {
	double u;	/* U of sample a: sum of ranks of a - na(na+1)/2 (R's W) */
	double p;	/* two-sided p-value; 1 when undefined (empty, all tied) */
	int exact;	/* 1 when the exact distribution was used */
};

/* Needs na, nb >= 1 for a meaningful p; otherwise p = 1. Allocates scratch internally. */
void mann_whitney(const double *a, size_t na, const double *b, size_t nb,
		  struct mw_result *res);

#endif
