#include "http/step.h"

#include <math.h>
#include <string.h>

#include "util/clock.h"

/* What a step collects from the engine's intervals. */
struct step__window {
	unsigned warmup_s;
	struct hdr *h;
	struct load_counts at_start;	/* the counts when the warm-up ended */
	double secs;
};

static void step__interval(void *ctx, unsigned second, double length, const struct hdr *h, uint64_t responses,
			   uint64_t errors)
{
	struct step__window *w = ctx;

	(void)responses;
	(void)errors;
	if (second < w->warmup_s)
		return;
	hdr_add(w->h, h);
	w->secs += length;
}

static void step__counts(void *ctx, unsigned second, const struct load_counts *total)
{
	struct step__window *w = ctx;

	if (second + 1 == w->warmup_s)
		w->at_start = *total;
}

static uint64_t step__errors(const struct load_counts *c)
{
	uint64_t e = c->status[4] + c->status[5];

	for (int k = 0; k < LOAD_ERR_NR; k++)
		e += c->errors[k];
	return e;
}

int load_step_run(const struct load_opts *base, unsigned warmup_s, uint64_t step_ns, struct load_step *s)
{
	struct load_opts lo = *base;
	struct step__window w = { .warmup_s = warmup_s, .h = &s->h };
	struct load_result r;
	struct load_counts end = { 0 };

	memset(s, 0, sizeof(*s));
	if (hdr_init(&s->h, LOAD_HDR_LOWEST, LOAD_HDR_HIGHEST, LOAD_HDR_DIGITS) < 0)
		return -1;
	lo.duration_ns = (uint64_t)warmup_s * NS_PER_SEC + step_ns;
	lo.requests = 0;
	lo.stages = NULL;
	lo.nstages = 0;
	lo.interval = step__interval;
	lo.counts = step__counts;
	lo.interval_ctx = &w;
	if (load_run(&lo, &r) < 0) {
		hdr_release(&s->h);
		return -1;
	}
	end.sent = r.sent;
	end.responses = r.responses;
	memcpy(end.errors, r.errors, sizeof(end.errors));
	memcpy(end.status, r.status, sizeof(end.status));
	s->sent = end.sent - w.at_start.sent;
	s->responses = end.responses - w.at_start.responses;
	s->errors = step__errors(&end) - step__errors(&w.at_start);
	s->secs = w.secs > 0 ? w.secs : (double)step_ns / 1e9;
	s->achieved = (double)s->sent / s->secs;
	s->rps = (double)s->responses / s->secs;
	s->error_rate = s->sent ? (double)s->errors / (double)s->sent : NAN;
	s->mean = s->h.total ? hdr_mean(&s->h) / 1e6 : NAN;
	s->p50 = s->h.total ? (double)hdr_value_at_percentile(&s->h, 50) / 1e6 : NAN;
	s->p99 = s->h.total ? (double)hdr_value_at_percentile(&s->h, 99) / 1e6 : NAN;
	hdr_release(&r.latency);
	hdr_release(&r.latency_raw);
	return 0;
}

void load_step_release(struct load_step *s)
{
	hdr_release(&s->h);
}
