#include "stats/usl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/error.h"

#define USL_MAX_ITER 1000

const char *usl_kind_name(enum usl_kind k)
{
	static const char *const names[] = { "linear", "amdahl", "usl" };

	return k < USL_NKINDS ? names[k] : "?";
}

/* The parameters a kind fits, in the order of p[]: λ, then σ, then κ. */
static int usl__nparams(enum usl_kind k)
{
	return k == USL_LINEAR ? 1 : k == USL_AMDAHL ? 2 : 3;
}

static double usl__model(const double *p, double n)
{
	return p[USL_LAMBDA] * n / (1 + p[USL_SIGMA] * (n - 1) + p[USL_KAPPA] * n * (n - 1));
}

double usl_predict(const struct usl_fit *f, double n)
{
	return usl__model(f->p, n);
}

double usl_peak_n(const struct usl_fit *f)
{
	if (f->p[USL_KAPPA] <= 0)
		return INFINITY;
	return sqrt(fmax(0, 1 - f->p[USL_SIGMA]) / f->p[USL_KAPPA]);
}

double usl_peak_x(const struct usl_fit *f)
{
	double n = usl_peak_n(f);

	return isinf(n) ? INFINITY : usl_predict(f, n);
}

double usl_knee(const struct usl_fit *f)
{
	double top, lo = 1, hi, target;

	if (f->p[USL_KAPPA] > 0) {
		hi = usl_peak_n(f);
		top = usl_predict(f, hi);
	} else if (f->p[USL_SIGMA] > 0) {
		top = f->p[USL_LAMBDA] / f->p[USL_SIGMA];
		hi = 1e12;
	} else {
		return INFINITY;
	}
	target = USL_KNEE * top;
	if (usl_predict(f, lo) >= target)
		return lo;
	for (int i = 0; i < 200 && hi - lo > 1e-9 * hi; i++) {
		double mid = (lo + hi) / 2;

		if (usl_predict(f, mid) < target)
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}

/* Residual sum of squares; INFINITY where the model is not defined (a denominator <= 0). */
static double usl__rss(const struct usl_point *pts, size_t n, const double *p)
{
	double rss = 0;

	for (size_t i = 0; i < n; i++) {
		double d = 1 + p[USL_SIGMA] * (pts[i].n - 1) + p[USL_KAPPA] * pts[i].n * (pts[i].n - 1);
		double r;

		if (!(d > 0))
			return INFINITY;
		r = pts[i].x - p[USL_LAMBDA] * pts[i].n / d;
		rss += r * r;
	}
	return rss;
}

/* Row i of the Jacobian of the model in its k parameters. */
static void usl__jrow(const double *p, double n, int k, double *row)
{
	double d = 1 + p[USL_SIGMA] * (n - 1) + p[USL_KAPPA] * n * (n - 1);

	row[0] = n / d;
	if (k > 1)
		row[1] = -p[USL_LAMBDA] * n * (n - 1) / (d * d);
	if (k > 2)
		row[2] = -p[USL_LAMBDA] * n * n * (n - 1) / (d * d);
}

/* Solves the k x k system a x = b (a and b overwritten) by Gaussian elimination; -1 when singular. */
static int usl__solve(double a[3][3], double *b, int k, double *x)
{
	for (int c = 0; c < k; c++) {
		int piv = c;

		for (int r = c + 1; r < k; r++)
			if (fabs(a[r][c]) > fabs(a[piv][c]))
				piv = r;
		if (!(fabs(a[piv][c]) > 0))
			return -1;
		if (piv != c) {
			double t;

			for (int j = 0; j < k; j++) {
				t = a[c][j];
				a[c][j] = a[piv][j];
				a[piv][j] = t;
			}
			t = b[c];
			b[c] = b[piv];
			b[piv] = t;
		}
		for (int r = c + 1; r < k; r++) {
			double f = a[r][c] / a[c][c];

			for (int j = c; j < k; j++)
				a[r][j] -= f * a[c][j];
			b[r] -= f * b[c];
		}
	}
	for (int r = k - 1; r >= 0; r--) {
		double s = b[r];

		for (int j = r + 1; j < k; j++)
			s -= a[r][j] * x[j];
		x[r] = s / a[r][r];
	}
	return 0;
}

/* JᵀJ and Jᵀr at p. */
static void usl__normal(const struct usl_point *pts, size_t n, const double *p, int k, double a[3][3],
			double *g)
{
	memset(a, 0, 9 * sizeof(double));
	memset(g, 0, 3 * sizeof(double));
	for (size_t i = 0; i < n; i++) {
		double row[3], r = pts[i].x - usl__model(p, pts[i].n);

		usl__jrow(p, pts[i].n, k, row);
		for (int u = 0; u < k; u++) {
			g[u] += row[u] * r;
			for (int v = 0; v < k; v++)
				a[u][v] += row[u] * row[v];
		}
	}
}

/*
 * Levenberg-Marquardt from p (k parameters free, the others held at their
 * value), with σ, κ >= 0 and λ > 0 kept by projection. Returns the
 * iterations taken; p holds the optimum.
 */
static int usl__lm(const struct usl_point *pts, size_t n, double *p, int k)
{
	double rss = usl__rss(pts, n, p), mu = 1e-3;
	int it;

	for (it = 0; it < USL_MAX_ITER; it++) {
		double a[3][3], g[3], q[USL_NPARAMS], next = INFINITY;
		int accepted = 0;

		usl__normal(pts, n, p, k, a, g);
		while (mu < 1e20) {
			double b[3][3], rhs[3], step[3] = { 0 };

			memcpy(b, a, sizeof(b));
			memcpy(rhs, g, sizeof(rhs));
			for (int u = 0; u < k; u++)
				b[u][u] += mu * (a[u][u] > 0 ? a[u][u] : 1);
			if (usl__solve(b, rhs, k, step) < 0) {
				mu *= 10;
				continue;
			}
			memcpy(q, p, sizeof(q));
			for (int u = 0; u < k; u++)
				q[u] += step[u];
			if (q[USL_LAMBDA] <= 0)
				q[USL_LAMBDA] = p[USL_LAMBDA] / 2;
			if (q[USL_SIGMA] < 0)
				q[USL_SIGMA] = 0;
			if (q[USL_KAPPA] < 0)
				q[USL_KAPPA] = 0;
			next = usl__rss(pts, n, q);
			if (next < rss) {
				accepted = 1;
				mu = fmax(mu / 10, 1e-12);
				break;
			}
			mu *= 10;
		}
		if (!accepted)
			break;	/* no step lowers the sum: the optimum, to the precision of doubles */
		memcpy(p, q, sizeof(q));
		if (rss - next <= 1e-15 * rss) {
			rss = next;
			break;
		}
		rss = next;
	}
	return it;
}

/* The regularized incomplete beta function I_x(a, b), by its continued fraction (modified Lentz). */
static double usl__ibeta_cf(double a, double b, double x)
{
	const double tiny = 1e-300;
	double c = 1, d = 1 - (a + b) * x / (a + 1), h;

	d = 1 / (fabs(d) < tiny ? tiny : d);
	h = d;
	for (int m = 1; m <= 300; m++) {
		double num = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)), del;

		d = 1 + num * d;
		d = 1 / (fabs(d) < tiny ? tiny : d);
		c = 1 + num / c;
		c = fabs(c) < tiny ? tiny : c;
		h *= d * c;
		num = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
		d = 1 + num * d;
		d = 1 / (fabs(d) < tiny ? tiny : d);
		c = 1 + num / c;
		c = fabs(c) < tiny ? tiny : c;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-16)
			break;
	}
	return h;
}

static double usl__ibeta(double a, double b, double x)
{
	double front;

	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
	if (x < (a + 1) / (a + b + 2))
		return front * usl__ibeta_cf(a, b, x) / a;
	return 1 - front * usl__ibeta_cf(b, a, 1 - x) / b;
}

/* P(T <= t) for Student's t with df degrees of freedom. */
static double usl__t_cdf(double t, int df)
{
	double tail = 0.5 * usl__ibeta(df / 2.0, 0.5, df / (df + t * t));

	return t >= 0 ? 1 - tail : tail;
}

double usl_t_quantile(double p, int df)
{
	double lo = -1e4, hi = 1e4;

	if (p == 0.5)
		return 0;
	for (int i = 0; i < 200 && hi - lo > 1e-13 * fmax(1, fabs(lo)); i++) {
		double mid = (lo + hi) / 2;

		if (usl__t_cdf(mid, df) < p)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

/* Standard errors and intervals from s² (JᵀJ)⁻¹ at the optimum, R², residual SE. */
static void usl__finish(const struct usl_point *pts, size_t n, struct usl_fit *f)
{
	int k = usl__nparams(f->kind);
	double a[3][3], g[3], mean = 0, tss = 0, s2, t;

	f->rss = usl__rss(pts, n, f->p);
	f->n_max = 0;
	for (size_t i = 0; i < n; i++) {
		mean += pts[i].x / (double)n;
		f->n_max = fmax(f->n_max, pts[i].n);
	}
	for (size_t i = 0; i < n; i++)
		tss += (pts[i].x - mean) * (pts[i].x - mean);
	f->r2 = tss > 0 ? 1 - f->rss / tss : NAN;
	f->df = (int)n - k;
	f->residual_se = f->df > 0 ? sqrt(f->rss / f->df) : NAN;
	s2 = f->df > 0 ? f->rss / f->df : NAN;
	t = f->df > 0 ? usl_t_quantile(0.975, f->df) : NAN;
	usl__normal(pts, n, f->p, k, a, g);
	for (int u = 0; u < USL_NPARAMS; u++) {
		f->fitted[u] = u < k;
		f->at_bound[u] = u > 0 && u < k && f->p[u] == 0;
		f->se[u] = NAN;
		f->ci[u][0] = f->ci[u][1] = u < k ? NAN : 0;
	}
	for (int u = 0; u < k; u++) {
		/* column u of the inverse: solve (JᵀJ) x = e_u */
		double b[3][3], e[3] = { 0 }, x[3];

		memcpy(b, a, sizeof(b));
		e[u] = 1;
		if (usl__solve(b, e, k, x) < 0 || !(x[u] >= 0))
			continue;
		f->se[u] = sqrt(s2 * x[u]);
		f->ci[u][0] = f->p[u] - t * f->se[u];
		f->ci[u][1] = f->p[u] + t * f->se[u];
	}
}

/*
 * Starting values: λ from the point of lowest concurrency (X/N), then σ and
 * κ by linear least squares on the linearised model N·λ/X − 1 = σ(N−1) +
 * κN(N−1), clamped at 0.
 */
static void usl__start(const struct usl_point *pts, size_t n, enum usl_kind kind, double *p)
{
	size_t lo = 0;
	double s11 = 0, s12 = 0, s22 = 0, b1 = 0, b2 = 0;

	for (size_t i = 1; i < n; i++)
		if (pts[i].n < pts[lo].n || (pts[i].n == pts[lo].n && pts[i].x > pts[lo].x))
			lo = i;
	p[USL_LAMBDA] = pts[lo].x / pts[lo].n;
	p[USL_SIGMA] = p[USL_KAPPA] = 0;
	if (kind == USL_LINEAR)
		return;
	for (size_t i = 0; i < n; i++) {
		double u = pts[i].n - 1, v = pts[i].n * (pts[i].n - 1);
		double y = pts[i].n * p[USL_LAMBDA] / pts[i].x - 1;

		s11 += u * u;
		s12 += u * v;
		s22 += v * v;
		b1 += u * y;
		b2 += v * y;
	}
	if (kind == USL_AMDAHL) {
		p[USL_SIGMA] = s11 > 0 ? fmax(0, b1 / s11) : 0;
		return;
	}
	if (s11 * s22 - s12 * s12 > 0) {
		double det = s11 * s22 - s12 * s12;

		p[USL_SIGMA] = fmax(0, (b1 * s22 - b2 * s12) / det);
		p[USL_KAPPA] = fmax(0, (s11 * b2 - s12 * b1) / det);
	}
}

static int usl__check(const struct usl_point *pts, size_t n)
{
	size_t distinct = 0;

	if (!n)
		return pe_error("no points to fit");
	for (size_t i = 0; i < n; i++) {
		int seen = 0;

		if (!isfinite(pts[i].n) || pts[i].n <= 0)
			return pe_error("point %zu: the concurrency must be a positive number", i + 1);
		if (!isfinite(pts[i].x) || pts[i].x <= 0)
			return pe_error("point %zu: the throughput must be a positive number", i + 1);
		if (!isnan(pts[i].w) && !(isfinite(pts[i].w) && pts[i].w > 0))
			return pe_error("point %zu: the latency must be a positive number of seconds", i + 1);
		for (size_t j = 0; j < i && !seen; j++)
			seen = pts[j].n == pts[i].n;
		distinct += !seen;
	}
	if (distinct < 3)
		return pe_error("%zu point%s at %zu concurrenc%s: a fit needs at least 3 distinct concurrencies",
				n, n == 1 ? "" : "s", distinct, distinct == 1 ? "y" : "ies");
	return 0;
}

int usl_fit_all(const struct usl_point *pts, size_t n, struct usl_fit fits[USL_NKINDS])
{
	if (usl__check(pts, n) < 0)
		return -1;
	for (int k = USL_LINEAR; k < USL_NKINDS; k++) {
		struct usl_fit *f = &fits[k];

		memset(f, 0, sizeof(*f));
		f->kind = (enum usl_kind)k;
		usl__start(pts, n, f->kind, f->p);
		f->iterations = usl__lm(pts, n, f->p, usl__nparams(f->kind));
		if (k > USL_LINEAR) {
			/* the simpler model's optimum is a start too: keep whichever ends lower */
			double q[USL_NPARAMS];
			int it;

			memcpy(q, fits[k - 1].p, sizeof(q));
			it = usl__lm(pts, n, q, usl__nparams(f->kind));
			if (usl__rss(pts, n, q) < usl__rss(pts, n, f->p)) {
				memcpy(f->p, q, sizeof(q));
				f->iterations = it;
			}
		}
		usl__finish(pts, n, f);
	}
	return 0;
}

/* The share of the denominator that σ's or κ's term makes at the largest concurrency measured. */
static double usl__share(const struct usl_fit *f, int u)
{
	double n = f->n_max, sig = f->p[USL_SIGMA] * (n - 1), kap = f->p[USL_KAPPA] * n * (n - 1);

	return (u == USL_SIGMA ? sig : kap) / (1 + sig + kap);
}

/*
 * The p-value of the F test of a model against the simpler one nested in
 * it: does the extra parameter lower the residual sum of squares more than
 * noise would? 1 when it cannot be told (no residual degrees of freedom,
 * an exact fit of both).
 */
static double usl__f_p(const struct usl_fit *simple, const struct usl_fit *full)
{
	double f, d2 = full->df;

	if (full->df < 1 || !(full->rss > 0) || !(simple->rss > full->rss))
		return simple->rss > full->rss && full->rss == 0 && full->df >= 1 ? 0 : 1;
	f = (simple->rss - full->rss) / (full->rss / d2);
	/* P(F(1, d2) > f) = I_{d2 / (d2 + f)}(d2 / 2, 1 / 2) */
	return usl__ibeta(d2 / 2, 0.5, d2 / (d2 + f));
}

enum usl_kind usl_choose(const struct usl_fit fits[USL_NKINDS], char *why, size_t whylen)
{
	const struct usl_fit *u = &fits[USL_USL], *a = &fits[USL_AMDAHL], *l = &fits[USL_LINEAR];
	double pu = usl__f_p(a, u), pa = usl__f_p(l, a);
	int kappa_matters = usl__share(u, USL_KAPPA) >= USL_PRACTICAL;
	int sigma_matters = usl__share(a, USL_SIGMA) >= USL_PRACTICAL;

	if (pu < USL_ALPHA && kappa_matters && u->p[USL_KAPPA] > 0) {
		snprintf(why, whylen, "κ > 0 fits better than Amdahl's law (F test p = %.2g), so throughput peaks", pu);
		return USL_USL;
	}
	if (pa < USL_ALPHA && sigma_matters && a->p[USL_SIGMA] > 0) {
		if (pu < USL_ALPHA)
			snprintf(why, whylen, "σ > 0 (F test against linear p = %.2g); κ's term is %.2g%% of the "
				 "denominator at N = %g, too small to matter", pa, 100 * usl__share(u, USL_KAPPA), u->n_max);
		else
			snprintf(why, whylen, "σ > 0 (F test against linear p = %.2g) and κ does not fit better "
				 "(p = %.2g): contention without coherency", pa, pu);
		return USL_AMDAHL;
	}
	snprintf(why, whylen, "neither σ nor κ fits better than throughput in proportion to N "
		 "(F tests p = %.2g and %.2g)", pa, pu);
	return USL_LINEAR;
}
