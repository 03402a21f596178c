/*
 * perfeng heap -- CMD ARGS: runs the command with libperfeng-heap.so
 * preloaded (src/preload/heap.c) and reports where its memory went: the
 * totals, the peak and when, what leaked, the top allocating functions, and
 * flame graphs of bytes allocated, allocation counts, leaked bytes or the
 * bytes live at the peak. The events are read by src/prof/heap.c and drawn
 * by src/out/profile_out.c, as profiles are.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "out/format.h"
#include "out/profile_out.h"
#include "prof/heap.h"
#include "runner/preload.h"
#include "runner/process.h"
#include "store/totals_save.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/options.h"
#include "util/stop.h"
#include "util/xalloc.h"

static const char heap_usage[] = "perfeng heap [options] -- <command> [<args>...]";

struct heap_cmd {
	struct string_list outputs, tags;
	const char *measure_name, *fail_on, *save, *store_spec, *title;
	uint64_t top;
	int json, follow;
	enum heap_measure measure;
	int npos;
};

static int heap_parse(struct heap_cmd *c, int argc, char **argv)
{
	struct option opts[] = {
		OPT_FLAG(0, "follow-fork", &c->follow, "record the command's children too (default: the command and what it execs)"),
		OPT_UINT(0, "top", &c->top, "<N>", "rows of the top tables (default 10)"),
		OPT_FLAG(0, "json", &c->json, "print JSON instead of the text"),
		OPT_STRING(0, "fail-on", &c->fail_on, "leak", "exit 1 when any memory is still allocated at exit"),
		OPT_GROUP("Output:"),
		OPT_LIST('o', "output", &c->outputs, "<FILE>", "write a flame graph; format by extension: .svg, .folded, .pb.gz, .speedscope.json (repeatable)"),
		OPT_STRING(0, "measure", &c->measure_name, "<WHAT>", "what -o files weigh: allocated (bytes, default), count, leaked or peak (bytes live at the peak)"),
		OPT_STRING(0, "title", &c->title, "<TEXT>", "title of the SVG flame graph (needs -o .svg or .speedscope.json)"),
		OPT_GROUP("Results store:"),
		OPT_STRING(0, "save", &c->save, "<NAME>", "save the totals as a run of kind heap named NAME"),
		OPT_LIST(0, "tag", &c->tags, "<TAG>", "tag the saved run (repeatable)"),
		OPT_STRING(0, "store", &c->store_spec, "<PATH|URL>", "the results store (default $PERFENG_STORE or ~/.local/share/perfeng/results.db)"),
		OPT_END(),
	};
	struct profile_write_opts wo = { .title = NULL };
	int rc;

	c->top = 10;
	rc = options_parse(argc, argv, opts, &c->npos);
	if (rc == OPT_HELP) {
		options_usage(stdout, heap_usage, opts);
		cmd_usage_env(stdout, CMD_ENV_STORE | CMD_ENV_HEAP);
		return OPT_HELP;
	}
	if (rc < 0)
		return -1;
	if (!c->npos)
		return pe_error("heap needs a command to run: perfeng heap -- CMD ARGS");
	c->measure = HEAP_ALLOCATED;
	if (c->measure_name) {
		for (c->measure = 0; c->measure < HEAP_NMEASURES; c->measure++)
			if (!strcmp(c->measure_name, heap_measure_name(c->measure)))
				break;
		if (c->measure == HEAP_NMEASURES)
			return pe_error("--measure: '%s' is not allocated, count, leaked or peak", c->measure_name);
		if (!c->outputs.n)
			return pe_error("--measure chooses what -o files show: give -o FILE");
	}
	if (c->fail_on && strcmp(c->fail_on, "leak"))
		return pe_error("--fail-on: '%s' is not 'leak'", c->fail_on);
	if (!c->top || c->top > 1000)
		return pe_error("--top must be between 1 and 1000");
	for (size_t i = 0; i < c->outputs.n; i++)
		if (profile_format_check(c->outputs.v[i], ~0u) < 0)
			return -1;
	wo.title = c->title;
	if (profile_write_opts_check(&wo, c->outputs.v, c->outputs.n) < 0)
		return -1;
	return store_check_save_args(c->save, c->tags.v, c->tags.n, c->store_spec);
}

static void heap_text(const struct heap_cmd *c, char **argv, const struct run_result *res,
		      const struct heap_result *r)
{
	const struct heap_totals *t = &r->t;
	char a[32], b[32], l[32];

	printf("perfeng heap: %s: ", argv[0]);
	if (res->status == RUN_EXITED)
		printf("exit %d", res->exit_code);
	else if (res->status == RUN_SIGNALED)
		printf("killed by signal %d", res->signal);
	else
		printf("stopped");
	printf(", %.3f s, %zu process%s\n\n", (double)res->wall_ns / 1e9, t->processes, t->processes == 1 ? "" : "es");
	printf("  allocations  %llu (%s), frees %llu, temporary %llu\n", (unsigned long long)t->allocations,
	       fmt_kib(a, sizeof(a), (double)t->bytes / 1024), (unsigned long long)t->frees,
	       (unsigned long long)t->temporary);
	printf("  peak heap    %s at %.3f s\n", fmt_kib(b, sizeof(b), (double)t->peak_bytes / 1024), t->peak_s);
	printf("  leaked       %llu bytes (%s) in %llu allocation%s\n", (unsigned long long)t->leaked_bytes,
	       fmt_kib(l, sizeof(l), (double)t->leaked_bytes / 1024), (unsigned long long)t->leaked_count,
	       t->leaked_count == 1 ? "" : "s");
	if (t->mmap_count)
		printf("  mmap         %llu anonymous mappings, %s (not in the heap's figures)\n",
		       (unsigned long long)t->mmap_count, fmt_kib(a, sizeof(a), (double)t->mmap_bytes / 1024));
	printf("\nbytes allocated, by function:\n");
	profile_print_top(stdout, &r->prof[HEAP_ALLOCATED], c->top);
	if (t->leaked_bytes) {
		printf("\nbytes leaked (still allocated at exit), by function:\n");
		profile_print_top(stdout, &r->prof[HEAP_LEAKED], c->top);
	}
	printf("\nbytes live at the peak, by function:\n");
	profile_print_top(stdout, &r->prof[HEAP_PEAK], c->top);
}

static void heap_json(const struct heap_cmd *c, char **argv, const struct run_result *res,
		      const struct heap_result *r)
{
	const struct heap_totals *t = &r->t;
	json_t *root = json_object(), *cmd = json_array(), *top = json_object();

	for (int i = 0; i < c->npos; i++)
		json_array_append_new(cmd, json_string(argv[i]));
	json_object_set_new(root, "command", cmd);
	json_object_set_new(root, "status", json_string(res->status == RUN_EXITED ? "exited" :
							res->status == RUN_SIGNALED ? "signaled" : "stopped"));
	json_object_set_new(root, "exit_code", res->status == RUN_EXITED ? json_integer(res->exit_code) : json_null());
	json_object_set_new(root, "wall", json_real((double)res->wall_ns / 1e9));
	json_object_set_new(root, "processes", json_integer((json_int_t)t->processes));
	json_object_set_new(root, "allocations", json_integer((json_int_t)t->allocations));
	json_object_set_new(root, "frees", json_integer((json_int_t)t->frees));
	json_object_set_new(root, "bytes_allocated", json_integer((json_int_t)t->bytes));
	json_object_set_new(root, "temporary", json_integer((json_int_t)t->temporary));
	json_object_set_new(root, "peak_bytes", json_integer((json_int_t)t->peak_bytes));
	json_object_set_new(root, "peak_time", json_real(t->peak_s));
	json_object_set_new(root, "leaked_bytes", json_integer((json_int_t)t->leaked_bytes));
	json_object_set_new(root, "leaked_allocations", json_integer((json_int_t)t->leaked_count));
	json_object_set_new(root, "mmap_count", json_integer((json_int_t)t->mmap_count));
	json_object_set_new(root, "mmap_bytes", json_integer((json_int_t)t->mmap_bytes));
	json_object_set_new(root, "unknown_frees", json_integer((json_int_t)t->unknown_frees));
	json_object_set_new(root, "lost_events", json_integer((json_int_t)t->lost));
	json_object_set_new(root, "images_without_maps", json_integer((json_int_t)t->images_without_maps));
	for (int k = 0; k < HEAP_NMEASURES; k++)
		json_object_set_new(top, heap_measure_name((enum heap_measure)k), profile_top_json(&r->prof[k], c->top));
	json_object_set_new(root, "top", top);
	json_dumpf(root, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
	putchar('\n');
	json_decref(root);
}

static int heap_save(const struct heap_cmd *c, const struct heap_result *r, const struct preload_run *pr,
		     const char *invocation)
{
	const struct store_total t[] = {
		{ "heap_peak", "B", (double)r->t.peak_bytes }, { "leaked", "B", (double)r->t.leaked_bytes },
		{ "allocated", "B", (double)r->t.bytes }, { "allocations", "", (double)r->t.allocations },
	};
	struct totals_save in = { "heap", c->save, invocation, perfeng_version, c->tags.v, c->tags.n, t, 4,
				  pr->started, pr->ended };

	return cmd_save_totals(c->store_spec, &in);
}

int cmd_heap(int argc, char **argv)
{
	struct heap_cmd c = { 0 };
	struct heap_result r;
	struct preload_run pr = { .events = "" };
	struct profile_write_opts wo = { 0 };
	char *invocation = store_command_line(argc, argv);
	int rc, status = PE_EXIT_OK, analyzed = 0;

	rc = heap_parse(&c, argc, argv);
	if (rc == OPT_HELP)
		goto out;
	if (rc < 0) {
		fprintf(stderr, "perfeng heap: %s\nsee 'perfeng heap --help'\n", pe_errmsg());
		status = PE_EXIT_USAGE;
		goto out;
	}
	if (preload_run("libperfeng-heap.so", "PERFENG_HEAP_LIB", argv, c.follow, c.json, &pr) < 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		goto out;
	}
	if (heap_analyze(pr.events, NULL, &r) < 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		goto out;
	}
	analyzed = 1;
	if (c.json)
		heap_json(&c, argv, &pr.res, &r);
	else
		heap_text(&c, argv, &pr.res, &r);
	fflush(stdout);
	cmd_warn_traced(&pr.res, r.t.images_without_maps, (unsigned long long)r.t.lost);
	wo.title = c.title;
	if (c.outputs.n && profile_write_all(&r.prof[c.measure], c.outputs.v, c.outputs.n, &wo) < 0)
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
	if (c.save && heap_save(&c, &r, &pr, invocation) < 0)
		status = cmd_fail(PE_EXIT_RUNTIME, "--save: %s", pe_errmsg());
	if (status == PE_EXIT_OK && c.fail_on && r.t.leaked_bytes)
		status = PE_EXIT_VERDICT;
	if (status == PE_EXIT_OK && pr.res.status == RUN_INTERRUPTED)
		status = PE_EXIT_INTERRUPTED;
out:
	if (analyzed)
		heap_release(&r);
	preload_run_done(&pr);
	free(invocation);
	free(c.outputs.v);
	free(c.tags.v);
	return status;
}
