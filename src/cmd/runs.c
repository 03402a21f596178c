/*
 * perfeng runs list|show|tag|rm, and perfeng import: looking after the
 * results store.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "out/format.h"
#include "out/json.h"
#include "store/import_json.h"
#include "store/store.h"
#include "util/error.h"
#include "util/options.h"
#include "util/xalloc.h"

static const char runs_usage[] =
	"perfeng runs list [<name>] [--tag <tag>] [--limit <n>] [--json]\n"
	"   or: perfeng runs show <run> [--json]\n"
	"   or: perfeng runs tag <run> <tag>\n"
	"   or: perfeng runs rm <run>...";
static const char import_usage[] = "perfeng import [--name <name>] [--tag <tag>]... <file>...";

static char *fmt_when(char *buf, size_t n, int64_t us)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm);
	return buf;
}

static const struct store_metric *find_metric(const struct store_run *r, const char *name)
{
	for (size_t i = 0; i < r->nmetrics; i++)
		if (!strcmp(r->metrics[i].name, name))
			return &r->metrics[i];
	return NULL;
}

/*
 * A run as JSON; with the sample count and the samples when the run was
 * read whole (store_list leaves nsamples 0: "n" would say 0 samples).
 */
static json_t *run_json(const struct store_run *r, int whole)
{
	json_t *o = json_object(), *tags = json_array(), *ms = json_array();
	char when[32];

	for (size_t i = 0; i < r->ntags; i++)
		json_array_append_new(tags, json_string(r->tags[i]));
	for (size_t i = 0; i < r->nmetrics; i++) {
		const struct store_metric *m = &r->metrics[i];
		json_t *jm = json_pack("{s:s,s:s,s:b,s:o,s:o,s:o,s:o,s:o}", "name", m->name,
				       "unit", m->unit, "higher_is_better", m->higher_is_better,
				       "mean", json_num(m->mean), "stddev", json_num(m->stddev),
				       "median", json_num(m->median), "min", json_num(m->min), "max", json_num(m->max));
		if (whole)
			json_object_set_new(jm, "n", json_integer((json_int_t)m->nsamples));
		if (whole && m->samples) {
			json_t *a = json_array();
			for (size_t k = 0; k < m->nsamples; k++)
				json_array_append_new(a, json_num(m->samples[k]));
			json_object_set_new(jm, "samples", a);
		}
		json_array_append_new(ms, jm);
	}
	json_object_set_new(o, "id", json_integer(r->id));
	json_object_set_new(o, "name", json_string(r->name));
	json_object_set_new(o, "kind", json_string(r->kind));
	json_object_set_new(o, "started", json_string(fmt_when(when, sizeof(when), r->started)));
	json_object_set_new(o, "started_us", json_integer(r->started));
	json_object_set_new(o, "ended_us", json_integer(r->ended));
	json_object_set_new(o, "version", json_string(r->version));
	json_object_set_new(o, "command_line", json_string(r->command_line));
	json_object_set_new(o, "environment", json_pack("{s:s,s:s,s:s,s:s,s:i,s:o,s:o}",
		"hostname", r->hostname, "cpu_model", r->cpu_model, "governor", r->governor,
		"kernel", r->kernel, "cores", r->cores, "loadavg_before", json_num(r->loadavg_before),
		"loadavg_after", json_num(r->loadavg_after)));
	json_object_set_new(o, "git", *r->git_commit ?
			    json_pack("{s:s,s:s,s:o}", "commit", r->git_commit, "branch", r->git_branch,
				      "dirty", r->git_dirty < 0 ? json_null() : json_boolean(r->git_dirty)) :
			    json_null());
	json_object_set_new(o, "tags", tags);
	json_object_set_new(o, "metrics", ms);
	return o;
}

static void print_json(json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
	putchar('\n');
	json_decref(j);
}

/*
 * The one figure a list row shows for a run: the metric users look at first
 * for its kind (bench: wall median; load: mean requests per second;
 * find-max: the highest rate that met the SLOs), else the
 * run's first metric. Writes "name value" into buf.
 */
static char *headline(char *buf, size_t n, const struct store_run *r)
{
	static const struct { const char *kind, *metric; } first[] = {
		{ "bench", "wall" }, { "load", "rps" }, { "diagnose", "wall" }, { "find-max", "max_rate" },
	};
	const struct store_metric *m = NULL;
	char v[48];

	for (size_t i = 0; !m && i < sizeof(first) / sizeof(first[0]); i++)
		if (!strcmp(r->kind, first[i].kind))
			m = find_metric(r, first[i].metric);
	if (!m && r->nmetrics)
		m = &r->metrics[0];
	if (!m)
		return snprintf(buf, n, "-"), buf;
	double x = isfinite(m->median) ? m->median : m->mean;
	if (!isfinite(x))
		snprintf(v, sizeof(v), "n/a");
	else if (!strcmp(m->unit, "s"))
		fmt_time(v, sizeof(v), x, TU_AUTO);
	else {
		fmt_count(v, sizeof(v), x);
		if (*m->unit)
			snprintf(v + strlen(v), sizeof(v) - strlen(v), " %s", m->unit);
	}
	snprintf(buf, n, "%s %s", m->name, v);
	return buf;
}

static int runs_list(struct store *st, const char *name, const char *tag, size_t limit, int json)
{
	struct store_query q = { .name = name, .tag = tag, .limit = limit };
	struct store_run *runs;
	size_t n;

	if (store_list(st, &q, &runs, &n) < 0)
		return cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
	if (json) {
		json_t *a = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, run_json(&runs[i], 0));
		print_json(a);
	} else if (!n) {
		printf("no runs%s%s%s%s in %s\n", name ? " named '" : "", name ? name : "",
		       name ? "'" : "", tag ? " with that tag" : "", store_location(st));
	} else {
		printf("%6s  %-19s  %-24s  %-8s  %-12s  %-18s  %s\n", "id", "started (UTC)", "name",
		       "kind", "commit", "headline", "tags");
		for (size_t i = 0; i < n; i++) {
			const struct store_run *r = &runs[i];
			char when[32], head[64], tags[256] = "";
			size_t off = 0;

			for (size_t k = 0; k < r->ntags && off < sizeof(tags); k++)
				off += (size_t)snprintf(tags + off, sizeof(tags) - off, "%s%s", k ? "," : "", r->tags[k]);
			printf("%6lld  %-19s  %-24.24s  %-8.8s  %-12.12s  %-18s  %s\n", (long long)r->id,
			       fmt_when(when, sizeof(when), r->started), r->name, r->kind,
			       *r->git_commit ? r->git_commit : "-", headline(head, sizeof(head), r), tags);
		}
	}
	store_runs_free(runs, n);
	return PE_EXIT_OK;
}

static int runs_show(struct store *st, const char *ref, int json)
{
	struct store_run r;
	int64_t id;
	char when[32];

	if (store_resolve(st, ref, &id) < 0 || store_get(st, id, &r) < 0)
		return cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
	if (json) {
		print_json(run_json(&r, 1));
		store_run_release(&r);
		return PE_EXIT_OK;
	}
	printf("run %lld: %s (%s)\n", (long long)r.id, r.name, r.kind);
	printf("  started:   %s UTC\n", fmt_when(when, sizeof(when), r.started));
	printf("  duration:  %.3f s\n", (double)(r.ended - r.started) / 1e6);
	printf("  perfeng:   %s\n", r.version);
	if (*r.command_line)
		printf("  command:   %s\n", r.command_line);
	printf("  machine:   %s, %s, %d cores, %s, governor %s, load %.2f → %.2f\n", r.hostname,
	       r.cpu_model, r.cores, r.kernel, r.governor, r.loadavg_before, r.loadavg_after);
	if (*r.git_commit)
		printf("  git:       %s on %s%s\n", r.git_commit, *r.git_branch ? r.git_branch : "(detached)",
		       r.git_dirty > 0 ? ", with uncommitted changes" : "");
	if (r.ntags) {
		printf("  tags:     ");
		for (size_t i = 0; i < r.ntags; i++)
			printf(" %s", r.tags[i]);
		putchar('\n');
	}
	printf("\n  %-30s %12s %12s %12s %12s %8s\n", "metric", "mean", "median", "min", "max", "samples");
	for (size_t i = 0; i < r.nmetrics; i++) {
		const struct store_metric *m = &r.metrics[i];
		char a[48], b[48], c[48], d[48];
		int t = !strcmp(m->unit, "s");

		if (t) {
			fmt_time(a, sizeof(a), m->mean, TU_AUTO);
			fmt_time(b, sizeof(b), m->median, TU_AUTO);
			fmt_time(c, sizeof(c), m->min, TU_AUTO);
			fmt_time(d, sizeof(d), m->max, TU_AUTO);
		} else {
			fmt_count(a, sizeof(a), m->mean);
			fmt_count(b, sizeof(b), m->median);
			fmt_count(c, sizeof(c), m->min);
			fmt_count(d, sizeof(d), m->max);
		}
		printf("  %-30.30s %12s %12s %12s %12s %8zu %s\n", m->name, a, b, c, d, m->nsamples,
		       t ? "" : m->unit);
	}
	store_run_release(&r);
	return PE_EXIT_OK;
}

int cmd_runs(int argc, char **argv)
{
	const char *store_spec = NULL, *tag = NULL;
	uint64_t limit = UINT64_MAX;	/* UINT64_MAX: not given */
	int json = 0, npos, rc, status;
	struct option opts[] = {
		OPT_STRING(0, "tag", &tag, "<TAG>", "list: only runs with this tag"),
		OPT_UINT(0, "limit", &limit, "<N>", "list: only the newest N runs"),
		OPT_FLAG(0, "json", &json, "list, show: print JSON"),
		OPT_STRING(0, "store", &store_spec, "<PATH|URL>", "the results store (default $PERFENG_STORE or ~/.local/share/perfeng/results.db)"),
		OPT_END(),
	};
	struct store *st;
	const char *verb;

	rc = options_parse(argc, argv, opts, &npos);
	if (rc == OPT_HELP) {
		options_usage(stdout, runs_usage, opts);
		cmd_usage_env(stdout, CMD_ENV_STORE);
		if (!options_help_json())
			printf("\n<run>: an id, NAME (its latest run), NAME@latest, NAME@latest~N, or NAME@TAG.\n");
		return PE_EXIT_OK;
	}
	verb = npos ? argv[0] : NULL;
	if (!rc && !verb)
		rc = pe_error("runs needs a verb: list, show, tag or rm");
	if (!rc && strcmp(verb, "list") && strcmp(verb, "show") && strcmp(verb, "tag") && strcmp(verb, "rm"))
		rc = pe_error("'%s' is not list, show, tag or rm", verb);
	if (!rc && !strcmp(verb, "list") && npos > 2)
		rc = pe_error("runs list takes at most one name");
	if (!rc && !strcmp(verb, "show") && npos != 2)
		rc = pe_error("runs show takes one run");
	if (!rc && !strcmp(verb, "tag") && npos != 3)
		rc = pe_error("runs tag takes a run and a tag");
	if (!rc && !strcmp(verb, "rm") && npos < 2)
		rc = pe_error("runs rm takes one or more runs");
	/* an option the verb would not use is refused, not ignored */
	if (!rc && strcmp(verb, "list") && tag)
		rc = pe_error("--tag applies to runs list only (to tag a run: runs tag <run> <tag>)");
	if (!rc && strcmp(verb, "list") && limit != UINT64_MAX)
		rc = pe_error("--limit applies to runs list only");
	if (!rc && strcmp(verb, "list") && strcmp(verb, "show") && json)
		rc = pe_error("--json applies to runs list and runs show only");
	if (rc < 0) {
		fprintf(stderr, "perfeng runs: %s\nsee 'perfeng runs --help'\n", pe_errmsg());
		return PE_EXIT_USAGE;
	}
	if (store_open(store_spec, &st) < 0)
		return cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
	if (!strcmp(verb, "list")) {
		status = runs_list(st, npos > 1 ? argv[1] : NULL, tag, limit == UINT64_MAX ? 0 : limit, json);
	} else if (!strcmp(verb, "show")) {
		status = runs_show(st, argv[1], json);
	} else if (!strcmp(verb, "tag")) {
		int64_t id;

		if (store_resolve(st, argv[1], &id) < 0 || store_tag(st, id, argv[2]) < 0)
			status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		else
			status = PE_EXIT_OK;
	} else {
		status = PE_EXIT_OK;
		/* resolve all first: a typo in the third reference removes nothing */
		int64_t *ids = xcalloc((size_t)npos, sizeof(*ids));

		for (int i = 1; i < npos && status == PE_EXIT_OK; i++)
			if (store_resolve(st, argv[i], &ids[i]) < 0)
				status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		for (int i = 1; i < npos && status == PE_EXIT_OK; i++) {
			int seen = 0;

			/* two references to one run (api and its id) remove it once */
			for (int k = 1; k < i; k++)
				seen |= ids[k] == ids[i];
			if (seen)
				continue;
			if (store_rm(st, ids[i]) < 0)
				status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
			else
				printf("removed run %lld\n", (long long)ids[i]);
		}
		free(ids);
	}
	store_close(st);
	return status;
}

int cmd_import(int argc, char **argv)
{
	const char *store_spec = NULL, *name = NULL;
	struct string_list tags = { 0 };
	struct option opts[] = {
		OPT_STRING(0, "name", &name, "<NAME>", "name of the runs (default: each result's command)"),
		OPT_LIST(0, "tag", &tags, "<TAG>", "tag the runs (repeatable)"),
		OPT_STRING(0, "store", &store_spec, "<PATH|URL>", "the results store (default $PERFENG_STORE or ~/.local/share/perfeng/results.db)"),
		OPT_END(),
	};
	struct store_run **runs;
	size_t *counts;
	struct store *st;
	int npos, rc, status = PE_EXIT_OK;

	rc = options_parse(argc, argv, opts, &npos);
	if (rc == OPT_HELP) {
		options_usage(stdout, import_usage, opts);
		cmd_usage_env(stdout, CMD_ENV_STORE);
		if (!options_help_json())
			printf("\nEach file is perfeng's JSON (bench --export-json) or hyperfine's (--export-json);\n"
			       "one run per result. Every file is read and checked before anything is written.\n");
		free(tags.v);
		return PE_EXIT_OK;
	}
	if (!rc && !npos)
		rc = pe_error("import needs at least one file");
	if (rc < 0) {
		fprintf(stderr, "perfeng import: %s\nsee 'perfeng import --help'\n", pe_errmsg());
		free(tags.v);
		return PE_EXIT_USAGE;
	}
	runs = xcalloc((size_t)npos, sizeof(*runs));
	counts = xcalloc((size_t)npos, sizeof(*counts));
	for (int i = 0; i < npos && status == PE_EXIT_OK; i++)
		if (import_json_file(argv[i], name, &runs[i], &counts[i]) < 0)
			status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
	if (status == PE_EXIT_OK && store_open(store_spec, &st) < 0)
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
	else if (status == PE_EXIT_OK) {
		for (int i = 0; i < npos && status == PE_EXIT_OK; i++) {
			for (size_t k = 0; k < counts[i] && status == PE_EXIT_OK; k++) {
				struct store_run *r = &runs[i][k];

				for (size_t t = 0; t < tags.n; t++)
					store_run_add_tag(r, tags.v[t]);
				if (store_save(st, r) < 0)
					status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
				else
					printf("imported %s as run %lld (%s)\n", argv[i], (long long)r->id, r->name);
			}
		}
		store_close(st);
	}
	for (int i = 0; i < npos; i++)
		if (runs[i])
			store_runs_free(runs[i], counts[i]);
	free(runs);
	free(counts);
	free(tags.v);
	return status;
}
