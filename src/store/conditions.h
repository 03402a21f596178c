/*
 * What a comparison of two runs must know about how they were taken: which
 * metric a run's kind is judged by, whether two runs came from one
 * invocation (and then whether their commands alternated), and which of the
 * conditions the store records differ between them. Used by `compare`; no
 * statistics here (stats/gate.h) and no printing.
 */
#ifndef PE_CONDITIONS_H
#define PE_CONDITIONS_H

#include <stddef.h>

#include "store/store.h"

/* The tag `bench --save` gives runs whose commands ran in alternation. */
#define STORE_TAG_INTERLEAVED "interleaved"

/*
 * The metric a run of this kind is gated on by default: wall for bench,
 * diagnose and imported hyperfine runs, rps for load, max_rate for find-max,
 * the profile's sample total for profile; else the run's first metric.
 * Returns a name owned by the run or a static string; NULL for no metrics.
 */
const char *store_run_primary_metric(const struct store_run *r);

/* 1 when r carries tag. */
int store_run_has_tag(const struct store_run *r, const char *tag);

/*
 * 1 when a and b were saved by one invocation of perfeng (the same start,
 * end, command line and host): the results of one `bench` of several
 * commands.
 */
int store_runs_same_invocation(const struct store_run *a, const struct store_run *b);

#define STORE_COND_MAX 8

/*
 * The recorded conditions that differ between a and b, one phrase each
 * ("load average 0.05 before A, 1.93 before B"), into out[0..*n-1]. Fields
 * that either run does not record (hyperfine's JSON) are not compared.
 */
void store_runs_conditions(const struct store_run *a, const struct store_run *b,
			   char out[STORE_COND_MAX][160], size_t *n);

#endif
