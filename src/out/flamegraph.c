/*
 * SVG flame graphs (see flamegraph.h). Layout: one row per stack depth, the
 * root ("all") at the bottom (top when inverted), each frame as wide as its
 * share of the total. Children narrower than the minimum width are not
 * drawn one by one: they are merged into one grey frame after their
 * drawn siblings, so the picture still adds up.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "out/flamegraph.h"
#include "out/format.h"
#include "out/xml.h"
#include "util/error.h"
#include "util/xalloc.h"

#define FRAME_H 16	/* row pitch; rectangles are one pixel less */
#define XPAD 10
#define FONT_PX 12
#define CHAR_W 7.2	/* average advance of the monospace font at 12 px */
#define TOP 56		/* title, subtitle and buttons */
#define BOTTOM 30	/* the details line */

struct layout {
	double x, w;		/* pixels */
	int kept;
	/* merged children: count, weight and (for the diff) before-weight */
	size_t merged_n;
	uint64_t merged_v, merged_before;
	double cursor;		/* where the next kept child goes */
	const struct profile_node *before;	/* the same path in o->before */
};

/* FNV-1a, for a colour that depends only on the name. */
static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

struct rgb {
	int r, g, b;
};

static struct rgb hsl(double h, double s, double l)
{
	double c = (1 - fabs(2 * l - 1)) * s, hp = fmod(h, 360) / 60;
	double x = c * (1 - fabs(fmod(hp, 2) - 1)), m = l - c / 2, r = 0, g = 0, b = 0;

	if (hp < 1) { r = c; g = x; }
	else if (hp < 2) { r = x; g = c; }
	else if (hp < 3) { g = c; b = x; }
	else if (hp < 4) { g = x; b = c; }
	else if (hp < 5) { r = x; b = c; }
	else { r = c; b = x; }
	return (struct rgb){ (int)lround((r + m) * 255), (int)lround((g + m) * 255),
			     (int)lround((b + m) * 255) };
}

/* The kind a frame shows as: the reader's, or guessed from its module. */
static enum frame_kind shown_kind(const struct frame *f)
{
	const char *m = f->module;

	if (f->kind != FRAME_USER || !m)
		return f->kind;
	if (m[0] == '[' && strcmp(m, "[unknown]"))
		return FRAME_KERNEL;
	if (!strncmp(m, "perf-", 5) || !strncmp(m, "jitted-", 7))
		return FRAME_JIT;
	return FRAME_USER;
}

static struct rgb frame_color(const struct frame *f, enum profile_colors mode)
{
	uint32_t h = hash_str(f->name);
	double v = (double)(h & 0xffff) / 65535.0, v2 = (double)(h >> 16) / 65535.0;

	if (mode == PROFILE_COLORS_KIND) {
		switch (shown_kind(f)) {
		case FRAME_KERNEL: return hsl(36 + 10 * v, 0.95, 0.50 + 0.1 * v2);	/* orange */
		case FRAME_INLINE: return hsl(180 + 10 * v, 0.55, 0.55 + 0.1 * v2);	/* aqua */
		case FRAME_JIT: return hsl(110 + 20 * v, 0.50, 0.50 + 0.1 * v2);	/* green */
		case FRAME_PROCESS: return hsl(0, 0, 0.70 + 0.1 * v2);			/* grey */
		case FRAME_UNKNOWN: return hsl(220, 0.10, 0.62 + 0.1 * v2);		/* slate */
		default: return hsl(355 + 18 * v, 0.75, 0.60 + 0.1 * v2);		/* red */
		}
	}
	if (f->kind == FRAME_PROCESS)
		return hsl(0, 0, 0.70 + 0.1 * v2);
	if (f->module) {
		/* one hue per module; the name shades it a little */
		uint32_t hm = hash_str(f->module);

		return hsl((double)(hm % 360), 0.55 + 0.15 * v, 0.58 + 0.1 * v2);
	}
	return hsl(5 + 45 * v, 0.85, 0.55 + 0.08 * v2);
}

/*
 * Differential colour: delta is the change in share of the total (AFTER
 * minus BEFORE, in [-1, 1]), scaled by the largest change so that the
 * biggest mover is fully red or blue.
 */
static struct rgb diff_color(double delta, double max_delta)
{
	double k = max_delta > 0 ? fabs(delta) / max_delta : 0;
	int fade = (int)lround(210 * (1 - k));

	if (k < 1e-9)
		return (struct rgb){ 235, 235, 235 };
	if (delta > 0)
		return (struct rgb){ 255, fade + 30 > 255 ? 255 : fade + 30, fade };
	return (struct rgb){ fade, fade + 30 > 255 ? 255 : fade + 30, 255 };
}

static void fmt_weight(char *buf, size_t n, const struct profile *p, uint64_t v)
{
	if (p->unit && !strcmp(p->unit, "nanoseconds"))
		fmt_time(buf, n, (double)v / 1e9, TU_AUTO);
	else
		snprintf(buf, n, "%llu %s", (unsigned long long)v, p->unit ? p->unit : "samples");
}

static double share(uint64_t v, uint64_t total)
{
	return total ? (double)v / (double)total : 0;
}

struct svg {
	FILE *f;
	const struct profile *p;
	const struct profile_write_opts *o;
	double width;		/* drawable width */
	int rooty;
	uint64_t before_total;
	double max_delta;
};

static void write_frame(struct svg *s, const char *name, int merged, unsigned depth, double x,
			double w, uint64_t total, uint64_t self, int has_before, uint64_t before,
			struct rgb c)
{
	FILE *f = s->f;
	int y = s->o->inverted ? s->rooty + (int)depth * FRAME_H : s->rooty - (int)depth * FRAME_H;
	char a[64], b[64];
	size_t max = w > 6 ? (size_t)((w - 6) / CHAR_W) : 0;

	fputs(merged ? "<g data-merged=\"1\"><title>" : "<g><title>", f);
	xml_escape(f, name, 0);
	fmt_weight(a, sizeof(a), s->p, total);
	if (s->o->before) {
		fmt_weight(b, sizeof(b), s->o->before, has_before ? before : 0);
		fprintf(f, "\nafter: %s (%.2f%%)\nbefore: %s (%.2f%%)\nchange: %+.2f points", a,
			100 * share(total, s->p->root.total), b,
			100 * share(before, s->before_total),
			100 * (share(total, s->p->root.total) - share(before, s->before_total)));
	} else {
		fprintf(f, "\n%s, %.2f%%", a, 100 * share(total, s->p->root.total));
		if (self && !merged) {
			fmt_weight(b, sizeof(b), s->p, self);
			fprintf(f, "\nself: %s, %.2f%%", b, 100 * share(self, s->p->root.total));
		}
	}
	fprintf(f, "</title><rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" "
		"fill=\"rgb(%d,%d,%d)\" rx=\"2\"/>", x, y, w, FRAME_H - 1, c.r, c.g, c.b);
	fprintf(f, "<text x=\"%.2f\" y=\"%d\">", x + 3, y + FRAME_H - 4);
	if (max >= 3) {
		if (xml_strlen(name) <= max) {
			xml_escape(f, name, 0);
		} else {
			xml_escape(f, name, max - 2);
			fputs("..", f);
		}
	}
	fputs("</text></g>\n", f);
}

static void write_head(struct svg *s, int height, unsigned max_depth)
{
	FILE *f = s->f;
	const struct profile *p = s->p;
	const char *title = s->o->title;
	char tot[64];

	if (!title)
		title = s->o->before ? "Differential Flame Graph" :
			s->o->inverted ? "Icicle Graph" : "Flame Graph";
	fmt_weight(tot, sizeof(tot), p, p->root.total);
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%.0f\" "
		"height=\"%d\" viewBox=\"0 0 %.0f %d\">\n", s->width + 2 * XPAD, height,
		s->width + 2 * XPAD, height);
	fputs("<style type=\"text/css\">\n"
	      "text { font-family: monospace; font-size: 12px; fill: #000; }\n"
	      "#title { font-size: 17px; text-anchor: middle; }\n"
	      "#subtitle { fill: #555; text-anchor: middle; }\n"
	      "#search, #unzoom { cursor: pointer; fill: #06c; }\n"
	      "#matched { text-anchor: end; }\n"
	      "#frames g { cursor: pointer; }\n"
	      "#frames g:hover rect { stroke: #000; stroke-width: 0.5; }\n"
	      ".hide { display: none; }\n"
	      ".parent { opacity: 0.6; }\n"
	      "</style>\n", f);
	fprintf(f, "<rect x=\"0\" y=\"0\" width=\"100%%\" height=\"100%%\" fill=\"#f8f8f4\"/>\n"
		"<text id=\"title\" x=\"%.1f\" y=\"22\">", (s->width + 2 * XPAD) / 2);
	xml_escape(f, title, 0);
	fprintf(f, "</text>\n<text id=\"subtitle\" x=\"%.1f\" y=\"40\">", (s->width + 2 * XPAD) / 2);
	if (p->event) {
		xml_escape(f, p->event, 0);
		fputs(": ", f);
	}
	fprintf(f, "%s in %llu stack%s, %u level%s deep", tot, (unsigned long long)p->samples,
		p->samples == 1 ? "" : "s", max_depth, max_depth == 1 ? "" : "s");
	if (p->lost)
		fprintf(f, ", %llu samples lost", (unsigned long long)p->lost);
	if (s->o->before)
		fputs("; red grew, blue shrank (share of the total)", f);
	fprintf(f, "</text>\n<text id=\"unzoom\" class=\"hide\" x=\"%d\" y=\"22\">Reset Zoom</text>\n"
		"<text id=\"search\" x=\"%.0f\" y=\"22\" text-anchor=\"end\">Search</text>\n"
		"<text id=\"matched\" x=\"%.0f\" y=\"%d\"> </text>\n"
		"<text id=\"details\" x=\"%d\" y=\"%d\"> </text>\n",
		XPAD, s->width + XPAD, s->width + XPAD, height - 10, XPAD, height - 10);
}

int flamegraph_write(FILE *f, const struct profile *p, const struct profile_write_opts *o)
{
	struct profile_flat *v;
	size_t n = profile_flatten(p, &v);
	struct layout *L = xcalloc(n, sizeof(*L));
	double min_w = o->min_width > 0 ? o->min_width : 0;
	unsigned max_depth = 0;
	struct svg s = { .f = f, .p = p, .o = o };
	int height;

	s.width = (o->width ? o->width : 1200) - 2 * XPAD;
	if (s.width < 100)
		s.width = 100;
	s.before_total = o->before ? o->before->root.total : 0;
	/* Pass 1: positions, which frames are drawn, and the diff's before-values. */
	L[0].x = XPAD;
	L[0].w = p->root.total ? s.width : 0;
	L[0].kept = 1;
	L[0].cursor = XPAD;
	if (o->before) {
		const struct profile_node **b = xmalloc(n * sizeof(*b));

		profile_match(o->before, v, n, b);
		for (size_t i = 0; i < n; i++)
			L[i].before = b[i];
		free(b);
	}
	for (size_t i = 1; i < n; i++) {
		struct layout *par = &L[v[i].parent], *me = &L[i];
		const struct profile_node *node = v[i].node;
		double w = s.width * share(node->total, p->root.total);

		if (!par->kept)
			continue;
		if (w < min_w || w <= 0) {
			par->merged_n++;
			par->merged_v += node->total;
			par->merged_before += me->before ? me->before->total : 0;
			continue;
		}
		me->kept = 1;
		me->x = me->cursor = par->cursor;
		me->w = w;
		par->cursor += w;
		if (v[i].depth > max_depth)
			max_depth = v[i].depth;
	}
	for (size_t i = 0; i < n; i++)
		if (L[i].kept && L[i].merged_n && s.width * share(L[i].merged_v, p->root.total) >= min_w &&
		    L[i].merged_v && v[i].depth + 1 > max_depth)
			max_depth = v[i].depth + 1;
	if (o->before) {
		for (size_t i = 0; i < n; i++) {
			double d = share(v[i].node->total, p->root.total) -
				   share(L[i].before ? L[i].before->total : 0, s.before_total);

			if (L[i].kept && fabs(d) > s.max_delta)
				s.max_delta = fabs(d);
		}
	}

	height = TOP + (int)(max_depth + 1) * FRAME_H + BOTTOM;
	s.rooty = o->inverted ? TOP : height - BOTTOM - FRAME_H;
	write_head(&s, height, max_depth);
	fputs("<g id=\"frames\">\n", f);
	for (size_t i = 0; i < n; i++) {
		const struct profile_node *node = v[i].node;
		uint64_t bt = L[i].before ? L[i].before->total : 0;
		struct rgb c;

		if (!L[i].kept)
			continue;
		c = o->before ? diff_color(share(node->total, p->root.total) - share(bt, s.before_total),
					   s.max_delta)
			      : frame_color(&node->frame, o->colors);
		write_frame(&s, node->frame.name, 0, v[i].depth, L[i].x, L[i].w, node->total,
			    node->self, L[i].before != NULL, bt, c);
	}
	for (size_t i = 0; i < n; i++) {
		double w = s.width * share(L[i].merged_v, p->root.total);
		char name[64];

		if (!L[i].kept || !L[i].merged_n || w < min_w || !L[i].merged_v)
			continue;
		snprintf(name, sizeof(name), "%zu frame%s too narrow to draw", L[i].merged_n,
			 L[i].merged_n == 1 ? "" : "s");
		write_frame(&s, name, 1, v[i].depth + 1, L[i].cursor, w, L[i].merged_v, 0,
			    o->before != NULL, L[i].merged_before, (struct rgb){ 200, 200, 200 });
	}
	fputs("</g>\n<script type=\"text/ecmascript\"><![CDATA[\n", f);
	fprintf(f, "var FG = { width: %.2f, xpad: %d, fh: %d, cw: %.2f, rooty: %d, inverted: %d, "
		"match: 'rgb(230,0,230)' };\n", s.width, XPAD, FRAME_H, CHAR_W, s.rooty,
		o->inverted ? 1 : 0);
	fputs(flamegraph_js, f);
	fputs("]]></script>\n</svg>\n", f);
	free(L);
	free(v);
	if (ferror(f))
		return pe_error("write error: %s", strerror(errno));
	return 0;
}
