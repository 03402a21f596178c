/*
 * perfeng report RUN...: saved runs as one self-contained HTML page (-o
 * FILE) or as Markdown for a pull request (--markdown). The page is drawn by
 * src/out/report.c; the runs come from the store (and a profile run's
 * stacks by prof/persist.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "out/report.h"
#include "prof/persist.h"
#include "store/store.h"
#include "util/error.h"
#include "util/options.h"
#include "util/xalloc.h"

static const char report_usage[] = "perfeng report [options] <run>...";

#define REPORT_MAX_RUNS 64

/* --json: the runs, the Markdown (for an agent or a bot to post), and where the page went. */
static int report_json(const struct report_run *rr, size_t n, const char *title, const char *out)
{
	char *md = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&md, &len);
	json_t *root, *ids = json_array();
	int rc;

	if (!m)
		return pe_error("out of memory");
	rc = report_markdown(m, title, rr, n);
	fclose(m);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(ids, json_pack("{sIssss}", "id", (json_int_t)rr[i].run->id, "name",
						     rr[i].run->name ? rr[i].run->name : "", "kind", rr[i].run->kind));
	root = json_pack("{s:o, s:s, s:o, s:s%}", "runs", ids, "title", title, "output",
			 out && strcmp(out, "-") ? json_string(out) : json_null(), "markdown", md ? md : "", len);
	json_dumpf(root, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(root);
	free(md);
	return rc;
}

int cmd_report(int argc, char **argv)
{
	const char *out = NULL, *title = "perfeng report", *store_spec = NULL;
	int markdown = 0, json = 0, npos, rc, status = PE_EXIT_OK;
	struct option opts[] = {
		OPT_STRING('o', "output", &out, "<FILE>", "write the HTML page to FILE (default: standard output)"),
		OPT_FLAG(0, "markdown", &markdown, "print Markdown instead (tables, no scripts), for a pull request"),
		OPT_FLAG(0, "json", &json, "print JSON: the runs, the Markdown, and the page's file (with -o)"),
		OPT_STRING(0, "title", &title, "<TEXT>", "the page's title (default \"perfeng report\")"),
		OPT_STRING(0, "store", &store_spec, "<PATH|URL>", "the results store (default $PERFENG_STORE or ~/.local/share/perfeng/results.db)"),
		OPT_END(),
	};
	struct store_run *runs = NULL;
	struct report_run *rr = NULL;
	struct profile *profs = NULL;
	struct store *st = NULL;
	size_t n = 0;
	FILE *f = stdout;

	rc = options_parse(argc, argv, opts, &npos);
	if (rc == OPT_HELP) {
		options_usage(stdout, report_usage, opts);
		cmd_usage_env(stdout, CMD_ENV_STORE);
		return PE_EXIT_OK;
	}
	if (!rc && !npos)
		rc = pe_error("report needs at least one run (an id, NAME, NAME@latest~N, NAME@TAG)");
	if (!rc && npos > REPORT_MAX_RUNS)
		rc = pe_error("report takes at most %d runs", REPORT_MAX_RUNS);
	if (!rc && markdown && out)
		rc = pe_error("--markdown prints to standard output: it goes without -o");
	if (!rc && markdown && json)
		rc = pe_error("--json holds the Markdown already: it goes without --markdown");
	if (rc < 0) {
		fprintf(stderr, "perfeng report: %s\nsee 'perfeng report --help'\n", pe_errmsg());
		return PE_EXIT_USAGE;
	}
	if (store_open(store_spec, &st) < 0)
		return cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
	runs = xcalloc((size_t)npos, sizeof(*runs));
	rr = xcalloc((size_t)npos, sizeof(*rr));
	profs = xcalloc((size_t)npos, sizeof(*profs));
	for (; n < (size_t)npos; n++) {
		int64_t id;

		if (store_resolve(st, argv[n], &id) < 0 || store_get(st, id, &runs[n]) < 0) {
			status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
			goto out;
		}
		rr[n].run = &runs[n];
		profile_init(&profs[n], "samples");
		if (!strcmp(runs[n].kind, "profile") && profile_store_load(st, argv[n], &profs[n]) == 0)
			rr[n].prof = &profs[n];
	}
	if (json && report_json(rr, n, title, out) < 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		goto out;
	}
	if (json && !out)
		goto out;
	if (out && strcmp(out, "-") && !(f = fopen(out, "w"))) {
		status = cmd_fail(PE_EXIT_RUNTIME, "cannot write '%s'", out);
		goto out;
	}
	rc = markdown ? report_markdown(f, title, rr, n) : report_html(f, title, rr, n);
	if (f != stdout && fclose(f) != 0 && !rc)
		rc = pe_error("cannot write '%s'", out);
	if (rc < 0)
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
out:
	for (size_t i = 0; i < n; i++) {
		store_run_release(&runs[i]);
		profile_release(&profs[i]);
	}
	free(runs);
	free(rr);
	free(profs);
	store_close(st);
	return status;
}
