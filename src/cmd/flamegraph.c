/*
 * perfeng flamegraph [FILE]: folded stacks or `perf script` text (told
 * apart by content; standard input without FILE) to an SVG flame graph, or
 * to any profile format by the extension of each -o FILE, and the top
 * table with --top.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "out/profile_out.h"
#include "prof/input.h"
#include "prof/persist.h"
#include "store/store.h"
#include "util/error.h"
#include "util/options.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

static const char flamegraph_usage[] = "perfeng flamegraph [options] [FILE]";

/*
 * --save: the profile read, as a run of kind "profile" (top functions as
 * metrics, the stacks as a blob). The host is not recorded: the profile
 * may come from another machine.
 */
static int save_profile(const char *spec, const char *name, const struct string_list *tags,
			const char *invocation, const struct profile *p)
{
	struct store *st;
	struct store_run run = { 0 };
	struct timespec now;
	int rc;

	if (store_open(spec, &st) < 0)
		return -1;
	clock_gettime(CLOCK_REALTIME, &now);
	run.kind = xstrdup("profile");
	run.name = xstrdup(name);
	run.started = run.ended = (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
	run.version = xstrdup(perfeng_version);
	run.command_line = xstrdup(invocation);
	run.git_dirty = -1;
	for (size_t i = 0; i < tags->n; i++)
		store_run_add_tag(&run, tags->v[i]);
	rc = profile_store_save(st, &run, p, PROFILE_STORE_TOP);
	if (!rc)
		cmd_say_saved(st, (long long)run.id, run.name);
	store_run_release(&run);
	store_close(st);
	return rc;
}

/* Each -o names a format we write; checked before any input is read. */
static int check_outputs(const struct string_list *outputs)
{
	for (size_t i = 0; i < outputs->n; i++)
		if (strcmp(outputs->v[i], "-") && profile_format_check(outputs->v[i], PROFILE_FMTS_ALL) < 0)
			return pe_error("-o: %s", pe_errmsg());
	return 0;
}

int cmd_flamegraph(int argc, char **argv)
{
	struct profile_write_opts wo = PROFILE_WRITE_OPTS_INIT;
	struct profile_input_opts in = { 0 };
	struct string_list outputs = { 0 }, tags = { 0 };
	const char *colors = NULL, *min_width = NULL, *save = NULL, *store_spec = NULL;
	char *invocation;
	uint64_t top = UINT64_MAX, width = 0;
	const struct option opts[] = {
		OPT_GROUP("Output:"),
		OPT_LIST('o', "output", &outputs, "<FILE>", "write FILE in the format of its extension: " PROFILE_FMTS_HELP " (repeatable; default: SVG on stdout)"),
		OPT_UINT(0, "top", &top, "<N>", "print the N functions with the most self weight (0: all); instead of the SVG on stdout unless -o is given"),
		OPT_GROUP("Flame graph:"),
		OPT_STRING(0, "title", &wo.title, "<TEXT>", "title of the graph (default \"Flame Graph\")"),
		OPT_FLAG(0, "inverted", &wo.inverted, "icicle graph: roots at the top, stacks hanging down"),
		OPT_STRING(0, "colors", &colors, "<MODE>", "colour frames by 'module' (default) or by 'kind' (user, kernel, inline, JIT)"),
		OPT_STRING(0, "min-width", &min_width, "<PX>", "merge frames narrower than PX pixels into one (default 0.1)"),
		OPT_UINT(0, "width", &width, "<PX>", "width of the SVG in pixels (default 1200)"),
		OPT_GROUP("Input:"),
		OPT_STRING(0, "event", &in.perf.event, "<EVENT>", "perf script: keep this event's samples (default: the first event in the file)"),
		OPT_FLAG(0, "annotate", &in.perf.annotate, "perf script: mark kernel and JIT frames (_[k], _[j] when folded)"),
		OPT_FLAG(0, "skip-bad", &in.skip_bad, "folded stacks: skip and count lines that are not 'stack count' instead of failing"),
		OPT_GROUP("Results store:"),
		OPT_STRING(0, "save", &save, "<NAME>", "save the profile as a run named NAME (its top functions as metrics), for diff, compare and history"),
		OPT_LIST(0, "tag", &tags, "<TAG>", "tag the saved run (repeatable)"),
		OPT_STRING(0, "store", &store_spec, "<PATH|URL>", "the results store (default $PERFENG_STORE or ~/.local/share/perfeng/results.db)"),
		OPT_END(),
	};
	struct profile p;
	struct prof_read_stats st = { 0 };
	struct strbuf notes = STRBUF_INIT;
	int npos, rc, status = PE_EXIT_OK;
	const char *path;

	invocation = store_command_line(argc, argv);	/* before options_parse reorders argv */
	rc = options_parse(argc, argv, opts, &npos);
	if (rc == OPT_HELP) {
		options_usage(stdout, flamegraph_usage, opts);
		cmd_usage_env(stdout, CMD_ENV_STORE);
		if (!options_help_json())
			printf("\nFILE holds folded stacks ('main;work;leaf 42') or the text of `perf script`,\n"
			       "told apart by their content; without FILE, standard input.\n");
		free(invocation);
		return PE_EXIT_OK;
	}
	if (!rc && npos > 1)
		rc = pe_error("flamegraph reads one FILE; %d given", npos);
	if (!rc)
		rc = profile_write_opts_set(&wo, colors, min_width, width);
	if (!rc)
		rc = check_outputs(&outputs);
	if (!rc && !outputs.n && top == UINT64_MAX && !save)
		string_list_add(&outputs, "-");
	if (!rc)
		rc = profile_write_opts_check(&wo, outputs.v, outputs.n);
	if (!rc)
		rc = store_check_save_args(save, tags.v, tags.n, store_spec);
	if (rc < 0) {
		fprintf(stderr, "perfeng flamegraph: %s\nsee 'perfeng flamegraph --help'\n", pe_errmsg());
		free(outputs.v);
		free(tags.v);
		free(invocation);
		return PE_EXIT_USAGE;
	}
	path = npos ? argv[0] : "-";
	profile_init(&p, "samples");
	if (profile_read_file(&p, path, &in, &st, NULL) < 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		goto out;
	}
	profile_input_notes(&p, &st, strcmp(path, "-") ? path : "standard input", &notes);
	for (char *l = notes.buf, *nl; l && *l; l = nl + 1) {
		nl = strchr(l, '\n');
		*nl = '\0';
		cmd_warn("%s", l);
	}
	if (top != UINT64_MAX)
		profile_print_top(stdout, &p, (size_t)top);
	if (profile_write_all(&p, outputs.v, outputs.n, &wo) < 0)
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
	if (save && save_profile(store_spec, save, &tags, invocation, &p) < 0 && status == PE_EXIT_OK)
		status = cmd_fail(PE_EXIT_RUNTIME, "--save: %s", pe_errmsg());
out:
	strbuf_release(&notes);
	profile_release(&p);
	free(outputs.v);
	free(tags.v);
	free(invocation);
	return status;
}
