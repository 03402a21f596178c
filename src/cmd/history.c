/*
 * perfeng history NAME: a metric over the runs of NAME, oldest first (or in
 * git commit order), with its change points (E-divisive means), as text
 * with a sparkline, JSON, or an SVG plot; with --fail-on change, a gate
 * for a nightly job that fails on a regression among the last runs.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "out/format.h"
#include "out/series.h"
#include "stats/changepoint.h"
#include "stats/describe.h"
#include "store/store.h"
#include "sys/env.h"
#include "util/error.h"
#include "util/options.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

static const char history_usage[] = "perfeng history [options] <name>";

struct history_args {
	const char *store_spec, *metric, *stat, *by, *svg, *fail_on;
	int json;
	double alpha, min_change;
	unsigned last;
	const char *name;
};

/* The series and what was found in it. */
struct history {
	struct store_series se;
	struct change_point *cps;	/* those of at least --min-change */
	size_t ncp, nsmall;		/* kept, and left out as smaller */
	int higher_is_better;		/* the metric's direction, from the latest run */
	int is_time;
	const struct change_point *failing;	/* the regression that fails --fail-on change */
};

/*
 * Reorders the series by the position of each run's commit in `git rev-list
 * --topo-order --reverse HEAD` (run order within a commit); runs whose
 * commit is not an ancestor of HEAD are dropped and counted in *dropped.
 */
static int order_by_commit(struct store_series *se, size_t *dropped)
{
	const char *args[] = { "rev-list", "--topo-order", "--reverse", "HEAD", NULL };
	struct strbuf out = STRBUF_INIT;
	char **commits = NULL;
	size_t ncommits = 0, alloc = 0, k = 0;
	size_t *pos = xcalloc(se->n ? se->n : 1, sizeof(*pos)), *idx;

	if (env_git(args, &out) != 0) {
		strbuf_release(&out);
		free(pos);
		return pe_error("--by commit needs a git repository: 'git rev-list HEAD' failed here");
	}
	for (char *line = out.buf, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		ALLOC_GROW(commits, ncommits + 1, alloc);
		commits[ncommits++] = line;
	}
	for (size_t i = 0; i < se->n; i++) {
		pos[i] = SIZE_MAX;
		for (size_t c = 0; c < ncommits && se->commit[i] && *se->commit[i]; c++) {
			if (!strcmp(commits[c], se->commit[i])) {
				pos[i] = c;
				break;
			}
		}
	}
	/* a stable insertion sort of the indices by commit position */
	idx = xcalloc(se->n ? se->n : 1, sizeof(*idx));
	for (size_t i = 0; i < se->n; i++) {
		size_t j = k;

		if (pos[i] == SIZE_MAX)
			continue;
		while (j > 0 && pos[idx[j - 1]] > pos[i]) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = i;
		k++;
	}
	*dropped = se->n - k;
	{
		struct store_series s2 = { .n = k };

		s2.id = xcalloc(k + 1, sizeof(*s2.id));
		s2.started = xcalloc(k + 1, sizeof(*s2.started));
		s2.commit = xcalloc(k + 1, sizeof(*s2.commit));
		s2.value = xcalloc(k + 1, sizeof(*s2.value));
		for (size_t i = 0; i < k; i++) {
			s2.id[i] = se->id[idx[i]];
			s2.started[i] = se->started[idx[i]];
			s2.commit[i] = se->commit[idx[i]];
			se->commit[idx[i]] = NULL;
			s2.value[i] = se->value[idx[i]];
		}
		store_series_free(se);
		*se = s2;
	}
	free(idx);
	free(pos);
	free(commits);
	strbuf_release(&out);
	return 0;
}

static char *fmt_val(char *buf, size_t n, double v, int is_time)
{
	return is_time ? fmt_time(buf, n, v, TU_AUTO) : fmt_count(buf, n, v);
}


/* 1 when the change point moves the metric the bad way. */
static int cp_is_regression(const struct change_point *cp, int higher_is_better)
{
	return higher_is_better ? cp->change < 0 : cp->change > 0;
}

static int history_parse(int argc, char **argv, struct history_args *h)
{
	struct option opts[] = {
		OPT_STRING(0, "metric", &h->metric, "<NAME>", "the metric (default wall)"),
		OPT_STRING(0, "stat", &h->stat, "<STAT>", "median (default), mean, min, max or stddev of each run"),
		OPT_STRING(0, "by", &h->by, "<ORDER>", "time (default) or commit (git order of HEAD's history)"),
		OPT_PERCENT(0, "alpha", &h->alpha, "<P>", "significance of a change point (default 0.01)"),
		OPT_PERCENT(0, "min-change", &h->min_change, "<P>", "report change points of at least P (default 2%)"),
		OPT_STRING(0, "fail-on", &h->fail_on, "change", "exit 1 when a regression's change point is among the last runs"),
		OPT_UINT(0, "last", &h->last, "<N>", "with --fail-on change: the last N runs (default 10)"),
		OPT_FLAG(0, "json", &h->json, "print JSON"),
		OPT_STRING(0, "svg", &h->svg, "<FILE>", "write a plot with the change points marked"),
		OPT_STRING(0, "store", &h->store_spec, "<PATH|URL>", "the results store (default $PERFENG_STORE or ~/.local/share/perfeng/results.db)"),
		OPT_END(),
	};
	int npos, rc = options_parse(argc, argv, opts, &npos);

	if (rc == OPT_HELP) {
		options_usage(stdout, history_usage, opts);
		if (!options_help_json())
			printf("\nExit codes: 0 shown (and with --fail-on change, no regression's change\n"
			       "point among the last N runs); 1 there is one; 2 usage error; 3 no such\n"
			       "run or metric, the store unreadable.\n");
		cmd_usage_env(stdout, CMD_ENV_STORE);
		return OPT_HELP;
	}
	if (!rc && npos != 1)
		rc = pe_error("history needs one run name");
	if (!rc && strcmp(h->by, "time") && strcmp(h->by, "commit"))
		rc = pe_error("--by: '%s' is not time or commit", h->by);
	if (!rc && strcmp(h->stat, "median") && strcmp(h->stat, "mean") && strcmp(h->stat, "min") &&
	    strcmp(h->stat, "max") && strcmp(h->stat, "stddev"))
		rc = pe_error("--stat: '%s' is not median, mean, min, max or stddev", h->stat);
	if (!rc && !(h->alpha > 0 && h->alpha < 1))
		rc = pe_error("--alpha must be between 0 and 1");
	if (!rc && !(h->min_change >= 0 && h->min_change < 10))
		rc = pe_error("--min-change must be between 0%% and 1000%%");
	if (!rc && h->fail_on && strcmp(h->fail_on, "change"))
		rc = pe_error("--fail-on: '%s' is not 'change'", h->fail_on);
	if (!rc && h->last && !h->fail_on)
		rc = pe_error("--last needs --fail-on change");
	if (rc < 0) {
		fprintf(stderr, "perfeng history: %s\nsee 'perfeng history --help'\n", pe_errmsg());
		return -1;
	}
	if (!h->last)
		h->last = 10;
	h->name = argv[0];
	return 0;
}

/* The metric's direction, from the newest run of the name that has it; lower is better if unknown. */
static int metric_higher_is_better(struct store *st, const char *name, const char *metric)
{
	struct store_query q = { .name = name };
	struct store_run *runs = NULL;
	size_t n = 0;
	int hib = 0;

	if (store_list(st, &q, &runs, &n) < 0)
		return 0;
	for (size_t i = n; i-- > 0;) {
		for (size_t j = 0; j < runs[i].nmetrics; j++)
			if (!strcmp(runs[i].metrics[j].name, metric)) {
				hib = runs[i].metrics[j].higher_is_better;
				goto out;
			}
	}
out:
	store_runs_free(runs, n);
	return hib;
}

/* Reads the series, orders it and finds its change points. Returns an exit code. */
static int history_load(struct store *st, const struct history_args *a, struct history *h)
{
	struct store_series *se = &h->se;
	size_t dropped;

	if (store_series_get(st, a->name, a->metric, a->stat, se) < 0)
		return cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
	if (!se->n)
		return cmd_fail(PE_EXIT_RUNTIME, "no run named '%s' has a metric '%s' in %s", a->name,
				a->metric, store_location(st));
	if ((dropped = store_series_drop_nonfinite(se)) && !se->n)
		return cmd_fail(PE_EXIT_RUNTIME, "no run of '%s' has a %s of '%s': the metric has no "
				"samples%s", a->name, a->stat, a->metric,
				strcmp(a->stat, "mean") && (!strcmp(a->metric, "user") || !strcmp(a->metric, "system")) ?
				" (runs imported from hyperfine have only the mean of user and system: "
				"try --stat mean)" : "");
	if (dropped)
		cmd_warn("%zu run%s of '%s' left out: %s %s has no %s", dropped, dropped == 1 ? "" : "s",
			 a->name, dropped == 1 ? "its" : "their", a->metric, a->stat);
	dropped = 0;
	if (!strcmp(a->by, "commit") && order_by_commit(se, &dropped) < 0)
		return cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
	if (dropped)
		cmd_warn("%zu run%s of '%s' left out: %s commit is not in the history of HEAD",
			 dropped, dropped == 1 ? "" : "s", a->name, dropped == 1 ? "its" : "their");
	if (cp_detect_gated(se->value, se->n, a->alpha, a->min_change, &h->cps, &h->ncp, &h->nsmall) < 0)
		return cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
	h->higher_is_better = metric_higher_is_better(st, a->name, a->metric);
	/* times in seconds: bench's wall/user/system, load's percentiles */
	h->is_time = !strcmp(a->metric, "wall") || !strcmp(a->metric, "user") || !strcmp(a->metric, "system") ||
		     (a->metric[0] == 'p' && a->metric[1] >= '0' && a->metric[1] <= '9');
	if (a->fail_on)
		for (size_t c = h->ncp; c-- > 0;)
			if (cp_is_regression(&h->cps[c], h->higher_is_better) &&
			    h->cps[c].index + a->last >= se->n) {
				h->failing = &h->cps[c];
				break;
			}
	return PE_EXIT_OK;
}

static void history_json(const struct history_args *a, const struct history *h)
{
	const struct store_series *se = &h->se;
	json_t *root = json_object(), *pts = json_array(), *cpj = json_array();

	for (size_t i = 0; i < se->n; i++)
		json_array_append_new(pts, json_pack("{s:I,s:I,s:s,s:f}", "id", (json_int_t)se->id[i],
			"started_us", (json_int_t)se->started[i], "commit", se->commit[i] ? se->commit[i] : "",
			"value", se->value[i]));
	for (size_t c = 0; c < h->ncp; c++) {
		const struct change_point *cp = &h->cps[c];
		size_t i = cp->index;

		json_array_append_new(cpj, json_pack("{s:I,s:I,s:I,s:s,s:s,s:f,s:f,s:o,s:f,s:b}",
			"index", (json_int_t)i, "run_before", (json_int_t)se->id[i - 1],
			"run_after", (json_int_t)se->id[i],
			"commit_before", se->commit[i - 1] ? se->commit[i - 1] : "",
			"commit_after", se->commit[i] ? se->commit[i] : "",
			"before_median", cp->before_median, "after_median", cp->after_median,
			"change", isfinite(cp->change) ? json_real(cp->change) : json_null(),
			"p_value", cp->p, "regression", cp_is_regression(cp, h->higher_is_better)));
	}
	json_object_set_new(root, "name", json_string(a->name));
	json_object_set_new(root, "metric", json_string(a->metric));
	json_object_set_new(root, "stat", json_string(a->stat));
	json_object_set_new(root, "order", json_string(a->by));
	json_object_set_new(root, "alpha", json_real(a->alpha));
	json_object_set_new(root, "min_change", json_real(a->min_change));
	json_object_set_new(root, "higher_is_better", json_boolean(h->higher_is_better));
	json_object_set_new(root, "points", pts);
	json_object_set_new(root, "change_points", cpj);
	json_object_set_new(root, "smaller_change_points", json_integer((json_int_t)h->nsmall));
	json_object_set_new(root, "failed", h->failing ? json_integer((json_int_t)h->se.id[h->failing->index])
						       : json_null());
	json_dumpf(root, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
	putchar('\n');
	json_decref(root);
}

static void history_text(const struct history_args *a, const struct history *h)
{
	const struct store_series *se = &h->se;
	char b1[48], b2[48], b3[48], b4[48];
	double lo = se->value[0], hi = se->value[0];

	for (size_t i = 1; i < se->n; i++) {
		lo = fmin(lo, se->value[i]);
		hi = fmax(hi, se->value[i]);
	}
	printf("%s: %s of %s over %zu run%s (by %s)\n  ", a->name, a->stat, a->metric, se->n,
	       se->n == 1 ? "" : "s", a->by);
	out_sparkline(stdout, se->value, se->n, 72);
	printf("\n  first %s, last %s, min %s, max %s\n",
	       fmt_val(b1, sizeof(b1), se->value[0], h->is_time),
	       fmt_val(b2, sizeof(b2), se->value[se->n - 1], h->is_time),
	       fmt_val(b3, sizeof(b3), lo, h->is_time), fmt_val(b4, sizeof(b4), hi, h->is_time));
	if (!h->ncp) {
		printf("\nno change point (E-divisive means, α = %.2f)\n", a->alpha);
	} else {
		printf("\n%zu change point%s (E-divisive means, α = %.2f):\n", h->ncp, h->ncp == 1 ? "" : "s",
		       a->alpha);
		printf("  %6s  %-25s  %12s  %12s  %9s  %s\n", "at run", "commits", "before", "after", "change", "p");
		for (size_t c = 0; c < h->ncp; c++) {
			const struct change_point *cp = &h->cps[c];
			size_t i = cp->index;
			char range[64], pct[32];

			snprintf(range, sizeof(range), "%.10s..%.10s",
				 se->commit[i - 1] && *se->commit[i - 1] ? se->commit[i - 1] : "-",
				 se->commit[i] && *se->commit[i] ? se->commit[i] : "-");
			if (isfinite(cp->change))
				snprintf(pct, sizeof(pct), "%+.2f%%", cp->change * 100);
			else
				snprintf(pct, sizeof(pct), "n/a");
			printf("  %6lld  %-25s  %12s  %12s  %9s  %.3f\n", (long long)se->id[i], range,
			       fmt_val(b1, sizeof(b1), cp->before_median, h->is_time),
			       fmt_val(b2, sizeof(b2), cp->after_median, h->is_time), pct, cp->p);
		}
	}
	if (h->nsmall)
		printf("(%zu change point%s smaller than --min-change %.1f%% not shown)\n", h->nsmall,
		       h->nsmall == 1 ? "" : "s", a->min_change * 100);
}

static int history_svg(FILE *f, const struct history_args *a, const struct history *h)
{
	char title[256];

	snprintf(title, sizeof(title), "%s: %s of %s", a->name, a->stat, a->metric);
	return out_series_cp_svg(f, title, a->stat, h->is_time, h->se.value, h->se.n, h->cps, h->ncp);
}

int cmd_history(int argc, char **argv)
{
	struct history_args a = { .metric = "wall", .stat = "median", .by = "time", .alpha = 0.01,
				  .min_change = 0.02 };
	struct history h = { 0 };
	struct store *st = NULL;
	FILE *fsvg = NULL;
	int rc = history_parse(argc, argv, &a), status;

	if (rc)
		return rc == OPT_HELP ? PE_EXIT_OK : PE_EXIT_USAGE;
	if (store_open(a.store_spec, &st) < 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		goto out;
	}
	if ((status = history_load(st, &a, &h)) != PE_EXIT_OK)
		goto out;
	/* opened only now: a run name or store error leaves an existing plot as it was */
	if (a.svg && !(fsvg = fopen(a.svg, "w"))) {
		status = cmd_fail(PE_EXIT_RUNTIME, "--svg: cannot write '%s'", a.svg);
		goto out;
	}
	if (a.json)
		history_json(&a, &h);
	else
		history_text(&a, &h);
	if (fsvg && history_svg(fsvg, &a, &h) < 0)
		status = cmd_fail(PE_EXIT_RUNTIME, "--svg '%s': %s", a.svg, pe_errmsg());
	fflush(stdout);
	if (status == PE_EXIT_OK && h.failing) {
		const struct change_point *cp = h.failing;

		status = cmd_fail(PE_EXIT_VERDICT, "%s: %s regressed by %.2f%% from run %lld on (p = %.3f), "
				  "within the last %u runs", a.name, a.metric, fabs(cp->change) * 100,
				  (long long)h.se.id[cp->index], cp->p, a.last);
	}
out:
	if (fsvg && fclose(fsvg) && status == PE_EXIT_OK)
		status = cmd_fail(PE_EXIT_RUNTIME, "--svg: cannot write '%s'", a.svg);
	free(h.cps);
	store_series_free(&h.se);
	if (st)
		store_close(st);
	return status;
}
