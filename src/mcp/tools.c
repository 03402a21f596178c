#include "mcp/tools.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/url.h"
#include "util/error.h"
#include "util/xalloc.h"

static const char *const hide_none[] = { NULL };
static const char *const hide_load[] = { "metrics", "requests-file", NULL };
static const char *const hide_diagnose[] = { "rules", "quiet", NULL };
static const char *const hide_observe[] = { "record", "replay", "root", "metrics", NULL };
static const char *const hide_bench[] = { "quiet", NULL };

const struct mcp_tool mcp_tools[] = {
	{ "bench", "Benchmark commands", "bench", NULL, MCP_POS_STRINGS, "commands",
	  "the commands to time, one string each; run without a shell unless 'shell' names one (e.g. \"sh\")",
	  "Time one or more commands over repeated runs, as hyperfine does: mean, median and their "
	  "confidence intervals, per-run CPU, max RSS, faults and context switches, and with two or more "
	  "commands a verdict on each against the first (interleaved runs, ratio of medians, Mann-Whitney). "
	  "Use it to measure a command-line program or to tell whether a change made it faster.",
	  hide_bench, 60, 600, NULL },
	{ "load", "HTTP load test", "load", NULL, MCP_POS_URL, "url",
	  "the http:// or https:// URL; loopback only unless the server was started with --allow-host",
	  "Load-test an HTTP service: closed model (connections) or open model (rate, with latency from "
	  "each request's intended start, so coordinated omission is corrected), latency percentiles from "
	  "HdrHistograms, errors by kind, SLO verdicts. Use it to measure throughput and tail latency of a "
	  "service, find the highest rate that meets an SLO (find-max), or sweep the connections and fit a "
	  "scalability model (sweep: the peak, the knee). Bounded to 5 s unless duration, requests, "
	  "find-max or sweep is given.",
	  hide_load, 30, 300, "duration" },
	{ "profile", "CPU profile", "profile", NULL, MCP_POS_ARGV, "command",
	  "the program and its arguments (run directly, no shell), e.g. [\"./server\", \"--port\", \"0\"]",
	  "Sample a command's (or a process's) stacks with perf_event_open, unprivileged: the top functions "
	  "by self and total time, and a flame graph (SVG, offered as a resource). Use it to find where a "
	  "CPU-bound program spends its time; off-cpu shows where it blocks. Bounded to 10 s unless duration "
	  "is given.",
	  hide_none, 30, 300, "duration" },
	{ "diagnose", "What limits a command", "diagnose", NULL, MCP_POS_ARGV, "command",
	  "the program and its arguments (run directly, no shell)",
	  "Run a command and say what limits it: a thread-time decomposition (on CPU, run queue, I/O, "
	  "locks, sleep, network), a verdict from a documented rules table (cpu-bound, io-bound, "
	  "lock-contention, memory-bound, cpu-starved, off-cpu...) with its evidence and the next step, the "
	  "system's USE summary and the hot functions. Use it first when a program is slow and the cause is "
	  "unknown.",
	  hide_diagnose, 60, 600, NULL },
	{ "heap", "Heap profile", "heap", NULL, MCP_POS_ARGV, "command",
	  "the program and its arguments (run directly, no shell)",
	  "Run a command with perfeng's malloc/new interposer and say where its memory went: allocations, "
	  "frees, bytes, the peak of the heap and when, what leaked and from which function, temporary "
	  "allocations, and the top allocating functions. Use it for memory growth, leaks or allocation "
	  "churn; fail-on leak makes exit_code 1 on any leak.",
	  hide_none, 60, 600, NULL },
	{ "locks", "Lock contention", "locks", NULL, MCP_POS_ARGV, "command",
	  "the program and its arguments (run directly, no shell)",
	  "Run a command with perfeng's pthread lock interposer and say which locks its threads wait for: "
	  "per lock the acquisitions, contended ones, time waited and held, where threads waited and the "
	  "code that held it. Use it when diagnose says lock-contention or threads do not scale.",
	  hide_none, 60, 600, NULL },
	{ "observe", "System USE snapshot", "observe", NULL, MCP_POS_OBSERVE, "interval",
	  "seconds between samples (default 1)",
	  "Read the machine with the USE method: utilization, saturation and errors of CPUs, memory, disks, "
	  "network, file descriptors, filesystems, the cgroup and GPUs over count intervals (default one), "
	  "and of one process with pid. Use it to see which resource is busy or saturated now.",
	  hide_observe, 30, 300, NULL },
	{ "compare", "Compare two runs", "compare", NULL, MCP_POS_TWO, "old",
	  "the baseline: a run id, NAME, NAME@latest~N, NAME@TAG, or a JSON file",
	  "Compare two saved runs (or JSON files) metric by metric: change, 95% confidence interval, "
	  "p-value and a verdict (regressed, improved, unchanged) with a stated false-alarm rate, and "
	  "whether the runs were interleaved or taken under different conditions. Use it to decide whether "
	  "a change made things slower. fail-on regression makes exit_code 1 on a regression.",
	  hide_none, 30, 120, NULL },
	{ "history", "A metric over time", "history", NULL, MCP_POS_ONE, "name",
	  "the saved runs' name",
	  "The series of a metric over the saved runs of a name, with change points (E-divisive means, "
	  "calibrated to find none in a flat noisy series). Use it to find when a benchmark got slower.",
	  hide_none, 30, 120, NULL },
	{ "runs_list", "List saved runs", "runs", "list", MCP_POS_ONE, "name",
	  "only the runs of this name (optional)",
	  "List the runs in the results store (id, kind, name, when, headline metric), newest first. Each "
	  "is also a resource perfeng://runs/{id}.",
	  hide_none, 30, 60, NULL },
	{ "run_show", "Show a saved run", "runs", "show", MCP_POS_ONE, "run",
	  "a run id, NAME (its latest run), NAME@latest~N or NAME@TAG",
	  "One saved run in full: its host, git state, tags and every metric with its samples.",
	  hide_none, 30, 60, NULL },
	{ "report", "Report of saved runs", "report", NULL, MCP_POS_STRINGS, "runs",
	  "the runs: ids, NAME (its latest run), NAME@latest~N, NAME@TAG",
	  "Saved runs as a report: the result holds it as Markdown (tables, the bench comparison, the "
	  "profile's top functions), and with output the self-contained HTML page (charts, flame graphs) is "
	  "written to that file.",
	  hide_none, 30, 120, NULL },
	{ "model", "Scalability model", "model", NULL, MCP_POS_ONE, "file",
	  "a CSV file of concurrency,throughput[,latency] points",
	  "Fit the Universal Scalability Law, Amdahl's law and linear scaling to throughput measured at "
	  "several concurrencies: parameters with standard errors, the model the data supports, the peak "
	  "concurrency and throughput, predictions, and a Little's law check. Use it for capacity planning.",
	  hide_none, 30, 60, NULL },
};

const size_t mcp_ntools = sizeof(mcp_tools) / sizeof(mcp_tools[0]);

const struct mcp_tool *mcp_tool_find(const char *name)
{
	for (size_t i = 0; i < mcp_ntools; i++)
		if (!strcmp(mcp_tools[i].name, name))
			return &mcp_tools[i];
	return NULL;
}

/* Whether an option of the command's table is offered by the tool. */
static int tools__offered(const struct mcp_tool *t, const char *lname)
{
	if (!*lname || !strcmp(lname, "json") || !strcmp(lname, "help"))
		return 0;
	for (const char *const *h = t->hidden; *h; h++)
		if (!strcmp(*h, lname))
			return 0;
	return 1;
}

/* The JSON Schema of one option. */
static json_t *tools__option_schema(const json_t *o)
{
	const char *type = json_string_value(json_object_get(o, "type"));
	const char *arg = json_string_value(json_object_get(o, "arg"));
	const char *help = json_string_value(json_object_get(o, "help"));
	int nargs = (int)json_integer_value(json_object_get(o, "nargs"));
	char desc[512];
	json_t *s;

	snprintf(desc, sizeof(desc), "%s (perfeng's --%s%s%s)", help ? help : "",
		 json_string_value(json_object_get(o, "long")), arg && *arg ? " " : "", arg ? arg : "");
	if (!strcmp(type, "flag"))
		s = json_pack("{ss}", "type", "boolean");
	else if (!strcmp(type, "uint"))
		s = json_pack("{sssi}", "type", "integer", "minimum", 0);
	else if (!strcmp(type, "list"))
		s = json_pack("{sss{ss}}", "type", "array", "items", "type", "string");
	else if (!strcmp(type, "callback") && nargs > 1)
		s = json_pack("{sss{ss}sisi}", "type", "array", "items", "type", "string", "minItems", nargs,
			      "maxItems", nargs);
	else
		s = json_pack("{ss}", "type", "string");	/* string, duration, size, percent: as on the command line */
	json_object_set_new(s, "description", json_string(desc));
	return s;
}

static json_t *tools__positional_schema(const struct mcp_tool *t, json_t *props, json_t *required)
{
	json_t *strings = json_pack("{sss{ss}si}", "type", "array", "items", "type", "string", "minItems", 1);

	switch (t->pos) {
	case MCP_POS_STRINGS:
	case MCP_POS_ARGV:
		json_object_set_new(strings, "description", json_string(t->pos_help));
		json_object_set_new(props, t->pos_name, strings);
		json_array_append_new(required, json_string(t->pos_name));
		return props;
	case MCP_POS_URL:
	case MCP_POS_ONE:
		json_object_set_new(props, t->pos_name, json_pack("{ssss}", "type", "string", "description", t->pos_help));
		if (!t->verb || strcmp(t->verb, "list"))
			json_array_append_new(required, json_string(t->pos_name));
		break;
	case MCP_POS_TWO:
		json_object_set_new(props, "old", json_pack("{ssss}", "type", "string", "description", t->pos_help));
		json_object_set_new(props, "new", json_pack("{ssss}", "type", "string", "description",
							    "the run to judge, in the same forms as old"));
		json_array_append_new(required, json_string("old"));
		json_array_append_new(required, json_string("new"));
		break;
	case MCP_POS_OBSERVE:
		json_object_set_new(props, "interval", json_pack("{ssss}", "type", "string", "description", t->pos_help));
		json_object_set_new(props, "count", json_pack("{sssisiss}", "type", "integer", "minimum", 1, "maximum",
							      60, "description", "intervals to observe (default 1)"));
		break;
	case MCP_POS_NONE:
		break;
	}
	json_decref(strings);
	return props;
}

json_t *mcp_tool_describe(const struct mcp_tool *t, const json_t *help)
{
	json_t *opts = json_object_get(help, "options"), *props, *required, *o, *tool;
	size_t i;
	char bound[160];

	if (!json_is_array(opts))
		return pe_error("'perfeng %s --help=json' gave no option table", t->command), NULL;
	props = json_object();
	required = json_array();
	json_array_foreach(opts, i, o) {
		const char *lname = json_string_value(json_object_get(o, "long"));

		if (lname && tools__offered(t, lname))
			json_object_set_new(props, lname, tools__option_schema(o));
	}
	tools__positional_schema(t, props, required);
	snprintf(bound, sizeof(bound), "stop the command (as Ctrl-C does: what was measured is kept) after this "
		 "many seconds (default %llu, at most %llu)", (unsigned long long)t->default_limit_s,
		 (unsigned long long)t->max_limit_s);
	json_object_set_new(props, "max_seconds", json_pack("{sssisIss}", "type", "integer", "minimum", 1, "maximum",
							    (json_int_t)t->max_limit_s, "description", bound));
	tool = json_pack("{ssssss}", "name", t->name, "title", t->title, "description", t->description);
	json_object_set_new(tool, "inputSchema", json_pack("{sssoso sb}", "type", "object", "properties", props,
							   "required", required, "additionalProperties", 0));
	json_object_set_new(tool, "outputSchema", json_pack(
		"{sss{s{ssss}s{ss}s{ssss}s{ssss}s{ssss}s{ssss}s{ssss}}s[ss]}", "type", "object", "properties",
		"exit_code", "type", "integer", "description",
		"the command's exit code: 0 done, 1 a verdict failed (SLO, regression), 130 stopped at max_seconds",
		"result", "description", "the command's --json output (JSON Lines become an array)",
		"stderr", "type", "string", "description", "the command's warnings (the end of its standard error)",
		"command_line", "type", "string", "description", "the perfeng command line that was run",
		"stopped", "type", "string", "description", "set when max_seconds stopped the command",
		"workload_output", "type", "string", "description",
		"profile, diagnose: what the program wrote to its standard output (its last 4 KiB)",
		"flamegraph", "type", "string", "description", "profile: the resource URI of the flame graph SVG",
		"required", "exit_code", "command_line"));
	return tool;
}

/* Appends s (copied) to the call's argv. */
static void tools__push(struct mcp_call *c, const char *s)
{
	c->argv = xrealloc(c->argv, (c->argc + 2) * sizeof(*c->argv));
	c->argv[c->argc++] = xstrdup(s);
	c->argv[c->argc] = NULL;
}

static void tools__push_flag(struct mcp_call *c, const char *name)
{
	size_t n = strlen(name) + 3;
	char *s = xmalloc(n);

	snprintf(s, n, "--%s", name);
	tools__push(c, s);
	free(s);
}

static void tools__push_opt(struct mcp_call *c, const char *name, const char *value)
{
	size_t n = strlen(name) + strlen(value) + 4;
	char *s = xmalloc(n);

	snprintf(s, n, "--%s=%s", name, value);
	tools__push(c, s);
	free(s);
}

/* One argument as its option(s); -1 with pe_error() when its type is wrong. */
static int tools__option_argv(struct mcp_call *c, const json_t *o, const char *key, const json_t *v)
{
	const char *type = json_string_value(json_object_get(o, "type"));
	int nargs = (int)json_integer_value(json_object_get(o, "nargs"));
	char num[32];
	size_t i;
	const json_t *e;

	if (!strcmp(type, "flag")) {
		if (!json_is_boolean(v))
			return pe_error("argument '%s' must be true or false", key);
		if (json_is_true(v))
			tools__push_flag(c, key);
		return 0;
	}
	if (!strcmp(type, "uint")) {
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return pe_error("argument '%s' must be a whole number >= 0", key);
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		tools__push_opt(c, key, num);
		return 0;
	}
	if (!strcmp(type, "list") || (!strcmp(type, "callback") && nargs > 1)) {
		if (!json_is_array(v) || (nargs > 1 && json_array_size(v) != (size_t)nargs))
			return nargs > 1 ? pe_error("argument '%s' must be an array of %d strings", key, nargs)
					 : pe_error("argument '%s' must be an array of strings", key);
		if (nargs > 1)
			tools__push_flag(c, key);
		json_array_foreach(v, i, e) {
			if (!json_is_string(e))
				return pe_error("argument '%s' must be an array of strings", key);
			if (nargs > 1)
				tools__push(c, json_string_value(e));
			else
				tools__push_opt(c, key, json_string_value(e));
		}
		return 0;
	}
	if (json_is_integer(v) || json_is_real(v)) {	/* "duration": 10 reads as 10 s, as on the command line */
		snprintf(num, sizeof(num), "%.17g", json_number_value(v));
		tools__push_opt(c, key, num);
		return 0;
	}
	if (!json_is_string(v))
		return pe_error("argument '%s' must be a string", key);
	tools__push_opt(c, key, json_string_value(v));
	return 0;
}

static const json_t *tools__find_option(const json_t *help, const char *key)
{
	const json_t *o;
	size_t i;

	json_array_foreach(json_object_get(help, "options"), i, o) {
		const char *l = json_string_value(json_object_get(o, "long"));

		if (l && !strcmp(l, key))
			return o;
	}
	return NULL;
}

static int tools__is_positional(const struct mcp_tool *t, const char *key)
{
	if (t->pos == MCP_POS_TWO)
		return !strcmp(key, "old") || !strcmp(key, "new");
	if (t->pos == MCP_POS_OBSERVE)
		return !strcmp(key, "interval") || !strcmp(key, "count");
	return t->pos != MCP_POS_NONE && !strcmp(key, t->pos_name);
}

/* The positional arguments, last on the command line. */
static int tools__positional_argv(const struct mcp_tool *t, const json_t *args, struct mcp_call *c)
{
	const json_t *v = json_object_get(args, t->pos_name), *e;
	size_t i;
	char num[32];

	switch (t->pos) {
	case MCP_POS_STRINGS:
	case MCP_POS_ARGV:
		if (!json_is_array(v) || !json_array_size(v))
			return pe_error("argument '%s' is required: an array of one or more strings", t->pos_name);
		if (t->pos == MCP_POS_ARGV)
			tools__push(c, "--");
		json_array_foreach(v, i, e) {
			if (!json_is_string(e))
				return pe_error("argument '%s' must be an array of strings", t->pos_name);
			if (t->pos == MCP_POS_STRINGS && !*json_string_value(e))
				return pe_error("argument '%s': an empty command", t->pos_name);
			tools__push(c, json_string_value(e));
		}
		return 0;
	case MCP_POS_URL:
	case MCP_POS_ONE:
		if (!v && t->verb && !strcmp(t->verb, "list"))
			return 0;
		if (!json_is_string(v) || !*json_string_value(v))
			return pe_error("argument '%s' is required: a string", t->pos_name);
		tools__push(c, json_string_value(v));
		if (t->pos == MCP_POS_URL)
			c->url = json_string_value(v);
		return 0;
	case MCP_POS_TWO:
		for (int k = 0; k < 2; k++) {
			v = json_object_get(args, k ? "new" : "old");
			if (!json_is_string(v) || !*json_string_value(v))
				return pe_error("argument '%s' is required: a string", k ? "new" : "old");
			tools__push(c, json_string_value(v));
		}
		return 0;
	case MCP_POS_OBSERVE:
		v = json_object_get(args, "interval");
		if (v && !json_is_string(v) && !json_is_number(v))
			return pe_error("argument 'interval' must be a string or a number of seconds");
		if (json_is_string(v))
			tools__push(c, json_string_value(v));
		else {
			snprintf(num, sizeof(num), "%.17g", v ? json_number_value(v) : 1.0);
			tools__push(c, num);
		}
		v = json_object_get(args, "count");
		if (v && (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 60))
			return pe_error("argument 'count' must be a whole number from 1 to 60");
		snprintf(num, sizeof(num), "%lld", v ? (long long)json_integer_value(v) : 1LL);
		tools__push(c, num);
		return 0;
	case MCP_POS_NONE:
		return 0;
	}
	return 0;
}

int mcp_tool_argv(const struct mcp_tool *t, const json_t *help, const json_t *arguments, const char *self,
		  struct mcp_call *call)
{
	const char *key;
	const json_t *v, *ms;

	memset(call, 0, sizeof(*call));
	if (arguments && !json_is_object(arguments))
		return pe_error("the arguments must be an object");
	tools__push(call, self);
	tools__push(call, t->command);
	if (t->verb)
		tools__push(call, t->verb);
	tools__push(call, "--json");
	call->limit_s = t->default_limit_s;
	ms = json_object_get(arguments, "max_seconds");
	if (ms) {
		if (!json_is_integer(ms) || json_integer_value(ms) < 1 || (uint64_t)json_integer_value(ms) > t->max_limit_s)
			return pe_error("argument 'max_seconds' must be a whole number from 1 to %llu",
					(unsigned long long)t->max_limit_s);
		call->limit_s = (uint64_t)json_integer_value(ms);
	}
	json_object_foreach((json_t *)arguments, key, v) {
		const json_t *o;

		if (!strcmp(key, "max_seconds") || tools__is_positional(t, key))
			continue;
		o = tools__find_option(help, key);
		if (!o || !tools__offered(t, key))
			return pe_error("tool %s has no argument '%s'", t->name, key);
		if (!strcmp(key, "shell"))
			call->wants_shell = 1;
		if (tools__option_argv(call, o, key, v) < 0)
			return -1;
	}
	if (!strcmp(t->name, "bench") && !call->wants_shell)
		tools__push(call, "-N");
	if (t->bound_option && !json_object_get(arguments, t->bound_option) &&
	    !(t->pos == MCP_POS_URL && json_object_get(arguments, "requests")) &&
	    !(t->pos == MCP_POS_URL && (json_object_get(arguments, "find-max") || json_object_get(arguments, "sweep") ||
					 json_object_get(arguments, "sweep-rates"))))
		tools__push_opt(call, t->bound_option, t->pos == MCP_POS_URL ? "5s" : "10s");
	return tools__positional_argv(t, arguments, call);
}

void mcp_call_release(struct mcp_call *call)
{
	for (size_t i = 0; i < call->argc; i++)
		free(call->argv[i]);
	free(call->argv);
	memset(call, 0, sizeof(*call));
}

int mcp_url_allowed(const char *url, const char *const *allowed, size_t n)
{
	struct http_url u;	/* load's own parser: the host checked is the host load connects to */
	size_t len;

	if (http_url_parse(url, &u) < 0)
		return -1;
	len = strlen(u.host);
	if (!strcasecmp(u.host, "localhost") || !strcmp(u.host, "::1"))
		return 1;
	if (!strncmp(u.host, "127.", 4) && strspn(u.host, "0123456789.") == len)
		return 1;
	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(u.host, allowed[i]))
			return 1;
	return 0;
}
