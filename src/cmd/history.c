/*
 * perfeng history NAME: a metric over the runs of NAME, oldest first (or in
 * git commit order), with its change points (E-divisive means), as text
 * with a sparkline, JSON, or an SVG plot.
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

/*
 * Drops the runs whose value is not a number: a metric saved without
 * samples (hyperfine's user and system) has a mean only, and one that could
 * not be measured (max_rss on some systems) has no value at all. Returns
 * how many were dropped.
 */
static size_t drop_nonfinite(struct store_series *se)
{
	size_t k = 0;

	for (size_t i = 0; i < se->n; i++) {
		if (!isfinite(se->value[i])) {
			free(se->commit[i]);
			continue;
		}
		se->id[k] = se->id[i];
		se->started[k] = se->started[i];
		se->commit[k] = se->commit[i];
		se->value[k] = se->value[i];
		k++;
	}
	k = se->n - k;
	se->n -= k;
	return k;
}

static char *fmt_val(char *buf, size_t n, double v, int is_time)
{
	return is_time ? fmt_time(buf, n, v, TU_AUTO) : fmt_count(buf, n, v);
}

int cmd_history(int argc, char **argv)
{
	const char *store_spec = NULL, *metric = "wall", *stat = "median", *by = "time", *svg = NULL;
	int json = 0, npos, rc, status = PE_EXIT_OK;
	double alpha = 0.05;
	struct option opts[] = {
		OPT_STRING(0, "metric", &metric, "<NAME>", "the metric (default wall)"),
		OPT_STRING(0, "stat", &stat, "<STAT>", "median (default), mean, min, max or stddev of each run"),
		OPT_STRING(0, "by", &by, "<ORDER>", "time (default) or commit (git order of HEAD's history)"),
		OPT_PERCENT(0, "alpha", &alpha, "<P>", "significance of a change point (default 0.05)"),
		OPT_FLAG(0, "json", &json, "print JSON"),
		OPT_STRING(0, "svg", &svg, "<FILE>", "write a plot with the change points marked"),
		OPT_STRING(0, "store", &store_spec, "<PATH|URL>", "the results store (default $PERFENG_STORE or ~/.local/share/perfeng/results.db)"),
		OPT_END(),
	};
	struct store *st = NULL;
	struct store_series se = { 0 };
	struct change_point *cps = NULL;
	struct cp_options cpo;
	size_t ncp = 0, dropped = 0;
	FILE *fsvg = NULL;
	int is_time;

	rc = options_parse(argc, argv, opts, &npos);
	if (rc == OPT_HELP) {
		options_usage(stdout, history_usage, opts);
		cmd_usage_env(stdout, CMD_ENV_STORE);
		return PE_EXIT_OK;
	}
	if (!rc && npos != 1)
		rc = pe_error("history needs one run name");
	if (!rc && strcmp(by, "time") && strcmp(by, "commit"))
		rc = pe_error("--by: '%s' is not time or commit", by);
	if (!rc && strcmp(stat, "median") && strcmp(stat, "mean") && strcmp(stat, "min") &&
	    strcmp(stat, "max") && strcmp(stat, "stddev"))
		rc = pe_error("--stat: '%s' is not median, mean, min, max or stddev", stat);
	if (!rc && !(alpha > 0 && alpha < 1))
		rc = pe_error("--alpha must be between 0 and 1");
	if (rc < 0) {
		fprintf(stderr, "perfeng history: %s\nsee 'perfeng history --help'\n", pe_errmsg());
		return PE_EXIT_USAGE;
	}
	if (store_open(store_spec, &st) < 0 || store_series_get(st, argv[0], metric, stat, &se) < 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		goto out;
	}
	if (!se.n) {
		status = cmd_fail(PE_EXIT_RUNTIME, "no run named '%s' has a metric '%s' in %s", argv[0],
				  metric, store_location(st));
		goto out;
	}
	if ((dropped = drop_nonfinite(&se)) && !se.n) {
		status = cmd_fail(PE_EXIT_RUNTIME, "no run of '%s' has a %s of '%s': the metric has no "
				  "samples%s", argv[0], stat, metric,
				  strcmp(stat, "mean") && (!strcmp(metric, "user") || !strcmp(metric, "system")) ?
				  " (runs imported from hyperfine have only the mean of user and system: "
				  "try --stat mean)" : "");
		goto out;
	}
	if (dropped)
		cmd_warn("%zu run%s of '%s' left out: %s %s has no %s", dropped, dropped == 1 ? "" : "s",
			 argv[0], dropped == 1 ? "its" : "their", metric, stat);
	dropped = 0;
	if (!strcmp(by, "commit") && order_by_commit(&se, &dropped) < 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		goto out;
	}
	if (dropped)
		cmd_warn("%zu run%s of '%s' left out: %s commit is not in the history of HEAD",
			 dropped, dropped == 1 ? "" : "s", argv[0], dropped == 1 ? "its" : "their");
	cp_options_init(&cpo);
	cpo.alpha = alpha;
	/* enough permutations to resolve p-values well below alpha */
	if (cpo.permutations < (unsigned)ceil(10 / alpha))
		cpo.permutations = (unsigned)ceil(10 / alpha);
	if (cp_detect(se.value, se.n, &cpo, &cps, &ncp) < 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		goto out;
	}
	/* opened only now: a run name or store error leaves an existing plot as it was */
	if (svg && !(fsvg = fopen(svg, "w"))) {
		status = cmd_fail(PE_EXIT_RUNTIME, "--svg: cannot write '%s'", svg);
		goto out;
	}
	/* times in seconds: bench's wall/user/system, load's percentiles */
	is_time = !strcmp(metric, "wall") || !strcmp(metric, "user") || !strcmp(metric, "system") ||
		  (metric[0] == 'p' && metric[1] >= '0' && metric[1] <= '9');

	if (json) {
		json_t *root = json_object(), *pts = json_array(), *cpj = json_array();

		for (size_t i = 0; i < se.n; i++)
			json_array_append_new(pts, json_pack("{s:I,s:I,s:s,s:f}", "id", (json_int_t)se.id[i],
				"started_us", (json_int_t)se.started[i], "commit", se.commit[i] ? se.commit[i] : "",
				"value", se.value[i]));
		for (size_t c = 0; c < ncp; c++) {
			const struct change_point *cp = &cps[c];
			size_t i = cp->index;

			json_array_append_new(cpj, json_pack("{s:I,s:I,s:I,s:s,s:s,s:f,s:f,s:o,s:f}",
				"index", (json_int_t)i, "run_before", (json_int_t)se.id[i - 1],
				"run_after", (json_int_t)se.id[i],
				"commit_before", se.commit[i - 1] ? se.commit[i - 1] : "",
				"commit_after", se.commit[i] ? se.commit[i] : "",
				"before_median", cp->before_median, "after_median", cp->after_median,
				"change", isfinite(cp->change) ? json_real(cp->change) : json_null(),
				"p_value", cp->p));
		}
		json_object_set_new(root, "name", json_string(argv[0]));
		json_object_set_new(root, "metric", json_string(metric));
		json_object_set_new(root, "stat", json_string(stat));
		json_object_set_new(root, "order", json_string(by));
		json_object_set_new(root, "points", pts);
		json_object_set_new(root, "change_points", cpj);
		json_dumpf(root, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
		putchar('\n');
		json_decref(root);
	} else {
		char a[48], b[48], c1[48], d[48];
		double lo = se.value[0], hi = se.value[0];

		for (size_t i = 1; i < se.n; i++) {
			lo = fmin(lo, se.value[i]);
			hi = fmax(hi, se.value[i]);
		}
		printf("%s: %s of %s over %zu run%s (by %s)\n  ", argv[0], stat, metric, se.n,
		       se.n == 1 ? "" : "s", by);
		out_sparkline(stdout, se.value, se.n, 72);
		printf("\n  first %s, last %s, min %s, max %s\n",
		       fmt_val(a, sizeof(a), se.value[0], is_time), fmt_val(b, sizeof(b), se.value[se.n - 1], is_time),
		       fmt_val(c1, sizeof(c1), lo, is_time), fmt_val(d, sizeof(d), hi, is_time));
		if (!ncp) {
			printf("\nno change point (E-divisive means, α = %.2f)\n", alpha);
		} else {
			printf("\n%zu change point%s (E-divisive means, α = %.2f):\n", ncp, ncp == 1 ? "" : "s", alpha);
			printf("  %6s  %-25s  %12s  %12s  %9s  %s\n", "at run", "commits", "before", "after", "change", "p");
			for (size_t c = 0; c < ncp; c++) {
				const struct change_point *cp = &cps[c];
				size_t i = cp->index;
				char range[64];

				snprintf(range, sizeof(range), "%.10s..%.10s",
					 se.commit[i - 1] && *se.commit[i - 1] ? se.commit[i - 1] : "-",
					 se.commit[i] && *se.commit[i] ? se.commit[i] : "-");
				char pct[32];

				if (isfinite(cp->change))
					snprintf(pct, sizeof(pct), "%+.2f%%", cp->change * 100);
				else
					snprintf(pct, sizeof(pct), "n/a");
				printf("  %6lld  %-25s  %12s  %12s  %9s  %.3f\n", (long long)se.id[i], range,
				       fmt_val(a, sizeof(a), cp->before_median, is_time),
				       fmt_val(b, sizeof(b), cp->after_median, is_time), pct, cp->p);
			}
		}
	}
	if (fsvg) {
		size_t *idx = xcalloc(ncp + 1, sizeof(*idx));
		char **labels = xcalloc(ncp + 1, sizeof(*labels));
		double *level = xcalloc(ncp + 1, sizeof(*level));
		char title[256], ylabel[128];
		struct series_plot p = { 0 };
		double scale = 1;
		const char *unit = "";

		if (is_time) {
			enum time_unit u = time_unit_for(stats_median(se.value, se.n));
			scale = time_unit_scale(u);
			unit = time_unit_ascii(u);
		}
		for (size_t c = 0; c < ncp; c++) {
			idx[c] = cps[c].index;
			labels[c] = isfinite(cps[c].change) ? xasprintf("%+.1f%%", cps[c].change * 100)
							     : xstrdup("change");
		}
		for (size_t s = 0; s <= ncp; s++) {
			size_t from = s ? idx[s - 1] : 0, to = s < ncp ? idx[s] : se.n;
			level[s] = stats_median(se.value + from, to - from);
		}
		snprintf(title, sizeof(title), "%s: %s of %s", argv[0], stat, metric);
		snprintf(ylabel, sizeof(ylabel), "%s%s%s%s", stat, *unit ? " (" : "", unit, *unit ? ")" : "");
		p.title = title;
		p.ylabel = ylabel;
		p.yscale = scale;
		p.v = se.value;
		p.n = se.n;
		p.change = idx;
		p.change_label = (const char *const *)labels;
		p.nchange = ncp;
		p.seg_level = level;
		if (out_series_svg(fsvg, &p) < 0)
			status = cmd_fail(PE_EXIT_RUNTIME, "--svg '%s': %s", svg, pe_errmsg());
		for (size_t c = 0; c < ncp; c++)
			free(labels[c]);
		free(labels);
		free(idx);
		free(level);
	}
out:
	if (fsvg && fclose(fsvg) && status == PE_EXIT_OK)
		status = cmd_fail(PE_EXIT_RUNTIME, "--svg: cannot write '%s'", svg);
	free(cps);
	store_series_free(&se);
	if (st)
		store_close(st);
	return status;
}
