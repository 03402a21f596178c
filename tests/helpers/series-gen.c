/*
 * series-gen SEED N CV [SHIFT_SPEC]: prints N values, one per line, of a
 * level that starts at 100 with normal noise of coefficient of variation CV
 * ("0.03" or "3%") around it, and level shifts such as "300:+10%,700:-5%"
 * (from index 300 on the level is 10% higher, from 700 on 5% lower than
 * that); "" or "-" for none. A series with known change points for tests of
 * `perfeng history` and for measuring the detector (docs/changepoints.md).
 * Exits 2 on bad arguments. The same SEED gives the same values as
 * series_gen() in tests/unit/test_changepoint.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The Makefile links helpers without libperfeng.a; compiling the project's
 * generator in keeps the numbers identical to the unit test's.
 */
#include "stats/rng.c"

/* Keep in step with series_gen() in tests/unit/test_changepoint.c. */
static void series_gen(uint64_t seed, size_t n, double cv, const size_t *at, const double *pct,
		       size_t nshift, double *x)
{
	struct rng r;
	double level = 100;
	size_t k = 0;

	rng_seed(&r, seed);
	for (size_t i = 0; i < n; i++) {
		while (k < nshift && at[k] <= i)
			level *= 1 + pct[k++] / 100;
		/* Box-Muller, cosine half only; 1 - u keeps log() away from 0. */
		double u1 = 1 - rng_uniform(&r), u2 = rng_uniform(&r);

		x[i] = level * (1 + cv * sqrt(-2 * log(u1)) * cos(2 * M_PI * u2));
	}
}

/* why and arg may be NULL: only the usage line. Returns the exit code for bad arguments. */
static int usage(const char *why, const char *arg)
{
	if (why)
		fprintf(stderr, "series-gen: %s '%s'\n", why, arg);
	fputs("usage: series-gen SEED N CV [SHIFT_SPEC]   e.g. series-gen 1 1000 2% 300:+10%,700:-5%\n",
	      stderr);
	return 2;
}

/* Parses "INDEX:+PCT%[,...]" into at[]/pct[] (ascending indexes); returns the count or -1. */
static long parse_shifts(const char *spec, size_t n, size_t *at, double *pct, size_t max)
{
	const char *p = spec;
	size_t k = 0;

	if (!*p || !strcmp(p, "-"))
		return 0;
	for (;;) {
		char *end;
		unsigned long long idx;

		if (k == max)
			return -1;
		errno = 0;
		idx = strtoull(p, &end, 10);
		if (errno || end == p || *end != ':' || idx >= n || (k && idx <= at[k - 1]))
			return -1;
		at[k] = idx;
		p = end + 1;
		pct[k] = strtod(p, &end);
		if (end == p || *end != '%' || !isfinite(pct[k]) || pct[k] <= -100)
			return -1;
		k++;
		p = end + 1;
		if (!*p)
			return (long)k;
		if (*p++ != ',')
			return -1;
	}
}

int main(int argc, char **argv)
{
	unsigned long long seed, n;
	double cv, *x, *pct;
	size_t *at;
	long nshift;
	char *end;
	int rc;

	if (argc < 4 || argc > 5)
		return usage(NULL, NULL);
	errno = 0;
	seed = strtoull(argv[1], &end, 0);
	if (errno || end == argv[1] || *end)
		return usage("bad SEED", argv[1]);
	n = strtoull(argv[2], &end, 10);
	if (errno || end == argv[2] || *end || n > 100000000)
		return usage("bad N (0 to 100000000)", argv[2]);
	cv = strtod(argv[3], &end);
	if (end != argv[3] && *end == '%' && !end[1])
		cv /= 100;
	else if (end == argv[3] || *end)
		return usage("bad CV", argv[3]);
	if (!(cv >= 0 && cv < 10))
		return usage("bad CV", argv[3]);

	x = malloc((n ? n : 1) * sizeof(*x));
	at = malloc((n ? n : 1) * sizeof(*at));
	pct = malloc((n ? n : 1) * sizeof(*pct));
	if (!x || !at || !pct) {
		fputs("series-gen: out of memory\n", stderr);
		return 1;
	}
	nshift = parse_shifts(argc > 4 ? argv[4] : "", n, at, pct, n);
	if (nshift < 0) {
		rc = usage("bad SHIFT_SPEC (ascending INDEX:+PCT% below N, comma-separated)",
			   argv[4]);
	} else {
		series_gen(seed, n, cv, at, pct, (size_t)nshift, x);
		for (size_t i = 0; i < n; i++)
			printf("%.17g\n", x[i]);
		rc = fflush(stdout) || ferror(stdout) ? 1 : 0;
	}
	free(x);
	free(at);
	free(pct);
	return rc;
}
