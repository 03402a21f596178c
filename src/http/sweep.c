#include "http/sweep.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "http/step.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/xalloc.h"

static int sweep__value(const char *s, char **end, int rates, double *v)
{
	*v = strtod(s, end);
	if (*end == s || !isfinite(*v) || *v <= 0 || *v > SWEEP_MAX_LEVEL)
		return -1;
	if (!rates && *v != floor(*v))
		return -1;
	return 0;
}

int sweep_parse(const char *spec, int rates, double **levels, size_t *n)
{
	const char *what = rates ? "rates" : "connection counts";
	double *v = xcalloc(SWEEP_MAX_STEPS, sizeof(*v)), a, b, step;
	size_t k = 0, iters = 0;
	char *end;

	if (strstr(spec, "..")) {
		/* A..B xF or A..B +D: parsed in parts, as strtod would read "1." of "1..8" */
		const char *dots = strstr(spec, ".."), *op = dots + 2 + strcspn(dots + 2, "x+");
		char left[32], right[32];
		int times = *op == 'x';

		if ((size_t)(dots - spec) >= sizeof(left) || (size_t)(op - dots - 2) >= sizeof(right) || !*op)
			goto bad;
		memcpy(left, spec, (size_t)(dots - spec));
		left[dots - spec] = '\0';
		memcpy(right, dots + 2, (size_t)(op - dots - 2));
		right[op - dots - 2] = '\0';
		if (sweep__value(left, &end, rates, &a) < 0 || *end || sweep__value(right, &end, rates, &b) < 0 || *end ||
		    b < a)
			goto bad;
		step = strtod(op + 1, &end);
		if (end == op + 1 || *end || !isfinite(step) || (times ? step <= 1 : step <= 0))
			goto bad;
		for (double x = a; x <= b * (1 + 1e-12); x = times ? x * step : x + step) {
			if (k == SWEEP_MAX_STEPS || ++iters > 100 * SWEEP_MAX_STEPS) {
				free(v);
				return pe_error("--sweep '%s': more than %d steps", spec, SWEEP_MAX_STEPS);
			}
			if (!k || (rates ? x : floor(x + 0.5)) > v[k - 1])	/* 1..8x1.5 rounds 1.5 and 2.25 alike */
				v[k++] = rates ? x : floor(x + 0.5);
		}
	} else {
		for (const char *p = spec;;) {
			if (k == SWEEP_MAX_STEPS) {
				free(v);
				return pe_error("--sweep '%s': more than %d steps", spec, SWEEP_MAX_STEPS);
			}
			if (sweep__value(p, &end, rates, &v[k]) < 0 || (k && v[k] <= v[k - 1]) || (*end && *end != ','))
				goto bad;
			k++;
			if (!*end)
				break;
			p = end + 1;
		}
	}
	if (k < 2) {
		free(v);
		return pe_error("--sweep '%s': at least 2 steps", spec);
	}
	*levels = v;
	*n = k;
	return 0;
bad:
	free(v);
	return pe_error("--sweep '%s': expected ascending positive %s: 1,2,4,8, or 1..64x2 (times 2), "
			"or 10..100+10 (plus 10)", spec, what);
}

int sweep_run(const struct sweep_opts *o, struct sweep_result *res)
{
	memset(res, 0, sizeof(*res));
	if (o->step_ns < NS_PER_SEC || !o->nlevels)
		return pe_error("a sweep needs steps of 1 s or more and levels");
	res->steps = xcalloc(o->nlevels, sizeof(*res->steps));
	for (size_t i = 0; i < o->nlevels; i++) {
		struct load_opts lo = o->load;
		struct load_step m;
		struct sweep_step *s = &res->steps[i];

		if (o->open)
			lo.rate = o->levels[i];
		else
			lo.connections = (unsigned)o->levels[i];
		if (lo.threads > lo.connections)
			lo.threads = lo.connections;
		if (load_step_run(&lo, o->warmup_s, o->step_ns, &m) < 0) {
			sweep_result_release(res);
			return -1;
		}
		*s = (struct sweep_step){ .level = o->levels[i], .secs = m.secs, .rps = m.rps, .achieved = m.achieved,
					  .error_rate = m.error_rate, .mean = m.mean, .p50 = m.p50, .p99 = m.p99,
					  .sent = m.sent, .responses = m.responses, .errors = m.errors };
		load_step_release(&m);
		res->nsteps++;
		if (o->step_done)
			o->step_done(o->ctx, s);
		if (o->load.stop && *o->load.stop) {
			res->interrupted = 1;
			break;
		}
	}
	return 0;
}

void sweep_result_release(struct sweep_result *res)
{
	free(res->steps);
	memset(res, 0, sizeof(*res));
}
