#include "store/import_json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/conditions.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* perfeng's per-run resource arrays, and the metric each becomes. */
static const struct {
	const char *key, *metric, *unit;
} import_resources[] = {
	{ "max_rss_kib", "max_rss", "KiB" },
	{ "minor_faults", "minor_faults", "" },
	{ "major_faults", "major_faults", "" },
	{ "voluntary_context_switches", "voluntary_context_switches", "" },
	{ "involuntary_context_switches", "involuntary_context_switches", "" },
};

int import_parse_time(const char *s, int64_t *us)
{
	struct tm tm;
	int y, mo, d, h, mi, n = 0;
	double sec;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%lf%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 ||
	    s[n] != 'Z' || s[n + 1] || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || !(sec >= 0 && sec < 61))
		return pe_error("'%s' is not a UTC timestamp (YYYY-MM-DDTHH:MM:SS.ssssssZ)", s);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	*us = (int64_t)timegm(&tm) * 1000000 + (int64_t)llround(sec * 1e6);
	return 0;
}

/*
 * The largest value a metric of this unit can hold. A time of more than
 * 1e9 s (about 31 years) is no run anyone measured, and past it sums and
 * means lose every digit that matters (1e308 prints as a 309-digit number,
 * two of them add up to infinity); counts, KiB and nanoseconds come from
 * 64-bit counters.
 */
#define IMPORT_MAX_SECONDS 1e9
#define IMPORT_MAX_COUNT 18446744073709551616.0	/* 2^64 */

/*
 * Refuses a value no run can have: not finite, negative (every metric
 * imported is a time, a size or a count), or past the unit's bound. what
 * names the field ("results[0].times[3]") in the message.
 */
static int import__check_value(double x, const char *origin, const char *what, const char *unit)
{
	int seconds = !strcmp(unit, "s");
	double max = seconds ? IMPORT_MAX_SECONDS : IMPORT_MAX_COUNT;

	if (!isfinite(x) || x < 0)
		return pe_error("'%s': %s is %g: a %s cannot be negative", origin, what, x,
				seconds ? "time" : "count");
	if (x > max)
		return seconds ? pe_error("'%s': %s is %g s: more than 1e9 s (31 years), no run took that long",
					  origin, what, x)
			       : pe_error("'%s': %s is %g: more than 2^64, which no counter holds",
					  origin, what, x);
	return 0;
}

/*
 * Numbers of a JSON array into a new array (nulls skipped); -1 if an
 * element is another type or a value no run can have (import__check_value).
 */
static int import__numbers(const json_t *a, const char *origin, const char *what,
			   const char *unit, double **out, size_t *n)
{
	char at[128];

	size_t i, k = 0;
	json_t *v;

	*out = NULL;
	*n = 0;
	if (!json_is_array(a))
		return pe_error("'%s': %s is not an array", origin, what);
	*out = xmalloc((json_array_size(a) ? json_array_size(a) : 1) * sizeof(**out));
	json_array_foreach(a, i, v) {
		if (json_is_null(v))
			continue;
		snprintf(at, sizeof(at), "%s[%zu]", what, i);
		if (!json_is_number(v) ||
		    import__check_value(json_number_value(v), origin, at, unit) < 0) {
			free(*out);
			*out = NULL;
			return json_is_number(v) ? -1 : pe_error("'%s': %s is not a number", origin, at);
		}
		(*out)[k++] = json_number_value(v);
	}
	*n = k;
	return 0;
}

static char *import__str(const json_t *o, const char *key, const char *dflt)
{
	const json_t *v = json_object_get(o, key);

	return xstrdup(json_is_string(v) ? json_string_value(v) : dflt);
}

/*
 * A metric from samples, or, when the array is absent, from a summary number.
 * summary_what names the summary's field for messages: a summary that is
 * present (not null) must be a valid number even when samples are there, so
 * that a file that says "mean": "abc" is refused, not half read.
 */
static int import__metric(struct store_run *r, const json_t *samples, const json_t *summary,
			  const char *origin, const char *what, const char *summary_what,
			  const char *name, const char *unit)
{
	struct store_metric *m;
	double *x;
	size_t n;

	if (summary && !json_is_null(summary)) {
		if (!json_is_number(summary)) {
			char *text = json_dumps(summary, JSON_ENCODE_ANY | JSON_COMPACT);
			int rc = pe_error("'%s': %s is %.60s, not a number", origin, summary_what,
					  text ? text : "?");

			free(text);
			return rc;
		}
		if (import__check_value(json_number_value(summary), origin, summary_what, unit) < 0)
			return -1;
	}

	/* the store refuses a run with two metrics of one name: refuse it now, before any write */
	for (size_t i = 0; i < r->nmetrics; i++)
		if (!strcmp(r->metrics[i].name, name) && (samples || json_is_number(summary)))
			return pe_error("'%s': %s: a second metric named '%s'", origin, what, name);
	if (samples) {
		if (import__numbers(samples, origin, what, unit, &x, &n) < 0)
			return -1;
		/* the wall times are the result itself: none is no result */
		if (!n && !strcmp(name, "wall")) {
			free(x);
			return pe_error("'%s': %s is empty: no run to import", origin, what);
		}
		m = store_run_add_metric(r, name, unit, 0);
		store_metric_set_samples(m, x, n);
		free(x);
		return 0;
	}
	if (json_is_number(summary)) {
		m = store_run_add_metric(r, name, unit, 0);
		store_metric_set_samples(m, NULL, 0);
		m->mean = json_number_value(summary);
	}
	return 0;
}

static void import__env(struct store_run *r, const json_t *pe)
{
	const json_t *env = json_object_get(pe, "environment"), *git, *v;

	r->version = import__str(pe, "version", "unknown");
	r->kind = import__str(pe, "kind", "bench");
	r->command_line = import__str(pe, "invocation", "");
	r->hostname = import__str(env, "hostname", "");
	r->cpu_model = import__str(env, "cpu_model", "");
	r->governor = import__str(env, "governor", "");
	r->kernel = import__str(env, "kernel", "");
	v = json_object_get(env, "cores");
	r->cores = json_is_integer(v) ? (int)json_integer_value(v) : 0;
	v = json_array_get(json_object_get(env, "loadavg_before"), 0);
	r->loadavg_before = json_is_number(v) ? json_number_value(v) : NAN;
	v = json_array_get(json_object_get(env, "loadavg_after"), 0);
	r->loadavg_after = json_is_number(v) ? json_number_value(v) : NAN;
	git = json_object_get(env, "git");
	r->git_commit = import__str(git, "commit", "");
	r->git_branch = import__str(git, "branch", "");
	v = json_object_get(git, "dirty");
	r->git_dirty = json_is_boolean(v) ? json_is_true(v) : -1;
}

static int import__result(struct store_run *r, const json_t *doc, const json_t *res,
			  size_t i, const char *origin, const char *name, size_t nres)
{
	const json_t *pe = json_object_get(doc, "perfeng");
	const json_t *rpe = json_object_get(res, "perfeng");
	const json_t *resources = json_object_get(rpe, "resources");
	const json_t *counters = json_object_get(rpe, "counters");
	const json_t *cmd = json_object_get(res, "command"), *times = json_object_get(res, "times");
	const json_t *v;
	char what[96], swhat[64];
	int64_t now = clock_realtime_us();

	if (!json_is_object(res))
		return pe_error("'%s': results[%zu] is not an object", origin, i);
	if (!json_is_string(cmd))
		return pe_error("'%s': results[%zu] has no \"command\" string", origin, i);
	v = json_object_get(res, "mean");
	if (!times && (!v || json_is_null(v)))
		return pe_error("'%s': results[%zu] has neither \"times\" nor \"mean\"", origin, i);

	if (!name)
		r->name = xstrdup(json_string_value(cmd));
	else if (nres == 1)
		r->name = xstrdup(name);
	else
		r->name = xasprintf("%s/%s", name, json_string_value(cmd));
	/* checked here so that a bad name in a second file fails before the first is written */
	if (!*r->name && name)
		return pe_error("a run needs a name");
	if (!*r->name)
		return pe_error("'%s': results[%zu] has an empty command: give the run a name with --name",
				origin, i);
	if (store_check_name(r->name) < 0)
		return name ? -1 : pe_error("'%s': results[%zu]: %s; give one with --name", origin, i,
					    pe_errmsg());
	if (json_is_object(pe)) {
		import__env(r, pe);
	} else {	/* hyperfine: no environment, no times */
		r->version = xstrdup("hyperfine");
		r->kind = xstrdup("bench");
		r->command_line = xstrdup("");
		r->hostname = xstrdup("");
		r->cpu_model = xstrdup("");
		r->governor = xstrdup("");
		r->kernel = xstrdup("");
		r->git_commit = xstrdup("");
		r->git_branch = xstrdup("");
		r->git_dirty = -1;
		r->loadavg_before = r->loadavg_after = NAN;
	}
	r->started = r->ended = now;
	v = json_object_get(pe, "started");
	if (json_is_string(v) && import_parse_time(json_string_value(v), &r->started) < 0)
		return pe_error("'%s': perfeng.started: %s", origin, pe_errmsg());
	v = json_object_get(pe, "ended");
	if (json_is_string(v) && import_parse_time(json_string_value(v), &r->ended) < 0)
		return pe_error("'%s': perfeng.ended: %s", origin, pe_errmsg());

	/* compare tells runs whose commands alternated from runs taken one after the other */
	if (nres >= 2 && json_is_true(json_object_get(pe, "interleaved")))
		store_run_add_tag(r, STORE_TAG_INTERLEAVED);
	snprintf(what, sizeof(what), "results[%zu].times", i);
	snprintf(swhat, sizeof(swhat), "results[%zu].mean", i);
	if (import__metric(r, times, json_object_get(res, "mean"), origin, what, swhat, "wall", "s") < 0)
		return -1;
	snprintf(what, sizeof(what), "results[%zu].perfeng.resources.user", i);
	snprintf(swhat, sizeof(swhat), "results[%zu].user", i);
	if (import__metric(r, json_object_get(resources, "user"), json_object_get(res, "user"),
			   origin, what, swhat, "user", "s") < 0)
		return -1;
	snprintf(what, sizeof(what), "results[%zu].perfeng.resources.system", i);
	snprintf(swhat, sizeof(swhat), "results[%zu].system", i);
	if (import__metric(r, json_object_get(resources, "system"), json_object_get(res, "system"),
			   origin, what, swhat, "system", "s") < 0)
		return -1;
	for (size_t k = 0; k < sizeof(import_resources) / sizeof(import_resources[0]); k++) {
		const json_t *a = json_object_get(resources, import_resources[k].key);

		if (!a)
			continue;
		snprintf(what, sizeof(what), "results[%zu].perfeng.resources.%s", i, import_resources[k].key);
		if (import__metric(r, a, NULL, origin, what, NULL, import_resources[k].metric,
				   import_resources[k].unit) < 0)
			return -1;
	}
	if (json_is_object(counters)) {
		const char *key;
		json_t *c;

		json_object_foreach((json_t *)counters, key, c) {
			if (!json_is_true(json_object_get(c, "supported")))
				continue;
			snprintf(what, sizeof(what), "results[%zu].perfeng.counters.%.40s.values", i, key);
			if (import__metric(r, json_object_get(c, "values"), NULL, origin, what, NULL, key,
					   !strcmp(key, "task-clock") ? "ns" : "") < 0)
				return -1;
		}
	}
	return 0;
}

int import_json_doc(const json_t *doc, const char *origin, const char *name,
		    struct store_run **runs, size_t *n)
{
	const json_t *results = json_object_get(doc, "results");
	struct store_run *out;
	size_t nres;

	if (!json_is_object(doc) || !json_is_array(results))
		return pe_error("'%s' is neither perfeng's nor hyperfine's JSON: no \"results\" array", origin);
	nres = json_array_size(results);
	if (!nres)
		return pe_error("'%s' holds no results", origin);
	out = xcalloc(nres, sizeof(*out));
	for (size_t i = 0; i < nres; i++) {
		if (import__result(&out[i], doc, json_array_get(results, i), i, origin, name, nres) < 0) {
			store_runs_free(out, nres);
			return -1;
		}
	}
	*runs = out;
	*n = nres;
	return 0;
}

int import_json_file(const char *path, const char *name, struct store_run **runs, size_t *n)
{
	json_error_t err;
	json_t *doc;
	int rc;

	if (!strcmp(path, "-"))
		doc = json_loadf(stdin, 0, &err);
	else
		doc = json_load_file(path, 0, &err);
	if (!doc) {
		if (err.line < 0 || strstr(err.text, "unable to open"))
			return pe_error("cannot read '%s': %s", path, strerror(errno ? errno : EIO));
		return pe_error("'%s' is not valid JSON: %s at line %d, column %d", path, err.text,
				err.line, err.column);
	}
	rc = import_json_doc(doc, path, name, runs, n);
	json_decref(doc);
	return rc;
}
