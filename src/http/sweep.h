/*
 * `load --sweep`: the load at each of several concurrencies (connections,
 * the closed model) or, with a rate, at each of several rates (the open
 * model), one measured step each (http/step.c), for a scalability model
 * (stats/usl.c) to be fitted to. It does not parse options nor print.
 */
#ifndef PE_HTTP_SWEEP_H
#define PE_HTTP_SWEEP_H

#include <stddef.h>
#include <stdint.h>

#include "http/load.h"

#define SWEEP_MAX_STEPS 64
#define SWEEP_MAX_LEVEL 100000	/* connections, or req/s x 1000 */

struct sweep_step {
	double level;			/* the connections, or the target rate */
	double secs, rps, achieved, error_rate, mean, p50, p99;
	uint64_t sent, responses, errors;
};

struct sweep_opts {
	struct load_opts load;		/* the base of each step; its connections or rate set per step */
	const double *levels;
	size_t nlevels;
	int open;			/* levels are rates: the open model */
	uint64_t step_ns;		/* measured part of a step, >= 1 s */
	unsigned warmup_s;		/* unmeasured seconds before it */
	void (*step_done)(void *ctx, const struct sweep_step *s);	/* progress; may be NULL */
	void *ctx;
};

struct sweep_result {
	struct sweep_step *steps;	/* owned, in order */
	size_t nsteps;
	int interrupted;
};

/*
 * Parses "1,2,4,8" (ascending values), "1..64x2" (1, 2, 4, ... 64: times
 * 2 up to the end) or "10..100+10" (10, 20, ... 100) into a new array (free
 * it). Values are positive, whole numbers for connections (rate: any
 * number), at most SWEEP_MAX_STEPS of them. 0, or -1 with pe_error().
 */
int sweep_parse(const char *spec, int rates, double **levels, size_t *n);

/* Runs the steps. 0 (res filled; sweep_result_release it), or -1 with pe_error(). */
int sweep_run(const struct sweep_opts *o, struct sweep_result *res);
void sweep_result_release(struct sweep_result *res);

#endif
