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
#include "stats/gate.h"
#include "store/conditions.h"
#include "store/import_json.h"
#include "store/store.h"
#include "util/error.h"
#include "util/options.h"
#include "util/xalloc.h"

static const char compare_usage[] = "perfeng compare [options] <A> <B>";

/* One metric both runs have, with what the gate made of it. */
struct row {
	const struct store_metric *a, *b;
	struct gate_row g;
	struct gate_noise learned;	/* from earlier runs; pairs 0 when none were read */
	double user_band;		/* --noise or --max-regression, before learning */
};

/* How the two runs were taken, for the line that says whether drift is cancelled. */
enum taken { TAKEN_APART = 0, TAKEN_TOGETHER, TAKEN_INTERLEAVED };

struct gate_ctx {
	const char *band_from;	/* "--noise", "--max-regression" or "default" */
	const char *hist_name;	/* whose earlier runs taught the band; NULL: none */
	size_t hist_runs;
	int no_history;
	enum taken taken;
	double apart_s;
	size_t ngated;
};

/* One side of the comparison: a run, and where it came from. */
struct side {
	const char *ref;
	struct store_run run;
	struct store_run *file_runs;	/* when read from a JSON file */
	size_t nfile_runs;
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
		if (end != hash + 1 && !*end && stat(path, &stbuf) == 0 && k < 1) {
			pe_error("'%s': results are numbered from 1: '%s#1' is the first", sd->ref, path);
			goto out;
		}
		if (end != hash + 1 && !*end && stat(path, &stbuf) == 0)
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

static const char *taken_text(char *buf, size_t n, const struct gate_ctx *g)
{
	if (g->taken == TAKEN_INTERLEAVED)
		return "in one bench run, interleaved: drift between the two is cancelled";
	if (g->taken == TAKEN_TOGETHER)
		return "in one bench run, one after the other: slow drift is not cancelled (bench --interleave cancels it)";
	if (isfinite(g->apart_s) && g->apart_s > 0) {
		char t[32];

		if (g->apart_s >= 86400)
			snprintf(t, sizeof(t), "%.1f days", g->apart_s / 86400);
		else if (g->apart_s >= 3600)
			snprintf(t, sizeof(t), "%.1f h", g->apart_s / 3600);
		else if (g->apart_s >= 60)
			snprintf(t, sizeof(t), "%.1f min", g->apart_s / 60);
		else
			fmt_time(t, sizeof(t), g->apart_s, TU_AUTO);
		snprintf(buf, n, "at different times, %s apart: drift between them is not cancelled "
			 "(one 'perfeng bench --interleave' of both cancels it)", t);
	} else {
		snprintf(buf, n, "at different times: drift between them is not cancelled "
			 "(one 'perfeng bench --interleave' of both cancels it)");
	}
	return buf;
}

/* The lines under the table: what is gated, the band, the false-alarm rate, how the runs were taken. */
static void print_gate(FILE *f, const struct row *rows, size_t n, const struct gate_ctx *g,
		       const char *indent)
{
	char buf[320];

	fprintf(f, "%sgate: regression when p < %.2f (Holm over %zu gated metric%s) and the 95%% CI "
		"lies wholly beyond the band\n", indent, GATE_ALPHA, g->ngated, g->ngated == 1 ? "" : "s");
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];

		if (!r->g.gated)
			continue;
		fprintf(f, "%s  %s: band ±%.2f%% (%s%s)", indent, r->a->name, r->g.band * 100,
			g->band_from, r->learned.pairs >= GATE_MIN_PAIRS && r->g.band > r->user_band ?
			", widened by history" : "");
		if (r->learned.pairs >= GATE_MIN_PAIRS)
			fprintf(f, "; %zu earlier pairs of '%s' differ by %.2f%% (robust SD), %zu of them "
				"beyond the band", r->learned.pairs, g->hist_name, r->learned.sd * 100,
				r->learned.beyond);
		else if (g->no_history)
			fprintf(f, "; history not used (--no-history)");
		else if (g->hist_name)
			fprintf(f, "; history of '%s' too short to learn from (%zu run%s, %d needed)",
				g->hist_name, g->hist_runs, g->hist_runs == 1 ? "" : "s", GATE_MIN_PAIRS + 1);
		fputc('\n', f);
	}
	fprintf(f, "%sfalse alarms: at most %.0f%% of identical pairs from the test alone, fewer with the band",
		indent, GATE_ALPHA * 100);
	for (size_t i = 0; i < n; i++)
		if (rows[i].g.gated && rows[i].learned.pairs >= GATE_MIN_PAIRS && rows[i].learned.sd > 0) {
			fprintf(f, "; a normal fit of %s's history puts it at %.2g%%", rows[i].a->name,
				100 * gate_normal_tail(rows[i].g.band / rows[i].learned.sd));
			break;
		}
	fprintf(f, "\n%staken: %s\n", indent, taken_text(buf, sizeof(buf), g));
}

static void print_text(const struct side *a, const struct side *b, const struct row *rows,
		       size_t n, const struct gate_ctx *g)
{
	char da[256], db[256];
	int others = 0;

	describe_side(da, sizeof(da), a);
	describe_side(db, sizeof(db), b);
	printf("old: %s\nnew: %s\n\n", da, db);
	printf("%-30s %12s %12s %9s  %-21s %-9s  %s\n", "metric", "old median", "new median", "change",
	       "95% CI of change", "p", "verdict");
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		char o[80], nw[80], ch[32], lo[32], hi[32], ci[80], p[32];
		int called = r->g.verdict == GV_REGRESSED || r->g.verdict == GV_IMPROVED;

		others |= !r->g.gated && called;
		fmt_value(o, sizeof(o), r->g.old_value, r->a->unit);
		fmt_value(nw, sizeof(nw), r->g.new_value, r->b->unit);
		if (isfinite(r->g.ci[0]))
			snprintf(ci, sizeof(ci), "[%s, %s]", fmt_pct(lo, sizeof(lo), r->g.ci[0]),
				 fmt_pct(hi, sizeof(hi), r->g.ci[1]));
		else
			snprintf(ci, sizeof(ci), "n/a");
		if (isfinite(r->g.p))
			fmt_p(p, sizeof(p), r->g.p);
		else
			snprintf(p, sizeof(p), "n/a");
		printf("%-30.30s %12s %12s %9s  %-21s %-9s  %s%s%s%s%s\n", r->a->name, o, nw,
		       fmt_pct(ch, sizeof(ch), r->g.change), ci, p, gate_verdict_name(r->g.verdict),
		       r->g.why ? " (" : "", r->g.why ? r->g.why : "", r->g.why ? ")" : "",
		       !r->g.gated && called ? " (not gated)" : "");
	}
	putchar('\n');
	if (others)
		printf("(not gated): shown only; name a metric with --metric to gate it (band ±%.2f%%, "
		       "p not adjusted)\n", rows[0].user_band * 100);
	print_gate(stdout, rows, n, g, "");
}

static void print_markdown(const struct side *a, const struct side *b, const struct row *rows, size_t n,
			   const struct gate_ctx *g)
{
	char da[256], db[256];

	describe_side(da, sizeof(da), a);
	describe_side(db, sizeof(db), b);
	printf("Comparing `%s` (old) with `%s` (new)\n\n", da, db);
	printf("| Metric | Old (median) | New (median) | Change | 95%% CI | p | Verdict |\n");
	printf("|:---|---:|---:|---:|:---:|---:|:---|\n");
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		char o[80], nw[80], ch[32], lo[32], hi[32], p[32];

		fmt_value(o, sizeof(o), r->g.old_value, r->a->unit);
		fmt_value(nw, sizeof(nw), r->g.new_value, r->b->unit);
		printf("| %s%s | %s | %s | %s | ", r->a->name, r->g.gated ? "" : " (not gated)", o, nw,
		       fmt_pct(ch, sizeof(ch), r->g.change));
		if (isfinite(r->g.ci[0]))
			printf("%s … %s", fmt_pct(lo, sizeof(lo), r->g.ci[0]), fmt_pct(hi, sizeof(hi), r->g.ci[1]));
		else
			printf("n/a");
		if (isfinite(r->g.p))
			fmt_p(p, sizeof(p), r->g.p);
		else
			snprintf(p, sizeof(p), "n/a");
		/* "p = 0.004" as "0.004", "p < 0.001" as "< 0.001" */
		printf(" | %s | %s%s |\n", p + (!isfinite(r->g.p) ? 0 : p[2] == '<' ? 2 : 4),
		       r->g.verdict == GV_REGRESSED ? "**regressed**" : gate_verdict_name(r->g.verdict),
		       r->g.verdict == GV_REGRESSED ? " :x:" : r->g.verdict == GV_IMPROVED ? " :white_check_mark:" : "");
	}
	putchar('\n');
	print_gate(stdout, rows, n, g, "> ");
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

static json_t *gate_json(const struct row *rows, size_t n, const struct gate_ctx *g,
			 char conds[STORE_COND_MAX][160], size_t nconds)
{
	static const char *const taken[] = { "apart", "together", "interleaved" };
	json_t *o = json_object(), *gated = json_array(), *cj = json_array();

	for (size_t i = 0; i < n; i++)
		if (rows[i].g.gated)
			json_array_append_new(gated, json_string(rows[i].a->name));
	for (size_t i = 0; i < nconds; i++)
		json_array_append_new(cj, json_string(conds[i]));
	json_object_set_new(o, "alpha", json_real(GATE_ALPHA));
	json_object_set_new(o, "correction", json_string("holm"));
	json_object_set_new(o, "gated", gated);
	json_object_set_new(o, "band_from", json_string(g->band_from));
	json_object_set_new(o, "history", g->hist_name ? json_string(g->hist_name) : json_null());
	json_object_set_new(o, "taken", json_string(taken[g->taken]));
	json_object_set_new(o, "apart_s", json_num(g->apart_s));
	json_object_set_new(o, "conditions_differ", cj);
	return o;
}

static void print_json(const struct side *a, const struct side *b, const struct row *rows,
		       size_t n, const struct gate_ctx *g, char conds[STORE_COND_MAX][160],
		       size_t nconds, const char *failed)
{
	json_t *root = json_object(), *ms = json_array();

	json_object_set_new(root, "old", side_json(a));
	json_object_set_new(root, "new", side_json(b));
	json_object_set_new(root, "noise", json_real(n ? rows[0].user_band : 0));
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		json_t *m = json_pack("{s:s,s:s,s:b,s:o,s:o,s:o,s:[oo],s:o,s:s}",
			"metric", r->a->name, "unit", r->a->unit, "higher_is_better", r->a->higher_is_better,
			"old", json_num(r->g.old_value), "new", json_num(r->g.new_value), "change", json_num(r->g.change),
			"change_ci95", json_num(r->g.ci[0]), json_num(r->g.ci[1]), "p_value", json_num(r->g.p),
			"verdict", gate_verdict_name(r->g.verdict));

		json_object_set_new(m, "old_mean", json_num(r->a->mean));
		json_object_set_new(m, "new_mean", json_num(r->b->mean));
		json_object_set_new(m, "gated", json_boolean(r->g.gated));
		json_object_set_new(m, "p_adjusted", json_num(r->g.p_adj));
		json_object_set_new(m, "band", json_num(r->g.band));
		if (r->learned.pairs >= GATE_MIN_PAIRS)
			json_object_set_new(m, "history", json_pack("{s:I,s:o,s:o,s:o,s:I}",
				"pairs", (json_int_t)r->learned.pairs, "sd", json_num(r->learned.sd),
				"median", json_num(r->learned.median), "learned_band", json_num(r->learned.band),
				"beyond_band", (json_int_t)r->learned.beyond));
		else
			json_object_set_new(m, "history", json_null());
		json_array_append_new(ms, m);
	}
	json_object_set_new(root, "metrics", ms);
	json_object_set_new(root, "gate", gate_json(rows, n, g, conds, nconds));
	json_object_set_new(root, "failed", failed ? json_string(failed) : json_null());
	json_dumpf(root, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
	putchar('\n');
	json_decref(root);
}

/* What a side is summed up by: its median, as the verdict is on medians; the mean without one. */
static double metric_value(const struct store_metric *m)
{
	return isfinite(m->median) ? m->median : m->mean;
}

/*
 * The values (metric_value) of metric over the earlier runs of name in the store (runs
 * started before `before`, other than id `skip`), oldest first, into a new
 * array (caller frees); *nruns the runs read.
 */
static double *history_values(struct store *st, const char *name, const char *metric,
			     int64_t before, int64_t skip, size_t *n, size_t *nruns)
{
	struct store_query q = { .name = name };
	struct store_run *runs = NULL;
	size_t nr = 0, k = 0;
	double *v;

	*n = *nruns = 0;
	if (store_list(st, &q, &runs, &nr) < 0)
		return NULL;
	v = xcalloc(nr + 1, sizeof(*v));
	for (size_t i = 0; i < nr; i++) {
		if (runs[i].id == skip || runs[i].started > before)
			continue;
		(*nruns)++;
		for (size_t j = 0; j < runs[i].nmetrics; j++)
			if (!strcmp(runs[i].metrics[j].name, metric))
				v[k++] = metric_value(&runs[i].metrics[j]);
	}
	store_runs_free(runs, nr);
	*n = k;
	return v;
}

/* Widens each gated row's band to what earlier runs of A's name say identical runs differ by. */
static void learn_bands(struct row *rows, size_t n, struct store *st, const struct side *a,
			const struct side *b, struct gate_ctx *g)
{
	if (g->no_history || !st || a->file_runs || !a->run.name)
		return;
	g->hist_name = a->run.name;
	for (size_t i = 0; i < n; i++) {
		struct row *r = &rows[i];
		size_t nv, nruns;
		int64_t before = b->file_runs ? INT64_MAX : b->run.started;
		double *v;

		if (!r->g.gated)
			continue;
		v = history_values(st, a->run.name, r->a->name, before, b->file_runs ? -1 : b->run.id,
				  &nv, &nruns);
		g->hist_runs = nruns;
		gate_noise_learn(v, nv, 0, &r->learned);
		if (r->learned.pairs >= GATE_MIN_PAIRS && r->learned.band > r->g.band)
			r->g.band = r->learned.band;
		gate_noise_learn(v, nv, r->g.band, &r->learned);
		free(v);
	}
}

static enum taken sides_taken(const struct side *a, const struct side *b, double *apart_s)
{
	*apart_s = NAN;
	if (store_runs_same_invocation(&a->run, &b->run))
		return store_run_has_tag(&a->run, STORE_TAG_INTERLEAVED) &&
		       store_run_has_tag(&b->run, STORE_TAG_INTERLEAVED) ? TAKEN_INTERLEAVED : TAKEN_TOGETHER;
	if (a->run.started && b->run.started && a->run.version && strcmp(a->run.version, "hyperfine") &&
	    b->run.version && strcmp(b->run.version, "hyperfine"))
		*apart_s = fabs((double)(b->run.started - a->run.started)) / 1e6;
	return TAKEN_APART;
}

/* Rows for the metrics both runs have (only those named with --metric, when any). */
static size_t build_rows(struct row *rows, const struct side *a, const struct side *b,
			 const struct string_list *only, double band)
{
	const char *primary = store_run_primary_metric(&a->run);
	size_t n = 0;

	for (size_t i = 0; i < a->run.nmetrics; i++) {
		const struct store_metric *ma = &a->run.metrics[i];
		int wanted = !only->n;

		for (size_t k = 0; k < only->n; k++)
			wanted |= !strcmp(only->v[k], ma->name);
		if (!wanted)
			continue;
		for (size_t j = 0; j < b->run.nmetrics; j++) {
			const struct store_metric *mb = &b->run.metrics[j];
			struct row *r = &rows[n];

			if (strcmp(ma->name, mb->name))
				continue;
			r->a = ma;
			r->b = mb;
			r->g.old = ma->samples;
			r->g.nold = ma->nsamples;
			r->g.new = mb->samples;
			r->g.nnew = mb->nsamples;
			r->g.old_value = metric_value(ma);
			r->g.new_value = metric_value(mb);
			r->g.higher_is_better = ma->higher_is_better;
			r->g.gated = only->n || (primary && !strcmp(primary, ma->name));
			r->g.band = r->user_band = band;
			/* seeded by the metric, not the row: --metric leaves a CI as it was */
			r->g.seed = 0x5eed + i;
			n++;
			break;
		}
	}
	return n;
}

static void compare_help(const struct option *opts)
{
	options_usage(stdout, compare_usage, opts);
	if (!options_help_json())
		printf("\nA and B: a run id, NAME (its latest run), NAME@latest, NAME@latest~N,\n"
		       "NAME@TAG, or a JSON file (perfeng's or hyperfine's; FILE#N picks a result,\n"
		       "counting from 1).\n"
		       "\nThe primary metric is gated: wall for bench and diagnose runs, rps for load,\n"
		       "max_rate for find-max. A regression needs p < 0.05 (Holm-adjusted over the\n"
		       "gated metrics) and a 95%% CI wholly beyond the band; earlier runs of A's name\n"
		       "in the store widen the band to what identical runs differ by.\n"
		       "\nExit codes: 0 compared, and no gate given or none failed (a regression is\n"
		       "shown, not failed, without --fail-on or --max-regression); 1 a gate failed;\n"
		       "2 usage error; 3 a run or file not found, the store unreadable, no metric\n"
		       "in common.\n");
	cmd_usage_env(stdout, CMD_ENV_STORE);
}

/* The warning that the runs were taken under different conditions, when they were. */
static void warn_conditions(char conds[STORE_COND_MAX][160], size_t nconds)
{
	char all[STORE_COND_MAX * 162] = "";

	if (!nconds)
		return;
	for (size_t i = 0; i < nconds; i++) {
		strcat(all, i ? "; " : "");
		strcat(all, conds[i]);
	}
	cmd_warn("the runs were taken under different conditions (%s): a difference may come "
		 "from them, not from the code", all);
}

int cmd_compare(int argc, char **argv)
{
	const char *store_spec = NULL, *fail_on = NULL;
	double noise = -1, max_regression = -1;
	int json = 0, markdown = 0, no_history = 0, npos, rc, status = PE_EXIT_OK;
	struct string_list only = { 0 };
	struct option opts[] = {
		OPT_PERCENT(0, "noise", &noise, "<P>", "the band a change must clear to be called (default 5%)"),
		OPT_STRING(0, "fail-on", &fail_on, "regression", "exit 1 when a gated metric regressed"),
		OPT_PERCENT(0, "max-regression", &max_regression, "<P>", "exit 1 when a gated metric regressed by more than P"),
		OPT_LIST(0, "metric", &only, "<NAME>", "compare and gate only this metric (repeatable; default: all shown, the primary gated)"),
		OPT_FLAG(0, "no-history", &no_history, "do not widen the band from earlier runs of A's name"),
		OPT_FLAG(0, "json", &json, "print JSON"),
		OPT_FLAG(0, "markdown", &markdown, "print a Markdown table for a pull request"),
		OPT_STRING(0, "store", &store_spec, "<PATH|URL>", "the results store (default $PERFENG_STORE or ~/.local/share/perfeng/results.db)"),
		OPT_END(),
	};
	struct side a = { 0 }, b = { 0 };
	struct store *st = NULL;
	struct row *rows = NULL;
	struct gate_ctx g = { .no_history = 0 };
	size_t nrows = 0, nconds = 0;
	char conds[STORE_COND_MAX][160];
	const char *failed = NULL;
	char failbuf[320];
	double band;

	rc = options_parse(argc, argv, opts, &npos);
	if (rc == OPT_HELP) {
		compare_help(opts);
		return PE_EXIT_OK;
	}
	if (!rc && npos != 2)
		rc = pe_error("compare needs two runs, A (old) and B (new); %d given", npos);
	if (!rc && fail_on && strcmp(fail_on, "regression"))
		rc = pe_error("--fail-on: '%s' is not 'regression'", fail_on);
	if (!rc && noise != -1 && (noise < 0 || noise >= 1))
		rc = pe_error("--noise must be between 0%% and 100%%");
	if (!rc && max_regression != -1 && (max_regression < 0 || max_regression >= 1e6))
		rc = pe_error("--max-regression must be a positive percentage");
	if (rc < 0) {
		fprintf(stderr, "perfeng compare: %s\nsee 'perfeng compare --help'\n", pe_errmsg());
		free(only.v);
		return PE_EXIT_USAGE;
	}
	/* the band a change must clear to be called; --max-regression is a second bar for failing */
	band = noise >= 0 ? noise : GATE_DEFAULT_BAND;
	g.band_from = noise >= 0 ? "--noise" : "default";
	g.no_history = no_history;
	a.ref = argv[0];
	b.ref = argv[1];
	if (side_load(&a, &st, store_spec) < 0 || side_load(&b, &st, store_spec) < 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		goto out;
	}

	rows = xcalloc(a.run.nmetrics + 1, sizeof(*rows));
	nrows = build_rows(rows, &a, &b, &only, band);
	if (!nrows) {
		status = cmd_fail(PE_EXIT_RUNTIME, "'%s' and '%s' have no metric in common%s", a.ref, b.ref,
				  only.n ? " among those given with --metric" : "");
		goto out;
	}
	for (size_t i = 0; i < nrows; i++)
		g.ngated += rows[i].g.gated;
	if (!g.ngated)	/* the primary metric is not among those both have: gate them all */
		for (size_t i = 0; i < nrows; i++, g.ngated++)
			rows[i].g.gated = 1;
	learn_bands(rows, nrows, st, &a, &b, &g);
	{
		struct gate_row *gr = xcalloc(nrows, sizeof(*gr));

		for (size_t i = 0; i < nrows; i++)
			gr[i] = rows[i].g;
		gate_evaluate(gr, nrows);
		for (size_t i = 0; i < nrows; i++)
			rows[i].g = gr[i];
		free(gr);
	}
	g.taken = sides_taken(&a, &b, &g.apart_s);
	store_runs_conditions(&a.run, &b.run, conds, &nconds);
	warn_conditions(conds, nconds);
	for (size_t i = 0; i < nrows && !failed; i++) {
		const struct row *r = &rows[i];

		double worse = r->a->higher_is_better ? -r->g.change : r->g.change;

		if (r->g.verdict != GV_REGRESSED || !r->g.gated)
			continue;
		if (!fail_on && !(max_regression >= 0 && worse > max_regression))
			continue;
		snprintf(failbuf, sizeof(failbuf), "%s regressed by %.2f%% (95%% CI %+.2f%% … %+.2f%%, p = %.3g)",
			 r->a->name, fabs(r->g.change) * 100, r->g.ci[0] * 100, r->g.ci[1] * 100, r->g.p_adj);
		failed = failbuf;
	}
	if (json)
		print_json(&a, &b, rows, nrows, &g, conds, nconds, failed);
	else if (markdown)
		print_markdown(&a, &b, rows, nrows, &g);
	else
		print_text(&a, &b, rows, nrows, &g);
	fflush(stdout);
	if (failed) {
		if (max_regression >= 0 && !fail_on)
			status = cmd_fail(PE_EXIT_VERDICT, "%s, more than the %.2f%% allowed", failed,
					  max_regression * 100);
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
