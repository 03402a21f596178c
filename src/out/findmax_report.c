#include "out/findmax_report.h"

#include <math.h>
#include <string.h>

#include "out/format.h"
#include "out/json.h"

static const char *findmax__ms(char *b, size_t n, double secs)
{
	if (isnan(secs))
		snprintf(b, n, "n/a");
	else
		fmt_time_num(b, n, secs, TU_MS);
	return b;
}

/* An SLO's column: as wide as its text. */
static int findmax__width(const struct slo *s)
{
	int n = (int)strlen(s->text);

	return n > 4 ? n : 4;
}

static void findmax__header(FILE *f, const struct findmax_opts *o)
{
	fprintf(f, "  %4s  %-6s %10s %10s %9s %9s %8s", "step", "phase", "target/s", "achieved/s",
		"p50 ms", "p99 ms", "errors");
	for (size_t i = 0; i < o->nslos; i++)
		fprintf(f, "  %-*s", findmax__width(&o->slos[i]), o->slos[i].text);
	fprintf(f, "  result\n");
}

void findmax_report_row(FILE *f, const struct findmax_opts *o, size_t index, const struct findmax_step *s)
{
	char a[32], b[32], e[32];

	if (isnan(s->error_rate))
		snprintf(e, sizeof(e), "n/a");
	else
		snprintf(e, sizeof(e), "%.3f%%", s->error_rate * 100);
	fprintf(f, "  %4zu  %-6s %10.1f %10.1f %9s %9s %8s", index + 1,
		s->phase == FINDMAX_UP ? "up" : "bisect", s->target, s->achieved,
		findmax__ms(a, sizeof(a), s->p50), findmax__ms(b, sizeof(b), s->p99), e);
	for (size_t i = 0; i < o->nslos; i++)
		fprintf(f, "  %-*s", findmax__width(&o->slos[i]), s->slo_met[i] ? "pass" : "FAIL");
	fprintf(f, "  %s%s\n", s->pass ? "pass" : "FAIL",
		s->rate_met ? "" : " (rate not reached)");
}

void findmax_report_text(const char *url, const struct findmax_opts *o, const struct findmax_result *r)
{
	printf("perfeng load --find-max %s\n", url);
	printf("  steps of %.3g s after %u s of warm-up, from %.1f req/s (x%.0f, then bisect to %.3g%%)\n\n",
	       (double)o->step_ns / 1e9, o->warmup_s, o->start_rate, FINDMAX_FACTOR, o->precision * 100);
	findmax__header(stdout, o);
	for (size_t i = 0; i < r->nsteps; i++)
		findmax_report_row(stdout, o, i, &r->steps[i]);
	printf("\n");
	switch (r->end) {
	case FINDMAX_NONE:
		printf("  no rate met every SLO: %.1f req/s, the start rate, failed; try a lower --start-rate\n",
		       o->start_rate);
		return;
	case FINDMAX_MAX_RATE:
		printf("  knee: not reached; every step passed up to --max-rate %.1f req/s\n", r->knee);
		return;
	default:
		break;
	}
	if (r->knee > 0)
		printf("  knee: %.1f req/s, the highest rate that met every SLO", r->knee);
	else
		printf("  knee: none found");
	if (r->first_fail > 0)
		printf(" (%.1f req/s failed)", r->first_fail);
	if (r->end == FINDMAX_STEPS)
		printf("; stopped after %d steps, before the precision", FINDMAX_MAX_STEPS);
	else if (r->end == FINDMAX_INTERRUPTED)
		printf("; interrupted");
	printf("\n");
}

json_t *findmax_report_json(const char *url, const struct findmax_opts *o, const struct findmax_result *r)
{
	json_t *root = json_object(), *steps = json_array(), *slos = json_array();

	for (size_t i = 0; i < o->nslos; i++)
		json_array_append_new(slos, json_string(o->slos[i].text));
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct findmax_step *s = &r->steps[i];
		json_t *sj = json_array();

		for (size_t k = 0; k < o->nslos; k++)
			json_array_append_new(sj, json_pack("{s:s,s:o,s:b}", "slo", o->slos[k].text,
							    "value", json_num(s->slo_value[k]), "met", s->slo_met[k]));
		json_array_append_new(steps, json_pack("{s:I,s:s,s:f,s:o,s:o,s:o,s:I,s:I,s:I,s:o,s:o,s:o,s:b,s:o,s:b}",
			"step", (json_int_t)i + 1, "phase", s->phase == FINDMAX_UP ? "up" : "bisect",
			"target_rate", s->target, "achieved_rate", json_num(s->achieved), "rps", json_num(s->rps),
			"duration", json_num(s->secs), "requests", (json_int_t)s->sent,
			"responses", (json_int_t)s->responses, "errors", (json_int_t)s->errors,
			"error_rate", json_num(s->error_rate), "p50", json_num(s->p50), "p99", json_num(s->p99),
			"rate_met", s->rate_met, "slo", sj, "pass", s->pass));
	}
	json_object_set_new(root, "url", json_string(url));
	json_object_set_new(root, "mode", json_string("find-max"));
	json_object_set_new(root, "slo", slos);
	json_object_set_new(root, "start_rate", json_real(o->start_rate));
	json_object_set_new(root, "max_rate", json_real(o->max_rate));
	json_object_set_new(root, "precision", json_real(o->precision));
	json_object_set_new(root, "step_duration", json_real((double)o->step_ns / 1e9));
	json_object_set_new(root, "warmup", json_integer(o->warmup_s));
	json_object_set_new(root, "steps", steps);
	json_object_set_new(root, "knee", r->knee > 0 && r->end != FINDMAX_MAX_RATE ? json_real(r->knee) : json_null());
	json_object_set_new(root, "highest_passing", r->knee > 0 ? json_real(r->knee) : json_null());
	json_object_set_new(root, "first_failing", r->first_fail > 0 ? json_real(r->first_fail) : json_null());
	json_object_set_new(root, "end", json_string(findmax_end_text(r->end)));
	return root;
}
