#include "out/bench_report.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "out/format.h"
#include "out/json.h"
#include "util/error.h"
#include "util/xalloc.h"

/* An SGR escape when the report is in colour, else nothing: "%s" arguments. */
#define SGR(r, code) ((r)->color ? "\033[" code "m" : "")
#define SGR_OFF(r) SGR(r, "0")

static enum time_unit report__unit(const struct bench_report *r, size_t i)
{
	return r->unit != TU_AUTO ? r->unit : time_unit_for(r->wall[i].mean);
}

/* Mean of a per-run long field, selected by offset into struct bench_run. */
static double report__mean_long(const struct bench_command *c, size_t off)
{
	double s = 0;

	for (size_t i = 0; i < c->nruns; i++)
		s += (double)*(const long *)((const char *)&c->runs[i] + off);
	return c->nruns ? s / (double)c->nruns : 0;
}

/*
 * Mean peak RSS over the runs where it is known; returns how many those are,
 * and the largest bound (perfeng's own resident set at the spawn) for the others.
 */
static size_t report__rss(const struct bench_command *c, double *mean, double *at_most_kib)
{
	double s = 0;
	size_t k = 0;

	*at_most_kib = 0;
	for (size_t i = 0; i < c->nruns; i++) {
		if (c->runs[i].maxrss_kb >= 0) {
			s += (double)c->runs[i].maxrss_kb;
			k++;
		} else if ((double)c->runs[i].maxrss_at_most_kb > *at_most_kib) {
			*at_most_kib = (double)c->runs[i].maxrss_at_most_kb;
		}
	}
	*mean = k ? s / (double)k : NAN;
	return k;
}

/* Mean of counter id over the runs that counted it; returns the number of such runs. */
static size_t report__ctr_mean(const struct bench_command *c, int id, double *mean)
{
	double s = 0;
	size_t k = 0;

	for (size_t i = 0; i < c->nruns; i++) {
		if (c->runs[i].ctr_valid & (1u << id)) {
			s += (double)c->runs[i].ctr[id];
			k++;
		}
	}
	*mean = k ? s / (double)k : 0;
	return k;
}

void bench_report_compute(struct bench_report *r)
{
	const struct bench_command *cmds = r->cmds;

	r->wall = xcalloc(r->n, sizeof(*r->wall));
	r->user = xcalloc(r->n, sizeof(*r->user));
	r->sys = xcalloc(r->n, sizeof(*r->sys));
	r->cmp = xcalloc(r->n, sizeof(*r->cmp));
	for (size_t i = 0; i < r->n; i++) {
		double *x = xmalloc((cmds[i].nruns ? cmds[i].nruns : 1) * sizeof(*x));

		bench_summarize(&cmds[i], &r->wall[i]);
		/* user and system are reported without CIs: no resampling for them */
		bench_field(&cmds[i], 1, x);
		summary_compute_b(&r->user[i], x, cmds[i].nruns, 1, 0);
		bench_field(&cmds[i], 2, x);
		summary_compute_b(&r->sys[i], x, cmds[i].nruns, 2, 0);
		free(x);
		if (!r->reference_given && cmds[i].nruns &&
		    (!cmds[r->reference].nruns || r->wall[i].mean < r->wall[r->reference].mean))
			r->reference = i;
	}
	for (size_t i = 0; r->n >= 2 && i < r->n; i++) {
		const struct bench_command *ref = &cmds[r->reference];
		double *x, *y;

		if (i == r->reference || !cmds[i].nruns || !ref->nruns)
			continue;
		x = xmalloc(cmds[i].nruns * sizeof(*x));
		y = xmalloc(ref->nruns * sizeof(*y));
		bench_times(&cmds[i], x);
		bench_times(ref, y);
		compare_samples(x, cmds[i].nruns, y, ref->nruns, r->noise, 0x5eed + i, &r->cmp[i]);
		free(x);
		free(y);
	}
}

void bench_report_release(struct bench_report *r)
{
	free(r->wall);
	free(r->user);
	free(r->sys);
	free(r->cmp);
	r->wall = r->user = r->sys = NULL;
	r->cmp = NULL;
}

static const char *report__stop_text(const struct bench_command *c, const struct bench_opts *o,
				     char *buf, size_t n)
{
	switch (c->stop) {
	case BENCH_STOP_RUNS:
		snprintf(buf, n, "the requested %zu run%s", c->nruns, c->nruns == 1 ? "" : "s");
		break;
	case BENCH_STOP_MIN_TIME:
		snprintf(buf, n, "%zu runs (at least %llu run%s and %g s)", c->nruns,
			 (unsigned long long)o->min_runs, o->min_runs == 1 ? "" : "s",
			 (double)o->min_time_ns / 1e9);
		break;
	case BENCH_STOP_MAX_RUNS:
		snprintf(buf, n, "%zu runs: --max-runs reached", c->nruns);
		break;
	case BENCH_STOP_PRECISION:
		snprintf(buf, n, "%zu runs: precision reached (median 95%% CI ±%.2f%%, target ±%.2f%%)",
			 c->nruns, c->precision_reached * 100, o->precision * 100);
		break;
	case BENCH_STOP_BUDGET:
		if (o->precision > 0)
			snprintf(buf, n, "%zu runs: time budget ran out before the precision was reached "
				 "(median 95%% CI ±%.2f%%, target ±%.2f%%)", c->nruns,
				 c->precision_reached * 100, o->precision * 100);
		else
			snprintf(buf, n, "%zu runs: time budget ran out", c->nruns);
		break;
	case BENCH_STOP_INTERRUPTED:
		snprintf(buf, n, "%zu runs: interrupted", c->nruns);
		break;
	case BENCH_STOP_FAILED:
		snprintf(buf, n, "%zu runs: a run failed", c->nruns);
		break;
	default:
		snprintf(buf, n, "%zu runs", c->nruns);
	}
	return buf;
}

void out_bench_shell_note(FILE *f, const struct bench_report *r)
{
	char w[64];

	if (!r->shell)
		return;
	fmt_time(w, sizeof(w), r->opts->shell_wall, r->unit);
	fprintf(f, "Shell: '%s -c', its start-up (%s, mean of %u runs of '%s -c \"\"') "
		"subtracted from each time; -N for none\n\n",
		r->shell, w, r->opts->shell_runs, r->shell);
}

void out_bench_command(FILE *f, const struct bench_report *r, size_t i)
{
	const struct bench_command *c = &r->cmds[i];
	const struct summary *w = &r->wall[i];
	enum time_unit u = report__unit(r, i);
	char a[64], b[64], d[64], e[64], stop[256];

	fprintf(f, "%sBenchmark %zu: %s%s\n", SGR(r, "1"), i + 1, c->name, SGR_OFF(r));
	if (!c->nruns) {
		fprintf(f, "  no completed runs\n");
		return;
	}
	fmt_time(a, sizeof(a), w->mean, u);
	if (w->n >= 2)
		fmt_time(b, sizeof(b), w->stddev, u);
	else
		snprintf(b, sizeof(b), "n/a");
	fmt_time(d, sizeof(d), r->user[i].mean, u);
	fmt_time(e, sizeof(e), r->sys[i].mean, u);
	fprintf(f, "  Time (mean ± σ):     %s%10s%s ± %s%9s%s    [User: %s%s%s, System: %s%s%s]\n",
		SGR(r, "1;32"), a, SGR_OFF(r), SGR(r, "32"), b, SGR_OFF(r),
		SGR(r, "34"), d, SGR_OFF(r), SGR(r, "34"), e, SGR_OFF(r));
	fmt_time(a, sizeof(a), w->min, u);
	fmt_time(b, sizeof(b), w->max, u);
	fprintf(f, "  Range (min … max):   %s%10s%s … %s%9s%s    %s%zu run%s%s\n", SGR(r, "36"), a, SGR_OFF(r),
		SGR(r, "35"), b, SGR_OFF(r), SGR(r, "2"), w->n, w->n == 1 ? "" : "s", SGR_OFF(r));
	fmt_time(a, sizeof(a), w->median, u);
	fmt_time(b, sizeof(b), w->median_ci[0], u);
	fmt_time(d, sizeof(d), w->median_ci[1], u);
	fprintf(f, "  Median [95%% CI]:     %s%10s%s   [%s … %s]\n", SGR(r, "1;32"), a, SGR_OFF(r), b, d);
	fmt_time(b, sizeof(b), w->mean_ci[0], u);
	fmt_time(d, sizeof(d), w->mean_ci[1], u);
	fprintf(f, "  Mean 95%% CI:                       [%s … %s]\n", b, d);
	fmt_time(a, sizeof(a), w->p5, u);
	fmt_time(b, sizeof(b), w->p95, u);
	fmt_time(d, sizeof(d), w->mad, u);
	fprintf(f, "  p5 … p95, MAD:       %10s … %9s    MAD %s\n", a, b, d);

	{
		double rss, fl;
		size_t known = report__rss(c, &rss, &fl);

		if (known == c->nruns)
			fmt_kib(a, sizeof(a), rss);
		else if (known)
			snprintf(a, sizeof(a), "%s (%zu of %zu runs; the others ≤ %s)", fmt_kib(b, sizeof(b), rss),
				 known, c->nruns, fmt_kib(d, sizeof(d), fl));
		else	/* not "n/a": the bound is a measurement too */
			snprintf(a, sizeof(a), "≤ %s (perfeng's own at the spawn)", fmt_kib(b, sizeof(b), fl));
	}
	fprintf(f, "  Resources (mean):    max RSS %s, faults %.0f minor / %.0f major, "
		"context switches %.0f voluntary / %.0f involuntary\n", a,
		report__mean_long(c, offsetof(struct bench_run, minflt)),
		report__mean_long(c, offsetof(struct bench_run, majflt)),
		report__mean_long(c, offsetof(struct bench_run, nvcsw)),
		report__mean_long(c, offsetof(struct bench_run, nivcsw)));

	if (r->counters && r->counters->enabled) {
		const char *lead = "  Counters (mean):     ";
		int shown = 0;

		fputs(lead, f);
		for (int id = 0; id < CTR_NR; id++) {
			double m;

			if (!r->counters->supported[id] || !report__ctr_mean(c, id, &m))
				continue;
			if (id == CTR_TASK_CLOCK)
				fmt_time(a, sizeof(a), m / 1e9, u);
			else
				fmt_count(a, sizeof(a), m);
			fprintf(f, "%s%s %s", shown++ ? ", " : "", counter_name(id), a);
		}
		fputc('\n', f);
		/* the counters that have no value, one line per reason */
		unsigned done = 0;
		for (int id = 0; id < CTR_NR; id++) {
			const char *why;
			double m;

			if ((done & (1u << id)) ||
			    (r->counters->supported[id] && report__ctr_mean(c, id, &m)))
				continue;
			why = r->counters->supported[id] ? "not counted" : r->counters->why[id];
			fprintf(f, "%*s", (int)strlen(lead), "");
			for (int k = id, first = 1; k < CTR_NR; k++) {
				const char *kwhy = r->counters->supported[k] ? "not counted" : r->counters->why[k];

				if ((r->counters->supported[k] && report__ctr_mean(c, k, &m)) || strcmp(why, kwhy))
					continue;
				fprintf(f, "%s%s", first ? "" : ", ", counter_name(k));
				first = 0;
				done |= 1u << k;
			}
			fprintf(f, ": n/a (%s)\n", why);
		}
	}
	if (w->n_outliers)
		fprintf(f, "  Outliers:            %zu of %zu runs (%zu low, %zu high) beyond |modified z| %.1f; kept\n",
			w->n_outliers, w->n, w->n_low_outliers, w->n_outliers - w->n_low_outliers, OUTLIER_Z);
	fprintf(f, "  Stopped after:       %s\n", report__stop_text(c, r->opts, stop, sizeof(stop)));
	if (c->nwarmup)
		fprintf(f, "  Warmup:              %zu run%s, not counted\n", c->nwarmup,
			c->nwarmup == 1 ? "" : "s");
	fputc('\n', f);
}

void bench_report_order(const struct bench_report *r, int tables, size_t *order)
{
	for (size_t i = 0; i < r->n; i++)
		order[i] = i;
	if (r->sort == SORT_COMMAND || (r->sort == SORT_AUTO && tables))
		return;
	/* insertion sort by mean: n is small and the order must be stable */
	for (size_t i = 1; i < r->n; i++) {
		size_t k = order[i], j = i;

		while (j > 0 && r->wall[order[j - 1]].mean > r->wall[k].mean) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = k;
	}
}

void out_bench_comparison(FILE *f, const struct bench_report *r)
{
	size_t *order = xmalloc(r->n * sizeof(*order));
	size_t width = 0;
	char p[32];

	bench_report_order(r, 0, order);
	for (size_t i = 0; i < r->n; i++)
		if (strlen(r->cmds[i].name) > width)
			width = strlen(r->cmds[i].name);
	fprintf(f, "Comparison against %s'%s' (ratio of median times, 95%% CI, noise band ±%.1f%%):\n",
		r->reference_given ? "the reference " : "the fastest, ", r->cmds[r->reference].name,
		r->noise * 100);
	for (size_t k = 0; k < r->n; k++) {
		size_t i = order[k];
		const struct comparison *c = &r->cmp[i];

		if (i == r->reference)
			continue;
		if (!r->cmds[i].nruns || !r->cmds[r->reference].nruns) {
			fprintf(f, "  '%s'%*s  n/a: no completed runs\n", r->cmds[i].name,
				(int)(width - strlen(r->cmds[i].name)), "");
			continue;
		}
		fmt_p(p, sizeof(p), c->p);
		fprintf(f, "  '%s%s%s'%*s  %s%7.3f×%s [%.3f× … %.3f×]  %-10s  %s%s%s", SGR(r, "36"),
			r->cmds[i].name, SGR_OFF(r), (int)(width - strlen(r->cmds[i].name)), "",
			SGR(r, "1;32"), c->median_ratio, SGR_OFF(r), c->median_ci[0], c->median_ci[1], p,
			SGR(r, "1"), verdict_name(c->verdict), SGR_OFF(r));
		if (c->verdict == VERDICT_SLOWER)
			fprintf(f, ": the reference runs %.2f times faster", c->median_ratio);
		else if (c->verdict == VERDICT_FASTER && c->median_ratio > 0)
			fprintf(f, ": it runs %.2f times faster than the reference", 1 / c->median_ratio);
		fputc('\n', f);
	}
	free(order);
}

/* --- JSON ------------------------------------------------------------------ */

static json_t *jpair(const double v[2])
{
	return json_pack("[oo]", json_num(v[0]), json_num(v[1]));
}

static json_t *json__runs_long(const struct bench_command *c, size_t off)
{
	json_t *a = json_array();

	for (size_t i = 0; i < c->nruns; i++)
		json_array_append_new(a, json_integer(*(const long *)((const char *)&c->runs[i] + off)));
	return a;
}

static json_t *json__runs_double(const struct bench_command *c, size_t off)
{
	json_t *a = json_array();

	for (size_t i = 0; i < c->nruns; i++)
		json_array_append_new(a, json_num(*(const double *)((const char *)&c->runs[i] + off)));
	return a;
}

static json_t *json__summary(const struct summary *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "mean", json_num(s->mean));
	json_object_set_new(o, "stddev", s->n >= 2 ? json_num(s->stddev) : json_null());
	json_object_set_new(o, "median", json_num(s->median));
	json_object_set_new(o, "min", json_num(s->min));
	json_object_set_new(o, "max", json_num(s->max));
	json_object_set_new(o, "p5", json_num(s->p5));
	json_object_set_new(o, "p95", json_num(s->p95));
	json_object_set_new(o, "mad", json_num(s->mad));
	json_object_set_new(o, "mean_ci95", jpair(s->mean_ci));
	json_object_set_new(o, "median_ci95", jpair(s->median_ci));
	return o;
}

static json_t *json__counters(const struct bench_report *r, const struct bench_command *c)
{
	json_t *o = json_object();

	for (int id = 0; id < CTR_NR; id++) {
		json_t *e = json_object();
		double m;

		if (!r->counters->supported[id]) {
			json_object_set_new(e, "supported", json_false());
			json_object_set_new(e, "reason", json_string(r->counters->why[id]));
		} else {
			json_t *vals = json_array();

			json_object_set_new(e, "supported", json_true());
			for (size_t i = 0; i < c->nruns; i++)
				json_array_append_new(vals, (c->runs[i].ctr_valid & (1u << id)) ?
						      json_integer((json_int_t)c->runs[i].ctr[id]) : json_null());
			json_object_set_new(e, "mean", report__ctr_mean(c, id, &m) ? json_num(m) : json_null());
			json_object_set_new(e, "values", vals);
		}
		json_object_set_new(o, counter_name(id), e);
	}
	return o;
}

static json_t *json__result(const struct bench_report *r, size_t i)
{
	const struct bench_command *c = &r->cmds[i];
	const struct summary *w = &r->wall[i];
	json_t *o = json_object(), *times = json_array(), *codes = json_array(), *pe, *res;

	for (size_t k = 0; k < c->nruns; k++) {
		json_array_append_new(times, json_num(c->runs[k].wall));
		json_array_append_new(codes, c->runs[k].exit_code >= 0 ?
				      json_integer(c->runs[k].exit_code) : json_null());
	}
	/* hyperfine's keys, with hyperfine's meanings */
	json_object_set_new(o, "command", json_string(c->name));
	json_object_set_new(o, "mean", json_num(w->mean));
	json_object_set_new(o, "stddev", w->n >= 2 ? json_num(w->stddev) : json_null());
	json_object_set_new(o, "median", json_num(w->median));
	json_object_set_new(o, "user", json_num(r->user[i].mean));
	json_object_set_new(o, "system", json_num(r->sys[i].mean));
	json_object_set_new(o, "min", json_num(w->min));
	json_object_set_new(o, "max", json_num(w->max));
	json_object_set_new(o, "times", times);
	json_object_set_new(o, "exit_codes", codes);
	if (c->nparams) {
		json_t *p = json_object();
		for (size_t k = 0; k < c->nparams; k++)
			json_object_set_new(p, c->params[k].name, json_string(c->params[k].value));
		json_object_set_new(o, "parameters", p);
	}

	pe = json_object();
	json_object_set_new(pe, "command_line", json_string(c->command));
	json_object_set_new(pe, "runs", json_integer((json_int_t)c->nruns));
	json_object_set_new(pe, "warmup_runs", json_integer((json_int_t)c->nwarmup));
	json_object_set_new(pe, "stop_reason", json_string(bench_stop_name(c->stop)));
	json_object_set_new(pe, "elapsed", json_num(c->elapsed));
	if (r->opts->precision > 0)
		json_object_set_new(pe, "median_ci_halfwidth_rel", json_num(c->precision_reached));
	json_object_set_new(pe, "wall", json__summary(w));
	json_object_set_new(pe, "user", json__summary(&r->user[i]));
	json_object_set_new(pe, "system", json__summary(&r->sys[i]));
	json_object_set_new(pe, "outliers", json_pack("{s:I,s:I,s:f,s:o}", "count", (json_int_t)w->n_outliers,
						     "low", (json_int_t)w->n_low_outliers,
						     "modified_z_threshold", OUTLIER_Z,
						     "max_abs_modified_z", json_num(w->max_abs_z)));
	res = json_object();
	json_object_set_new(res, "user", json__runs_double(c, offsetof(struct bench_run, user)));
	json_object_set_new(res, "system", json__runs_double(c, offsetof(struct bench_run, sys)));
	{
		json_t *rss = json_array();

		json_t *most = json_array();

		for (size_t k = 0; k < c->nruns; k++) {
			int known = c->runs[k].maxrss_kb >= 0;

			json_array_append_new(rss, known ? json_integer(c->runs[k].maxrss_kb) : json_null());
			json_array_append_new(most, known ? json_null() : json_integer(c->runs[k].maxrss_at_most_kb));
		}
		json_object_set_new(res, "max_rss_kib", rss);
		json_object_set_new(res, "max_rss_at_most_kib", most);
	}
	json_object_set_new(res, "minor_faults", json__runs_long(c, offsetof(struct bench_run, minflt)));
	json_object_set_new(res, "major_faults", json__runs_long(c, offsetof(struct bench_run, majflt)));
	json_object_set_new(res, "voluntary_context_switches", json__runs_long(c, offsetof(struct bench_run, nvcsw)));
	json_object_set_new(res, "involuntary_context_switches", json__runs_long(c, offsetof(struct bench_run, nivcsw)));
	json_object_set_new(pe, "resources", res);
	json_object_set_new(pe, "counters", r->counters && r->counters->enabled ?
			    json__counters(r, c) : json_null());
	if (r->n >= 2 && i != r->reference && c->nruns && r->cmds[r->reference].nruns) {
		const struct comparison *cmp = &r->cmp[i];
		json_object_set_new(pe, "comparison", json_pack("{s:s,s:o,s:o,s:o,s:o,s:o,s:s}",
			"reference", r->cmds[r->reference].name, "ratio", json_num(cmp->ratio),
			"ratio_ci95", jpair(cmp->ratio_ci), "median_ratio", json_num(cmp->median_ratio),
			"median_ratio_ci95", jpair(cmp->median_ci), "p_value", json_num(cmp->p),
			"verdict", verdict_name(cmp->verdict)));
	}
	json_object_set_new(o, "perfeng", pe);
	return o;
}

static json_t *json__env(const struct env_info *e)
{
	json_t *o = json_object();

	json_object_set_new(o, "cpu_model", json_string(e->cpu_model));
	json_object_set_new(o, "cores", json_integer(e->cores));
	json_object_set_new(o, "governor", json_string(e->governor));
	json_object_set_new(o, "kernel", json_string(e->kernel));
	json_object_set_new(o, "hostname", json_string(e->hostname));
	json_object_set_new(o, "loadavg_before", json_pack("[fff]", e->loadavg_before[0],
				e->loadavg_before[1], e->loadavg_before[2]));
	json_object_set_new(o, "loadavg_after", json_pack("[fff]", e->loadavg_after[0],
				e->loadavg_after[1], e->loadavg_after[2]));
	json_object_set_new(o, "git", e->git_commit[0] ?
			    json_pack("{s:s,s:s,s:o}", "commit", e->git_commit, "branch", e->git_branch,
				      "dirty", e->git_dirty < 0 ? json_null() : json_boolean(e->git_dirty)) :
			    json_null());
	return o;
}

/* ISO 8601 UTC with microseconds, from Unix microseconds. */
static json_t *json__time(int64_t us)
{
	char buf[64];
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), ".%06lldZ", (long long)(us % 1000000));
	return json_string(buf);
}

json_t *out_bench_json_doc(const struct bench_report *r)
{
	json_t *root = json_object(), *results = json_array(), *pe = json_object();

	for (size_t i = 0; i < r->n; i++)
		json_array_append_new(results, json__result(r, i));
	json_object_set_new(root, "results", results);
	json_object_set_new(pe, "schema_version", json_integer(BENCH_JSON_SCHEMA));
	json_object_set_new(pe, "version", json_string(r->version));
	json_object_set_new(pe, "kind", json_string("bench"));
	json_object_set_new(pe, "started", json__time(r->started_us));
	json_object_set_new(pe, "ended", json__time(r->ended_us));
	json_object_set_new(pe, "invocation", r->invocation ? json_string(r->invocation) : json_null());
	json_object_set_new(pe, "reference", r->n >= 2 ? json_string(r->cmds[r->reference].name) : json_null());
	json_object_set_new(pe, "noise", json_num(r->noise));
	json_object_set_new(pe, "interleaved", json_boolean(r->n >= 2 && r->opts && r->opts->interleave));
	json_object_set_new(pe, "shell", r->shell ? json_string(r->shell) : json_null());
	json_object_set_new(pe, "shell_spawn_subtracted", r->shell ?
			    json_pack("{s:o,s:o,s:o,s:I}", "wall", json_num(r->opts->shell_wall),
				      "user", json_num(r->opts->shell_user), "system", json_num(r->opts->shell_sys),
				      "runs", (json_int_t)r->opts->shell_runs) :
			    json_null());
	json_object_set_new(pe, "interrupted", json_boolean(r->interrupted));
	json_object_set_new(pe, "counters_excluding_kernel", r->counters && r->counters->enabled ?
			    json_boolean(r->counters->exclude_kernel) : json_null());
	json_object_set_new(pe, "environment", json__env(r->env));
	json_object_set_new(root, "perfeng", pe);
	return root;
}

int out_bench_json(FILE *f, const struct bench_report *r)
{
	json_t *root = out_bench_json_doc(r);
	int rc;

	rc = json_dumpf(root, f, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
	fputc('\n', f);
	json_decref(root);
	if (rc < 0 || ferror(f))
		return pe_error("cannot write JSON");
	return 0;
}

/* --- CSV and Markdown -------------------------------------------------------- */

static void csv__field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

int out_bench_csv(FILE *f, const struct bench_report *r)
{
	const struct bench_command *first = &r->cmds[0];

	fputs("command,mean,stddev,median,user,system,min,max,"
	      "p5,p95,mad,mean_ci_low,mean_ci_high,median_ci_low,median_ci_high,runs,outliers,max_rss_kib", f);
	for (size_t k = 0; k < first->nparams; k++)
		fprintf(f, ",parameter_%s", first->params[k].name);
	fputc('\n', f);
	for (size_t i = 0; i < r->n; i++) {
		const struct summary *w = &r->wall[i];
		const struct bench_command *c = &r->cmds[i];
		double rss_mean, rss_floor;

		csv__field(f, c->name);
		fprintf(f, ",%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%zu,%zu,",
			w->mean, w->stddev, w->median, r->user[i].mean, r->sys[i].mean, w->min, w->max,
			w->p5, w->p95, w->mad, w->mean_ci[0], w->mean_ci[1], w->median_ci[0],
			w->median_ci[1], w->n, w->n_outliers);
		if (report__rss(c, &rss_mean, &rss_floor))	/* empty when unknown */
			fprintf(f, "%.0f", rss_mean);
		for (size_t k = 0; k < c->nparams; k++) {
			fputc(',', f);
			csv__field(f, c->params[k].value);
		}
		fputc('\n', f);
	}
	if (ferror(f))
		return pe_error("cannot write CSV");
	return 0;
}
