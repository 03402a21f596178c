#include "out/model_report.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "out/xml.h"
#include "util/error.h"
#include "util/utf8.h"

static const char *const model_param_names[USL_NPARAMS] = { "lambda", "sigma", "kappa" };

/* "value ± se", or "-" for a parameter the model fixes at 0. */
static void model_param_text(char *buf, size_t n, const struct usl_fit *f, int u)
{
	if (!f->fitted[u])
		snprintf(buf, n, "-");
	else if (isnan(f->se[u]))
		snprintf(buf, n, "%.5g", f->p[u]);
	else
		snprintf(buf, n, "%.5g ± %.3g%s", f->p[u], f->se[u], f->at_bound[u] ? " (bound)" : "");
}

/* s padded with blanks to width columns (code points, as "λ" and "±" are one each), right-aligned when right. */
static void model_cell(FILE *f, const char *s, int width, int right)
{
	int cols = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; cols++) {
		uint32_t cp;

		p += utf8_next(p, &cp);
	}
	if (right)
		fprintf(f, "%*s%s", width > cols ? width - cols : 0, "", s);
	else
		fprintf(f, "%s%*s", s, width > cols ? width - cols : 0, "");
}

static void model_text_fits(FILE *f, const struct model_report *r)
{
	static const int w[] = { 8, 20, 20, 22 };
	static const char *const head[] = { "model", "λ (X of one)", "σ contention", "κ coherency" };

	for (int i = 0; i < 4; i++)
		model_cell(f, head[i], w[i] + 1, 0);
	model_cell(f, "R²", 7, 1);
	fprintf(f, " %12s\n", "residual SE");
	for (int k = USL_USL; k >= USL_LINEAR; k--) {
		const struct usl_fit *fit = &r->fits[k];
		char p[64];

		model_cell(f, usl_kind_name(fit->kind), w[0] + 1, 0);
		for (int u = 0; u < USL_NPARAMS; u++) {
			model_param_text(p, sizeof(p), fit, u);
			model_cell(f, p, w[u + 1] + 1, 0);
		}
		fprintf(f, "%7.4f %12.4g\n", fit->r2, fit->residual_se);
	}
	fputs("(± one standard error; 95% intervals in --json)\n", f);
}

static void model_text_points(FILE *f, const struct model_report *r, const struct usl_fit *c)
{
	int little = 0;

	for (size_t i = 0; i < r->n; i++)
		little |= !isnan(r->pts[i].w);
	fprintf(f, "\n%10s %12s %12s %10s", "N", "X", c == &r->fits[USL_USL] ? "usl" :
		c == &r->fits[USL_AMDAHL] ? "amdahl" : "linear", "residual");
	if (little)
		fprintf(f, " %12s %10s", "latency", "X·W (L)");
	fputc('\n', f);
	for (size_t i = 0; i < r->n; i++) {
		const struct usl_point *p = &r->pts[i];
		double fit = usl_predict(c, p->n);

		fprintf(f, "%10g %12.6g %12.6g %10.4g", p->n, p->x, fit, p->x - fit);
		if (!isnan(p->w))
			fprintf(f, " %10.4g s %10.4g", p->w, p->x * p->w);
		fputc('\n', f);
	}
}

/* Little's law, L = X·W, against the concurrency each point was measured at. */
static void model_text_little(FILE *f, const struct model_report *r)
{
	size_t with = 0, off = 0, worst = 0;
	double worst_dev = 0;

	for (size_t i = 0; i < r->n; i++) {
		double dev;

		if (isnan(r->pts[i].w))
			continue;
		with++;
		dev = r->pts[i].x * r->pts[i].w / r->pts[i].n - 1;
		if (fabs(dev) > MODEL_LITTLE_TOLERANCE)
			off++;
		if (fabs(dev) > fabs(worst_dev)) {
			worst_dev = dev;
			worst = i;
		}
	}
	if (!with)
		return;
	if (!off) {
		fprintf(f, "Little's law: X·W is within %.0f%% of N at all %zu points with latency\n",
			MODEL_LITTLE_TOLERANCE * 100, with);
		return;
	}
	fprintf(f, "Little's law: X·W departs from N by more than %.0f%% at %zu of %zu points (most at N = %g: "
		   "L = %.4g, %+.0f%%): ", MODEL_LITTLE_TOLERANCE * 100, off, with, r->pts[worst].n,
		r->pts[worst].x * r->pts[worst].w, worst_dev * 100);
	fputs(worst_dev < 0 ? "fewer requests were in the server than configured (think time, or the load "
			      "generator or network holding them)\n"
			    : "more requests were in flight than configured (pipelining, or latency and "
			      "throughput measured over different spans)\n", f);
}

void model_report_text(FILE *f, const struct model_report *r)
{
	const struct usl_fit *c = &r->fits[r->chosen];
	double lo = INFINITY, hi = -INFINITY, pn = usl_peak_n(c);

	for (size_t i = 0; i < r->n; i++) {
		lo = fmin(lo, r->pts[i].n);
		hi = fmax(hi, r->pts[i].n);
	}
	fprintf(f, "%zu points from %s, concurrency %g to %g\n\n", r->n, r->source, lo, hi);
	model_text_fits(f, r);
	fprintf(f, "\nthe data supports %s: %s\n", usl_kind_name(r->chosen), r->why);
	if (isinf(pn))
		fprintf(f, "peak: none (κ = 0)%s\n", c->p[USL_SIGMA] > 0 ? "" : ": linear scaling");
	else
		fprintf(f, "peak: X = %.6g at N = %.4g%s\n", usl_peak_x(c), pn,
			pn > hi ? " (beyond the points measured: a prediction)" : "");
	if (r->chosen != USL_LINEAR && c->p[USL_SIGMA] > 0 && isinf(pn))
		fprintf(f, "ceiling: X approaches λ/σ = %.6g as N grows\n", c->p[USL_LAMBDA] / c->p[USL_SIGMA]);
	if (isfinite(usl_knee(c)))
		fprintf(f, "knee: N = %.4g, where X reaches %.0f%% of its %s (%.6g)\n", usl_knee(c), USL_KNEE * 100,
			isinf(pn) ? "ceiling" : "peak", usl_predict(c, usl_knee(c)));
	for (size_t i = 0; i < r->npredict; i++)
		fprintf(f, "%s N = %g: X = %.6g (%s)\n", i ? "          " : "predicted:", r->predict[i],
			usl_predict(c, r->predict[i]), usl_kind_name(r->chosen));
	model_text_points(f, r, c);
	model_text_little(f, r);
}

static json_t *model_fit_json(const struct usl_fit *f)
{
	json_t *o = json_object();

	for (int u = 0; u < USL_NPARAMS; u++) {
		json_t *p = json_object();

		json_object_set_new(p, "value", json_real(f->p[u]));
		json_object_set_new(p, "fitted", json_boolean(f->fitted[u]));
		json_object_set_new(p, "se", isnan(f->se[u]) ? json_null() : json_real(f->se[u]));
		json_object_set_new(p, "ci95", isnan(f->ci[u][0]) ? json_null()
					       : json_pack("[ff]", f->ci[u][0], f->ci[u][1]));
		json_object_set_new(p, "at_bound", json_boolean(f->at_bound[u]));
		json_object_set_new(o, model_param_names[u], p);
	}
	json_object_set_new(o, "rss", json_real(f->rss));
	json_object_set_new(o, "r2", isnan(f->r2) ? json_null() : json_real(f->r2));
	json_object_set_new(o, "residual_se", isnan(f->residual_se) ? json_null() : json_real(f->residual_se));
	json_object_set_new(o, "df", json_integer(f->df));
	json_object_set_new(o, "iterations", json_integer(f->iterations));
	return o;
}

/* A JSON number, or null for infinity (no peak). */
static json_t *model_json_num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

json_t *model_report_json(const struct model_report *r)
{
	const struct usl_fit *c = &r->fits[r->chosen];
	json_t *root = json_object(), *fits = json_object(), *pts = json_array(), *pred = json_array();

	json_object_set_new(root, "source", json_string(r->source));
	for (size_t i = 0; i < r->n; i++) {
		const struct usl_point *p = &r->pts[i];
		json_t *o = json_pack("{sfsfsf}", "concurrency", p->n, "throughput", p->x, "fitted",
				      usl_predict(c, p->n));

		if (!isnan(p->w)) {
			json_object_set_new(o, "latency", json_real(p->w));
			json_object_set_new(o, "little_l", json_real(p->x * p->w));
		}
		json_array_append_new(pts, o);
	}
	json_object_set_new(root, "points", pts);
	for (int k = USL_LINEAR; k < USL_NKINDS; k++)
		json_object_set_new(fits, usl_kind_name((enum usl_kind)k), model_fit_json(&r->fits[k]));
	json_object_set_new(root, "fits", fits);
	json_object_set_new(root, "model", json_string(usl_kind_name(r->chosen)));
	json_object_set_new(root, "why", json_string(r->why));
	json_object_set_new(root, "peak", json_pack("{soso}", "concurrency", model_json_num(usl_peak_n(c)),
						    "throughput", model_json_num(usl_peak_x(c))));
	json_object_set_new(root, "knee", json_pack("{soso}", "concurrency", model_json_num(usl_knee(c)),
						    "throughput", model_json_num(isfinite(usl_knee(c)) ?
										 usl_predict(c, usl_knee(c)) : NAN)));
	for (size_t i = 0; i < r->npredict; i++)
		json_array_append_new(pred, json_pack("{sfsf}", "concurrency", r->predict[i], "throughput",
						      usl_predict(c, r->predict[i])));
	json_object_set_new(root, "predict", pred);
	return root;
}

/* The model's curve from N = 1 to hi as an SVG polyline. */
static void model_svg_curve(FILE *f, const struct usl_fit *fit, double hi, double (*sx)(double, double),
			    double (*sy)(double, double), double xmax, double ymax, const char *style)
{
	fprintf(f, "<polyline fill=\"none\" %s points=\"", style);
	for (int i = 0; i <= 200; i++) {
		double n = 1 + (hi - 1) * i / 200.0;

		fprintf(f, "%s%.1f,%.1f", i ? " " : "", sx(n, xmax), sy(fmin(usl_predict(fit, n), ymax * 1.05), ymax));
	}
	fprintf(f, "\"><title>%s</title></polyline>\n", usl_kind_name(fit->kind));
}

#define SVG_W 720.0
#define SVG_H 440.0
#define SVG_L 80.0
#define SVG_R 24.0
#define SVG_T 44.0
#define SVG_B 52.0

static double model_sx(double n, double xmax)
{
	return SVG_L + n / xmax * (SVG_W - SVG_L - SVG_R);
}

static double model_sy(double x, double ymax)
{
	return SVG_T + (1 - x / ymax) * (SVG_H - SVG_T - SVG_B);
}

int model_report_svg(FILE *f, const struct model_report *r)
{
	const struct usl_fit *c = &r->fits[r->chosen];
	double xmax = 0, ymax = 0, pn = usl_peak_n(c), xs, ys;

	for (size_t i = 0; i < r->n; i++) {
		xmax = fmax(xmax, r->pts[i].n);
		ymax = fmax(ymax, r->pts[i].x);
	}
	for (size_t i = 0; i < r->npredict; i++)
		xmax = fmax(xmax, r->predict[i]);
	if (isfinite(pn) && pn < 4 * xmax)
		xmax = fmax(xmax, pn);
	ymax = fmax(ymax, usl_predict(c, xmax));
	if (isfinite(pn) && pn <= xmax)
		ymax = fmax(ymax, usl_peak_x(c));
	xs = svg_tick_step(xmax);
	ys = svg_tick_step(ymax);
	xmax = ceil(xmax * 1.02 / xs) * xs;
	ymax = ceil(ymax * 1.05 / ys) * ys;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
		   "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
		   "<text x=\"%.0f\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">",
		SVG_W, SVG_H, SVG_W, SVG_H, SVG_W / 2);
	xml_escape(f, r->source, 0);
	fprintf(f, ": %s fit</text>\n", usl_kind_name(r->chosen));
	for (double y = 0; y <= ymax + ys / 2; y += ys)
		fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/><text x=\"%.1f\" "
			   "y=\"%.1f\" text-anchor=\"end\">%g</text>\n", SVG_L, SVG_W - SVG_R, model_sy(y, ymax),
			model_sy(y, ymax), SVG_L - 6, model_sy(y, ymax) + 4, y);
	for (double x = 0; x <= xmax + xs / 2; x += xs)
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%g</text>\n", model_sx(x, xmax),
			SVG_H - SVG_B + 16, x);
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">concurrency N</text>\n"
		   "<text x=\"16\" y=\"%.1f\" transform=\"rotate(-90 16 %.1f)\" text-anchor=\"middle\">throughput X</text>\n",
		(SVG_L + SVG_W - SVG_R) / 2, SVG_H - 12, (SVG_T + SVG_H - SVG_B) / 2, (SVG_T + SVG_H - SVG_B) / 2);
	for (int k = USL_LINEAR; k < USL_NKINDS; k++)
		if (k != (int)r->chosen)
			model_svg_curve(f, &r->fits[k], xmax, model_sx, model_sy, xmax, ymax,
					"stroke=\"#999\" stroke-width=\"1\" stroke-dasharray=\"5 4\" class=\"other\"");
	model_svg_curve(f, c, xmax, model_sx, model_sy, xmax, ymax,
			"stroke=\"#e76f51\" stroke-width=\"2\" class=\"chosen\"");
	if (isfinite(pn) && pn <= xmax)
		fprintf(f, "<line class=\"peak\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e76f51\" "
			   "stroke-dasharray=\"2 3\"/><text x=\"%.1f\" y=\"%.1f\" fill=\"#e76f51\">peak %.4g at N = %.4g</text>\n",
			model_sx(pn, xmax), model_sx(pn, xmax), SVG_T, SVG_H - SVG_B, model_sx(pn, xmax) + 4, SVG_T + 12,
			usl_peak_x(c), pn);
	for (size_t i = 0; i < r->n; i++)
		fprintf(f, "<circle class=\"point\" cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"#264653\"><title>N = %g: "
			   "X = %g</title></circle>\n", model_sx(r->pts[i].n, xmax), model_sy(r->pts[i].x, ymax),
			r->pts[i].n, r->pts[i].x);
	fputs("</svg>\n", f);
	return ferror(f) ? pe_error("cannot write the SVG") : 0;
}
