/*
 * perfeng bench: benchmark commands. Parses the options (hyperfine's names
 * where hyperfine has them), expands parameters into the list of commands,
 * runs the engine (runner/bench.c), computes statistics and comparisons
 * (stats/), and renders (out/). The measuring itself lives in the engine.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "out/bench_report.h"
#include "out/format.h"
#include "out/progress.h"
#include "runner/bench.h"
#include "stats/compare.h"
#include "store/import_json.h"
#include "store/store.h"
#include "util/argv.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/options.h"
#include "util/stop.h"
#include "util/strbuf.h"
#include "util/units.h"
#include "util/xalloc.h"

#define MAX_BENCHMARKS 10000
#define SHELL_CALIBRATION_RUNS 50	/* as hyperfine */
#define FAST_COMMAND_S 0.005

static const char bench_usage[] = "perfeng bench [options] <command>...";

/* One parameter and its values, from -P or -L. */
struct param_spec {
	const char *name;
	char **values;
	size_t n;
};

struct bench_args {
	struct bench_opts o;
	uint64_t warmup, runs, min_runs, max_runs;
	int runs_set, min_runs_set;
	struct string_list names, setup, prepare, conclude, cleanup;
	struct param_spec *params;
	size_t nparams, params_alloc;
	const char *scan[3];		/* -P VAR MIN MAX */
	const char *step;		/* -D */
	const char *input, *output, *shell, *time_unit, *sort, *reference;
	const char *export_json, *export_csv, *export_md, *export_adoc, *export_org;
	const char *style;
	int show_output, min_time_set;
	const char *save, *store;
	struct string_list tags;
	double noise;
	int ignore_failure, interleave, no_interleave, quiet, json, no_counters, no_shell;
};


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
	struct param_spec *p;
	const char *s = a[1];

	if (!*a[0])
		return pe_error("empty parameter name");
	ALLOC_GROW(b->params, b->nparams + 1, b->params_alloc);
	p = &b->params[b->nparams++];
	memset(p, 0, sizeof(*p));
	p->name = a[0];
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);

		p->values = xrealloc(p->values, (p->n + 1) * sizeof(*p->values));
		p->values[p->n++] = xstrndup(s, len);
		if (!comma)
			break;
		s = comma + 1;
	}
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

/* Decimal places of a number as the user wrote it: "0.25" -> 2. */
static int decimals(const char *s)
{
	const char *dot = strchr(s, '.');
	int n = 0;

	if (!dot)
		return 0;
	for (dot++; *dot >= '0' && *dot <= '9'; dot++)
		n++;
	return n;
}

/* Expands -P VAR MIN MAX [-D STEP] into a parameter list. */
static int expand_scan(struct bench_args *b)
{
	double lo, hi, step = 1;
	struct param_spec p = { .name = b->scan[0] };
	int prec;
	double count;

	if (!b->scan[0]) {
		if (b->step)
			return pe_error("--parameter-step-size needs --parameter-scan");
		return 0;
	}
	if (!*b->scan[0])
		return pe_error("--parameter-scan: empty parameter name");
	if (parse_double(b->scan[1], &lo) < 0 || parse_double(b->scan[2], &hi) < 0)
		return pe_error("--parameter-scan %s: %s", b->scan[0], pe_errmsg());
	if (b->step) {
		if (parse_double(b->step, &step) < 0 || step <= 0)
			return pe_error("--parameter-step-size: '%s' is not a positive number", b->step);
	} else if (lo != floor(lo) || hi != floor(hi)) {
		return pe_error("--parameter-scan %s: '%s' and '%s' must be whole numbers "
				"unless --parameter-step-size is given", b->scan[0], b->scan[1], b->scan[2]);
	}
	if (lo > hi)
		return pe_error("--parameter-scan %s: the minimum %s is above the maximum %s",
				b->scan[0], b->scan[1], b->scan[2]);
	count = floor((hi - lo) / step + 1e-9) + 1;
	if (count > MAX_BENCHMARKS)
		return pe_error("--parameter-scan %s: %.0f values; at most %d", b->scan[0], count, MAX_BENCHMARKS);
	prec = decimals(b->scan[1]);
	if (b->step && decimals(b->step) > prec)
		prec = decimals(b->step);
	p.n = (size_t)count;
	p.values = xcalloc(p.n, sizeof(*p.values));
	for (size_t i = 0; i < p.n; i++) {
		char buf[64];
		char *end;

		snprintf(buf, sizeof(buf), "%.*f", prec, lo + (double)i * step);
		if (strchr(buf, '.')) {	/* 0.50 -> 0.5, 1.00 -> 1 */
			end = buf + strlen(buf) - 1;
			while (*end == '0')
				*end-- = '\0';
			if (*end == '.')
				*end = '\0';
		}
		if (!strcmp(buf, "-0"))
			strcpy(buf, "0");
		p.values[i] = xstrdup(buf);
	}
	/* the scanned parameter comes first, as it varies slowest */
	ALLOC_GROW(b->params, b->nparams + 1, b->params_alloc);
	memmove(b->params + 1, b->params, b->nparams * sizeof(*b->params));
	b->params[0] = p;
	b->nparams++;
	return 0;
}

/* Replaces each {NAME} of the parameters in s. The caller frees the result. */
static char *substitute(const char *s, const struct bench_param *params, size_t n)
{
	struct strbuf sb = STRBUF_INIT;

	while (*s) {
		int done = 0;

		if (*s == '{') {
			for (size_t i = 0; i < n; i++) {
				size_t len = strlen(params[i].name);

				if (!strncmp(s + 1, params[i].name, len) && s[1 + len] == '}') {
					strbuf_addstr(&sb, params[i].value);
					s += len + 2;
					done = 1;
					break;
				}
			}
		}
		if (!done)
			strbuf_addch(&sb, *s++);
	}
	return strbuf_detach(&sb);
}

/* The argv that runs cmd: split as a shell would, or through the shell. */
static char **command_argv(const struct bench_args *b, const char *cmd)
{
	char **argv, **shell;
	int n;

	if (!cmd[strspn(cmd, " \t\n")]) {	/* a shell would run it, and measure nothing */
		pe_error("empty command");
		return NULL;
	}
	if (!b->shell) {
		if (argv_split(cmd, &argv, NULL) < 0)
			return NULL;
		return argv;
	}
	if (argv_split(b->shell, &shell, &n) < 0)
		return NULL;
	argv = xcalloc((size_t)n + 3, sizeof(*argv));
	memcpy(argv, shell, (size_t)n * sizeof(*argv));
	free(shell);
	argv[n] = xstrdup("-c");
	argv[n + 1] = xstrdup(cmd);
	return argv;
}

/* The hook for command string i: one given for all, or one per command. */
static const char *hook_for(const struct string_list *l, size_t i)
{
	if (!l->n)
		return NULL;
	return l->n == 1 ? l->v[0] : l->v[i];
}

static int hook_build(const struct bench_args *b, const struct string_list *l, size_t i,
		      const struct bench_param *params, size_t np, struct bench_hook *out)
{
	const char *h = hook_for(l, i);

	out->text = NULL;
	out->argv = NULL;
	if (!h)
		return 0;
	out->text = substitute(h, params, np);
	out->argv = command_argv(b, out->text);
	return out->argv ? 0 : -1;
}

/*
 * Builds the benchmarks: every command string crossed with every combination
 * of parameter values (the first parameter varies slowest).
 */
static int build_commands(struct bench_args *b, char **cmds, int ncmds,
			  struct bench_command **out, size_t *nout)
{
	size_t combos = 1, n = 0;
	struct bench_command *list;
	const struct string_list *hooks[] = { &b->setup, &b->prepare, &b->conclude, &b->cleanup };
	const char *hook_names[] = { "--setup", "--prepare", "--conclude", "--cleanup" };

	for (size_t k = 0; k < ARRAY_SIZE(hooks); k++)
		if (hooks[k]->n > 1 && hooks[k]->n != (size_t)ncmds)
			return pe_error("%s given %zu times for %d commands; give it once, or once per command",
					hook_names[k], hooks[k]->n, ncmds);
	if (b->names.n > (size_t)ncmds)
		return pe_error("%zu command names for %d commands", b->names.n, ncmds);
	for (size_t p = 0; p < b->nparams; p++) {
		for (size_t q = 0; q < p; q++)
			if (!strcmp(b->params[p].name, b->params[q].name))
				return pe_error("parameter '%s' is given twice", b->params[p].name);
		combos *= b->params[p].n;
		if (combos > MAX_BENCHMARKS)
			return pe_error("the parameters make more than %d benchmarks", MAX_BENCHMARKS);
	}
	if (combos * (size_t)ncmds > MAX_BENCHMARKS)
		return pe_error("more than %d benchmarks", MAX_BENCHMARKS);
	list = xcalloc(combos * (size_t)ncmds, sizeof(*list));
	for (int ci = 0; ci < ncmds; ci++) {
		for (size_t k = 0; k < combos; k++, n++) {
			struct bench_command *c = &list[n];
			size_t rest = k;

			c->nparams = b->nparams;
			c->params = xcalloc(b->nparams ? b->nparams : 1, sizeof(*c->params));
			for (size_t p = b->nparams; p-- > 0;) {
				size_t v = rest % b->params[p].n;

				rest /= b->params[p].n;
				c->params[p].name = xstrdup(b->params[p].name);
				c->params[p].value = xstrdup(b->params[p].values[v]);
			}
			/* the --reference command (first, when given) takes no parameters */
			int plain = b->reference && ci == 0;
			size_t np = plain ? 0 : c->nparams;

			c->command = substitute(cmds[ci], c->params, np);
			if ((size_t)ci < b->names.n)
				c->name = substitute(b->names.v[ci], c->params, np);
			else
				c->name = xstrdup(c->command);
			c->argv = command_argv(b, c->command);
			if (!c->argv)
				goto fail;
			if (hook_build(b, &b->setup, (size_t)ci, c->params, np, &c->setup) < 0 ||
			    hook_build(b, &b->prepare, (size_t)ci, c->params, np, &c->prepare) < 0 ||
			    hook_build(b, &b->conclude, (size_t)ci, c->params, np, &c->conclude) < 0 ||
			    hook_build(b, &b->cleanup, (size_t)ci, c->params, np, &c->cleanup) < 0)
				goto fail;
			if (plain) {
				for (size_t p = 0; p < c->nparams; p++) {
					free(c->params[p].name);
					free(c->params[p].value);
				}
				c->nparams = 0;
			}
		}
		if (b->reference && ci == 0 && combos > 1) {
			/* one reference run, not one per combination */
			for (size_t k = 1; k < combos; k++)
				bench_command_release(&list[k]);
			n = 1;
		}
	}
	*out = list;
	*nout = n;
	return 0;
fail:
	for (size_t i = 0; i <= n && i < combos * (size_t)ncmds; i++)
		bench_command_release(&list[i]);
	free(list);
	return -1;
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

/* --- options ---------------------------------------------------------------- */

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
	for (size_t p = 0; p < b->nparams; p++)
		for (size_t v = 0; v < b->params[p].n; v++)
			if (!b->params[p].values[v][0] && b->params[p].n == 1)
				return pe_error("--parameter-list %s: no values", b->params[p].name);
	if (b->sort && strcmp(b->sort, "auto") && strcmp(b->sort, "command") &&
	    strcmp(b->sort, "mean-time"))
		return pe_error("--sort: '%s' is not one of auto, command, mean-time", b->sort);
	return 0;
}

static void release_args(struct bench_args *b)
{
	for (size_t p = 0; p < b->nparams; p++) {
		for (size_t v = 0; v < b->params[p].n; v++)
			free(b->params[p].values[v]);
		free(b->params[p].values);
	}
	free(b->params);
	free(b->names.v);
	free(b->setup.v);
	free(b->prepare.v);
	free(b->conclude.v);
	free(b->cleanup.v);
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

int cmd_bench(int argc, char **argv)
{
	struct bench_args b = { .noise = 0.01 };
	struct option opts[] = {
		OPT_GROUP("Runs:"),
		OPT_UINT('w', "warmup", &b.warmup, "<N>", "run each command N times before measuring (default 0)"),
		OPT_CALLBACK('r', "runs", &b, "<N>", "exactly N runs per command (default: at least 10 and 3 s)", cb_runs, 1),
		OPT_CALLBACK('m', "min-runs", &b, "<N>", "at least N runs (default 10)", cb_min_runs, 1),
		OPT_CALLBACK(0, "min-benchmarking-time", &b, "<SECS>", "without -r: at least SECS of timing runs (default 3)", cb_min_time, 1),
		OPT_UINT('M', "max-runs", &b.max_runs, "<N>", "at most N runs (default: no limit)"),
		OPT_PERCENT(0, "precision", &b.o.precision, "<P>", "run until the median's 95% CI is within ±P (e.g. 1%)"),
		OPT_DURATION(0, "time-budget", &b.o.time_budget_ns, "<DUR>", "stop each command after DUR of runs (default 60s with --precision)"),
		OPT_DURATION(0, "timeout", &b.o.timeout_ns, "<DUR>", "kill a run (its process group) after DUR; it fails"),
		OPT_FLAG('i', "ignore-failure", &b.ignore_failure, "keep runs that exit non-zero, are killed or time out"),
		OPT_FLAG(0, "interleave", &b.interleave, "run the commands in alternation, to cancel drift (the default)"),
		OPT_FLAG(0, "no-interleave", &b.no_interleave, "run each command's runs one after the other"),
		OPT_GROUP("Commands:"),
		OPT_STRING('S', "shell", &b.shell, "<SHELL>", "run commands through SHELL -c, its start-up subtracted (default: sh; none: no shell)"),
		OPT_FLAG('N', NULL, &b.no_shell, "no shell: split each command into words and exec it (--shell=none)"),
		OPT_LIST('n', "command-name", &b.names, "<NAME>", "name for the next command (repeatable)"),
		OPT_LIST('s', "setup", &b.setup, "<CMD>", "run CMD once before the runs of each command"),
		OPT_LIST('p', "prepare", &b.prepare, "<CMD>", "run CMD before each run"),
		OPT_LIST(0, "conclude", &b.conclude, "<CMD>", "run CMD after each run"),
		OPT_LIST('c', "cleanup", &b.cleanup, "<CMD>", "run CMD once after the runs of each command"),
		OPT_CALLBACK('P', "parameter-scan", &b, "<VAR> <MIN> <MAX>", "benchmark for VAR = MIN..MAX, as {VAR} in commands", cb_scan, 3),
		OPT_STRING('D', "parameter-step-size", &b.step, "<STEP>", "step of --parameter-scan (default 1)"),
		OPT_CALLBACK('L', "parameter-list", &b, "<VAR> <A,B,...>", "benchmark for each value of VAR (repeatable)", cb_list, 2),
		OPT_STRING(0, "input", &b.input, "<FILE|null>", "standard input of the commands (default null)"),
		OPT_STRING(0, "output", &b.output, "<WHERE>", "their standard output: null (default), pipe, inherit, or a file"),
		OPT_FLAG(0, "show-output", &b.show_output, "their standard output and error go to perfeng's (--output inherit)"),
		OPT_FLAG(0, "no-counters", &b.no_counters, "do not open perf counters on the commands"),
		OPT_GROUP("Comparison:"),
		OPT_STRING(0, "reference", &b.reference, "<CMD>", "benchmark CMD first and compare the others with it (default: the fastest)"),
		OPT_PERCENT(0, "noise", &b.noise, "<P>", "differences within ±P are not called (default 1%)"),
		OPT_GROUP("Output:"),
		OPT_STRING('u', "time-unit", &b.time_unit, "<UNIT>", "second, millisecond, microsecond or nanosecond (default: per value)"),
		OPT_STRING(0, "sort", &b.sort, "<ORDER>", "auto (default), command, or mean-time"),
		OPT_STRING(0, "export-json", &b.export_json, "<FILE>", "write the results as JSON (hyperfine's, with perfeng's additions)"),
		OPT_STRING(0, "export-csv", &b.export_csv, "<FILE>", "write the summary as CSV"),
		OPT_STRING(0, "export-markdown", &b.export_md, "<FILE>", "write the comparison as a Markdown table"),
		OPT_STRING(0, "export-asciidoc", &b.export_adoc, "<FILE>", "write the comparison as an AsciiDoc table"),
		OPT_STRING(0, "export-orgmode", &b.export_org, "<FILE>", "write the comparison as an Emacs org-mode table"),
		OPT_FLAG(0, "json", &b.json, "print the JSON to standard output instead of the text"),
		OPT_FLAG('q', "quiet", &b.quiet, "no progress bar and no notes on standard error"),
		OPT_STRING(0, "style", &b.style, "<STYLE>", "auto (default), basic, full, nocolor, color, or none (no output but errors)"),
		OPT_GROUP("Results store:"),
		OPT_STRING(0, "save", &b.save, "<NAME>", "save the results as runs named NAME (NAME/<command> for several)"),
		OPT_LIST(0, "tag", &b.tags, "<TAG>", "tag the saved runs (repeatable)"),
		OPT_STRING(0, "store", &b.store, "<PATH|URL>", "the results store (default $PERFENG_STORE or ~/.local/share/perfeng/results.db)"),
		OPT_END(),
	};
	struct bench_command *cmds = NULL;
	size_t n = 0;
	struct bench_report rep = { 0 };
	struct env_info env;
	struct counters ctrs;
	struct bench_failure fail;
	struct progress_ctx pctx = { 0 };
	enum time_unit unit = TU_AUTO;
	struct export ex[] = {
		{ NULL, "--export-json", out_bench_json },
		{ NULL, "--export-csv", out_bench_csv },
		{ NULL, "--export-markdown", out_bench_markdown },
		{ NULL, "--export-asciidoc", out_bench_asciidoc },
		{ NULL, "--export-orgmode", out_bench_orgmode },
	};
	struct style style = { -1, -1, 0 };
	int nex = 0;
	char **cmdv = NULL, *invocation;
	struct store *st = NULL;
	int npos, rc, status = PE_EXIT_OK;

	bench_opts_init(&b.o);
	invocation = store_command_line(argc, argv);	/* before options_parse reorders argv */
	rc = options_parse(argc, argv, opts, &npos);
	if (rc == OPT_HELP) {
		options_usage(stdout, bench_usage, opts);
		cmd_usage_env(stdout, CMD_ENV_STORE);
		free(invocation);
		return PE_EXIT_OK;
	}
	if (rc < 0 || (rc = expand_scan(&b)) < 0 || (rc = validate(&b)) < 0 ||
	    (rc = parse_style(b.style, &style)) < 0)
		goto usage;
	if (style.color >= 0)
		cmd_color_set(style.color);
	if (style.silent)
		b.quiet = 1;
	if (b.show_output)
		b.output = "inherit";
	if (!npos && !b.reference) {
		pe_error("no command to benchmark");
		goto usage;
	}
	if (b.time_unit && parse_time_unit(b.time_unit, &unit) < 0)
		goto usage;
	/* a shell by default, as hyperfine: pipes and && work; -N for none */
	if (b.no_shell || (b.shell && !strcmp(b.shell, "none")))
		b.shell = NULL;
	else if (!b.shell || !strcmp(b.shell, "default"))
		b.shell = "sh";

	/* the --reference command goes first */
	cmdv = xcalloc((size_t)npos + 2, sizeof(*cmdv));
	if (b.reference)
		cmdv[0] = (char *)b.reference;
	memcpy(cmdv + !!b.reference, argv, (size_t)npos * sizeof(*cmdv));
	if (b.names.n && b.reference) {
		/* names are for the positional commands; the reference keeps its text */
		string_list_add(&b.names, NULL);
		memmove(b.names.v + 1, b.names.v, (b.names.n - 1) * sizeof(*b.names.v));
		b.names.v[0] = b.reference;
	}
	if (build_commands(&b, cmdv, npos + !!b.reference, &cmds, &n) < 0)
		goto usage;

	b.o.warmup = (unsigned)b.warmup;
	b.o.runs = b.runs;
	if (b.min_runs_set)
		b.o.min_runs = b.min_runs;
	else if (b.max_runs && b.max_runs < b.o.min_runs)
		b.o.min_runs = b.max_runs;
	b.o.max_runs = b.max_runs;
	b.o.ignore_failure = b.ignore_failure;
	/*
	 * In alternation unless told otherwise: back to back, 7 of 10 identical
	 * pairs differed beyond the 1% band on a busy machine, and 0 of 10 in
	 * alternation (bench/calibrate.sh, docs/bench.md).
	 */
	b.o.interleave = !b.no_interleave;
	if (b.o.precision > 0 && !b.o.time_budget_ns)
		b.o.time_budget_ns = 60 * 1000000000ULL;

	if (parse_input(&b) < 0 || parse_output(&b) < 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		goto out;
	}
	if ((b.tags.n || b.store) && !b.save) {
		pe_error("--tag and --store need --save NAME");
		goto usage;
	}
	if (b.save && store_check_name(b.save) < 0)
		goto usage;
	for (size_t t = 0; t < b.tags.n; t++)
		if (store_check_tag(b.tags.v[t]) < 0)
			goto usage;
	/* the store too is opened before measuring: a bad path or URL fails now */
	if (b.save && store_open(b.store, &st) < 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		goto out;
	}
	ex[0].path = b.export_json;
	ex[1].path = b.export_csv;
	ex[2].path = b.export_md;
	ex[3].path = b.export_adoc;
	ex[4].path = b.export_org;
	for (size_t k = 0; k < ARRAY_SIZE(ex); k++) {
		if (!ex[k].path)
			continue;
		nex++;
		if (export_open(&ex[k]) < 0) {
			status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
			goto out;
		}
	}

	if (!b.no_counters) {
		counters_probe(&ctrs);
		if (ctrs.enabled)
			b.o.counters = &ctrs;
	}
	/* the git state is only written, never shown: skip its process otherwise */
	env_collect(&env, b.json || b.export_json || b.save);
	if (!b.quiet && env.loadavg_before[0] > 0.8 * env.cores)
		cmd_warn("the machine is busy (load average %.2f on %d cores); results may be noisy",
			 env.loadavg_before[0], env.cores);
	stop_catch();
	if (b.shell && bench_calibrate_shell(&b.o, b.shell, SHELL_CALIBRATION_RUNS) < 0) {
		status = cmd_fail(stop_signal ? PE_EXIT_INTERRUPTED : PE_EXIT_RUNTIME, "%s", pe_errmsg());
		goto out;
	}

	pctx.sum = xcalloc(n, sizeof(*pctx.sum));
	pctx.counted = xcalloc(n, sizeof(*pctx.counted));
	pctx.unit = unit;
	progress_init(&pctx.bar, !b.quiet && (style.progress > 0 || (style.progress < 0 && isatty(STDERR_FILENO))),
		      cmd_color_stderr());
	b.o.progress = on_progress;
	b.o.progress_ctx = &pctx;

	rep.started_us = clock_realtime_us();
	rc = bench_run_all(cmds, n, &b.o, &fail);
	rep.ended_us = clock_realtime_us();
	progress_clear(&pctx.bar);
	if (rc < 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		show_failure(&fail, b.shell);
		goto out;
	}
	env_loadavg(env.loadavg_after);

	rep.cmds = cmds;
	rep.n = n;
	rep.wall = xcalloc(n, sizeof(*rep.wall));
	rep.user = xcalloc(n, sizeof(*rep.user));
	rep.sys = xcalloc(n, sizeof(*rep.sys));
	rep.cmp = xcalloc(n, sizeof(*rep.cmp));
	rep.noise = b.noise;
	rep.unit = unit;
	rep.sort = !b.sort || !strcmp(b.sort, "auto") ? SORT_AUTO :
		   !strcmp(b.sort, "command") ? SORT_COMMAND : SORT_MEAN;
	rep.env = &env;
	rep.counters = b.o.counters;
	rep.shell = b.shell;
	rep.opts = &b.o;
	rep.version = perfeng_version;
	rep.color = cmd_color_fd(STDOUT_FILENO);
	rep.invocation = invocation;
	rep.interrupted = rc > 0;
	rep.reference_given = b.reference != NULL;
	for (size_t i = 0; i < n; i++) {
		size_t m = cmds[i].nruns ? cmds[i].nruns : 1;
		double *x = xmalloc(m * sizeof(*x));

		bench_summarize(&cmds[i], &rep.wall[i]);
		/* user and system are reported without CIs: no resampling for them */
		bench_field(&cmds[i], 1, x);
		summary_compute_b(&rep.user[i], x, cmds[i].nruns, 1, 0);
		bench_field(&cmds[i], 2, x);
		summary_compute_b(&rep.sys[i], x, cmds[i].nruns, 2, 0);
		free(x);
		if (!rep.reference_given && cmds[i].nruns &&
		    (!cmds[rep.reference].nruns || rep.wall[i].mean < rep.wall[rep.reference].mean))
			rep.reference = i;
	}
	for (size_t i = 0; n >= 2 && i < n; i++) {
		const struct bench_command *r = &cmds[rep.reference];
		double *x, *y;

		if (i == rep.reference || !cmds[i].nruns || !r->nruns)
			continue;
		x = xmalloc(cmds[i].nruns * sizeof(*x));
		y = xmalloc(r->nruns * sizeof(*y));
		bench_times(&cmds[i], x);
		bench_times(r, y);
		compare_samples(x, cmds[i].nruns, y, r->nruns, b.noise, 0x5eed + i, &rep.cmp[i]);
		free(x);
		free(y);
	}

	if (b.json) {
		if (out_bench_json(stdout, &rep) < 0)
			status = cmd_fail(PE_EXIT_RUNTIME, "standard output: %s", pe_errmsg());
	} else if (!style.silent) {
		out_bench_shell_note(stdout, &rep);
		for (size_t i = 0; i < n; i++)
			out_bench_command(stdout, &rep, i);
		if (n >= 2)
			out_bench_comparison(stdout, &rep);
		fflush(stdout);
	}
	for (size_t i = 0; !b.quiet && i < n; i++)
		warn_about(&rep, i);

	for (size_t k = 0; k < ARRAY_SIZE(ex); k++)
		if (ex[k].f && export_write(&ex[k], &rep) < 0)
			status = cmd_fail(PE_EXIT_RUNTIME, "%s: '%s': %s", ex[k].opt, ex[k].path, pe_errmsg());
	if (st && rep.interrupted)
		cmd_warn("interrupted: nothing saved to the store");
	else if (st && status == PE_EXIT_OK && save_results(st, &rep, &b) < 0)
		status = cmd_fail(PE_EXIT_RUNTIME, "--save: %s", pe_errmsg());
	if (rep.interrupted)
		status = cmd_fail(PE_EXIT_INTERRUPTED, "interrupted; the runs measured so far are shown%s",
				  nex ? " and exported" : "");
	goto out;

usage:
	fprintf(stderr, "perfeng bench: %s\n", pe_errmsg());
	fprintf(stderr, "see 'perfeng bench --help'\n");
	status = PE_EXIT_USAGE;
out:
	for (size_t k = 0; k < ARRAY_SIZE(ex); k++) {
		if (!ex[k].f)
			continue;
		if (fclose(ex[k].f) && status == PE_EXIT_OK)
			status = cmd_fail(PE_EXIT_RUNTIME, "%s: cannot write '%s'", ex[k].opt, ex[k].path);
		if (ex[k].created)	/* the benchmark failed before its results */
			unlink(ex[k].path);
	}
	if (b.o.counters)
		counters_close(b.o.counters);
	if (st)
		store_close(st);
	for (size_t i = 0; i < n; i++)
		bench_command_release(&cmds[i]);
	free(cmds);
	free(cmdv);
	free(invocation);
	free(rep.wall);
	free(rep.user);
	free(rep.sys);
	free(rep.cmp);
	free(pctx.sum);
	free(pctx.counted);
	release_args(&b);
	cmd_color_set(-1);
	return status;
}
