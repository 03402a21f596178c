/*
 * Scalability models fitted to throughput measured at several concurrencies
 * (N, X(N)), by non-linear least squares (Levenberg-Marquardt, started from
 * a linearised fit):
 *
 *   USL     X(N) = λN / (1 + σ(N−1) + κN(N−1))   σ contention, κ coherency
 *   Amdahl  the USL with κ = 0
 *   linear  X(N) = λN                             (σ = κ = 0)
 *
 * λ is the throughput of one unit. Each fit carries its parameters' standard
 * errors and 95% confidence intervals (from the residual variance and the
 * Jacobian at the optimum, as R's nls reports them), R² and the residuals.
 * usl_choose() says which model the data supports: the USL only when κ is
 * distinguishable from 0, Amdahl only when σ is. Nothing here reads files or
 * prints; src/cmd/model.c does.
 */
#ifndef PE_USL_H
#define PE_USL_H

#include <stddef.h>

/* A measured point: concurrency, throughput, and the mean latency in seconds (NAN: none). */
struct usl_point {
	double n, x, w;
};

enum usl_kind { USL_LINEAR, USL_AMDAHL, USL_USL, USL_NKINDS };

enum { USL_LAMBDA, USL_SIGMA, USL_KAPPA, USL_NPARAMS };

struct usl_fit {
	enum usl_kind kind;
	double p[USL_NPARAMS];		/* λ, σ, κ; the ones the model fixes are 0 */
	double se[USL_NPARAMS];		/* standard errors; NAN for a fixed one or without residual df */
	double ci[USL_NPARAMS][2];	/* 95% confidence intervals (t with df degrees of freedom) */
	int fitted[USL_NPARAMS];	/* 1 for the parameters the model fits */
	int at_bound[USL_NPARAMS];	/* 1 when σ or κ ended at its lower bound 0 */
	double rss;			/* residual sum of squares */
	double r2;			/* 1 − rss / total sum of squares around the mean */
	double residual_se;		/* sqrt(rss / df) */
	int df;				/* points − fitted parameters */
	double n_max;			/* the largest concurrency measured */
	int iterations;
};

/*
 * Checks the points (at least one, concurrency and throughput finite and
 * positive, at least as many distinct concurrencies as the USL needs to be
 * told apart from the others: 3) and fits all three models into fits[kind].
 * Returns 0, or -1 with pe_error() saying what is wrong with the data.
 */
int usl_fit_all(const struct usl_point *pts, size_t n, struct usl_fit fits[USL_NKINDS]);

/* The model's throughput at concurrency n. */
double usl_predict(const struct usl_fit *f, double n);

/*
 * The concurrency of peak throughput, N* = sqrt((1 − σ) / κ), and the
 * throughput there; INFINITY for both when κ = 0 (throughput grows
 * without a peak, towards λ/σ under Amdahl).
 */
double usl_peak_n(const struct usl_fit *f);
double usl_peak_x(const struct usl_fit *f);

/*
 * The knee: the lowest concurrency at which the model's throughput reaches
 * USL_KNEE of its most (the peak under the USL, the ceiling λ/σ under
 * Amdahl): past it, more concurrency buys little. INFINITY for linear
 * scaling (and a fit without contention).
 */
#define USL_KNEE 0.9
double usl_knee(const struct usl_fit *f);

/*
 * The model the data supports, by F tests of each model against the
 * simpler one nested in it (USL against Amdahl, Amdahl against linear) at
 * USL_ALPHA: the USL when κ lowers the residuals significantly and its term
 * is at least USL_PRACTICAL of the denominator at the largest concurrency
 * measured (a κ of 1e-15 that exact data leaves is not coherency); else
 * Amdahl when the same holds for σ; else linear. why gets a sentence saying
 * so, with the p-values (caller's buffer).
 */
#define USL_PRACTICAL 0.01
#define USL_ALPHA 0.05
enum usl_kind usl_choose(const struct usl_fit fits[USL_NKINDS], char *why, size_t whylen);

const char *usl_kind_name(enum usl_kind k);	/* "linear", "amdahl", "usl" */

/* The p-quantile of Student's t distribution with df degrees of freedom (0 < p < 1, df >= 1). */
double usl_t_quantile(double p, int df);

#endif
