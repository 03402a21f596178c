/*
 * One measured step of a load: the engine runs for a warm-up of whole
 * seconds that is not measured, then for the step; what the step measured
 * is taken from the engine's per-second intervals (latencies added, never
 * averaged) and its counts. `load --find-max` (http/findmax.c) steps the
 * rate, `load --sweep` (http/sweep.c) the concurrency or the rate.
 */
#ifndef PE_HTTP_STEP_H
#define PE_HTTP_STEP_H

#include <stdint.h>

#include "http/load.h"
#include "stats/hdr.h"

struct load_step {
	double secs;			/* measured seconds */
	uint64_t sent, responses, errors;	/* in the measured seconds; errors: failures and 4xx/5xx */
	double achieved;		/* requests sent per measured second */
	double rps;			/* responses per measured second */
	double error_rate;		/* errors / sent; NAN when none sent */
	double mean, p50, p99;		/* seconds (corrected in the open model); NAN without responses */
	struct hdr h;			/* the measured seconds' latencies, microseconds */
};

/*
 * Runs base (its duration, requests, stages and callbacks replaced) for
 * warmup_s + step_ns and measures the step into s (load_step_release it).
 * Returns 0, or -1 with pe_error() when the load could not run at all.
 */
int load_step_run(const struct load_opts *base, unsigned warmup_s, uint64_t step_ns, struct load_step *s);
void load_step_release(struct load_step *s);

#endif
