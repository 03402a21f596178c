#include "out/sweep_report.h"

#include <math.h>
#include <string.h>

#include "out/model_report.h"

size_t sweep_points(const struct sweep_result *r, int open, struct usl_point *pts)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nsteps; i++) {
		const struct sweep_step *s = &r->steps[i];

		if (!(s->rps > 0) || isnan(s->mean))
			continue;	/* a step without responses is no point of the curve */
		pts[n].n = open ? s->rps * s->mean : s->level;
		pts[n].x = s->rps;
		pts[n].w = s->mean;
		n++;
	}
	return n;
}

void sweep_report_row(FILE *f, int open, size_t index, const struct sweep_step *s)
{
	if (!index)
		fprintf(f, "%6s %12s %12s %10s %10s %10s %8s\n", "step", open ? "rate" : "connections", "responses/s",
			"mean ms", "p50 ms", "p99 ms", "errors");
	fprintf(f, "%6zu %12g %12.1f %10.3f %10.3f %10.3f %7.2f%%\n", index + 1, s->level, s->rps, s->mean * 1e3,
		s->p50 * 1e3, s->p99 * 1e3, isnan(s->error_rate) ? 0 : s->error_rate * 100);
}

/* The model's report of the fitted points, as perfeng model shows it. */
static void sweep__model(const struct usl_point *pts, size_t n, const struct usl_fit *fits, const char *url,
			 struct model_report *rep, char *why, size_t whylen)
{
	memset(rep, 0, sizeof(*rep));
	rep->source = url;
	rep->pts = pts;
	rep->n = n;
	rep->fits = fits;
	rep->chosen = usl_choose(fits, why, whylen);
	rep->why = why;
}

void sweep_report_text(FILE *f, const char *url, int open, const struct sweep_result *r,
		       const struct usl_point *pts, size_t n, const struct usl_fit *fits, const char *why)
{
	struct model_report rep;
	char reason[256];

	fprintf(f, "perfeng load --sweep: %s, %zu steps%s\n\n", url, r->nsteps, r->interrupted ? " (interrupted)" : "");
	for (size_t i = 0; i < r->nsteps; i++)
		sweep_report_row(f, open, i, &r->steps[i]);
	fputc('\n', f);
	if (!fits) {
		fprintf(f, "no model: %s\n", why);
		return;
	}
	if (open)
		fprintf(f, "concurrency of each point: responses/s x mean latency (Little's law)\n");
	sweep__model(pts, n, fits, url, &rep, reason, sizeof(reason));
	model_report_text(f, &rep);
}

json_t *sweep_report_json(const char *url, int open, const struct sweep_result *r, const struct usl_point *pts,
			  size_t n, const struct usl_fit *fits, const char *why)
{
	json_t *root = json_object(), *steps = json_array();
	struct model_report rep;
	char reason[256];

	json_object_set_new(root, "url", json_string(url));
	json_object_set_new(root, "swept", json_string(open ? "rate" : "connections"));
	json_object_set_new(root, "interrupted", json_boolean(r->interrupted));
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct sweep_step *s = &r->steps[i];
		json_t *o = json_pack("{sfsfsfsIsIsI}", open ? "rate" : "connections", s->level, "secs", s->secs,
				      "rps", s->rps, "sent", (json_int_t)s->sent, "responses", (json_int_t)s->responses,
				      "errors", (json_int_t)s->errors);

		json_object_set_new(o, "mean", isnan(s->mean) ? json_null() : json_real(s->mean));
		json_object_set_new(o, "p50", isnan(s->p50) ? json_null() : json_real(s->p50));
		json_object_set_new(o, "p99", isnan(s->p99) ? json_null() : json_real(s->p99));
		json_object_set_new(o, "error_rate", isnan(s->error_rate) ? json_null() : json_real(s->error_rate));
		json_array_append_new(steps, o);
	}
	json_object_set_new(root, "steps", steps);
	if (!fits) {
		json_object_set_new(root, "model", json_null());
		json_object_set_new(root, "no_model", json_string(why));
		return root;
	}
	sweep__model(pts, n, fits, url, &rep, reason, sizeof(reason));
	json_object_set_new(root, "model", model_report_json(&rep));
	return root;
}
