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

/* Numbers of a JSON array into a new array (nulls skipped); -1 if an element is another type. */
static int import__numbers(const json_t *a, const char *origin, const char *what,
			   double **out, size_t *n)
{
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
		if (!json_is_number(v)) {
			free(*out);
			*out = NULL;
			return pe_error("'%s': %s[%zu] is not a number", origin, what, i);
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

/* A metric from samples, or, when the array is absent, from a summary number. */
static int import__metric(struct store_run *r, const json_t *samples, const json_t *summary,
			  const char *origin, const char *what, const char *name, const char *unit)
{
	struct store_metric *m;
	double *x;
	size_t n;

	/* the store refuses a run with two metrics of one name: refuse it now, before any write */
	for (size_t i = 0; i < r->nmetrics; i++)
		if (!strcmp(r->metrics[i].name, name) && (samples || json_is_number(summary)))
			return pe_error("'%s': %s: a second metric named '%s'", origin, what, name);
	if (samples) {
		if (import__numbers(samples, origin, what, &x, &n) < 0)
			return -1;
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
	char what[96];
	int64_t now = clock_realtime_us();

	if (!json_is_object(res))
		return pe_error("'%s': results[%zu] is not an object", origin, i);
	if (!json_is_string(cmd))
		return pe_error("'%s': results[%zu] has no \"command\" string", origin, i);
	if (!times && !json_is_number(json_object_get(res, "mean")))
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
	if (import__metric(r, times, json_object_get(res, "mean"), origin, what, "wall", "s") < 0)
		return -1;
	snprintf(what, sizeof(what), "results[%zu].perfeng.resources.user", i);
	if (import__metric(r, json_object_get(resources, "user"), json_object_get(res, "user"),
			   origin, what, "user", "s") < 0)
		return -1;
	snprintf(what, sizeof(what), "results[%zu].perfeng.resources.system", i);
	if (import__metric(r, json_object_get(resources, "system"), json_object_get(res, "system"),
			   origin, what, "system", "s") < 0)
		return -1;
	for (size_t k = 0; k < sizeof(import_resources) / sizeof(import_resources[0]); k++) {
		const json_t *a = json_object_get(resources, import_resources[k].key);

		if (!a)
			continue;
		snprintf(what, sizeof(what), "results[%zu].perfeng.resources.%s", i, import_resources[k].key);
		if (import__metric(r, a, NULL, origin, what, import_resources[k].metric,
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
			if (import__metric(r, json_object_get(c, "values"), NULL, origin, what, key,
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
