/*
 * perfeng profile [opts] -- CMD ARGS | -p PID: sample a command or a running
 * process, print the top functions and write the profile in the formats
 * the -o file names ask for. The engine is src/prof/sampler.c; the writers
 * are src/out/profile_out.c.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "out/profile_out.h"
#include "prof/persist.h"
#include "prof/profile.h"
#include "prof/sampler.h"
#include "store/store.h"
#include "sys/env.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/options.h"
#include "util/stop.h"
#include "util/units.h"
#include "util/xalloc.h"

static const char profile_usage[] = "perfeng profile [options] -- <command> [<args>...]\n"
				    "   or: perfeng profile [options] -p <pid>";

/*
 * The options of one `perfeng profile`, as parsed: profile_parse() fills it,
 * profile_check() turns it into the sampler's options, profile_run() samples
 * and profile_render() prints and writes what was asked for.
 */
struct profile_cmd {
	uint64_t pid, freq, duration, top, stack;
	const char *event, *call_graph, *debug_dir, *title, *save, *store_spec;
	struct string_list tags, outputs;
	int offcpu, inline_frames, lines, inverted, json;
	int npos;		/* the command: argv[0..npos) */
	char *invocation;	/* the command line, for --save */
};

#define PROFILE_STACK_DEFAULT 8192

static int parse_options_values(const struct profile_cmd *c, struct sampler_opts *so)
{
	uint64_t stack = c->stack ? c->stack : PROFILE_STACK_DEFAULT;

	if (!strcmp(c->event, "cpu-clock"))
		so->event = SAMPLER_CPU_CLOCK;
	else if (!strcmp(c->event, "cycles"))
		so->event = SAMPLER_CYCLES;
	else
		return pe_error("-e: unknown event '%s' (cpu-clock or cycles)", c->event);
	if (!strcmp(c->call_graph, "fp"))
		so->dwarf = 0;
	else if (!strcmp(c->call_graph, "dwarf"))
		so->dwarf = 1;
	else
		return pe_error("--call-graph: '%s' is not fp or dwarf", c->call_graph);
	if (!c->freq || c->freq > 100000)
		return pe_error("-F must be between 1 and 100000");
	if (c->stack && !so->dwarf)
		return pe_error("--stack-size applies only to --call-graph dwarf (frame pointers copy 128 bytes)");
	if (stack < 8 || stack > 65528 || stack % 8)
		return pe_error("--stack-size must be a multiple of 8 between 8 and 65528 bytes");
	so->freq = c->freq;
	/* frame pointers need only the leaf's frame, to recover its caller from the CFI */
	so->stack_bytes = so->dwarf ? (uint32_t)stack : 128;
	return 0;
}

/* --save: the profile's top functions and its stacks as a run of kind "profile". */
static int save_profile(struct store *st, const char *name, const struct string_list *tags,
			const char *invocation, const struct profile *p, size_t top,
			int64_t started, int64_t ended)
{
	struct store_run run = { 0 };
	int rc;

	env_fill_run(&run, "profile", name, started, ended, perfeng_version, invocation);
	for (size_t t = 0; t < tags->n; t++)
		store_run_add_tag(&run, tags->v[t]);
	rc = profile_store_save(st, &run, p, top);
	if (!rc)
		cmd_say_saved(st, (long long)run.id, run.name);
	store_run_release(&run);
	return rc;
}

static void print_summary(FILE *f, const struct sampler_opts *so, const struct sampler_result *r,
			  const struct profile *p)
{
	fprintf(f, "perfeng profile: %llu %s, %llu lost, event %s",
		(unsigned long long)r->samples, so->offcpu ? "switches" : "samples",
		(unsigned long long)r->lost, p->event);
	if (!so->offcpu)
		fprintf(f, " at %llu Hz", (unsigned long long)so->freq);
	fprintf(f, ", %s stacks, %.2f s%s\n", so->dwarf ? "dwarf" : "frame-pointer",
		(double)r->elapsed_ns / 1e9, r->exclude_kernel ? ", user space only" : "");
	if (so->offcpu)
		fprintf(f, "weights are nanoseconds off the CPU: %.3f s in all\n",
			(double)p->root.total / 1e9);
}

/* --json: the summary and the top functions, as docs/profile.md describes them. */
static void print_json(FILE *f, const struct sampler_opts *so, const struct sampler_result *r,
		       const struct profile *p, size_t top)
{
	json_t *root = json_object();

	json_object_set_new(root, "samples", json_integer((json_int_t)r->samples));
	json_object_set_new(root, "lost", json_integer((json_int_t)r->lost));
	json_object_set_new(root, "duration_s", json_real((double)r->elapsed_ns / 1e9));
	json_object_set_new(root, "event", json_string(p->event ? p->event : ""));
	json_object_set_new(root, "freq", so->offcpu ? json_null() : json_integer((json_int_t)so->freq));
	json_object_set_new(root, "call_graph", json_string(so->dwarf ? "dwarf" : "fp"));
	json_object_set_new(root, "off_cpu", json_boolean(so->offcpu));
	json_object_set_new(root, "user_space_only", json_boolean(r->exclude_kernel));
	json_object_set_new(root, "unit", json_string(p->unit ? p->unit : "samples"));
	json_object_set_new(root, "weight", json_integer((json_int_t)p->root.total));
	json_object_set_new(root, "interrupted", json_boolean(r->interrupted));
	json_object_set_new(root, "top_functions", top ? profile_top_json(p, top) : json_array());
	json_dumpf(root, f, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
	fputc('\n', f);
	json_decref(root);
}

/* Parses argv into *c; returns 0, OPT_HELP (usage printed) or -1 with pe_error(). */
static int profile_parse(struct profile_cmd *c, int argc, char **argv)
{
	struct option opts[] = {
		OPT_GROUP("Target:"),
		OPT_UINT('p', "pid", &c->pid, "<PID>", "profile a running process and all its threads instead of a command"),
		OPT_DURATION('d', "duration", &c->duration, "<DUR>", "stop after DUR (a started command is killed then)"),
		OPT_GROUP("Sampling:"),
		OPT_UINT('F', "freq", &c->freq, "<HZ>", "samples per second per thread (default 499)"),
		OPT_STRING('e', "event", &c->event, "<EVENT>", "cpu-clock (default) or cycles (needs hardware counters)"),
		OPT_STRING(0, "call-graph", &c->call_graph, "<MODE>", "fp: frame pointers (default); dwarf: copy the stack, unwind with CFI"),
		OPT_SIZE(0, "stack-size", &c->stack, "<SIZE>", "user stack copied per sample with --call-graph dwarf (default 8192; 16k, 64k)"),
		OPT_FLAG(0, "off-cpu", &c->offcpu, "profile time blocked off the CPU, by stack, in nanoseconds"),
		OPT_GROUP("Symbols:"),
		OPT_FLAG(0, "inline", &c->inline_frames, "show inlined functions as frames of their own"),
		OPT_FLAG(0, "lines", &c->lines, "name frames by source line: \"f (file.c:42)\""),
		OPT_STRING(0, "debug-dir", &c->debug_dir, "<DIR>", "look for debug files (.build-id/xx/yyyy.debug, debuglink) here first"),
		OPT_GROUP("Output:"),
		OPT_UINT(0, "top", &c->top, "<N>", "functions in the top table (default 20; 0: none)"),
		OPT_FLAG(0, "json", &c->json, "print the summary and the top functions as JSON"),
		OPT_LIST('o', "output", &c->outputs, "<FILE>", "write the profile; format by extension: " PROFILE_FMTS_HELP " (repeatable)"),
		OPT_STRING(0, "title", &c->title, "<TEXT>", "title of the SVG flame graph (needs -o .svg or .speedscope.json)"),
		OPT_FLAG(0, "inverted", &c->inverted, "SVG: icicle graph, roots at the top (needs -o .svg)"),
		OPT_GROUP("Results store:"),
		OPT_STRING(0, "save", &c->save, "<NAME>", "save the top functions and the stacks as a run named NAME"),
		OPT_LIST(0, "tag", &c->tags, "<TAG>", "tag the saved run (repeatable)"),
		OPT_STRING(0, "store", &c->store_spec, "<PATH|URL>", "the results store (default $PERFENG_STORE or ~/.local/share/perfeng/results.db)"),
		OPT_END(),
	};
	int rc;

	c->invocation = store_command_line(argc, argv);	/* before options_parse reorders argv */
	rc = options_parse(argc, argv, opts, &c->npos);
	if (rc == OPT_HELP) {
		options_usage(stdout, profile_usage, opts);
		cmd_usage_env(stdout, CMD_ENV_STORE | CMD_ENV_JIT);
	}
	return rc;
}

/* Checks the options against each other and fills *so; 0 or -1 with pe_error(). */
static int profile_check(const struct profile_cmd *c, struct sampler_opts *so)
{
	struct profile_write_opts wo = PROFILE_WRITE_OPTS_INIT;

	if (c->pid && c->npos)
		return pe_error("give a command or -p PID, not both");
	if (!c->pid && !c->npos)
		return pe_error("give a command to profile (after --) or -p PID");
	if (c->pid > 0x7fffffff)
		return pe_error("-p: '%llu' is not a pid", (unsigned long long)c->pid);
	if (parse_options_values(c, so) < 0)
		return -1;
	for (size_t i = 0; i < c->outputs.n; i++)
		if (profile_format_check(c->outputs.v[i], PROFILE_FMTS_ALL) < 0)
			return pe_error("-o: %s", pe_errmsg());
	wo.title = c->title;
	wo.inverted = c->inverted;
	if (profile_write_opts_check(&wo, c->outputs.v, c->outputs.n) < 0)
		return -1;
	return store_check_save_args(c->save, c->tags.v, c->tags.n, c->store_spec);
}

/* Prints the summary (text or JSON) and writes the -o files; returns the exit status. */
static int profile_render(const struct profile_cmd *c, const struct sampler_opts *so,
			  const struct sampler_result *r, const struct profile *p)
{
	int status = PE_EXIT_OK;

	if (c->json) {
		print_json(stdout, so, r, p, (size_t)c->top);
	} else {
		print_summary(stdout, so, r, p);
		if (c->top) {
			putchar('\n');
			profile_print_top(stdout, p, (size_t)c->top);
		}
	}
	fflush(stdout);
	for (size_t i = 0; i < c->outputs.n; i++) {
		struct profile_write_opts wo = PROFILE_WRITE_OPTS_INIT;

		wo.title = c->title;
		wo.inverted = c->inverted;
		if (profile_write(p, c->outputs.v[i], &wo) < 0)
			status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
	}
	if (r->offcpu_nostack)
		cmd_warn("--off-cpu: at kernel.perf_event_paranoid=%d an unprivileged user gets the time each "
			 "thread is off the CPU but not its stack; set it to 1 or run as root for stacks",
			 sampler_paranoid());
	if (r->lost)
		cmd_warn("the kernel dropped %llu samples (ring buffer full); lower -F", (unsigned long long)r->lost);
	if (!r->samples)
		cmd_warn("no samples: the target ran too briefly or did not run on the CPU");
	if (r->exited && r->exit_code)
		cmd_warn("the command exited with status %d", r->exit_code);
	return status;
}

int cmd_profile(int argc, char **argv)
{
	struct profile_cmd c = {
		.freq = 499, .top = 20, .event = "cpu-clock", .call_graph = "fp",
	};
	struct sampler_opts so = { 0 };
	struct sampler_result r;
	struct profile p;
	struct store *st = NULL;
	int64_t started;
	int rc, status = PE_EXIT_OK;

	rc = profile_parse(&c, argc, argv);
	if (rc == OPT_HELP)
		goto done;
	if (!rc)
		rc = profile_check(&c, &so);
	if (rc < 0) {
		fprintf(stderr, "perfeng profile: %s\nsee 'perfeng profile --help'\n", pe_errmsg());
		status = PE_EXIT_USAGE;
		goto done;
	}
	/* the store is opened first: a bad path or URL fails before the profiling */
	if (c.save && store_open(c.store_spec, &st) < 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		goto done;
	}
	so.argv = c.pid ? NULL : argv;
	argv[c.npos] = NULL;
	so.pid = (pid_t)c.pid;
	so.offcpu = c.offcpu;
	so.duration_ns = c.duration;
	so.stop = &stop_signal;
	so.debug_dir = c.debug_dir;
	so.inline_frames = c.inline_frames;
	so.lines = c.lines;
	so.jit_dir = getenv("PERFENG_JIT_DIR");

	stop_catch();
	profile_init(&p, "samples");
	started = clock_realtime_us();
	rc = sampler_run(&so, &p, &r);
	stop_release();
	if (rc < 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		goto out;
	}
	status = profile_render(&c, &so, &r, &p);
	if (st && save_profile(st, c.save, &c.tags, c.invocation, &p, (size_t)c.top, started,
			       clock_realtime_us()) < 0)
		status = cmd_fail(PE_EXIT_RUNTIME, "--save: %s", pe_errmsg());
	if (status == PE_EXIT_OK && r.interrupted)
		status = cmd_fail(PE_EXIT_INTERRUPTED, "interrupted; the profile so far is written");
out:
	profile_release(&p);
done:
	if (st)
		store_close(st);
	free(c.outputs.v);
	free(c.tags.v);
	free(c.invocation);
	return status;
}
