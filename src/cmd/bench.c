/*
 * perfeng bench: benchmark commands. Parses the options (hyperfine's names
 * where hyperfine has them) into struct bench_args, has the engine make the
 * list of benchmarks (runner/bench_plan.c) and run it (runner/bench.c), and
 * renders the report (out/bench_report.c) to the terminal, the export files
 * and the store. cmd_bench reads as those steps, one function each.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "out/bench_report.h"
#include "out/progress.h"
#include "runner/bench.h"
#include "runner/bench_plan.h"
#include "store/import_json.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/options.h"
#include "util/stop.h"
#include "util/units.h"
#include "util/xalloc.h"

#define SHELL_CALIBRATION_RUNS 50	/* as hyperfine */
#define FAST_COMMAND_S 0.005

static const char bench_usage[] = "perfeng bench [options] <command>...";

/* The options as given, and what parsing made of them; release_args frees it. */
struct bench_args {
	struct bench_opts o;
	uint64_t warmup, runs, min_runs, max_runs;
	int runs_set, min_runs_set, min_time_set;
	struct string_list names, hooks[BENCH_HOOK_KINDS];
	struct string_list lists;	/* -L: name, values, name, values, ... */
	const char *scan[3];		/* -P VAR MIN MAX */
	const char *step;		/* -D */
	struct bench_param_values *params;	/* -P's first, then -L's */
	size_t nparams;
	const char *input, *output, *shell, *time_unit, *sort, *reference, *style;
	const char *export_json, *export_csv, *export_md, *export_adoc, *export_org;
	const char *save, *store;
	struct string_list tags;
	double noise;
	int ignore_failure, interleave, no_interleave, quiet, json, no_counters, no_shell, show_output;
	char **cmds;			/* the positional commands, in argv */
	int ncmds;
};

/* --- options ---------------------------------------------------------------- */

static int cb_scan(const struct option *opt, const char **a)
{
	struct bench_args *b = opt->value;

	if (b->scan[0])
		return pe_error("can be given only once");
	memcpy(b->scan, a, sizeof(b->scan));
	return 0;
}

static int cb_list(const struct option *opt, const char **a)
{
	struct bench_args *b = opt->value;

	string_list_add(&b->lists, a[0]);
	string_list_add(&b->lists, a[1]);
	return 0;
}

/* -r 0 must be refused, not taken for "no -r" (the automatic mode). */
static int cb_runs(const struct option *opt, const char **a)
{
	struct bench_args *b = opt->value;

	b->runs_set = 1;
	return parse_uint(a[0], &b->runs);
}

static int cb_min_time(const struct option *opt, const char **a)
{
	struct bench_args *b = opt->value;

	b->min_time_set = 1;
	return parse_duration_ns(a[0], &b->o.min_time_ns);
}

static int cb_min_runs(const struct option *opt, const char **a)
{
	struct bench_args *b = opt->value;

	b->min_runs_set = 1;
	return parse_uint(a[0], &b->min_runs);
}

/* -P and the -L's into b->params, the scanned parameter first, as it varies slowest. */
static int expand_params(struct bench_args *b)
{
	size_t nl = b->lists.n / 2;

	if (b->step && !b->scan[0])
		return pe_error("--parameter-step-size needs --parameter-scan");
	b->params = xcalloc(nl + 1, sizeof(*b->params));
	if (b->scan[0] && bench_param_scan(&b->params[b->nparams++], b->scan[0], b->scan[1],
					   b->scan[2], b->step) < 0)
		return -1;
	for (size_t i = 0; i < nl; i++)
		if (bench_param_list(&b->params[b->nparams++], b->lists.v[2 * i], b->lists.v[2 * i + 1]) < 0)
			return -1;
	return 0;
}

static int validate(struct bench_args *b)
{
	if (b->runs_set && b->runs < 1)
		return pe_error("--runs must be at least 1");
	if (b->runs && (b->min_runs_set || b->max_runs))
		return pe_error("--runs cannot be combined with --min-runs or --max-runs");
	if (b->runs && b->o.precision > 0)
		return pe_error("--runs cannot be combined with --precision");
	if (b->min_time_set && (b->runs || b->o.precision > 0))
		return pe_error("--min-benchmarking-time cannot be combined with %s",
				b->runs ? "--runs" : "--precision");
	if (b->show_output && b->output && strcmp(b->output, "inherit"))
		return pe_error("--show-output is --output inherit; it cannot be combined with --output %s",
				b->output);
	if (b->json && b->style && !strcmp(b->style, "none"))
		return pe_error("--style none prints nothing and --json prints the JSON; choose one");
	if (b->min_runs_set && b->min_runs < 1)
		return pe_error("--min-runs must be at least 1");
	if (b->max_runs && b->max_runs < (b->min_runs_set ? b->min_runs : 1))
		return pe_error("--max-runs %llu is below --min-runs %llu",
				(unsigned long long)b->max_runs, (unsigned long long)b->min_runs);
	if (b->o.precision < 0 || b->o.precision >= 1)
		return pe_error("--precision must be between 0%% and 100%%");
	if (b->noise < 0 || b->noise >= 1)
		return pe_error("--noise must be between 0%% and 100%%");
	if (b->interleave && b->no_interleave)
		return pe_error("--interleave and --no-interleave go separately");
	if (b->warmup > 100000)
		return pe_error("--warmup %llu is too many", (unsigned long long)b->warmup);
	if (b->sort && strcmp(b->sort, "auto") && strcmp(b->sort, "command") &&
	    strcmp(b->sort, "mean-time"))
		return pe_error("--sort: '%s' is not one of auto, command, mean-time", b->sort);
	return 0;
}

static void release_args(struct bench_args *b)
{
	for (size_t p = 0; p < b->nparams; p++)
		bench_param_values_release(&b->params[p]);
	free(b->params);
	free(b->names.v);
	for (int h = 0; h < BENCH_HOOK_KINDS; h++)
		free(b->hooks[h].v);
	free(b->lists.v);
	free(b->tags.v);
	if (b->o.stdin_fd >= 0)
		close(b->o.stdin_fd);
	if (b->o.stdout_fd >= 0)
		close(b->o.stdout_fd);
}

/* --- --style ------------------------------------------------------------------ */

/* What --style turns on: hyperfine's five styles, and auto. */
struct style {
	int progress;		/* 1: always, 0: never, -1: when stderr is a terminal */
	int color;		/* 1: always, 0: never, -1: by the terminal and NO_COLOR */
	int silent;		/* none: no text, no progress, no notes */
};

static int parse_style(const char *s, struct style *st)
{
	static const struct {
		const char *name;
		struct style st;
	} styles[] = {
		{ "auto", { -1, -1, 0 } },
		{ "basic", { 0, 0, 0 } },
		{ "full", { 1, 1, 0 } },
		{ "nocolor", { 1, 0, 0 } },
		{ "color", { 0, 1, 0 } },
		{ "none", { 0, 0, 1 } },
	};

	for (size_t i = 0; i < ARRAY_SIZE(styles); i++) {
		if (!strcmp(s ? s : "auto", styles[i].name)) {
			*st = styles[i].st;
			return 0;
		}
	}
	return pe_error("--style: '%s' is not one of auto, basic, full, nocolor, color, none", s);
}

/*
 * Parses and checks the options into b, b->cmds the positional commands.
 * Returns 0, OPT_HELP when --help was printed, or -1 with pe_error() set
 * for a usage error. b->o is the engine's, from the options.
 */
static int bench_parse(struct bench_args *b, struct style *style, enum time_unit *unit,
		       int argc, char **argv)
{
	struct option opts[] = {
		OPT_GROUP("Runs:"),
		OPT_UINT('w', "warmup", &b->warmup, "<N>", "run each command N times before measuring (default 0)"),
		OPT_CALLBACK('r', "runs", b, "<N>", "exactly N runs per command (default: at least 10 and 3 s)", cb_runs, 1),
		OPT_CALLBACK('m', "min-runs", b, "<N>", "at least N runs (default 10)", cb_min_runs, 1),
		OPT_CALLBACK(0, "min-benchmarking-time", b, "<SECS>", "without -r: at least SECS of timing runs (default 3)", cb_min_time, 1),
		OPT_UINT('M', "max-runs", &b->max_runs, "<N>", "at most N runs (default: no limit)"),
		OPT_PERCENT(0, "precision", &b->o.precision, "<P>", "run until the median's 95% CI is within ±P (e.g. 1%)"),
		OPT_DURATION(0, "time-budget", &b->o.time_budget_ns, "<DUR>", "stop each command after DUR of runs (default 60s with --precision)"),
		OPT_DURATION(0, "timeout", &b->o.timeout_ns, "<DUR>", "kill a run (its process group) after DUR; it fails"),
		OPT_FLAG('i', "ignore-failure", &b->ignore_failure, "keep runs that exit non-zero, are killed or time out"),
		OPT_FLAG(0, "interleave", &b->interleave, "run the commands in alternation, to cancel drift (the default)"),
		OPT_FLAG(0, "no-interleave", &b->no_interleave, "run each command's runs one after the other"),
		OPT_GROUP("Commands:"),
		OPT_STRING('S', "shell", &b->shell, "<SHELL>", "run commands through SHELL -c, its start-up subtracted (default: sh; none: no shell)"),
		OPT_FLAG('N', NULL, &b->no_shell, "no shell: split each command into words and exec it (--shell=none)"),
		OPT_LIST('n', "command-name", &b->names, "<NAME>", "name for the next command (repeatable)"),
		OPT_LIST('s', "setup", &b->hooks[BENCH_SETUP], "<CMD>", "run CMD once before the runs of each command"),
		OPT_LIST('p', "prepare", &b->hooks[BENCH_PREPARE], "<CMD>", "run CMD before each run"),
		OPT_LIST(0, "conclude", &b->hooks[BENCH_CONCLUDE], "<CMD>", "run CMD after each run"),
		OPT_LIST('c', "cleanup", &b->hooks[BENCH_CLEANUP], "<CMD>", "run CMD once after the runs of each command"),
		OPT_CALLBACK('P', "parameter-scan", b, "<VAR> <MIN> <MAX>", "benchmark for VAR = MIN..MAX, as {VAR} in commands", cb_scan, 3),
		OPT_STRING('D', "parameter-step-size", &b->step, "<STEP>", "step of --parameter-scan (default 1)"),
		OPT_CALLBACK('L', "parameter-list", b, "<VAR> <A,B,...>", "benchmark for each value of VAR (repeatable)", cb_list, 2),
		OPT_STRING(0, "input", &b->input, "<FILE|null>", "standard input of the commands (default null)"),
		OPT_STRING(0, "output", &b->output, "<WHERE>", "their standard output: null (default), pipe, inherit, or a file"),
		OPT_FLAG(0, "show-output", &b->show_output, "their standard output and error go to perfeng's (--output inherit)"),
		OPT_FLAG(0, "no-counters", &b->no_counters, "do not open perf counters on the commands"),
		OPT_GROUP("Comparison:"),
		OPT_STRING(0, "reference", &b->reference, "<CMD>", "benchmark CMD first and compare the others with it (default: the fastest)"),
		OPT_PERCENT(0, "noise", &b->noise, "<P>", "differences within ±P are not called (default 1%)"),
		OPT_GROUP("Output:"),
		OPT_STRING('u', "time-unit", &b->time_unit, "<UNIT>", "second, millisecond, microsecond or nanosecond (default: per value)"),
		OPT_STRING(0, "sort", &b->sort, "<ORDER>", "auto (default), command, or mean-time"),
		OPT_STRING(0, "export-json", &b->export_json, "<FILE>", "write the results as JSON (hyperfine's, with perfeng's additions)"),
		OPT_STRING(0, "export-csv", &b->export_csv, "<FILE>", "write the summary as CSV"),
		OPT_STRING(0, "export-markdown", &b->export_md, "<FILE>", "write the comparison as a Markdown table"),
		OPT_STRING(0, "export-asciidoc", &b->export_adoc, "<FILE>", "write the comparison as an AsciiDoc table"),
		OPT_STRING(0, "export-orgmode", &b->export_org, "<FILE>", "write the comparison as an Emacs org-mode table"),
		OPT_FLAG(0, "json", &b->json, "print the JSON to standard output instead of the text"),
		OPT_FLAG('q', "quiet", &b->quiet, "no progress bar and no notes on standard error"),
		OPT_STRING(0, "style", &b->style, "<STYLE>", "auto (default), basic, full, nocolor, color, or none (no output but errors)"),
		OPT_GROUP("Results store:"),
		OPT_STRING(0, "save", &b->save, "<NAME>", "save the results as runs named NAME (NAME/<command> for several)"),
		OPT_LIST(0, "tag", &b->tags, "<TAG>", "tag the saved runs (repeatable)"),
		OPT_STRING(0, "store", &b->store, "<PATH|URL>", "the results store (default $PERFENG_STORE or ~/.local/share/perfeng/results.db)"),
		OPT_END(),
	};

	memset(b, 0, sizeof(*b));
	b->noise = 0.01;
	bench_opts_init(&b->o);
	switch (options_parse(argc, argv, opts, &b->ncmds)) {
	case OPT_HELP:
		options_usage(stdout, bench_usage, opts);
		cmd_usage_env(stdout, CMD_ENV_STORE);
		return OPT_HELP;
	case 0:
		break;
	default:
		return -1;
	}
	b->cmds = argv;
	if (expand_params(b) < 0 || validate(b) < 0 || parse_style(b->style, style) < 0)
		return -1;
	if (!b->ncmds && !b->reference)
		return pe_error("no command to benchmark");
	if (b->time_unit && parse_time_unit(b->time_unit, unit) < 0)
		return -1;
	if (b->show_output)
		b->output = "inherit";
	/* a shell by default, as hyperfine: pipes and && work; -N for none */
	if (b->no_shell || (b->shell && !strcmp(b->shell, "none")))
		b->shell = NULL;
	else if (!b->shell || !strcmp(b->shell, "default"))
		b->shell = "sh";
	return 0;
}

/* The engine's options from the parsed ones. */
static void bench_engine_opts(struct bench_args *b)
{
	b->o.warmup = (unsigned)b->warmup;
	b->o.runs = b->runs;
	if (b->min_runs_set)
		b->o.min_runs = b->min_runs;
	else if (b->max_runs && b->max_runs < b->o.min_runs)
		b->o.min_runs = b->max_runs;
	b->o.max_runs = b->max_runs;
	b->o.ignore_failure = b->ignore_failure;
	/*
	 * In alternation unless told otherwise: back to back, 7 of 10 identical
	 * pairs differed beyond the 1% band on a busy machine, and 0 of 10 in
	 * alternation (bench/calibrate.sh, docs/bench.md).
	 */
	b->o.interleave = !b->no_interleave;
	if (b->o.precision > 0 && !b->o.time_budget_ns)
		b->o.time_budget_ns = 60 * 1000000000ULL;
}

/* The benchmarks: the --reference first, then every positional command with every parameter value. */
static int bench_build(struct bench_args *b, struct bench_command **cmds, size_t *n)
{
	const char **cv = xcalloc((size_t)b->ncmds + 1, sizeof(*cv));
	struct bench_plan plan = {
		.cmds = cv,
		.ncmds = (size_t)b->ncmds + !!b->reference,
		.reference = b->reference != NULL,
		.names = b->names.v,
		.nnames = b->names.n,
		.params = b->params,
		.nparams = b->nparams,
		.shell = b->shell,
	};
	int rc;

	if (b->reference)
		cv[0] = b->reference;
	memcpy(cv + !!b->reference, b->cmds, (size_t)b->ncmds * sizeof(*cv));
	for (int h = 0; h < BENCH_HOOK_KINDS; h++) {
		plan.hooks[h] = b->hooks[h].v;
		plan.nhooks[h] = b->hooks[h].n;
	}
	rc = bench_plan_build(&plan, cmds, n);
	free(cv);
	return rc;
}

/* --- progress ------------------------------------------------------------- */

struct progress_ctx {
	struct progress bar;
	double *sum;		/* per command: sum of wall times so far */
	size_t *counted;
	enum time_unit unit;
};

static void on_progress(void *ctx, const struct bench_command *c, size_t index, size_t expected)
{
	struct progress_ctx *p = ctx;
	char label[64];
	double mean, eta;

	while (p->counted[index] < c->nruns)
		p->sum[index] += c->runs[p->counted[index]++].wall;
	if (!p->bar.enabled || !c->nruns)
		return;
	mean = p->sum[index] / (double)c->nruns;
	eta = expected > c->nruns ? c->elapsed / (double)c->nruns * (double)(expected - c->nruns) : 0;
	snprintf(label, sizeof(label), "Benchmark %zu", index + 1);
	progress_update(&p->bar, label, c->nruns, expected, mean, eta, p->unit);
}

static int parse_output(struct bench_args *b)
{
	const char *s = b->output;

	if (!s || !strcmp(s, "null")) {
		b->o.output = RUN_OUT_NULL;
	} else if (!strcmp(s, "pipe")) {
		b->o.output = RUN_OUT_PIPE;
	} else if (!strcmp(s, "inherit")) {
		b->o.output = RUN_OUT_INHERIT;
	} else {
		int fd = open(s, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fd < 0)
			return pe_error("--output: cannot write '%s': %s", s, strerror(errno));
		b->o.output = RUN_OUT_FD;
		b->o.stdout_fd = fd;
	}
	return 0;
}

static int parse_input(struct bench_args *b)
{
	if (!b->input || !strcmp(b->input, "null"))
		return 0;
	b->o.stdin_fd = open(b->input, O_RDONLY | O_CLOEXEC);
	if (b->o.stdin_fd < 0)
		return pe_error("--input: cannot read '%s': %s", b->input, strerror(errno));
	return 0;
}

/* An export file: opened before measuring, written at the end. */
struct export {
	const char *path, *opt;
	int (*write)(FILE *f, const struct bench_report *r);
	FILE *f;
	int created;		/* it did not exist: remove it if nothing is written */
};

/*
 * Opens an export file before measuring, so a bad path fails in a second, not
 * after an hour. It is not emptied yet: a benchmark that fails must not
 * destroy the results an earlier one left there (export_write empties it).
 */
static int export_open(struct export *e)
{
	int fd = open(e->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	int err;

	e->created = fd >= 0;
	if (fd < 0 && errno == EEXIST) {
		fd = open(e->path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT)	/* a dangling symbolic link */
			fd = open(e->path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	}
	err = errno;
	if (fd >= 0 && !(e->f = fdopen(fd, "w"))) {
		err = errno;
		close(fd);
	}
	if (!e->f) {
		if (e->created)
			unlink(e->path);
		e->created = 0;
		return pe_error("%s: cannot write '%s': %s", e->opt, e->path, strerror(err));
	}
	return 0;
}

static int export_write(struct export *e, const struct bench_report *r)
{
	struct stat st;

	e->created = 0;		/* written: keep it, even if the write fails half-way */
	if (!fstat(fileno(e->f), &st) && S_ISREG(st.st_mode) && ftruncate(fileno(e->f), 0) < 0)
		return pe_error("cannot empty it: %s", strerror(errno));
	return e->write(e->f, r);
}

/* --- warnings ---------------------------------------------------------------- */

static void warn_about(const struct bench_report *r, size_t i)
{
	const struct summary *w = &r->wall[i];
	const struct bench_command *c = &r->cmds[i];
	size_t failed = 0;

	if (!c->nruns)
		return;
	if (w->max_abs_z > OUTLIER_Z_SEVERE)
		cmd_warn("'%s': severe outliers (a run %.0f MADs from the median); they are kept and "
			 "move the mean. Another program or a cold cache may be the cause: try a quiet "
			 "machine, --warmup, or --interleave.", c->name, w->max_abs_z / 0.6745);
	if (w->mean < FAST_COMMAND_S)
		cmd_warn("'%s' takes less than 5 ms: process start-up and timer resolution weigh on "
			 "the result; prefer a longer workload for small differences%s.", c->name,
			 r->shell ? ", or -N to leave out the shell, whose start-up varies from run to run" : "");
	for (size_t k = 0; k < c->nruns; k++)
		failed += c->runs[k].exit_code != 0;
	if (failed)
		cmd_warn("'%s': %zu of %zu runs failed (non-zero exit, signal or timeout); they are "
			 "counted because of --ignore-failure.", c->name, failed, c->nruns);
}

static void show_failure(const struct bench_failure *f, const char *shell)
{
	const struct run_result *r = &f->res;
	int shell_code = shell && r->status == RUN_EXITED && (r->exit_code == 126 || r->exit_code == 127);

	if (r->err_len) {
		fprintf(stderr, "perfeng: its standard error%s:\n", r->err_len >= RUN_ERR_TAIL ?
			" (last 4 KiB)" : "");
		fwrite(r->err_tail, 1, r->err_len, stderr);
		if (r->err_tail[r->err_len - 1] != '\n')
			fputc('\n', stderr);
	}
	if (shell_code)
		fprintf(stderr, "perfeng: %d is the shell's code for a command %s.\n", r->exit_code,
			r->exit_code == 127 ? "not found" : "that cannot be executed");
	/* not for a command that could not start: -i would not help */
	if ((!strcmp(f->what, "benchmark") || !strcmp(f->what, "warmup")) && !shell_code &&
	    (r->status != RUN_EXITED || r->exit_code != 0))
		fprintf(stderr, "perfeng: use -i/--ignore-failure to benchmark it anyway.\n");
}

/* --save: the runs as the JSON export describes them, through the importer. */
static int save_results(struct store *st, const struct bench_report *rep, const struct bench_args *b)
{
	json_t *doc = out_bench_json_doc(rep);
	struct store_run *runs;
	size_t n;
	int rc = import_json_doc(doc, "the benchmark", b->save, &runs, &n);

	json_decref(doc);
	if (rc < 0)
		return -1;
	for (size_t i = 0; i < n && !rc; i++) {
		for (size_t t = 0; t < b->tags.n; t++)
			store_run_add_tag(&runs[i], b->tags.v[t]);
		rc = store_save(st, &runs[i]);
		if (!rc && !b->quiet)
			cmd_say_saved(st, (long long)runs[i].id, runs[i].name);
	}
	store_runs_free(runs, n);
	return rc;
}

/* What a benchmark holds between its steps; bench_close releases it. */
struct bench_session {
	struct bench_command *cmds;
	size_t n;
	struct style style;
	enum time_unit unit;
	struct export ex[5];
	int nex;			/* export files asked for */
	struct store *st;		/* --save's store, opened before measuring */
	struct env_info env;
	struct counters ctrs;
	struct progress_ctx pctx;
	struct bench_report rep;
	char *invocation;
};

static void bench_session_init(struct bench_session *s, int argc, char **argv)
{
	static const struct export ex[] = {
		{ NULL, "--export-json", out_bench_json, NULL, 0 },
		{ NULL, "--export-csv", out_bench_csv, NULL, 0 },
		{ NULL, "--export-markdown", out_bench_markdown, NULL, 0 },
		{ NULL, "--export-asciidoc", out_bench_asciidoc, NULL, 0 },
		{ NULL, "--export-orgmode", out_bench_orgmode, NULL, 0 },
	};

	memset(s, 0, sizeof(*s));
	memcpy(s->ex, ex, sizeof(ex));
	s->style = (struct style){ -1, -1, 0 };
	s->unit = TU_AUTO;
	s->invocation = store_command_line(argc, argv);	/* before options_parse reorders argv */
}

static int usage_error(void)
{
	fprintf(stderr, "perfeng bench: %s\n", pe_errmsg());
	fprintf(stderr, "see 'perfeng bench --help'\n");
	return PE_EXIT_USAGE;
}

/*
 * Everything that can fail before a run: the input and output files, the
 * store and the export files, so that a bad path fails in a second, not
 * after an hour. Returns 0 or the exit code, the error said.
 */
static int bench_open(struct bench_args *b, struct bench_session *s)
{
	const char *paths[] = { b->export_json, b->export_csv, b->export_md, b->export_adoc, b->export_org };

	if (parse_input(b) < 0 || parse_output(b) < 0)
		return cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
	if ((b->tags.n || b->store) && !b->save) {
		pe_error("--tag and --store need --save NAME");
		return usage_error();
	}
	if (b->save && store_check_name(b->save) < 0)
		return usage_error();
	for (size_t t = 0; t < b->tags.n; t++)
		if (store_check_tag(b->tags.v[t]) < 0)
			return usage_error();
	if (b->save && store_open(b->store, &s->st) < 0)
		return cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
	for (size_t k = 0; k < ARRAY_SIZE(s->ex); k++) {
		s->ex[k].path = paths[k];
		if (!paths[k])
			continue;
		s->nex++;
		if (export_open(&s->ex[k]) < 0)
			return cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
	}
	return 0;
}

/*
 * Counters, the machine's state, the shell's start-up, then the runs.
 * Returns 0 (s->rep.interrupted says whether all ran) or the exit code.
 */
static int bench_measure(struct bench_args *b, struct bench_session *s)
{
	struct progress_ctx *p = &s->pctx;
	struct bench_failure fail;
	int rc;

	if (!b->no_counters) {
		counters_probe(&s->ctrs);
		if (s->ctrs.enabled)
			b->o.counters = &s->ctrs;
	}
	/* the git state is only written, never shown: skip its process otherwise */
	env_collect(&s->env, b->json || b->export_json || b->save);
	if (!b->quiet && s->env.loadavg_before[0] > 0.8 * s->env.cores)
		cmd_warn("the machine is busy (load average %.2f on %d cores); results may be noisy",
			 s->env.loadavg_before[0], s->env.cores);
	stop_catch();
	if (b->shell && bench_calibrate_shell(&b->o, b->shell, SHELL_CALIBRATION_RUNS) < 0)
		return cmd_fail(stop_signal ? PE_EXIT_INTERRUPTED : PE_EXIT_RUNTIME, "%s", pe_errmsg());

	p->sum = xcalloc(s->n, sizeof(*p->sum));
	p->counted = xcalloc(s->n, sizeof(*p->counted));
	p->unit = s->unit;
	progress_init(&p->bar, !b->quiet && (s->style.progress > 0 ||
					     (s->style.progress < 0 && isatty(STDERR_FILENO))),
		      cmd_color_stderr());
	b->o.progress = on_progress;
	b->o.progress_ctx = p;

	s->rep.started_us = clock_realtime_us();
	rc = bench_run_all(s->cmds, s->n, &b->o, &fail);
	s->rep.ended_us = clock_realtime_us();
	progress_clear(&p->bar);
	if (rc < 0) {
		rc = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		show_failure(&fail, b->shell);
		return rc;
	}
	env_loadavg(s->env.loadavg_after);
	s->rep.interrupted = rc > 0;
	return 0;
}

/* The report of the runs: text or JSON, warnings, exports, the store. Returns the exit code. */
static int bench_render(struct bench_args *b, struct bench_session *s)
{
	struct bench_report *rep = &s->rep;
	int status = PE_EXIT_OK;

	rep->cmds = s->cmds;
	rep->n = s->n;
	rep->noise = b->noise;
	rep->unit = s->unit;
	rep->sort = !b->sort || !strcmp(b->sort, "auto") ? SORT_AUTO :
		    !strcmp(b->sort, "command") ? SORT_COMMAND : SORT_MEAN;
	rep->env = &s->env;
	rep->counters = b->o.counters;
	rep->shell = b->shell;
	rep->opts = &b->o;
	rep->version = perfeng_version;
	rep->color = cmd_color_fd(STDOUT_FILENO);
	rep->invocation = s->invocation;
	rep->reference_given = b->reference != NULL;
	bench_report_compute(rep);

	if (b->json) {
		if (out_bench_json(stdout, rep) < 0)
			status = cmd_fail(PE_EXIT_RUNTIME, "standard output: %s", pe_errmsg());
	} else if (!s->style.silent) {
		out_bench_shell_note(stdout, rep);
		for (size_t i = 0; i < s->n; i++)
			out_bench_command(stdout, rep, i);
		if (s->n >= 2)
			out_bench_comparison(stdout, rep);
		fflush(stdout);
	}
	for (size_t i = 0; !b->quiet && i < s->n; i++)
		warn_about(rep, i);

	for (size_t k = 0; k < ARRAY_SIZE(s->ex); k++)
		if (s->ex[k].f && export_write(&s->ex[k], rep) < 0)
			status = cmd_fail(PE_EXIT_RUNTIME, "%s: '%s': %s", s->ex[k].opt, s->ex[k].path, pe_errmsg());
	if (s->st && rep->interrupted)
		cmd_warn("interrupted: nothing saved to the store");
	else if (s->st && status == PE_EXIT_OK && save_results(s->st, rep, b) < 0)
		status = cmd_fail(PE_EXIT_RUNTIME, "--save: %s", pe_errmsg());
	if (rep->interrupted)
		status = cmd_fail(PE_EXIT_INTERRUPTED, "interrupted; the runs measured so far are shown%s",
				  s->nex ? " and exported" : "");
	return status;
}

/*
 * Closes and frees what the steps left, and returns the exit code: status,
 * or a runtime error when an export file could not be written to the end.
 * An export file perfeng created is removed when there were no results.
 */
static int bench_close(struct bench_args *b, struct bench_session *s, int status)
{
	for (size_t k = 0; k < ARRAY_SIZE(s->ex); k++) {
		struct export *e = &s->ex[k];

		if (!e->f)
			continue;
		if (fclose(e->f) && status == PE_EXIT_OK)
			status = cmd_fail(PE_EXIT_RUNTIME, "%s: cannot write '%s'", e->opt, e->path);
		if (e->created)	/* the benchmark failed before its results */
			unlink(e->path);
	}
	if (b->o.counters)
		counters_close(b->o.counters);
	if (s->st)
		store_close(s->st);
	for (size_t i = 0; i < s->n; i++)
		bench_command_release(&s->cmds[i]);
	free(s->cmds);
	free(s->invocation);
	bench_report_release(&s->rep);
	free(s->pctx.sum);
	free(s->pctx.counted);
	release_args(b);
	cmd_color_set(-1);
	return status;
}

int cmd_bench(int argc, char **argv)
{
	struct bench_args b;
	struct bench_session s;
	int status = PE_EXIT_OK;

	bench_session_init(&s, argc, argv);
	switch (bench_parse(&b, &s.style, &s.unit, argc, argv)) {
	case OPT_HELP:
		break;
	case 0:
		if (s.style.color >= 0)
			cmd_color_set(s.style.color);
		if (s.style.silent)
			b.quiet = 1;
		bench_engine_opts(&b);
		if (bench_build(&b, &s.cmds, &s.n) < 0)
			status = usage_error();
		if (!status)
			status = bench_open(&b, &s);
		if (!status)
			status = bench_measure(&b, &s);
		if (!status)
			status = bench_render(&b, &s);
		break;
	default:
		status = usage_error();
	}
	return bench_close(&b, &s, status);
}
