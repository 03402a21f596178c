#include "store/conditions.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static const struct store_metric *cond__metric(const struct store_run *r, const char *name)
{
	for (size_t i = 0; i < r->nmetrics; i++)
		if (!strcmp(r->metrics[i].name, name))
			return &r->metrics[i];
	return NULL;
}

const char *store_run_primary_metric(const struct store_run *r)
{
	static const struct {
		const char *kind, *metric;
	} by_kind[] = {
		{ "bench", "wall" },
		{ "diagnose", "wall" },
		{ "load", "rps" },
		{ "find-max", "max_rate" },
		{ "profile", "profile" },	/* PROFILE_STORE_METRIC of prof/persist.h */
		{ "heap", "heap_peak" },
		{ "locks", "lock_wait" },
	};

	for (size_t i = 0; i < sizeof(by_kind) / sizeof(by_kind[0]); i++)
		if (r->kind && !strcmp(r->kind, by_kind[i].kind) && cond__metric(r, by_kind[i].metric))
			return by_kind[i].metric;
	if (cond__metric(r, "wall"))
		return "wall";
	return r->nmetrics ? r->metrics[0].name : NULL;
}

int store_run_has_tag(const struct store_run *r, const char *tag)
{
	for (size_t i = 0; i < r->ntags; i++)
		if (!strcmp(r->tags[i], tag))
			return 1;
	return 0;
}

static int cond__str_eq(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

int store_runs_same_invocation(const struct store_run *a, const struct store_run *b)
{
	return a->started == b->started && a->ended == b->ended && a->started &&
	       a->command_line && *a->command_line && cond__str_eq(a->command_line, b->command_line) &&
	       cond__str_eq(a->hostname, b->hostname);
}

/* Both record it (hyperfine's JSON records none) and the two differ. */
static int cond__differs(const char *a, const char *b)
{
	return a && b && *a && *b && strcmp(a, b);
}

void store_runs_conditions(const struct store_run *a, const struct store_run *b,
			   char out[STORE_COND_MAX][160], size_t *n)
{
	static const struct {
		const char *what;
		size_t off;
	} strs[] = {
		{ "host", offsetof(struct store_run, hostname) },
		{ "CPU", offsetof(struct store_run, cpu_model) },
		{ "kernel", offsetof(struct store_run, kernel) },
		{ "CPU frequency governor", offsetof(struct store_run, governor) },
		{ "perfeng version", offsetof(struct store_run, version) },
	};
	size_t k = 0;

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]) && k < STORE_COND_MAX; i++) {
		const char *sa = *(char *const *)((const char *)a + strs[i].off);
		const char *sb = *(char *const *)((const char *)b + strs[i].off);

		if (!strcmp(strs[i].what, "perfeng version") &&
		    (!strcmp(sa ? sa : "", "hyperfine") || !strcmp(sb ? sb : "", "hyperfine")))
			continue;
		if (cond__differs(sa, sb))
			snprintf(out[k++], sizeof(out[0]), "%s %s (A) / %s (B)", strs[i].what, sa, sb);
	}
	if (a->cores > 0 && b->cores > 0 && a->cores != b->cores && k < STORE_COND_MAX)
		snprintf(out[k++], sizeof(out[0]), "%d cores (A) / %d (B)", a->cores, b->cores);
	/*
	 * The 1-minute load average before each run: a difference of half a
	 * core per core (at least 1) means something else was running.
	 */
	if (isfinite(a->loadavg_before) && isfinite(b->loadavg_before) && k < STORE_COND_MAX) {
		int cores = a->cores > 0 ? a->cores : 1;
		double lim = fmax(1.0, 0.5 * cores);

		if (fabs(a->loadavg_before - b->loadavg_before) >= lim)
			snprintf(out[k++], sizeof(out[0]), "load average %.2f before A / %.2f before B",
				 a->loadavg_before, b->loadavg_before);
	}
	*n = k;
}
