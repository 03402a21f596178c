#include "out/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "out/model_report.h"
#include "out/profile_out.h"
#include "out/series.h"
#include "out/xml.h"
#include "stats/compare.h"
#include "stats/describe.h"
#include "stats/gate.h"
#include "stats/usl.h"
#include "util/error.h"
#include "util/xalloc.h"

static const struct store_metric *report__metric(const struct store_run *r, const char *name)
{
	for (size_t i = 0; i < r->nmetrics; i++)
		if (!strcmp(r->metrics[i].name, name))
			return &r->metrics[i];
	return NULL;
}

static void report__when(const struct store_run *r, char *buf, size_t n)
{
	time_t t = (time_t)(r->started / 1000000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

static const char report_css[] =
	":root{color-scheme:light dark;--fg:#1d1d1f;--bg:#fff;--muted:#666;--line:#ddd;--accent:#e76f51}\n"
	"@media (prefers-color-scheme:dark){:root{--fg:#eee;--bg:#16181d;--muted:#aaa;--line:#333}"
	"svg.chart rect.bg{fill:#16181d}svg.chart text{fill:#ddd}}\n"
	"body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:var(--fg);background:var(--bg);"
	"max-width:1100px;margin:0 auto;padding:1rem}\n"
	"h1{font-size:1.5rem}h2{font-size:1.2rem;border-bottom:1px solid var(--line);padding-bottom:.3rem}\n"
	".meta{color:var(--muted);font-size:.9rem}\n"
	"table{border-collapse:collapse;margin:.5rem 0;font-variant-numeric:tabular-nums;display:block;overflow-x:auto}\n"
	"th,td{border-bottom:1px solid var(--line);padding:.25rem .6rem;text-align:right}th:first-child,td:first-child{text-align:left}\n"
	"svg{max-width:100%;height:auto}iframe.flamegraph{width:100%;height:520px;border:1px solid var(--line)}\n"
	".verdict-slower{color:#c0392b}.verdict-faster{color:#2a9d8f}\n";

/* A number between before and after: "-" for NaN (a metric without samples). */
static void report__num(FILE *f, const char *before, double v, const char *after)
{
	if (isnan(v))
		fprintf(f, "%s-%s", before, after);
	else
		fprintf(f, "%s%.6g%s", before, v, after);
}

/* A table of a run's metrics: median, mean, min, max, samples. */
static void report__metrics_html(FILE *f, const struct store_run *r)
{
	fputs("<table class=\"metrics\"><tr><th>metric</th><th>unit</th><th>median</th><th>mean</th><th>min</th>"
	      "<th>max</th><th>samples</th></tr>\n", f);
	for (size_t i = 0; i < r->nmetrics; i++) {
		const struct store_metric *m = &r->metrics[i];

		fputs("<tr><td>", f);
		xml_escape(f, m->name, 0);
		fputs("</td><td>", f);
		xml_escape(f, m->unit ? m->unit : "", 0);
		fputs("</td>", f);
		report__num(f, "<td>", m->median, "</td>");
		report__num(f, "<td>", m->mean, "</td>");
		report__num(f, "<td>", m->min, "</td>");
		report__num(f, "<td>", m->max, "</td>");
		fprintf(f, "<td>%zu</td></tr>\n", m->nsamples);
	}
	fputs("</table>\n", f);
}

/* Each run time as a point (class sample), the median as a line, on one axis per bench run. */
static void report__bench_svg(FILE *f, const struct store_metric *m)
{
	const double W = 720, H = 120, L = 60, R = 20;
	double lo = INFINITY, hi = -INFINITY;

	for (size_t i = 0; i < m->nsamples; i++) {
		lo = fmin(lo, m->samples[i]);
		hi = fmax(hi, m->samples[i]);
	}
	if (!(hi > lo)) {
		hi = lo * 1.01 + 1e-9;
		lo *= 0.99;
	}
#define BX(v) (L + ((v) - lo) / (hi - lo) * (W - L - R))
	fprintf(f, "<svg class=\"chart bench\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" "
		   "width=\"%.0f\" height=\"%.0f\" font-family=\"sans-serif\" font-size=\"12\">"
		   "<rect class=\"bg\" width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n", W, H, W, H);
	for (size_t i = 0; i < m->nsamples; i++)
		fprintf(f, "<circle class=\"sample\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#264653\" fill-opacity=\"0.6\">"
			   "<title>run %zu: %.6g s</title></circle>\n", BX(m->samples[i]),
			40 + 30 * (double)((i * 7919) % 11) / 10, i + 1, m->samples[i]);
	fprintf(f, "<line class=\"median\" x1=\"%.1f\" x2=\"%.1f\" y1=\"30\" y2=\"80\" stroke=\"#e76f51\" stroke-width=\"2\"/>\n",
		BX(m->median), BX(m->median));
	fprintf(f, "<text x=\"%.0f\" y=\"105\">%.4g s</text><text x=\"%.0f\" y=\"105\" text-anchor=\"end\">%.4g s</text>"
		   "<text x=\"%.1f\" y=\"22\" text-anchor=\"middle\" fill=\"#e76f51\">median %.4g s</text></svg>\n",
		L, lo, W - R, hi, BX(m->median), m->median);
#undef BX
}

/* The ratio of medians of each later bench run's wall times to the first's, with its CI and verdict. */
static void report__bench_compare_html(FILE *f, const struct report_run *runs, size_t n)
{
	const struct store_metric *ref = NULL;
	size_t first = 0, shown = 0;

	for (size_t i = 0; i < n && !ref; i++)
		if (!strcmp(runs[i].run->kind, "bench") && (ref = report__metric(runs[i].run, "wall")) && ref->nsamples)
			first = i;
	if (!ref || !ref->nsamples)
		return;
	for (size_t i = first + 1; i < n; i++) {
		const struct store_metric *m = report__metric(runs[i].run, "wall");
		struct comparison c;

		if (strcmp(runs[i].run->kind, "bench") || !m || !m->nsamples)
			continue;
		if (!shown++)
			fprintf(f, "<section class=\"comparison\"><h2>bench: against run %lld</h2>\n<table><tr><th>run</th>"
				   "<th>median ratio</th><th>95%% CI</th><th>p</th><th>verdict</th></tr>\n",
				(long long)runs[first].run->id);
		compare_samples(m->samples, m->nsamples, ref->samples, ref->nsamples, GATE_DEFAULT_BAND, 42, &c);
		fprintf(f, "<tr class=\"verdict-%s\"><td>%lld</td><td>%.4f</td><td>[%.4f, %.4f]</td><td>%.3g</td><td>%s</td></tr>\n",
			verdict_name(c.verdict), (long long)runs[i].run->id, c.median_ratio, c.median_ci[0],
			c.median_ci[1], c.p, verdict_name(c.verdict));
	}
	if (shown)
		fputs("</table></section>\n", f);
}

/* A series plot (out/series.c) into f, without its XML declaration. */
static void report__series_svg(FILE *f, const char *title, const char *ylabel, const double *v, size_t n,
			       double scale)
{
	char *buf = NULL, *p;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	struct series_plot sp = { .title = title, .ylabel = ylabel, .xlabel = "second of the run", .yscale = scale,
				  .v = v, .n = n };

	if (!m)
		return;
	out_series_svg(m, &sp);
	fclose(m);
	p = strstr(buf, "<svg");
	if (p) {
		fputs("<div class=\"series\">", f);
		fputs(p, f);
		fputs("</div>\n", f);
	}
	free(buf);
}

static void report__sweep_svg(FILE *f, const struct store_run *r)
{
	const struct store_metric *c = report__metric(r, "concurrency"), *x = report__metric(r, "throughput");
	const struct store_metric *w = report__metric(r, "latency");
	struct usl_point *pts;
	struct usl_fit fits[USL_NKINDS];
	struct model_report rep = { .source = r->name };
	char why[256], *buf = NULL, *p;
	size_t len = 0;
	FILE *m;

	if (!c || !x || !c->nsamples || c->nsamples != x->nsamples) {
		fputs("<p class=\"meta\">no points: no step of the sweep got a response</p>\n", f);
		return;
	}
	pts = xcalloc(c->nsamples + 1, sizeof(*pts));
	for (size_t i = 0; i < c->nsamples; i++)
		pts[i] = (struct usl_point){ c->samples[i], x->samples[i],
					     w && w->nsamples == c->nsamples ? w->samples[i] : NAN };
	if (usl_fit_all(pts, c->nsamples, fits) < 0) {
		fputs("<p class=\"meta\">no model: ", f);
		xml_escape(f, pe_errmsg(), 0);
		fputs("</p>\n", f);
		free(pts);
		return;
	}
	rep.pts = pts;
	rep.n = c->nsamples;
	rep.fits = fits;
	rep.chosen = usl_choose(fits, why, sizeof(why));
	rep.why = why;
	fprintf(f, "<p>model: <b>%s</b> (", usl_kind_name(rep.chosen));
	xml_escape(f, why, 0);
	if (isfinite(usl_peak_n(&fits[rep.chosen])))
		fprintf(f, "); peak %.4g at N = %.4g", usl_peak_x(&fits[rep.chosen]), usl_peak_n(&fits[rep.chosen]));
	else
		fputs(")", f);
	fputs("</p>\n", f);
	m = open_memstream(&buf, &len);
	if (m) {
		model_report_svg(m, &rep);
		fclose(m);
		if ((p = strstr(buf, "<svg")))
			fputs(p, f);
		free(buf);
	}
	free(pts);
}

/* s as an HTML attribute value: & " < > escaped, newlines kept (the flame graph's script needs them). */
static void report__attr(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* The flame graph in a frame of its own (srcdoc): its script and ids apart from the page's and the others'. */
static void report__flamegraph(FILE *f, const struct profile *prof, const char *title)
{
	struct profile_write_opts o = { .title = title };
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return;
	profile_write_stream(prof, m, PROFILE_FMT_SVG, &o);
	fclose(m);
	fputs("<iframe class=\"flamegraph\" title=\"flame graph\" sandbox=\"allow-scripts\" srcdoc=\"", f);
	report__attr(f, buf);	/* the SVG is already valid UTF-8: the profile's names were cleaned */
	fputs("\"></iframe>\n", f);
	free(buf);
}

/* diagnose: the verdict (its tag) and where the threads' time went, as one stacked bar. */
static void report__diagnose_html(FILE *f, const struct store_run *r)
{
	static const char *const parts[][2] = {
		{ "on_cpu", "#264653" }, { "runq", "#e9c46a" }, { "io", "#f4a261" }, { "lock", "#e76f51" },
		{ "sleep", "#8ab17d" }, { "net", "#2a9d8f" }, { "other", "#999" },
	};
	double x = 0;

	for (size_t t = 0; t < r->ntags; t++)
		if (!strncmp(r->tags[t], "verdict:", 8)) {
			fputs("<p class=\"verdict\">verdict: <b>", f);
			xml_escape(f, r->tags[t] + 8, 0);
			fputs("</b></p>\n", f);
		}
	fputs("<svg class=\"chart breakdown\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 720 64\" width=\"720\" "
	      "height=\"64\" font-family=\"sans-serif\" font-size=\"12\"><rect class=\"bg\" width=\"100%\" height=\"100%\" "
	      "fill=\"white\"/>\n", f);
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		const struct store_metric *m = report__metric(r, parts[i][0]);
		double share = m && m->nsamples && isfinite(m->median) && m->median > 0 ? m->median : 0, w = share * 700;

		if (!(share > 0))
			continue;
		fprintf(f, "<rect class=\"part\" data-part=\"%s\" x=\"%.1f\" y=\"10\" width=\"%.1f\" height=\"24\" "
			   "fill=\"%s\"><title>%s: %.1f%%</title></rect>\n", parts[i][0], 10 + x, w, parts[i][1], parts[i][0],
			share * 100);
		if (w > 50)
			fprintf(f, "<text x=\"%.1f\" y=\"52\">%s %.0f%%</text>\n", 12 + x, parts[i][0], share * 100);
		x += w;
	}
	fputs("</svg>\n<p class=\"meta\">the threads' time by state (the system's USE table is not kept with a "
	      "saved run: perfeng diagnose prints it)</p>\n", f);
}

static void report__run_html(FILE *f, const struct report_run *rr)
{
	const struct store_run *r = rr->run;
	const struct store_metric *m;
	char when[64];

	report__when(r, when, sizeof(when));
	fprintf(f, "<section class=\"run\" data-kind=\"%s\" id=\"run-%lld\"><h2>run %lld: ", r->kind, (long long)r->id,
		(long long)r->id);
	xml_escape(f, r->name ? r->name : "", 0);
	fprintf(f, " <small>(%s)</small></h2>\n<p class=\"meta\">%s on ", r->kind, when);
	xml_escape(f, r->hostname ? r->hostname : "?", 0);
	fprintf(f, ", %d cores, ", r->cores);
	xml_escape(f, r->kernel ? r->kernel : "", 0);
	if (r->git_commit && *r->git_commit)
		fprintf(f, ", git %.12s%s", r->git_commit, r->git_dirty > 0 ? " (dirty)" : "");
	fputs("<br><code>", f);
	xml_escape(f, r->command_line ? r->command_line : "", 0);
	fputs("</code></p>\n", f);
	if (!strcmp(r->kind, "bench") && (m = report__metric(r, "wall")) && m->nsamples)
		report__bench_svg(f, m);
	if (!strcmp(r->kind, "load")) {
		if ((m = report__metric(r, "rps")) && m->nsamples)
			report__series_svg(f, "responses per second", "responses/s", m->samples, m->nsamples, 1);
		if ((m = report__metric(r, "p99")) && m->nsamples)
			report__series_svg(f, "p99 latency, each second", "p99 (ms)", m->samples, m->nsamples, 1e3);
	}
	if (!strcmp(r->kind, "sweep"))
		report__sweep_svg(f, r);
	if (!strcmp(r->kind, "diagnose"))
		report__diagnose_html(f, r);
	if (rr->prof)
		report__flamegraph(f, rr->prof, r->name);
	if (strcmp(r->kind, "profile"))
		report__metrics_html(f, r);
	fputs("</section>\n", f);
}

/* A history: the series with its change points, and a table of them. */
static void report__history_html(FILE *f, const struct report_history *h)
{
	char title[256], *buf = NULL, *p;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	fputs("<section class=\"history\"><h2>history: ", f);
	xml_escape(f, h->name, 0);
	fputs(" <small>(", f);
	xml_escape(f, h->metric, 0);
	fprintf(f, ", %zu runs, %zu change point%s)</small></h2>\n", h->se->n, h->ncp, h->ncp == 1 ? "" : "s");
	snprintf(title, sizeof(title), "%s: median of %s", h->name, h->metric);
	if (m) {
		out_series_cp_svg(m, title, "median", h->is_time, h->se->value, h->se->n, h->cps, h->ncp);
		fclose(m);
		if ((p = strstr(buf, "<svg")))
			fprintf(f, "<div class=\"series\">%s</div>\n", p);
		free(buf);
	}
	if (h->ncp)
		fputs("<table><tr><th>first run after</th><th>before</th><th>after</th><th>change</th><th>p</th></tr>\n", f);
	for (size_t c = 0; c < h->ncp; c++)
		fprintf(f, "<tr><td>%lld</td><td>%.6g</td><td>%.6g</td><td>%+.2f%%</td><td>%.3g</td></tr>\n",
			(long long)h->se->id[h->cps[c].index], h->cps[c].before_median, h->cps[c].after_median,
			h->cps[c].change * 100, h->cps[c].p);
	if (h->ncp)
		fputs("</table>\n", f);
	fputs("</section>\n", f);
}

int report_html(FILE *f, const struct report_input *in)
{
	const char *title = in->title;
	const struct report_run *runs = in->runs;
	size_t n = in->n;

	fputs("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>", f);
	xml_escape(f, title, 0);
	fprintf(f, "</title>\n<style>\n%s</style></head>\n<body>\n<h1>", report_css);
	xml_escape(f, title, 0);
	fprintf(f, "</h1>\n<p class=\"meta\">%zu run%s%s, made by perfeng report</p>\n", n, n == 1 ? "" : "s",
		in->nhist ? " and their histories" : "");
	report__bench_compare_html(f, runs, n);
	for (size_t i = 0; i < n; i++)
		report__run_html(f, &runs[i]);
	for (size_t i = 0; i < in->nhist; i++)
		report__history_html(f, &in->hist[i]);
	fputs("</body></html>\n", f);
	return ferror(f) ? pe_error("cannot write the report") : 0;
}

int report_markdown(FILE *f, const struct report_input *in)
{
	const char *title = in->title;
	const struct report_run *runs = in->runs;
	size_t n = in->n;
	const struct store_metric *ref = NULL;
	char when[64];

	fprintf(f, "## %s\n\n", title);
	for (size_t i = 0; i < n; i++) {
		const struct store_run *r = runs[i].run;
		const struct store_metric *m = report__metric(r, "wall");

		report__when(r, when, sizeof(when));
		fprintf(f, "### run %lld: %s (%s)\n\n%s, %s\n\n", (long long)r->id, r->name ? r->name : "", r->kind, when,
			r->git_commit && *r->git_commit ? r->git_commit : "no git commit");
		if (!strcmp(r->kind, "bench") && m && m->nsamples) {
			if (!ref) {
				ref = m;
			} else {
				struct comparison c;

				compare_samples(m->samples, m->nsamples, ref->samples, ref->nsamples, GATE_DEFAULT_BAND, 42, &c);
				fprintf(f, "Against the first bench run: median ratio **%.4f** [%.4f, %.4f], p = %.3g: **%s**\n\n",
					c.median_ratio, c.median_ci[0], c.median_ci[1], c.p, verdict_name(c.verdict));
			}
		}
		if (!strcmp(r->kind, "profile") && runs[i].prof) {
			struct profile_func *top = NULL;
			size_t k = profile_top(runs[i].prof, 5, &top);

			fprintf(f, "| function | self | module |\n|---|---|---|\n");
			for (size_t j = 0; j < k; j++)
				fprintf(f, "| %s | %.1f%% | %s |\n", top[j].name,
					runs[i].prof->root.total ? 100.0 * (double)top[j].self / (double)runs[i].prof->root.total : 0,
					top[j].module ? top[j].module : "");
			fputc('\n', f);
			free(top);
			continue;
		}
		fprintf(f, "| metric | unit | median | mean | min | max | samples |\n|---|---|---|---|---|---|---|\n");
		for (size_t j = 0; j < r->nmetrics; j++) {
			const struct store_metric *x = &r->metrics[j];

			fprintf(f, "| %s | %s ", x->name, x->unit ? x->unit : "");
			report__num(f, "| ", x->median, " ");
			report__num(f, "| ", x->mean, " ");
			report__num(f, "| ", x->min, " ");
			report__num(f, "| ", x->max, " ");
			fprintf(f, "| %zu |\n", x->nsamples);
		}
		fputc('\n', f);
	}
	for (size_t i = 0; i < in->nhist; i++) {
		const struct report_history *h = &in->hist[i];

		fprintf(f, "### history: %s (%s, %zu runs)\n\n", h->name, h->metric, h->se->n);
		if (!h->ncp) {
			fputs("No change point.\n\n", f);
			continue;
		}
		fputs("| first run after | before | after | change | p |\n|---|---|---|---|---|\n", f);
		for (size_t c = 0; c < h->ncp; c++)
			fprintf(f, "| %lld | %.6g | %.6g | %+.2f%% | %.3g |\n", (long long)h->se->id[h->cps[c].index],
				h->cps[c].before_median, h->cps[c].after_median, h->cps[c].change * 100, h->cps[c].p);
		fputc('\n', f);
	}
	return ferror(f) ? pe_error("cannot write the report") : 0;
}
