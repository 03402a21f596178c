#include "http/findmax.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "util/error.h"
#include "util/xalloc.h"

const char *findmax_end_text(enum findmax_end e)
{
	switch (e) {
	case FINDMAX_CONVERGED: return "converged";
	case FINDMAX_MAX_RATE: return "max_rate";
	case FINDMAX_NONE: return "none_passed";
	case FINDMAX_STEPS: return "max_steps";
	default: return "interrupted";
	}
}

/* What one step collects from the engine's intervals. */
struct findmax__window {
	unsigned warmup_s;
	struct hdr h;			/* latencies of the measured seconds */
	struct load_counts at_start;	/* the counts when the warm-up ended */
	double secs;			/* measured seconds, the last one maybe shorter */
};

static void findmax__interval(void *ctx, unsigned second, double length, const struct hdr *h,
			      uint64_t responses, uint64_t errors)
{
	struct findmax__window *w = ctx;

	(void)responses;
	(void)errors;
	if (second < w->warmup_s)
		return;
	hdr_add(&w->h, h);
	w->secs += length;
}

static void findmax__counts(void *ctx, unsigned second, const struct load_counts *total)
{
	struct findmax__window *w = ctx;

	if (second + 1 == w->warmup_s)
		w->at_start = *total;
}

static uint64_t findmax__errors(const struct load_counts *c)
{
	uint64_t e = c->status[4] + c->status[5];

	for (int k = 0; k < LOAD_ERR_NR; k++)
		e += c->errors[k];
	return e;
}

/* Runs one step at rate and fills s; 0, or -1 with pe_error(). */
static int findmax__step(const struct findmax_opts *o, double rate, enum findmax_phase phase,
			 struct findmax_step *s)
{
	struct load_opts lo = o->load;
	struct findmax__window w = { .warmup_s = o->warmup_s };
	struct load_result r;
	struct load_counts end = { 0 };
	int rc;

	memset(s, 0, sizeof(*s));
	s->phase = phase;
	s->target = rate;
	s->slo_value = xcalloc(o->nslos ? o->nslos : 1, sizeof(*s->slo_value));
	s->slo_met = xcalloc(o->nslos ? o->nslos : 1, sizeof(*s->slo_met));
	if (hdr_init(&w.h, LOAD_HDR_LOWEST, LOAD_HDR_HIGHEST, LOAD_HDR_DIGITS) < 0)
		return -1;
	lo.rate = rate;
	lo.duration_ns = (uint64_t)o->warmup_s * NS_PER_SEC + o->step_ns;
	lo.requests = 0;
	lo.stages = NULL;
	lo.nstages = 0;
	lo.interval = findmax__interval;
	lo.counts = findmax__counts;
	lo.interval_ctx = &w;
	rc = load_run(&lo, &r);
	if (rc < 0) {
		hdr_release(&w.h);
		return -1;
	}
	end.sent = r.sent;
	end.responses = r.responses;
	memcpy(end.errors, r.errors, sizeof(end.errors));
	memcpy(end.status, r.status, sizeof(end.status));
	s->sent = end.sent - w.at_start.sent;
	s->responses = end.responses - w.at_start.responses;
	s->errors = findmax__errors(&end) - findmax__errors(&w.at_start);
	s->secs = w.secs > 0 ? w.secs : (double)o->step_ns / 1e9;
	s->achieved = (double)s->sent / s->secs;
	s->rps = (double)s->responses / s->secs;
	s->error_rate = s->sent ? (double)s->errors / (double)s->sent : NAN;
	s->p50 = w.h.total ? (double)hdr_value_at_percentile(&w.h, 50) / 1e6 : NAN;
	s->p99 = w.h.total ? (double)hdr_value_at_percentile(&w.h, 99) / 1e6 : NAN;
	s->rate_met = s->achieved >= FINDMAX_MIN_ACHIEVED * rate;
	s->pass = s->rate_met && s->responses > 0;
	for (size_t i = 0; i < o->nslos; i++) {
		s->slo_value[i] = slo_value(&o->slos[i], &w.h, s->secs, s->sent, s->responses, s->errors);
		s->slo_met[i] = (unsigned char)slo_met(&o->slos[i], s->slo_value[i]);
		s->pass &= s->slo_met[i];
	}
	hdr_release(&w.h);
	hdr_release(&r.latency);
	hdr_release(&r.latency_raw);
	return 0;
}

static int findmax__stopped(const struct findmax_opts *o)
{
	return o->load.stop && *o->load.stop;
}

/* Runs a step and appends it; 1 when it passed, 0 when it failed, -1 on error. */
static int findmax__try(const struct findmax_opts *o, struct findmax_result *res, double rate,
			enum findmax_phase phase)
{
	struct findmax_step *s;

	res->steps = xrealloc(res->steps, (res->nsteps + 1) * sizeof(*res->steps));
	s = &res->steps[res->nsteps];
	if (findmax__step(o, rate, phase, s) < 0) {
		free(s->slo_value);
		free(s->slo_met);
		return -1;
	}
	res->nsteps++;
	if (o->step_done)
		o->step_done(o->ctx, s);
	if (findmax__stopped(o))
		return 0;	/* an interrupted step proves nothing; the caller ends */
	if (s->pass && rate > res->knee)
		res->knee = rate;
	if (!s->pass && (!res->first_fail || rate < res->first_fail))
		res->first_fail = rate;
	return s->pass;
}

int findmax_run(const struct findmax_opts *o, struct findmax_result *res)
{
	double rate = o->start_rate;
	int pass;

	memset(res, 0, sizeof(*res));
	if (!(o->start_rate > 0) || o->max_rate < o->start_rate || !(o->precision > 0) ||
	    o->step_ns < NS_PER_SEC || !o->nslos)
		return pe_error("find-max needs a start rate > 0, a max rate above it, a precision > 0, "
				"steps of 1 s or more and an SLO");
	/* step up until a step fails, the maximum rate passes, or steps run out */
	for (;;) {
		if (res->nsteps >= FINDMAX_MAX_STEPS) {
			res->end = FINDMAX_STEPS;
			return 0;
		}
		pass = findmax__try(o, res, rate, FINDMAX_UP);
		if (pass < 0)
			return -1;
		if (findmax__stopped(o)) {
			res->end = FINDMAX_INTERRUPTED;
			return 0;
		}
		if (!pass)
			break;
		if (rate >= o->max_rate) {
			res->end = FINDMAX_MAX_RATE;
			return 0;
		}
		rate = rate * FINDMAX_FACTOR < o->max_rate ? rate * FINDMAX_FACTOR : o->max_rate;
	}
	if (!res->knee) {
		res->end = FINDMAX_NONE;
		return 0;
	}
	/* bisect: knee passes, first_fail fails */
	while (res->first_fail - res->knee > o->precision * res->knee) {
		if (res->nsteps >= FINDMAX_MAX_STEPS) {
			res->end = FINDMAX_STEPS;
			return 0;
		}
		pass = findmax__try(o, res, (res->knee + res->first_fail) / 2, FINDMAX_BISECT);
		if (pass < 0)
			return -1;
		if (findmax__stopped(o)) {
			res->end = FINDMAX_INTERRUPTED;
			return 0;
		}
	}
	res->end = FINDMAX_CONVERGED;
	return 0;
}

void findmax_result_release(struct findmax_result *res)
{
	for (size_t i = 0; i < res->nsteps; i++) {
		free(res->steps[i].slo_value);
		free(res->steps[i].slo_met);
	}
	free(res->steps);
	memset(res, 0, sizeof(*res));
}
