#include "stats/usl_csv.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/error.h"
#include "util/xalloc.h"

#define CSV_MAX_FIELDS 64
#define CSV_MAX_FIELD 128

/* Where each quantity is in a line, and the latency's scale to seconds. */
struct csv_cols {
	int n, x, w;
	double w_scale;
};

/* Splits one line into trimmed fields (copied into f); the count, or -1 when too many or too long. */
static int csv__split(const char *p, const char *end, char f[][CSV_MAX_FIELD])
{
	int k = 0;

	for (;;) {
		const char *s = p, *e;
		size_t len;

		while (p < end && *p != ',' && *p != ';' && *p != '\t')
			p++;
		e = p;
		while (s < e && isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		if (e - s >= 2 && *s == '"' && e[-1] == '"') {	/* a quoted header name */
			s++;
			e--;
		}
		len = (size_t)(e - s);
		if (k == CSV_MAX_FIELDS || len >= CSV_MAX_FIELD)
			return -1;
		memcpy(f[k], s, len);
		f[k][len] = '\0';
		k++;
		if (p >= end)
			return k;
		p++;
	}
}

/* A field as a number: the whole field, finite; 0 or -1. */
static int csv__number(const char *s, double *v)
{
	char *end;

	if (!*s)
		return -1;
	*v = strtod(s, &end);
	return *end || !isfinite(*v) ? -1 : 0;
}

static int csv__is_one_of(const char *s, const char *const *names)
{
	for (; *names; names++)
		if (!strcasecmp(s, *names))
			return 1;
	return 0;
}

/* Finds the columns by name in a header line; -1 with pe_error() when one that is needed is not there. */
static int csv__header(char f[][CSV_MAX_FIELD], int k, int line, struct csv_cols *c)
{
	static const char *const n_names[] = { "concurrency", "n", "load", "connections", "threads",
					       "users", "clients", "processors", NULL };
	static const char *const x_names[] = { "throughput", "x", "rps", "tput", NULL };
	static const char *const w_names[] = { "latency", "latency_s", "w", NULL };

	c->n = c->x = c->w = -1;
	c->w_scale = 1;
	for (int i = 0; i < k; i++) {
		if (c->n < 0 && csv__is_one_of(f[i], n_names))
			c->n = i;
		else if (c->x < 0 && csv__is_one_of(f[i], x_names))
			c->x = i;
		else if (c->w < 0 && csv__is_one_of(f[i], w_names))
			c->w = i;
		else if (c->w < 0 && !strcasecmp(f[i], "latency_ms")) {
			c->w = i;
			c->w_scale = 1e-3;
		}
	}
	if (c->n < 0 || c->x < 0)
		return pe_error("line %d: a header needs a %s column (concurrency, n, load, connections, "
				"threads, users, clients or processors; throughput, x, rps or tput)",
				line, c->n < 0 ? "concurrency" : "throughput");
	return 0;
}

static int csv__point(char f[][CSV_MAX_FIELD], int k, int line, const struct csv_cols *c,
		      struct usl_point *pt)
{
	int need = c->n > c->x ? c->n : c->x;

	if (k <= need)
		return pe_error("line %d: %d field%s, expected at least %d", line, k, k == 1 ? "" : "s", need + 1);
	if (csv__number(f[c->n], &pt->n) < 0)
		return pe_error("line %d: the concurrency '%s' is not a number", line, f[c->n]);
	if (csv__number(f[c->x], &pt->x) < 0)
		return pe_error("line %d: the throughput '%s' is not a number", line, f[c->x]);
	pt->w = NAN;
	if (c->w >= 0 && c->w < k && f[c->w][0]) {
		if (csv__number(f[c->w], &pt->w) < 0)
			return pe_error("line %d: the latency '%s' is not a number", line, f[c->w]);
		pt->w *= c->w_scale;
	}
	return 0;
}

int usl_read_csv(const char *buf, size_t len, struct usl_point **pts, size_t *n)
{
	char f[CSV_MAX_FIELDS][CSV_MAX_FIELD];
	const char *p = buf, *end = buf + len;
	struct csv_cols c = { 0, 1, 2, 1 };
	struct usl_point *v = NULL;
	size_t nv = 0, alloc = 0;
	int line = 0, first = 1;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *s = p, *e;
		int k;

		eol = eol ? eol : end;
		e = eol;
		p = eol < end ? eol + 1 : end;
		line++;
		if (e > s && e[-1] == '\r')
			e--;
		while (s < e && isspace((unsigned char)*s))
			s++;
		if (s == e || *s == '#')
			continue;
		if (memchr(s, '\0', (size_t)(e - s))) {
			free(v);
			return pe_error("line %d: a NUL byte: this is not a text file", line);
		}
		k = csv__split(s, e, f);
		if (k < 0) {
			free(v);
			return pe_error("line %d: more than %d fields, or a field over %d characters", line,
					CSV_MAX_FIELDS, CSV_MAX_FIELD - 1);
		}
		if (first) {
			double d;

			first = 0;
			if (csv__number(f[0], &d) < 0) {
				if (csv__header(f, k, line, &c) < 0)
					return -1;
				continue;
			}
		}
		if (nv == alloc) {
			alloc = alloc ? 2 * alloc : 16;
			v = xrealloc(v, alloc * sizeof(*v));
		}
		if (csv__point(f, k, line, &c, &v[nv]) < 0) {
			free(v);
			return -1;
		}
		nv++;
	}
	*pts = v;
	*n = nv;
	return 0;
}
