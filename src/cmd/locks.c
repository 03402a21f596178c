/*
 * perfeng locks -- CMD ARGS: runs the command with libperfeng-locks.so
 * preloaded (src/preload/locks.c) and reports its contended locks: how often
 * each was taken and waited for, the time waited and held, where threads
 * waited for it and the code that held it meanwhile, and a flame graph of
 * wait time. The events are read by src/prof/locks.c.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "out/format.h"
#include "out/profile_out.h"
#include "prof/locks.h"
#include "runner/preload.h"
#include "runner/process.h"
#include "store/totals_save.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/options.h"
#include "util/stop.h"
#include "util/xalloc.h"

static const char locks_usage[] = "perfeng locks [options] -- <command> [<args>...]";

struct locks_cmd {
	struct string_list outputs, tags;
	const char *save, *store_spec, *title;
	uint64_t top;
	int json, follow, npos;
};

static int locks_parse(struct locks_cmd *c, int argc, char **argv)
{
	struct option opts[] = {
		OPT_FLAG(0, "follow-fork", &c->follow, "record the command's children too (default: the command and what it execs)"),
		OPT_UINT(0, "top", &c->top, "<N>", "locks shown, most waited for first (default 10)"),
		OPT_FLAG(0, "json", &c->json, "print JSON instead of the text"),
		OPT_GROUP("Output:"),
		OPT_LIST('o', "output", &c->outputs, "<FILE>", "write a flame graph of time waited for locks; format by extension: .svg, .folded, .pb.gz, .speedscope.json (repeatable)"),
		OPT_STRING(0, "title", &c->title, "<TEXT>", "title of the SVG flame graph (needs -o .svg or .speedscope.json)"),
		OPT_GROUP("Results store:"),
		OPT_STRING(0, "save", &c->save, "<NAME>", "save the totals as a run of kind locks named NAME"),
		OPT_LIST(0, "tag", &c->tags, "<TAG>", "tag the saved run (repeatable)"),
		OPT_STRING(0, "store", &c->store_spec, "<PATH|URL>", "the results store (default $PERFENG_STORE or ~/.local/share/perfeng/results.db)"),
		OPT_END(),
	};
	struct profile_write_opts wo = { .title = NULL };
	int rc;

	c->top = 10;
	rc = options_parse(argc, argv, opts, &c->npos);
	if (rc == OPT_HELP) {
		options_usage(stdout, locks_usage, opts);
		cmd_usage_env(stdout, CMD_ENV_STORE | CMD_ENV_LOCKS);
		return OPT_HELP;
	}
	if (rc < 0)
		return -1;
	if (!c->npos)
		return pe_error("locks needs a command to run: perfeng locks -- CMD ARGS");
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

/* The function of a profile with the most self weight: "worker (pe-locks)", or "-". */
static void locks_top_fn(const struct profile *p, char *buf, size_t n)
{
	struct profile_func *f = NULL;

	if (profile_top(p, 1, &f) && f[0].self)
		snprintf(buf, n, "%s%s%s%s", f[0].name, f[0].module ? " (" : "", f[0].module ? f[0].module : "",
			 f[0].module ? ")" : "");
	else
		snprintf(buf, n, "-");
	free(f);
}

static void locks_text(const struct locks_cmd *c, char **argv, const struct run_result *res,
		       const struct locks_result *r)
{
	char w[32], m[32], h[32], hw[32], fn[256];
	size_t contended = 0;

	printf("perfeng locks: %s: ", argv[0]);
	if (res->status == RUN_EXITED)
		printf("exit %d", res->exit_code);
	else
		printf("killed by signal %d", res->signal);
	printf(", %.3f s, %zu process%s\n", (double)res->wall_ns / 1e9, r->processes, r->processes == 1 ? "" : "es");
	for (size_t i = 0; i < r->n; i++)
		contended += r->locks[i].contended > 0;
	printf("  %llu acquisitions of %zu lock%s, %llu contended (%.1f%%), %s waited in all\n\n",
	       (unsigned long long)r->acquisitions, r->n, r->n == 1 ? "" : "s", (unsigned long long)r->contended,
	       r->acquisitions ? 100.0 * (double)r->contended / (double)r->acquisitions : 0.0,
	       fmt_time(w, sizeof(w), (double)r->wait_ns / 1e9, TU_AUTO));
	if (!contended) {
		printf("no lock was contended\n");
		return;
	}
	printf("%-18s %-9s %10s %10s %10s %10s %10s %12s\n", "lock", "kind", "acquired", "contended", "waited",
	       "max wait", "held", "held, waited");
	for (size_t i = 0; i < r->n && i < c->top; i++) {
		const struct lock_info *l = &r->locks[i];

		if (!l->contended)
			break;
		printf("0x%-16llx %-9s %10llu %10llu %10s %10s %10s %12s\n", (unsigned long long)l->addr,
		       lock_kind_name(l->kind), (unsigned long long)l->acquisitions, (unsigned long long)l->contended,
		       fmt_time(w, sizeof(w), (double)l->wait_ns / 1e9, TU_AUTO),
		       fmt_time(m, sizeof(m), (double)l->max_wait_ns / 1e9, TU_AUTO),
		       fmt_time(h, sizeof(h), (double)l->hold_ns / 1e9, TU_AUTO),
		       fmt_time(hw, sizeof(hw), (double)l->hold_waited_ns / 1e9, TU_AUTO));
		locks_top_fn(l->waiters, fn, sizeof(fn));
		printf("  waited for in  %s\n", fn);
		locks_top_fn(l->holders, fn, sizeof(fn));
		printf("  held by        %s (released there while others waited)\n", fn);
	}
	for (size_t i = 0; i < r->nconds && i < c->top; i++)
		printf("condition 0x%llx: %llu waits, %s (waiting for a condition: not contention)\n",
		       (unsigned long long)r->conds[i].addr, (unsigned long long)r->conds[i].contended,
		       fmt_time(w, sizeof(w), (double)r->conds[i].wait_ns / 1e9, TU_AUTO));
}

static json_t *locks_one_json(const struct lock_info *l, size_t top)
{
	json_t *o = json_object();

	json_object_set_new(o, "address", json_sprintf("0x%llx", (unsigned long long)l->addr));
	json_object_set_new(o, "pid", json_integer(l->pid));
	json_object_set_new(o, "kind", json_string(lock_kind_name(l->kind)));
	json_object_set_new(o, "acquisitions", json_integer((json_int_t)l->acquisitions));
	json_object_set_new(o, "contended", json_integer((json_int_t)l->contended));
	json_object_set_new(o, "wait", json_real((double)l->wait_ns / 1e9));
	json_object_set_new(o, "max_wait", json_real((double)l->max_wait_ns / 1e9));
	json_object_set_new(o, "held", json_real((double)l->hold_ns / 1e9));
	json_object_set_new(o, "held_while_waited", json_real((double)l->hold_waited_ns / 1e9));
	json_object_set_new(o, "waiters", profile_top_json(l->waiters, top));
	json_object_set_new(o, "holders", profile_top_json(l->holders, top));
	return o;
}

static void locks_json(const struct locks_cmd *c, char **argv, const struct run_result *res,
		       const struct locks_result *r)
{
	json_t *root = json_object(), *cmd = json_array(), *locks = json_array(), *conds = json_array();

	for (int i = 0; i < c->npos; i++)
		json_array_append_new(cmd, json_string(argv[i]));
	json_object_set_new(root, "command", cmd);
	json_object_set_new(root, "status", json_string(res->status == RUN_EXITED ? "exited" : "signaled"));
	json_object_set_new(root, "exit_code", res->status == RUN_EXITED ? json_integer(res->exit_code) : json_null());
	json_object_set_new(root, "wall", json_real((double)res->wall_ns / 1e9));
	json_object_set_new(root, "processes", json_integer((json_int_t)r->processes));
	json_object_set_new(root, "acquisitions", json_integer((json_int_t)r->acquisitions));
	json_object_set_new(root, "contended", json_integer((json_int_t)r->contended));
	json_object_set_new(root, "wait", json_real((double)r->wait_ns / 1e9));
	json_object_set_new(root, "lost_events", json_integer((json_int_t)r->lost));
	for (size_t i = 0; i < r->n && i < c->top; i++)
		json_array_append_new(locks, locks_one_json(&r->locks[i], 5));
	for (size_t i = 0; i < r->nconds && i < c->top; i++)
		json_array_append_new(conds, locks_one_json(&r->conds[i], 5));
	json_object_set_new(root, "locks", locks);
	json_object_set_new(root, "conditions", conds);
	json_dumpf(root, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
	putchar('\n');
	json_decref(root);
}

static int locks_save(const struct locks_cmd *c, const struct locks_result *r, const struct preload_run *pr,
		      const char *invocation)
{
	const struct store_total t[] = {
		{ "lock_wait", "s", (double)r->wait_ns / 1e9 }, { "contended", "", (double)r->contended },
		{ "acquisitions", "", (double)r->acquisitions },
	};
	struct totals_save in = { "locks", c->save, invocation, perfeng_version, c->tags.v, c->tags.n, t, 3,
				  pr->started, pr->ended };

	return cmd_save_totals(c->store_spec, &in);
}

int cmd_locks(int argc, char **argv)
{
	struct locks_cmd c = { 0 };
	struct locks_result r;
	struct preload_run pr = { .events = "" };
	struct profile_write_opts wo = { 0 };
	char *invocation = store_command_line(argc, argv);
	int rc, status = PE_EXIT_OK, analyzed = 0;

	rc = locks_parse(&c, argc, argv);
	if (rc == OPT_HELP)
		goto out;
	if (rc < 0) {
		fprintf(stderr, "perfeng locks: %s\nsee 'perfeng locks --help'\n", pe_errmsg());
		status = PE_EXIT_USAGE;
		goto out;
	}
	if (preload_run("libperfeng-locks.so", "PERFENG_LOCKS_LIB", argv, c.follow, c.json, &pr) < 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		goto out;
	}
	if (locks_analyze(pr.events, NULL, &r) < 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		goto out;
	}
	analyzed = 1;
	if (c.json)
		locks_json(&c, argv, &pr.res, &r);
	else
		locks_text(&c, argv, &pr.res, &r);
	fflush(stdout);
	cmd_warn_traced(&pr.res, r.images_without_maps, (unsigned long long)r.lost);
	wo.title = c.title;
	if (c.outputs.n && profile_write_all(&r.wait, c.outputs.v, c.outputs.n, &wo) < 0)
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
	if (c.save && locks_save(&c, &r, &pr, invocation) < 0)
		status = cmd_fail(PE_EXIT_RUNTIME, "--save: %s", pe_errmsg());
	if (status == PE_EXIT_OK && pr.res.status == RUN_INTERRUPTED)
		status = PE_EXIT_INTERRUPTED;
out:
	if (analyzed)
		locks_release(&r);
	preload_run_done(&pr);
	free(invocation);
	free(c.outputs.v);
	free(c.tags.v);
	return status;
}
