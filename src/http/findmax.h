/*
 * The breaking-point search of `load --find-max`: the highest open-model rate
 * at which a service still meets every SLO. It steps the rate up (times
 * FINDMAX_FACTOR from a start rate) until a step fails, then bisects between
 * the last passing and the first failing rate until they are within a
 * relative precision. Each step is one load_run at a constant rate: a
 * warm-up of whole seconds that is not measured, then the measured seconds,
 * taken from the engine's per-second intervals (latencies added, never
 * averaged). Every loop is bounded by a step count and a maximum rate. It
 * does not parse options nor print.
 */
#ifndef PE_HTTP_FINDMAX_H
#define PE_HTTP_FINDMAX_H

#include <stddef.h>
#include <stdint.h>

#include "http/load.h"
#include "stats/slo.h"

#define FINDMAX_FACTOR 2.0		/* the step-up multiplier */
#define FINDMAX_MIN_ACHIEVED 0.9	/* a step whose sent rate is below this share of the target fails */
#define FINDMAX_MAX_STEPS 40		/* bound on the steps of one search */

enum findmax_phase { FINDMAX_UP, FINDMAX_BISECT };

/* How the search ended. */
enum findmax_end {
	FINDMAX_CONVERGED,	/* passing and failing rates within the precision */
	FINDMAX_MAX_RATE,	/* every step passed up to the maximum rate */
	FINDMAX_NONE,		/* the first step (the start rate) failed */
	FINDMAX_STEPS,		/* the step budget ran out */
	FINDMAX_INTERRUPTED,
};

struct findmax_step {
	enum findmax_phase phase;
	double target;			/* req/s */
	double secs;			/* measured seconds */
	double achieved;		/* requests sent per measured second */
	double rps;			/* responses per measured second */
	uint64_t sent, responses, errors;	/* in the measured seconds */
	double error_rate;		/* errors / sent; NAN when none sent */
	double p50, p99;		/* seconds, corrected; NAN without responses */
	double *slo_value;		/* owned; one per SLO, NAN when not measurable */
	unsigned char *slo_met;		/* owned; one per SLO */
	int rate_met;			/* achieved >= FINDMAX_MIN_ACHIEVED * target */
	int pass;			/* rate_met, responses, and every SLO met */
};

struct findmax_opts {
	/*
	 * The base of every step: address, requests, connections, threads,
	 * pipeline, timeouts and the stop flag. Its rate, duration, requests,
	 * stages and callbacks are set per step.
	 */
	struct load_opts load;
	const struct slo *slos;		/* at least one */
	size_t nslos;
	double start_rate;		/* > 0 */
	double max_rate;		/* >= start_rate */
	double precision;		/* relative, e.g. 0.05 */
	uint64_t step_ns;		/* measured part of a step, >= 1 s */
	unsigned warmup_s;		/* unmeasured seconds before it */
	/* Called after each step (progress). May be NULL. */
	void (*step_done)(void *ctx, const struct findmax_step *s);
	void *ctx;
};

struct findmax_result {
	struct findmax_step *steps;	/* owned; in the order they ran */
	size_t nsteps;
	enum findmax_end end;
	double knee;			/* the highest passing rate; 0 when none passed */
	double first_fail;		/* the lowest failing rate; 0 when none failed */
};

/*
 * Runs the search. Returns 0 (res filled, findmax_result_release it), or -1
 * with pe_error() when a step could not run at all (threads, sockets).
 */
int findmax_run(const struct findmax_opts *o, struct findmax_result *res);
void findmax_result_release(struct findmax_result *res);

const char *findmax_end_text(enum findmax_end e);

#endif
