#include "out/series.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "out/format.h"
#include "out/xml.h"
#include "stats/describe.h"
#include "util/error.h"
#include "util/xalloc.h"

void out_sparkline(FILE *f, const double *v, size_t n, size_t width)
{
	static const char *const bars[] = { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
	size_t m = n < width ? n : width;
	double *b, lo = INFINITY, hi = -INFINITY;

	if (!n || !width)
		return;
	b = xcalloc(m, sizeof(*b));
	for (size_t i = 0; i < m; i++) {
		size_t from = i * n / m, to = (i + 1) * n / m;

		for (size_t k = from; k < to; k++)
			b[i] += v[k];
		b[i] /= (double)(to - from);
		lo = fmin(lo, b[i]);
		hi = fmax(hi, b[i]);
	}
	for (size_t i = 0; i < m; i++) {
		int k = hi > lo ? (int)((b[i] - lo) / (hi - lo) * 7.999) : 3;
		fputs(bars[k < 0 ? 0 : k > 7 ? 7 : k], f);
	}
	free(b);
}

int out_series_svg(FILE *f, const struct series_plot *p)
{
	const double W = 900, H = 420, L = 80, R = 20, T = 40, B = 50;
	double lo = INFINITY, hi = -INFINITY, step;
	size_t n = p->n;

	for (size_t i = 0; i < n; i++) {
		lo = fmin(lo, p->v[i] * p->yscale);
		hi = fmax(hi, p->v[i] * p->yscale);
	}
	if (!n) {
		lo = 0;
		hi = 1;
	}
	if (hi <= lo) {
		hi = lo + (lo ? fabs(lo) * 0.1 : 1);
		lo -= (hi - lo);
	}
	step = svg_tick_step(hi - lo);
	lo = floor(lo / step) * step;
	hi = ceil(hi / step) * step;
#define X(i) (L + (n > 1 ? (double)(i) / (double)(n - 1) : 0.5) * (W - L - R))
#define Y(y) (T + (1 - ((y) - lo) / (hi - lo)) * (H - T - B))
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		   "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"12\">\n"
		   "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n", W, H, W, H);
	fputs("<text x=\"450\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">", f);
	xml_escape(f, p->title ? p->title : "", 0);
	fputs("</text>\n", f);
	for (double y = lo; y <= hi + step / 2; y += step) {
		fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
			   "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
			L, W - R, Y(y), Y(y), L - 6, Y(y) + 4, fabs(y) < step / 1e6 ? 0 : y);
	}
	fprintf(f, "<text x=\"16\" y=\"%.1f\" transform=\"rotate(-90 16 %.1f)\" text-anchor=\"middle\">",
		(T + H - B) / 2, (T + H - B) / 2);
	xml_escape(f, p->ylabel ? p->ylabel : "", 0);
	fprintf(f, "</text>\n<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", (L + W - R) / 2, H - 12);
	if (p->xlabel)
		xml_escape(f, p->xlabel, 0);
	else
		fprintf(f, "run (oldest to newest, %zu runs)", n);
	fputs("</text>\n", f);
	/* segments' medians as a step line */
	for (size_t s = 0; p->seg_level && s <= p->nchange; s++) {
		size_t from = s ? p->change[s - 1] : 0, to = s < p->nchange ? p->change[s] : n;

		if (to <= from)
			continue;
		fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#2a9d8f\" "
			   "stroke-width=\"2\" stroke-dasharray=\"6 3\"/>\n", X(from), X(to - 1),
			Y(p->seg_level[s] * p->yscale), Y(p->seg_level[s] * p->yscale));
	}
	fputs("<polyline fill=\"none\" stroke=\"#264653\" stroke-width=\"1.5\" points=\"", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%.1f,%.1f", i ? " " : "", X(i), Y(p->v[i] * p->yscale));
	fputs("\"/>\n", f);
	for (size_t i = 0; i < n && n <= 500; i++)
		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"#264653\"><title>run %zu: %g</title></circle>\n",
			X(i), Y(p->v[i] * p->yscale), i + 1, p->v[i] * p->yscale);
	for (size_t c = 0; c < p->nchange; c++) {
		double x = (X(p->change[c] - 1) + X(p->change[c])) / 2;

		fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e76f51\" "
			   "stroke-width=\"2\"/>\n<text x=\"%.1f\" y=\"%.1f\" fill=\"#e76f51\" text-anchor=\"start\">",
			x, x, T, H - B, x + 5, T + 12 + 14.0 * (double)(c % 2));
		xml_escape(f, p->change_label && p->change_label[c] ? p->change_label[c] : "change", 0);
		fputs("</text>\n", f);
	}
#undef X
#undef Y
	fputs("</svg>\n", f);
	if (ferror(f))
		return pe_error("cannot write the SVG");
	return 0;
}

int out_series_cp_svg(FILE *f, const char *title, const char *what, int is_time, const double *v, size_t n,
		      const struct change_point *cps, size_t ncp)
{
	size_t *idx = xcalloc(ncp + 1, sizeof(*idx));
	char **labels = xcalloc(ncp + 1, sizeof(*labels));
	double *level = xcalloc(ncp + 1, sizeof(*level));
	char ylabel[128];
	struct series_plot p = { 0 };
	double scale = 1;
	const char *unit = "";
	int rc;

	if (is_time && n) {
		enum time_unit u = time_unit_for(stats_median(v, n));
		scale = time_unit_scale(u);
		unit = time_unit_ascii(u);
	}
	for (size_t c = 0; c < ncp; c++) {
		idx[c] = cps[c].index;
		labels[c] = isfinite(cps[c].change) ? xasprintf("%+.1f%%", cps[c].change * 100) : xstrdup("change");
	}
	for (size_t s = 0; s <= ncp; s++) {
		size_t from = s ? idx[s - 1] : 0, to = s < ncp ? idx[s] : n;

		level[s] = to > from ? stats_median(v + from, to - from) : NAN;
	}
	snprintf(ylabel, sizeof(ylabel), "%s%s%s%s", what, *unit ? " (" : "", unit, *unit ? ")" : "");
	p.title = title;
	p.ylabel = ylabel;
	p.yscale = scale;
	p.v = v;
	p.n = n;
	p.change = idx;
	p.change_label = (const char *const *)labels;
	p.nchange = ncp;
	p.seg_level = level;
	rc = out_series_svg(f, &p);
	for (size_t c = 0; c < ncp; c++)
		free(labels[c]);
	free(labels);
	free(idx);
	free(level);
	return rc;
}
