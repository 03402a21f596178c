/*
 * perfeng compare A B: every metric the two runs share, old against new,
 * with the change, its 95% CI, the Mann-Whitney p-value and a verdict; a CI
 * gate with --fail-on regression or --max-regression. A and B are run
 * references in the store or JSON files (perfeng's or hyperfine's).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "out/format.h"
#include "out/json.h"
#include "stats/compare.h"
#include "store/import_json.h"
#include "store/store.h"
#include "util/error.h"
#include "util/options.h"
#include "util/xalloc.h"

static const char compare_usage[] = "perfeng compare [options] <A> <B>";

/* One side of the comparison: a run, and where it came from. */
struct side {
	const char *ref;
	struct store_run run;
	struct store_run *file_runs;	/* when read from a JSON file */
	size_t nfile_runs;
};

enum cmp_verdict { CV_UNCHANGED = 0, CV_IMPROVED, CV_REGRESSED, CV_NA };

static const char *cv_name(enum cmp_verdict v)
{
	switch (v) {
	case CV_IMPROVED: return "improved";
	case CV_REGRESSED: return "regressed";
	case CV_NA: return "n/a";
	default: return "unchanged";
	}
}

struct row {
	const struct store_metric *a, *b;
	double change;		/* new/old - 1 */
	double ci[2];		/* of the change */
	double p;
	enum cmp_verdict verdict;
	const char *why;	/* for n/a */
};

/* A JSON file (FILE or FILE#N) when one exists at that path; else a store reference. */
static int side_load(struct side *sd, struct store **st, const char *store_spec)
{
	char *path = xstrdup(sd->ref), *hash = strrchr(path, '#');
	struct stat stbuf;
	size_t pick = 0;
	int rc = -1;

	if (hash && stat(path, &stbuf) < 0) {
		char *end;
		unsigned long k = strtoul(hash + 1, &end, 10);

		*hash = '\0';
		if (!*end && k >= 1 && stat(path, &stbuf) == 0)
			pick = k;
		else
			*hash = '#';
	}
	if (stat(path, &stbuf) == 0 && S_ISREG(stbuf.st_mode)) {
		if (import_json_file(path, NULL, &sd->file_runs, &sd->nfile_runs) < 0)
			goto out;
		if (!pick && sd->nfile_runs > 1) {
			pe_error("'%s' holds %zu results; pick one with %s#N", path, sd->nfile_runs, path);
			goto out;
		}
		if (pick > sd->nfile_runs) {
			pe_error("'%s' holds %zu results; there is no #%zu", path, sd->nfile_runs, pick);
			goto out;
		}
		sd->run = sd->file_runs[pick ? pick - 1 : 0];
		rc = 0;
		goto out;
	}
	if (!*st && store_open(store_spec, st) < 0)
		goto out;
	{
		int64_t id;

		if (store_resolve(*st, sd->ref, &id) < 0 || store_get(*st, id, &sd->run) < 0)
			goto out;
	}
	rc = 0;
out:
	free(path);
	return rc;
}

static void side_release(struct side *sd)
{
	if (sd->file_runs)
		store_runs_free(sd->file_runs, sd->nfile_runs);
	else
		store_run_release(&sd->run);
}

static void compare_metric(struct row *r, double noise, uint64_t seed)
{
	const struct store_metric *a = r->a, *b = r->b;
	struct comparison c;

	r->change = a->mean != 0 && isfinite(a->mean) ? b->mean / a->mean - 1 : NAN;
	r->ci[0] = r->ci[1] = r->p = NAN;
	if (!a->nsamples || !b->nsamples) {
		r->verdict = CV_NA;
		r->why = "no samples";
		return;
	}
	if (!(a->mean != 0)) {
		r->verdict = CV_NA;
		r->why = "old value is 0";
		return;
	}
	compare_samples(b->samples, b->nsamples, a->samples, a->nsamples, noise, seed, &c);
	r->ci[0] = c.ratio_ci[0] - 1;
	r->ci[1] = c.ratio_ci[1] - 1;
	r->p = c.p;
	if (c.verdict == VERDICT_SAME)
		r->verdict = CV_UNCHANGED;
	else if ((c.verdict == VERDICT_SLOWER) != (a->higher_is_better != 0))
		r->verdict = CV_REGRESSED;
	else
		r->verdict = CV_IMPROVED;
}

/* A value in its unit: times through fmt_time, the rest as numbers. */
static char *fmt_value(char *buf, size_t n, double v, const char *unit)
{
	if (!isfinite(v))
		snprintf(buf, n, "n/a");
	else if (!strcmp(unit, "s"))
		fmt_time(buf, n, v, TU_AUTO);
	else if (!strcmp(unit, "ns"))
		fmt_time(buf, n, v / 1e9, TU_AUTO);
	else if (!strcmp(unit, "KiB"))
		fmt_kib(buf, n, v);
	else {
		char num[32];
		fmt_count(num, sizeof(num), v);
		snprintf(buf, n, "%s%s%s", num, *unit ? " " : "", unit);
	}
	return buf;
}

static char *fmt_pct(char *buf, size_t n, double x)
{
	if (!isfinite(x))
		snprintf(buf, n, "n/a");
	else
		snprintf(buf, n, "%+.2f%%", x * 100);
	return buf;
}

static void describe_side(char *buf, size_t n, const struct side *sd)
{
	char when[32] = "";
	time_t t = (time_t)(sd->run.started / 1000000);
	struct tm tm;

	/* hyperfine's JSON has no time: its run is stamped with the time it was read */
	if (sd->run.started && !(sd->file_runs && !strcmp(sd->run.version, "hyperfine"))) {
		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
	}
	if (sd->file_runs)
		snprintf(buf, n, "%s ('%s'%s%s)", sd->ref, sd->run.name, *when ? ", " : "", when);
	else
		snprintf(buf, n, "%s (run %lld, %s%s%.12s)", sd->ref, (long long)sd->run.id, when,
			 sd->run.git_commit && *sd->run.git_commit ? ", " : "",
			 sd->run.git_commit ? sd->run.git_commit : "");
}

static void print_text(const struct side *a, const struct side *b, const struct row *rows,
		       size_t n, double noise)
{
	char da[256], db[256];

	describe_side(da, sizeof(da), a);
	describe_side(db, sizeof(db), b);
	printf("old: %s\nnew: %s\n\n", da, db);
	printf("%-30s %12s %12s %9s  %-21s %-9s  %s\n", "metric", "old", "new", "change",
	       "95% CI of change", "p", "verdict");
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		char o[80], nw[80], ch[32], lo[32], hi[32], ci[80], p[32];

		fmt_value(o, sizeof(o), r->a->mean, r->a->unit);
		fmt_value(nw, sizeof(nw), r->b->mean, r->b->unit);
		if (isfinite(r->ci[0]))
			snprintf(ci, sizeof(ci), "[%s, %s]", fmt_pct(lo, sizeof(lo), r->ci[0]),
				 fmt_pct(hi, sizeof(hi), r->ci[1]));
		else
			snprintf(ci, sizeof(ci), "n/a");
		if (isfinite(r->p))
			fmt_p(p, sizeof(p), r->p);
		else
			snprintf(p, sizeof(p), "n/a");
		printf("%-30.30s %12s %12s %9s  %-21s %-9s  %s%s%s%s\n", r->a->name, o, nw,
		       fmt_pct(ch, sizeof(ch), r->change), ci, p, cv_name(r->verdict),
		       r->why ? " (" : "", r->why ? r->why : "", r->why ? ")" : "");
	}
	printf("\nmeans of the runs; unchanged when p >= 0.05 or the CI reaches into ±%.1f%%\n", noise * 100);
}

static void print_markdown(const struct side *a, const struct side *b, const struct row *rows, size_t n)
{
	char da[256], db[256];

	describe_side(da, sizeof(da), a);
	describe_side(db, sizeof(db), b);
	printf("Comparing `%s` (old) with `%s` (new)\n\n", da, db);
	printf("| Metric | Old | New | Change | 95%% CI | p | Verdict |\n");
	printf("|:---|---:|---:|---:|:---:|---:|:---|\n");
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		char o[80], nw[80], ch[32], lo[32], hi[32], p[32];

		fmt_value(o, sizeof(o), r->a->mean, r->a->unit);
		fmt_value(nw, sizeof(nw), r->b->mean, r->b->unit);
		printf("| %s | %s | %s | %s | ", r->a->name, o, nw, fmt_pct(ch, sizeof(ch), r->change));
		if (isfinite(r->ci[0]))
			printf("%s … %s", fmt_pct(lo, sizeof(lo), r->ci[0]), fmt_pct(hi, sizeof(hi), r->ci[1]));
		else
			printf("n/a");
		if (isfinite(r->p))
			fmt_p(p, sizeof(p), r->p);
		else
			snprintf(p, sizeof(p), "n/a");
		/* "p = 0.004" as "0.004", "p < 0.001" as "< 0.001" */
		printf(" | %s | %s%s |\n", p + (!isfinite(r->p) ? 0 : p[2] == '<' ? 2 : 4),
		       r->verdict == CV_REGRESSED ? "**regressed**" : cv_name(r->verdict),
		       r->verdict == CV_REGRESSED ? " :x:" : r->verdict == CV_IMPROVED ? " :white_check_mark:" : "");
	}
}

static json_t *side_json(const struct side *sd)
{
	return json_pack("{s:s,s:o,s:s,s:s,s:s,s:s}", "ref", sd->ref,
			 "id", sd->file_runs ? json_null() : json_integer(sd->run.id),
			 "name", sd->run.name ? sd->run.name : "",
			 "git_commit", sd->run.git_commit ? sd->run.git_commit : "",
			 "cpu_model", sd->run.cpu_model ? sd->run.cpu_model : "",
			 "kernel", sd->run.kernel ? sd->run.kernel : "");
}

static void print_json(const struct side *a, const struct side *b, const struct row *rows,
		       size_t n, double noise, const char *failed)
{
	json_t *root = json_object(), *ms = json_array();

	json_object_set_new(root, "old", side_json(a));
	json_object_set_new(root, "new", side_json(b));
	json_object_set_new(root, "noise", json_real(noise));
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];

		json_array_append_new(ms, json_pack("{s:s,s:s,s:b,s:o,s:o,s:o,s:[oo],s:o,s:s}",
			"metric", r->a->name, "unit", r->a->unit, "higher_is_better", r->a->higher_is_better,
			"old", json_num(r->a->mean), "new", json_num(r->b->mean), "change", json_num(r->change),
			"change_ci95", json_num(r->ci[0]), json_num(r->ci[1]), "p_value", json_num(r->p),
			"verdict", cv_name(r->verdict)));
	}
	json_object_set_new(root, "metrics", ms);
	json_object_set_new(root, "failed", failed ? json_string(failed) : json_null());
	json_dumpf(root, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
	putchar('\n');
	json_decref(root);
}

int cmd_compare(int argc, char **argv)
{
	const char *store_spec = NULL, *fail_on = NULL;
	double noise = 0.01, max_regression = -1;
	int json = 0, markdown = 0, npos, rc, status = PE_EXIT_OK;
	struct string_list only = { 0 };
	struct option opts[] = {
		OPT_PERCENT(0, "noise", &noise, "<P>", "changes within ±P are unchanged (default 1%)"),
		OPT_STRING(0, "fail-on", &fail_on, "regression", "exit 1 when any metric regressed"),
		OPT_PERCENT(0, "max-regression", &max_regression, "<P>", "exit 1 when a metric regressed by more than P"),
		OPT_LIST(0, "metric", &only, "<NAME>", "compare only this metric (repeatable)"),
		OPT_FLAG(0, "json", &json, "print JSON"),
		OPT_FLAG(0, "markdown", &markdown, "print a Markdown table for a pull request"),
		OPT_STRING(0, "store", &store_spec, "<PATH|URL>", "the results store (default $PERFENG_STORE or ~/.local/share/perfeng/results.db)"),
		OPT_END(),
	};
	struct side a = { 0 }, b = { 0 };
	struct store *st = NULL;
	struct row *rows = NULL;
	size_t nrows = 0;
	const char *failed = NULL;
	char failbuf[256];

	rc = options_parse(argc, argv, opts, &npos);
	if (rc == OPT_HELP) {
		options_usage(stdout, compare_usage, opts);
		cmd_usage_env(stdout, CMD_ENV_STORE);
		printf("\nA and B: a run id, NAME (its latest run), NAME@latest, NAME@latest~N,\n"
		       "NAME@TAG, or a JSON file (perfeng's or hyperfine's; FILE#N picks a result).\n");
		return PE_EXIT_OK;
	}
	if (!rc && npos != 2)
		rc = pe_error("compare needs two runs, A (old) and B (new); %d given", npos);
	if (!rc && fail_on && strcmp(fail_on, "regression"))
		rc = pe_error("--fail-on: '%s' is not 'regression'", fail_on);
	if (!rc && (noise < 0 || noise >= 1))
		rc = pe_error("--noise must be between 0%% and 100%%");
	if (rc < 0) {
		fprintf(stderr, "perfeng compare: %s\nsee 'perfeng compare --help'\n", pe_errmsg());
		free(only.v);
		return PE_EXIT_USAGE;
	}
	a.ref = argv[0];
	b.ref = argv[1];
	if (side_load(&a, &st, store_spec) < 0 || side_load(&b, &st, store_spec) < 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		goto out;
	}

	rows = xcalloc(a.run.nmetrics + 1, sizeof(*rows));
	for (size_t i = 0; i < a.run.nmetrics; i++) {
		const struct store_metric *ma = &a.run.metrics[i];
		int wanted = !only.n;

		for (size_t k = 0; k < only.n; k++)
			wanted |= !strcmp(only.v[k], ma->name);
		if (!wanted)
			continue;
		for (size_t j = 0; j < b.run.nmetrics; j++) {
			if (strcmp(ma->name, b.run.metrics[j].name))
				continue;
			rows[nrows].a = ma;
			rows[nrows].b = &b.run.metrics[j];
			/* seeded by the metric, not the row: --metric leaves a CI as it was */
			compare_metric(&rows[nrows], noise, 0x5eed + i);
			nrows++;
			break;
		}
	}
	if (!nrows) {
		status = cmd_fail(PE_EXIT_RUNTIME, "'%s' and '%s' have no metric in common%s", a.ref, b.ref,
				  only.n ? " among those given with --metric" : "");
		goto out;
	}
	if (a.run.cpu_model && b.run.cpu_model &&
	    (strcmp(a.run.cpu_model, b.run.cpu_model) || a.run.cores != b.run.cores ||
	     strcmp(a.run.kernel ? a.run.kernel : "", b.run.kernel ? b.run.kernel : "")) &&
	    *a.run.cpu_model && *b.run.cpu_model)
		cmd_warn("the runs come from different machines or kernels (%s, %d cores, %s / %s, %d cores, %s): "
			 "a difference may be the machine's", a.run.cpu_model, a.run.cores, a.run.kernel,
			 b.run.cpu_model, b.run.cores, b.run.kernel);
	for (size_t i = 0; i < nrows && !failed; i++) {
		const struct row *r = &rows[i];
		double worse = r->a->higher_is_better ? -r->change : r->change;

		if (r->verdict != CV_REGRESSED)
			continue;
		if (fail_on || (max_regression >= 0 && worse > max_regression)) {
			snprintf(failbuf, sizeof(failbuf), "%s regressed by %.2f%% (95%% CI %+.2f%% … %+.2f%%, p = %.3g)",
				 r->a->name, fabs(r->change) * 100, r->ci[0] * 100, r->ci[1] * 100, r->p);
			failed = failbuf;
		}
	}
	if (json)
		print_json(&a, &b, rows, nrows, noise, failed);
	else if (markdown)
		print_markdown(&a, &b, rows, nrows);
	else
		print_text(&a, &b, rows, nrows, noise);
	fflush(stdout);
	if (failed) {
		if (max_regression >= 0 && !fail_on)
			status = cmd_fail(PE_EXIT_VERDICT, "%s, more than the %.2f%% allowed", failed, max_regression * 100);
		else
			status = cmd_fail(PE_EXIT_VERDICT, "%s", failed);
	}
out:
	free(rows);
	free(only.v);
	side_release(&a);
	side_release(&b);
	if (st)
		store_close(st);
	return status;
}
