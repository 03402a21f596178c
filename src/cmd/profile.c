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

static int parse_options_values(const char *event, const char *call_graph, uint64_t freq,
				 uint64_t stack, struct sampler_opts *so)
{
	if (!strcmp(event, "cpu-clock"))
		so->event = SAMPLER_CPU_CLOCK;
	else if (!strcmp(event, "cycles"))
		so->event = SAMPLER_CYCLES;
	else
		return pe_error("-e: unknown event '%s' (cpu-clock or cycles)", event);
	if (!strcmp(call_graph, "fp"))
		so->dwarf = 0;
	else if (!strcmp(call_graph, "dwarf"))
		so->dwarf = 1;
	else
		return pe_error("--call-graph: '%s' is not fp or dwarf", call_graph);
	if (!freq || freq > 100000)
		return pe_error("-F must be between 1 and 100000");
	if (stack < 8 || stack > 65528 || stack % 8)
		return pe_error("--stack-size must be a multiple of 8 between 8 and 65528 bytes");
	so->freq = freq;
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

int cmd_profile(int argc, char **argv)
{
	uint64_t pid = 0, freq = 499, duration = 0, top = 20, stack = 8192;
	const char *event = "cpu-clock", *call_graph = "fp", *debug_dir = NULL, *title = NULL;
	const char *save = NULL, *store_spec = NULL;
	struct string_list tags = { 0 };
	struct store *st = NULL;
	char *invocation = NULL;
	int64_t started;
	int offcpu = 0, inline_frames = 0, lines = 0, inverted = 0, npos, rc;
	struct string_list outputs = { 0 };
	struct option opts[] = {
		OPT_GROUP("Target:"),
		OPT_UINT('p', "pid", &pid, "<PID>", "profile a running process and all its threads instead of a command"),
		OPT_DURATION('d', "duration", &duration, "<DUR>", "stop after DUR (a started command is killed then)"),
		OPT_GROUP("Sampling:"),
		OPT_UINT('F', "freq", &freq, "<HZ>", "samples per second per thread (default 499)"),
		OPT_STRING('e', "event", &event, "<EVENT>", "cpu-clock (default) or cycles (needs hardware counters)"),
		OPT_STRING(0, "call-graph", &call_graph, "<MODE>", "fp: frame pointers (default); dwarf: copy the stack, unwind with CFI"),
		OPT_UINT(0, "stack-size", &stack, "<BYTES>", "user stack copied per sample with --call-graph dwarf (default 8192)"),
		OPT_FLAG(0, "off-cpu", &offcpu, "profile time blocked off the CPU, by stack, in nanoseconds"),
		OPT_GROUP("Symbols:"),
		OPT_FLAG(0, "inline", &inline_frames, "show inlined functions as frames of their own"),
		OPT_FLAG(0, "lines", &lines, "name frames by source line: \"f (file.c:42)\""),
		OPT_STRING(0, "debug-dir", &debug_dir, "<DIR>", "look for debug files (.build-id/xx/yyyy.debug, debuglink) here first"),
		OPT_GROUP("Output:"),
		OPT_UINT(0, "top", &top, "<N>", "functions in the top table (default 20; 0: none)"),
		OPT_LIST('o', "output", &outputs, "<FILE>", "write the profile; format by extension: " PROFILE_FMTS_HELP " (repeatable)"),
		OPT_STRING(0, "title", &title, "<TEXT>", "title of the SVG flame graph"),
		OPT_FLAG(0, "inverted", &inverted, "SVG: icicle graph, roots at the top"),
		OPT_GROUP("Results store:"),
		OPT_STRING(0, "save", &save, "<NAME>", "save the top functions and the stacks as a run named NAME"),
		OPT_LIST(0, "tag", &tags, "<TAG>", "tag the saved run (repeatable)"),
		OPT_STRING(0, "store", &store_spec, "<PATH|URL>", "the results store (default $PERFENG_STORE or ~/.local/share/perfeng/results.db)"),
		OPT_END(),
	};
	struct sampler_opts so = { 0 };
	struct sampler_result r;
	struct profile p;
	int status = PE_EXIT_OK;

	invocation = store_command_line(argc, argv);	/* before options_parse reorders argv */
	rc = options_parse(argc, argv, opts, &npos);
	if (rc == OPT_HELP) {
		options_usage(stdout, profile_usage, opts);
		status = PE_EXIT_OK;
		goto done;
	}
	if (!rc && pid && npos)
		rc = pe_error("give a command or -p PID, not both");
	if (!rc && !pid && !npos)
		rc = pe_error("give a command to profile (after --) or -p PID");
	if (!rc && pid > 0x7fffffff)
		rc = pe_error("-p: '%llu' is not a pid", (unsigned long long)pid);
	if (!rc)
		rc = parse_options_values(event, call_graph, freq, stack, &so);
	for (size_t i = 0; !rc && i < outputs.n; i++)
		if (profile_format_check(outputs.v[i], PROFILE_FMTS_ALL) < 0)
			rc = pe_error("-o: %s", pe_errmsg());
	if (!rc)
		rc = store_check_save_args(save, tags.v, tags.n, store_spec);
	if (rc < 0) {
		fprintf(stderr, "perfeng profile: %s\nsee 'perfeng profile --help'\n", pe_errmsg());
		status = PE_EXIT_USAGE;
		goto done;
	}
	/* the store is opened first: a bad path or URL fails before the profiling */
	if (save && store_open(store_spec, &st) < 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		goto done;
	}
	so.argv = pid ? NULL : argv;
	argv[npos] = NULL;
	so.pid = (pid_t)pid;
	so.offcpu = offcpu;
	so.duration_ns = duration;
	so.stop = &stop_signal;
	so.debug_dir = debug_dir;
	so.inline_frames = inline_frames;
	so.lines = lines;
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
	print_summary(stdout, &so, &r, &p);
	if (top) {
		putchar('\n');
		profile_print_top(stdout, &p, (size_t)top);
	}
	fflush(stdout);
	for (size_t i = 0; i < outputs.n; i++) {
		struct profile_write_opts wo = PROFILE_WRITE_OPTS_INIT;

		wo.title = title;
		wo.inverted = inverted;
		if (profile_write(&p, outputs.v[i], &wo) < 0)
			status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
	}
	if (r.offcpu_nostack)
		cmd_warn("--off-cpu: at kernel.perf_event_paranoid=%d an unprivileged user gets the time each "
			 "thread is off the CPU but not its stack; set it to 1 or run as root for stacks",
			 sampler_paranoid());
	if (r.lost)
		cmd_warn("the kernel dropped %llu samples (ring buffer full); lower -F", (unsigned long long)r.lost);
	if (!r.samples)
		cmd_warn("no samples: the target ran too briefly or did not run on the CPU");
	if (r.exited && r.exit_code)
		cmd_warn("the command exited with status %d", r.exit_code);
	if (st && save_profile(st, save, &tags, invocation, &p, (size_t)top, started, clock_realtime_us()) < 0)
		status = cmd_fail(PE_EXIT_RUNTIME, "--save: %s", pe_errmsg());
	if (status == PE_EXIT_OK && r.interrupted)
		status = cmd_fail(PE_EXIT_INTERRUPTED, "interrupted; the profile so far is written");
out:
	profile_release(&p);
done:
	if (st)
		store_close(st);
	free(outputs.v);
	free(tags.v);
	free(invocation);
	return status;
}
