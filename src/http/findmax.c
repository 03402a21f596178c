#include "http/findmax.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "http/step.h"
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

/* Runs one step at rate and fills s; 0, or -1 with pe_error(). */
static int findmax__step(const struct findmax_opts *o, double rate, enum findmax_phase phase,
			 struct findmax_step *s)
{
	struct load_opts lo = o->load;
	struct load_step st;

	memset(s, 0, sizeof(*s));
	s->phase = phase;
	s->target = rate;
	s->slo_value = xcalloc(o->nslos ? o->nslos : 1, sizeof(*s->slo_value));
	s->slo_met = xcalloc(o->nslos ? o->nslos : 1, sizeof(*s->slo_met));
	lo.rate = rate;
	if (load_step_run(&lo, o->warmup_s, o->step_ns, &st) < 0)
		return -1;
	s->sent = st.sent;
	s->responses = st.responses;
	s->errors = st.errors;
	s->secs = st.secs;
	s->achieved = st.achieved;
	s->rps = st.rps;
	s->error_rate = st.error_rate;
	s->p50 = st.p50;
	s->p99 = st.p99;
	s->rate_met = s->achieved >= FINDMAX_MIN_ACHIEVED * rate;
	s->pass = s->rate_met && s->responses > 0;
	for (size_t i = 0; i < o->nslos; i++) {
		s->slo_value[i] = slo_value(&o->slos[i], &st.h, s->secs, s->sent, s->responses, s->errors);
		s->slo_met[i] = (unsigned char)slo_met(&o->slos[i], s->slo_value[i]);
		s->pass &= s->slo_met[i];
	}
	load_step_release(&st);
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
