/*
 * perfeng diff BEFORE AFTER: a differential flame graph. Widths come from
 * AFTER; each frame is coloured by how its share of the total changed
 * (red grew, blue shrank). BEFORE and AFTER are folded stacks, perf script
 * text, or runs saved in the results store by `profile --save`.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/cmd.h"
#include "out/profile_out.h"
#include "prof/folded.h"
#include "prof/input.h"
#include "prof/persist.h"
#include "store/store.h"
#include "util/error.h"
#include "util/options.h"
#include "util/strbuf.h"

static const char diff_usage[] = "perfeng diff [options] <BEFORE> <AFTER>";

/* A file when one exists at ref; else a run in the store. */
static int side_read(struct profile *p, const char *ref, const struct profile_input_opts *in,
		     struct store **st, const char *store_spec)
{
	struct stat sb;
	struct prof_read_stats rs = { 0 };
	struct strbuf notes = STRBUF_INIT;

	if (!strcmp(ref, "-") || stat(ref, &sb) == 0) {
		if (profile_read_file(p, ref, in, &rs, NULL) < 0)
			return -1;
		profile_input_notes(p, &rs, strcmp(ref, "-") ? ref : "standard input", &notes);
		for (char *l = notes.buf, *nl; l && *l; l = nl + 1) {
			nl = strchr(l, '\n');
			*nl = '\0';
			cmd_warn("%s", l);
		}
		strbuf_release(&notes);
		return 0;
	}
	if (!*st && store_open(store_spec, st) < 0)
		return pe_error("'%s' is not a file, and the store cannot be opened: %s", ref, pe_errmsg());
	if (profile_store_load(*st, ref, p) < 0)
		return pe_error("'%s' is not a file nor a profile in the store: %s", ref, pe_errmsg());
	return 0;
}

/* -o names: .svg (differential graph) or .folded (two columns, as difffolded.pl). */
static int check_outputs(const struct string_list *outputs)
{
	const unsigned diff_formats = PROFILE_FMT_BIT(PROFILE_FMT_SVG) | PROFILE_FMT_BIT(PROFILE_FMT_FOLDED);

	for (size_t i = 0; i < outputs->n; i++)
		if (strcmp(outputs->v[i], "-") && profile_format_check(outputs->v[i], diff_formats) < 0)
			return pe_error("-o: %s", pe_errmsg());
	return 0;
}

static int write_output(const char *path, const struct profile *before, const struct profile *after,
			const struct profile_write_opts *wo)
{
	FILE *f;
	int rc;

	if (!strcmp(path, "-") || profile_format_of(path) == PROFILE_FMT_SVG)
		return profile_write(after, path, wo);
	if (!(f = fopen(path, "w")))
		return pe_error("cannot create '%s': %s", path, strerror(errno));
	rc = folded_write_diff(f, before, after);
	if (fclose(f) && !rc)
		rc = pe_error("cannot write '%s': %s", path, strerror(errno));
	return rc;
}

int cmd_diff(int argc, char **argv)
{
	struct profile_write_opts wo = PROFILE_WRITE_OPTS_INIT;
	struct profile_input_opts in = { 0 };
	struct string_list outputs = { 0 };
	const char *min_width = NULL, *store_spec = NULL;
	uint64_t top = UINT64_MAX, width = 0;
	const struct option opts[] = {
		OPT_GROUP("Output:"),
		OPT_LIST('o', "output", &outputs, "<FILE>", "write FILE: .svg (the differential graph) or .folded ('stack before after' lines, as difffolded.pl) (repeatable; default: SVG on stdout)"),
		OPT_UINT(0, "top", &top, "<N>", "print the N functions whose self share changed most (0: all); instead of the SVG on stdout unless -o is given"),
		OPT_GROUP("Flame graph:"),
		OPT_STRING(0, "title", &wo.title, "<TEXT>", "title of the graph (default \"Differential Flame Graph\")"),
		OPT_FLAG(0, "inverted", &wo.inverted, "icicle graph: roots at the top, stacks hanging down"),
		OPT_STRING(0, "min-width", &min_width, "<PX>", "merge frames narrower than PX pixels into one (default 0.1)"),
		OPT_UINT(0, "width", &width, "<PX>", "width of the SVG in pixels (default 1200)"),
		OPT_GROUP("Input:"),
		OPT_STRING(0, "event", &in.perf.event, "<EVENT>", "perf script: keep this event's samples (default: the first event in each file)"),
		OPT_FLAG(0, "skip-bad", &in.skip_bad, "folded stacks: skip and count lines that are not 'stack count' instead of failing"),
		OPT_STRING(0, "store", &store_spec, "<PATH|URL>", "the results store for runs named as BEFORE or AFTER (default $PERFENG_STORE or ~/.local/share/perfeng/results.db)"),
		OPT_END(),
	};
	struct profile before, after;
	struct store *st = NULL;
	int npos, rc, status = PE_EXIT_OK;

	rc = options_parse(argc, argv, opts, &npos);
	if (rc == OPT_HELP) {
		options_usage(stdout, diff_usage, opts);
		cmd_usage_env(stdout, CMD_ENV_STORE);
		if (!options_help_json())
			printf("\nBEFORE and AFTER: files of folded stacks or `perf script` text, or runs saved\n"
			       "by `perfeng profile --save` (a run id, NAME, NAME@latest~N, NAME@TAG).\n");
		return PE_EXIT_OK;
	}
	if (!rc && npos != 2)
		rc = pe_error("diff needs two profiles, BEFORE and AFTER; %d given", npos);
	if (!rc)
		rc = profile_write_opts_set(&wo, NULL, min_width, width);
	if (!rc)
		rc = check_outputs(&outputs);
	if (!rc && !outputs.n && top == UINT64_MAX)
		string_list_add(&outputs, "-");
	if (!rc)
		rc = profile_write_opts_check(&wo, outputs.v, outputs.n);
	if (!rc && !strcmp(argv[0], "-") && !strcmp(argv[1], "-"))
		rc = pe_error("only one of BEFORE and AFTER can be standard input");
	if (rc < 0) {
		fprintf(stderr, "perfeng diff: %s\nsee 'perfeng diff --help'\n", pe_errmsg());
		free(outputs.v);
		return PE_EXIT_USAGE;
	}
	profile_init(&before, "samples");
	profile_init(&after, "samples");
	if (side_read(&before, argv[0], &in, &st, store_spec) < 0 ||
	    side_read(&after, argv[1], &in, &st, store_spec) < 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		goto out;
	}
	if (strcmp(before.unit, after.unit))
		cmd_warn("BEFORE is in %s and AFTER in %s: colours compare shares of each total",
			 before.unit, after.unit);
	if (before.event && after.event && strcmp(before.event, after.event))
		cmd_warn("BEFORE counts %s and AFTER %s: the graph compares unlike events",
			 before.event, after.event);
	wo.before = &before;
	if (top != UINT64_MAX)
		profile_print_diff_top(stdout, &before, &after, (size_t)top);
	for (size_t i = 0; i < outputs.n; i++)
		if (write_output(outputs.v[i], &before, &after, &wo) < 0 && status == PE_EXIT_OK)
			status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
out:
	if (st)
		store_close(st);
	profile_release(&before);
	profile_release(&after);
	free(outputs.v);
	return status;
}
