/*
 * perfeng's entry point: global flags, the command table, dispatch. Commands
 * live in src/cmd/; nothing here measures anything.
 */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "util/error.h"

#ifndef PERFENG_COMMIT
#define PERFENG_COMMIT "unknown"
#endif
#define PERFENG_RELEASE "0.1.0"

const char *perfeng_version = PERFENG_RELEASE " (" PERFENG_COMMIT ")";

struct cmd_struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct cmd_struct commands[] = {
	{ "bench", cmd_bench, "benchmark commands: statistics, resources, counters, comparison" },
	{ "load", cmd_load, "HTTP load test: closed or open model, honest latency, SLO gates" },
	{ "merge", cmd_merge, "add the HdrHistogram interval logs of load shards into one summary" },
	{ "profile", cmd_profile, "sample a command or a process: top functions, flame graph, pprof" },
	{ "heap", cmd_heap, "run a command and say who allocates, what leaks, and what the heap's peak was" },
	{ "locks", cmd_locks, "run a command and say which locks its threads wait for, and who holds them" },
	{ "flamegraph", cmd_flamegraph, "folded stacks or perf script text to a flame graph, pprof, speedscope" },
	{ "diff", cmd_diff, "differential flame graph of two profiles: what grew, what shrank" },
	{ "observe", cmd_observe, "USE-method system table (CPU, memory, disk, net, cgroup, GPU), live or recorded" },
	{ "diagnose", cmd_diagnose, "run a command and say what limits it: CPU, I/O, memory, locks, sleep" },
	{ "compare", cmd_compare, "compare two runs, metric by metric, with a verdict; a CI gate" },
	{ "history", cmd_history, "a benchmark's series over time, with change points" },
	{ "model", cmd_model, "fit USL, Amdahl and linear scaling to throughput by concurrency: the peak, predictions" },
	{ "mcp", cmd_mcp, "serve perfeng's commands as tools to AI agents (Model Context Protocol, stdio)" },
	{ "report", cmd_report, "saved runs as one self-contained HTML page, or Markdown for a pull request" },
	{ "runs", cmd_runs, "the results store: list, show, tag, rm" },
	{ "import", cmd_import, "bring hyperfine or perfeng JSON into the results store" },
};

static const struct cmd_struct *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: perfeng [--version] [--help] <command> [<args>]\n\n"
		   "perfeng is a performance engineer's toolkit. Commands:\n\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "    %-12s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'perfeng help <command>' or 'perfeng <command> --help' shows a command's options.\n"
		   "Exit codes: 0 success, 1 a verdict failed, 2 usage error, 3 runtime error, 130 interrupted.\n");
}

int main(int argc, char **argv)
{
	const struct cmd_struct *cmd;

	if (argc < 2) {
		usage(stderr);
		return PE_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return PE_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("perfeng %s\n", perfeng_version);
		return PE_EXIT_OK;
	}
	if (!strcmp(argv[1], "help")) {
		if (argc < 3) {
			usage(stdout);
			return PE_EXIT_OK;
		}
		cmd = find_command(argv[2]);
		if (!cmd)
			return cmd_fail(PE_EXIT_USAGE, "'%s' is not a perfeng command; see 'perfeng --help'", argv[2]);
		char *hargv[] = { argv[2], "--help", NULL };
		return cmd->fn(2, hargv);
	}
	cmd = find_command(argv[1]);
	if (!cmd)
		return cmd_fail(PE_EXIT_USAGE, "'%s' is not a perfeng command; see 'perfeng --help'", argv[1]);
	return cmd->fn(argc - 1, argv + 1);
}
