/*
 * perfeng report RUN... [--history NAME[:METRIC]]...: saved runs, and the
 * histories of names, as one self-contained HTML page (-o FILE), Markdown
 * for a pull request (--markdown) or JSON holding the Markdown (--json).
 * The page is drawn by src/out/report.c; the runs come from the store (a
 * profile run's stacks by prof/persist.c), a history's change points as
 * `perfeng history` finds them (stats/changepoint.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "out/report.h"
#include "prof/persist.h"
#include "stats/changepoint.h"
#include "store/conditions.h"
#include "store/store.h"
#include "util/error.h"
#include "util/options.h"
#include "util/xalloc.h"

static const char report_usage[] = "perfeng report [options] <run>...\n   or: perfeng report [options] --history <name> [<run>...]";

#define REPORT_MAX_RUNS 64
#define REPORT_MAX_HISTORIES 16
#define REPORT_CP_ALPHA 0.01		/* history's defaults */
#define REPORT_CP_MIN_CHANGE 0.02

struct report_cmd {
	const char *out, *title, *store_spec;
	struct string_list hist_args;
	int markdown, json;
	/* loaded */
	struct store *st;
	struct store_run *runs;
	struct report_run *rr;
	struct profile *profs;
	size_t n;
	struct store_series *series;
	struct change_point **cps;
	struct report_history *hist;
	char **metrics;
	size_t nhist;
};

/* --json: the runs, the Markdown (for an agent or a bot to post), and where the page went. */
static int report_json(const struct report_cmd *c, const struct report_input *in)
{
	char *md = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&md, &len);
	json_t *root, *ids = json_array();
	int rc;

	if (!m)
		return pe_error("out of memory");
	rc = report_markdown(m, in);
	fclose(m);
	for (size_t i = 0; i < c->n; i++)
		json_array_append_new(ids, json_pack("{sIssss}", "id", (json_int_t)c->rr[i].run->id, "name",
						     c->rr[i].run->name ? c->rr[i].run->name : "", "kind", c->rr[i].run->kind));
	root = json_pack("{s:o, s:s, s:o, s:s%}", "runs", ids, "title", c->title, "output",
			 c->out && strcmp(c->out, "-") ? json_string(c->out) : json_null(), "markdown", md ? md : "", len);
	json_dumpf(root, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(root);
	free(md);
	return rc;
}

static int report_load_runs(struct report_cmd *c, char **refs, size_t n)
{
	c->runs = xcalloc(n + 1, sizeof(*c->runs));
	c->rr = xcalloc(n + 1, sizeof(*c->rr));
	c->profs = xcalloc(n + 1, sizeof(*c->profs));
	for (; c->n < n; c->n++) {
		int64_t id;

		if (store_resolve(c->st, refs[c->n], &id) < 0 || store_get(c->st, id, &c->runs[c->n]) < 0)
			return -1;
		c->rr[c->n].run = &c->runs[c->n];
		profile_init(&c->profs[c->n], "samples");
		if (!strcmp(c->runs[c->n].kind, "profile") && profile_store_load(c->st, refs[c->n], &c->profs[c->n]) == 0)
			c->rr[c->n].prof = &c->profs[c->n];
	}
	return 0;
}

/* NAME[:METRIC]: the metric's series of medians (default: the primary metric of NAME's latest run). */
static int report_load_history(struct report_cmd *c, const char *arg)
{
	size_t i = c->nhist, nsmall;
	const char *colon = strchr(arg, ':');
	char *name = colon ? xstrndup(arg, (size_t)(colon - arg)) : xstrdup(arg), *metric = NULL;
	struct store_run run = { 0 };
	int64_t id;

	if (colon) {
		metric = xstrdup(colon + 1);
	} else if (store_resolve(c->st, name, &id) == 0 && store_get(c->st, id, &run) == 0) {
		const char *p = store_run_primary_metric(&run);

		metric = xstrdup(p ? p : "wall");
		store_run_release(&run);
	} else {
		free(name);
		return pe_error("--history %s: %s", arg, pe_errmsg());
	}
	c->metrics[2 * i] = name;
	c->metrics[2 * i + 1] = metric;
	if (store_series_get(c->st, name, metric, "median", &c->series[i]) < 0)
		return -1;
	store_series_drop_nonfinite(&c->series[i]);
	if (!c->series[i].n)
		return pe_error("--history %s: no run named '%s' has a median of '%s'", arg, name, metric);
	if (cp_detect_gated(c->series[i].value, c->series[i].n, REPORT_CP_ALPHA, REPORT_CP_MIN_CHANGE, &c->cps[i],
			    &c->hist[i].ncp, &nsmall) < 0)
		return -1;
	c->hist[i] = (struct report_history){ name, metric, &c->series[i], c->cps[i], c->hist[i].ncp,
					      !strcmp(metric, "wall") || !strcmp(metric, "user") ||
					      !strcmp(metric, "system") || (metric[0] == 'p' && metric[1] >= '0' &&
										metric[1] <= '9') };
	c->nhist++;
	return 0;
}

static void report_release(struct report_cmd *c)
{
	for (size_t i = 0; i < c->n; i++) {
		store_run_release(&c->runs[i]);
		profile_release(&c->profs[i]);
	}
	for (size_t i = 0; i < c->hist_args.n; i++) {
		if (c->series)
			store_series_free(&c->series[i]);
		if (c->cps)
			free(c->cps[i]);
		if (c->metrics) {
			free(c->metrics[2 * i]);
			free(c->metrics[2 * i + 1]);
		}
	}
	free(c->runs);
	free(c->rr);
	free(c->profs);
	free(c->series);
	free(c->cps);
	free(c->hist);
	free(c->metrics);
	free(c->hist_args.v);
	if (c->st)
		store_close(c->st);
}

static int report_parse(int argc, char **argv, struct report_cmd *c, int *npos)
{
	struct option opts[] = {
		OPT_STRING('o', "output", &c->out, "<FILE>", "write the HTML page to FILE (default: standard output)"),
		OPT_FLAG(0, "markdown", &c->markdown, "print Markdown instead (tables, no scripts), for a pull request"),
		OPT_FLAG(0, "json", &c->json, "print JSON: the runs, the Markdown, and the page's file (with -o)"),
		OPT_LIST(0, "history", &c->hist_args, "<NAME[:METRIC]>", "add NAME's series of a metric with its change points (default metric: its primary; repeatable)"),
		OPT_STRING(0, "title", &c->title, "<TEXT>", "the page's title (default \"perfeng report\")"),
		OPT_STRING(0, "store", &c->store_spec, "<PATH|URL>", "the results store (default $PERFENG_STORE or ~/.local/share/perfeng/results.db)"),
		OPT_END(),
	};
	int rc = options_parse(argc, argv, opts, npos);

	if (rc == OPT_HELP) {
		options_usage(stdout, report_usage, opts);
		cmd_usage_env(stdout, CMD_ENV_STORE);
		return OPT_HELP;
	}
	if (!rc && !*npos && !c->hist_args.n)
		rc = pe_error("report needs at least one run (an id, NAME, NAME@latest~N, NAME@TAG) or --history NAME");
	if (!rc && (*npos > REPORT_MAX_RUNS || c->hist_args.n > REPORT_MAX_HISTORIES))
		rc = pe_error("report takes at most %d runs and %d histories", REPORT_MAX_RUNS, REPORT_MAX_HISTORIES);
	if (!rc && c->markdown && c->out)
		rc = pe_error("--markdown prints to standard output: it goes without -o");
	if (!rc && c->markdown && c->json)
		rc = pe_error("--json holds the Markdown already: it goes without --markdown");
	return rc;
}

int cmd_report(int argc, char **argv)
{
	struct report_cmd c = { .title = "perfeng report" };
	struct report_input in;
	int npos, rc, status = PE_EXIT_OK;
	FILE *f = stdout;

	rc = report_parse(argc, argv, &c, &npos);
	if (rc == OPT_HELP)
		goto out;
	if (rc < 0) {
		fprintf(stderr, "perfeng report: %s\nsee 'perfeng report --help'\n", pe_errmsg());
		status = PE_EXIT_USAGE;
		goto out;
	}
	c.series = xcalloc(c.hist_args.n + 1, sizeof(*c.series));
	c.cps = xcalloc(c.hist_args.n + 1, sizeof(*c.cps));
	c.hist = xcalloc(c.hist_args.n + 1, sizeof(*c.hist));
	c.metrics = xcalloc(2 * c.hist_args.n + 2, sizeof(*c.metrics));
	rc = store_open(c.store_spec, &c.st);
	if (!rc)
		rc = report_load_runs(&c, argv, (size_t)npos);
	for (size_t i = 0; !rc && i < c.hist_args.n; i++)
		rc = report_load_history(&c, c.hist_args.v[i]);
	if (rc < 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		goto out;
	}
	in = (struct report_input){ c.title, c.rr, c.n, c.hist, c.nhist };
	if (c.json && report_json(&c, &in) < 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		goto out;
	}
	if (c.json && !c.out)
		goto out;
	if (c.out && strcmp(c.out, "-") && !(f = fopen(c.out, "w"))) {
		status = cmd_fail(PE_EXIT_RUNTIME, "cannot write '%s'", c.out);
		goto out;
	}
	rc = c.markdown ? report_markdown(f, &in) : report_html(f, &in);
	if (f != stdout && fclose(f) != 0 && !rc)
		rc = pe_error("cannot write '%s'", c.out);
	if (rc < 0)
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
out:
	report_release(&c);
	return status;
}
