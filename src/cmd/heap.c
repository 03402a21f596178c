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
#include "runner/process.h"
#include "store/store.h"
#include "sys/env.h"
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

/* The interposer: $PERFENG_HEAP_LIB, else next to the perfeng binary. NULL with pe_error(). */
static char *heap_find_lib(void)
{
	const char *env = getenv("PERFENG_HEAP_LIB");
	char self[PATH_MAX], *slash, *path;
	ssize_t n;

	if (env && *env) {
		if (access(env, R_OK))
			return pe_error("PERFENG_HEAP_LIB '%s': %s", env, strerror(errno)), NULL;
		return xstrdup(env);
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return pe_error("cannot find perfeng's own binary (/proc/self/exe)"), NULL;
	self[n] = '\0';
	slash = strrchr(self, '/');
	*slash = '\0';
	path = xmalloc(strlen(self) + 32);
	sprintf(path, "%s/libperfeng-heap.so", self);
	if (access(path, R_OK)) {
		pe_error("no libperfeng-heap.so next to perfeng (%s): build it with make, or set PERFENG_HEAP_LIB", self);
		free(path);
		return NULL;
	}
	return path;
}

/* The environment the command gets: the interposer preloaded (before any LD_PRELOAD it had). */
static void heap_env(const char *lib, const char *events, int follow, char **old_preload)
{
	const char *had = getenv("LD_PRELOAD");
	char pid[32];
	size_t n = strlen(lib) + (had ? strlen(had) : 0) + 2;
	char *preload = xmalloc(n);

	*old_preload = had ? xstrdup(had) : NULL;
	snprintf(preload, n, "%s%s%s", lib, had && *had ? ":" : "", had ? had : "");
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("LD_PRELOAD", preload, 1);
	setenv("PERFENG_HEAP_OUT", events, 1);
	setenv("PERFENG_HEAP_PARENT", pid, 1);
	setenv("PERFENG_HEAP_FOLLOW", follow ? "1" : "0", 1);
	free(preload);
}

static void heap_env_restore(char *old_preload)
{
	if (old_preload)
		setenv("LD_PRELOAD", old_preload, 1);
	else
		unsetenv("LD_PRELOAD");
	unsetenv("PERFENG_HEAP_OUT");
	unsetenv("PERFENG_HEAP_PARENT");
	unsetenv("PERFENG_HEAP_FOLLOW");
	free(old_preload);
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

static int heap_save(const struct heap_cmd *c, const struct heap_result *r, int64_t started, int64_t ended,
		     const char *invocation)
{
	struct store_run run = { 0 };
	struct store *st;
	static const char *const names[] = { "heap_peak", "leaked", "allocated", "allocations" };
	static const char *const units[] = { "B", "B", "B", "" };
	double v[] = { (double)r->t.peak_bytes, (double)r->t.leaked_bytes, (double)r->t.bytes,
		       (double)r->t.allocations };
	int rc;

	if (store_open(c->store_spec, &st) < 0)
		return -1;
	env_fill_run(&run, "heap", c->save, started, ended, perfeng_version, invocation);
	for (size_t i = 0; i < c->tags.n; i++)
		store_run_add_tag(&run, c->tags.v[i]);
	for (size_t i = 0; i < 4; i++)
		store_metric_set_samples(store_run_add_metric(&run, names[i], units[i], 0), &v[i], 1);
	rc = store_save(st, &run);
	if (!rc)
		cmd_say_saved(st, (long long)run.id, run.name);
	store_run_release(&run);
	store_close(st);
	return rc;
}

int cmd_heap(int argc, char **argv)
{
	struct heap_cmd c = { 0 };
	struct heap_result r;
	struct run_result res;
	struct run_spec spec = { .stdin_fd = STDIN_FILENO, .output = RUN_OUT_INHERIT };
	struct profile_write_opts wo = { 0 };
	char events[] = "/tmp/perfeng-heap.XXXXXX", *lib = NULL, *old = NULL;
	char *invocation = store_command_line(argc, argv);
	int rc, fd = -1, status = PE_EXIT_OK, analyzed = 0;
	int64_t started, ended;

	rc = heap_parse(&c, argc, argv);
	if (rc == OPT_HELP)
		goto out;
	if (rc < 0) {
		fprintf(stderr, "perfeng heap: %s\nsee 'perfeng heap --help'\n", pe_errmsg());
		status = PE_EXIT_USAGE;
		goto out;
	}
	lib = heap_find_lib();
	fd = lib ? mkstemp(events) : -1;
	if (fd < 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", lib ? strerror(errno) : pe_errmsg());
		goto out;
	}
	spec.argv = argv;
	started = clock_realtime_us();
	heap_env(lib, events, c.follow, &old);
	stop_catch();
	rc = runner_run(&spec, &res);
	stop_release();
	heap_env_restore(old);
	ended = clock_realtime_us();
	if (rc < 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		goto out;
	}
	if (heap_analyze(events, NULL, &r) < 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		goto out;
	}
	analyzed = 1;
	if (c.json)
		heap_json(&c, argv, &res, &r);
	else
		heap_text(&c, argv, &res, &r);
	fflush(stdout);
	if (res.status == RUN_SIGNALED && res.signal == SIGKILL)
		cmd_warn("the command was killed by SIGKILL, which cannot be caught: what its threads had not "
			 "written yet (up to 256 KiB of events each) is missing from the figures");
	else if (res.status != RUN_EXITED || res.exit_code)
		cmd_warn("the command %s: the figures are what it did until then",
			 res.status == RUN_EXITED ? "exited non-zero" : "did not exit normally");
	if (r.t.images_without_maps)
		cmd_warn("%zu process image%s ended without writing its memory map (killed by a signal?): "
			 "their frames are addresses", r.t.images_without_maps, r.t.images_without_maps == 1 ? "" : "s");
	if (r.t.lost)
		cmd_warn("%llu events were lost (the interposer could not write them): the figures are short",
			 (unsigned long long)r.t.lost);
	wo.title = c.title;
	if (c.outputs.n && profile_write_all(&r.prof[c.measure], c.outputs.v, c.outputs.n, &wo) < 0)
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
	if (c.save && heap_save(&c, &r, started, ended, invocation) < 0)
		status = cmd_fail(PE_EXIT_RUNTIME, "--save: %s", pe_errmsg());
	if (status == PE_EXIT_OK && c.fail_on && r.t.leaked_bytes)
		status = PE_EXIT_VERDICT;
	if (status == PE_EXIT_OK && res.status == RUN_INTERRUPTED)
		status = PE_EXIT_INTERRUPTED;
out:
	if (analyzed)
		heap_release(&r);
	if (fd >= 0) {
		close(fd);
		unlink(events);
	}
	free(lib);
	free(invocation);
	free(c.outputs.v);
	free(c.tags.v);
	return status;
}
