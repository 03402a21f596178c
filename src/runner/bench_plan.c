#include "runner/bench_plan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/argv.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/units.h"
#include "util/xalloc.h"

void bench_param_values_release(struct bench_param_values *p)
{
	for (size_t v = 0; v < p->n; v++)
		free(p->values[v]);
	free(p->values);
	free(p->name);
	memset(p, 0, sizeof(*p));
}

/* Decimal places of a number as the user wrote it: "0.25" -> 2. */
static int plan__decimals(const char *s)
{
	const char *dot = strchr(s, '.');
	int n = 0;

	if (!dot)
		return 0;
	for (dot++; *dot >= '0' && *dot <= '9'; dot++)
		n++;
	return n;
}

/* lo + i * step with prec decimals, trailing zeros dropped: 0.50 -> 0.5, 1.00 -> 1. */
static char *plan__scan_value(double v, int prec)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.*f", prec, v);
	if (strchr(buf, '.')) {
		char *end = buf + strlen(buf) - 1;

		while (*end == '0')
			*end-- = '\0';
		if (*end == '.')
			*end = '\0';
	}
	if (!strcmp(buf, "-0"))
		strcpy(buf, "0");
	return xstrdup(buf);
}

int bench_param_scan(struct bench_param_values *p, const char *name, const char *min,
		     const char *max, const char *step_s)
{
	double lo, hi, step = 1, count;
	int prec;

	memset(p, 0, sizeof(*p));
	if (!*name)
		return pe_error("--parameter-scan: empty parameter name");
	if (parse_double(min, &lo) < 0 || parse_double(max, &hi) < 0)
		return pe_error("--parameter-scan %s: %s", name, pe_errmsg());
	if (step_s) {
		if (parse_double(step_s, &step) < 0 || step <= 0)
			return pe_error("--parameter-step-size: '%s' is not a positive number", step_s);
	} else if (lo != floor(lo) || hi != floor(hi)) {
		return pe_error("--parameter-scan %s: '%s' and '%s' must be whole numbers "
				"unless --parameter-step-size is given", name, min, max);
	}
	if (lo > hi)
		return pe_error("--parameter-scan %s: the minimum %s is above the maximum %s", name, min, max);
	count = floor((hi - lo) / step + 1e-9) + 1;
	if (count > BENCH_MAX_COMMANDS)
		return pe_error("--parameter-scan %s: %.0f values; at most %d", name, count, BENCH_MAX_COMMANDS);
	prec = plan__decimals(min);
	if (step_s && plan__decimals(step_s) > prec)
		prec = plan__decimals(step_s);
	p->name = xstrdup(name);
	p->n = (size_t)count;
	p->values = xcalloc(p->n, sizeof(*p->values));
	for (size_t i = 0; i < p->n; i++)
		p->values[i] = plan__scan_value(lo + (double)i * step, prec);
	return 0;
}

int bench_param_list(struct bench_param_values *p, const char *name, const char *s)
{
	memset(p, 0, sizeof(*p));
	if (!*name)
		return pe_error("empty parameter name");
	if (!*s)
		return pe_error("--parameter-list %s: no values", name);
	p->name = xstrdup(name);
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

/* Replaces each {NAME} of the parameters in s. The caller frees the result. */
static char *plan__substitute(const char *s, const struct bench_param *params, size_t n)
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

char **bench_shell_argv(const char *shell, const char *cmd)
{
	char **argv;
	int n;

	if (argv_split(shell, &argv, &n) < 0) {
		pe_error("--shell '%s': %s", shell, pe_errmsg());
		return NULL;
	}
	argv = xrealloc(argv, ((size_t)n + 3) * sizeof(*argv));
	argv[n] = xstrdup("-c");
	argv[n + 1] = xstrdup(cmd);
	argv[n + 2] = NULL;
	return argv;
}

char **bench_command_argv(const char *shell, const char *cmd)
{
	char **argv;

	if (!cmd[strspn(cmd, " \t\n")]) {	/* a shell would run it, and measure nothing */
		pe_error("empty command");
		return NULL;
	}
	if (shell)
		return bench_shell_argv(shell, cmd);
	return argv_split(cmd, &argv, NULL) < 0 ? NULL : argv;
}

/* Hook kind of command string ci, substituted and made runnable; nothing when not given. */
static int plan__hook(const struct bench_plan *p, int kind, size_t ci, const struct bench_param *params,
		      size_t np, struct bench_hook *out)
{
	size_t n = p->nhooks[kind];

	out->text = NULL;
	out->argv = NULL;
	if (!n)
		return 0;
	out->text = plan__substitute(p->hooks[kind][n == 1 ? 0 : ci], params, np);
	out->argv = bench_command_argv(p->shell, out->text);
	return out->argv ? 0 : -1;
}

/*
 * Fills c for command string ci with the parameter values of combination k
 * (NULL: the reference, which takes none). Returns 0 or -1 with pe_error()
 * set; c is then for bench_command_release.
 */
static int plan__command(const struct bench_plan *p, size_t ci, const size_t *k, struct bench_command *c)
{
	size_t rest = k ? *k : 0, j = ci - (size_t)!!p->reference;

	c->nparams = k ? p->nparams : 0;
	c->params = xcalloc(c->nparams ? c->nparams : 1, sizeof(*c->params));
	for (size_t q = c->nparams; q-- > 0;) {	/* the last parameter varies fastest */
		size_t v = rest % p->params[q].n;

		rest /= p->params[q].n;
		c->params[q].name = xstrdup(p->params[q].name);
		c->params[q].value = xstrdup(p->params[q].values[v]);
	}
	c->command = plan__substitute(p->cmds[ci], c->params, c->nparams);
	if (k && j < p->nnames)
		c->name = plan__substitute(p->names[j], c->params, c->nparams);
	else
		c->name = xstrdup(c->command);
	c->argv = bench_command_argv(p->shell, c->command);
	if (!c->argv)
		return -1;
	if (plan__hook(p, BENCH_SETUP, ci, c->params, c->nparams, &c->setup) < 0 ||
	    plan__hook(p, BENCH_PREPARE, ci, c->params, c->nparams, &c->prepare) < 0 ||
	    plan__hook(p, BENCH_CONCLUDE, ci, c->params, c->nparams, &c->conclude) < 0 ||
	    plan__hook(p, BENCH_CLEANUP, ci, c->params, c->nparams, &c->cleanup) < 0)
		return -1;
	return 0;
}

/* The checks before anything is built; *combos gets the parameter combinations. */
static int plan__check(const struct bench_plan *p, size_t *combos)
{
	static const char *const hook_opts[] = { "--setup", "--prepare", "--conclude", "--cleanup" };
	size_t named = p->ncmds - (size_t)!!p->reference;

	for (int h = 0; h < BENCH_HOOK_KINDS; h++)
		if (p->nhooks[h] > 1 && p->nhooks[h] != p->ncmds)
			return pe_error("%s given %zu times for %zu commands; give it once, or once per command",
					hook_opts[h], p->nhooks[h], p->ncmds);
	if (p->nnames > named)
		return pe_error("%zu command names for %zu command%s", p->nnames, named, named == 1 ? "" : "s");
	*combos = 1;
	for (size_t q = 0; q < p->nparams; q++) {
		for (size_t r = 0; r < q; r++)
			if (!strcmp(p->params[q].name, p->params[r].name))
				return pe_error("parameter '%s' is given twice", p->params[q].name);
		*combos *= p->params[q].n;
		if (*combos > BENCH_MAX_COMMANDS)
			return pe_error("the parameters make more than %d benchmarks", BENCH_MAX_COMMANDS);
	}
	if (*combos * p->ncmds > BENCH_MAX_COMMANDS)
		return pe_error("more than %d benchmarks", BENCH_MAX_COMMANDS);
	return 0;
}

int bench_plan_build(const struct bench_plan *p, struct bench_command **out, size_t *nout)
{
	struct bench_command *list;
	size_t combos = 1, n = 0;

	if (plan__check(p, &combos) < 0)
		return -1;
	list = xcalloc(combos * p->ncmds, sizeof(*list));
	for (size_t ci = 0; ci < p->ncmds; ci++) {
		/* one reference run, not one per combination */
		size_t nk = p->reference && ci == 0 ? 1 : combos;

		for (size_t k = 0; k < nk; k++)
			if (plan__command(p, ci, p->reference && ci == 0 ? NULL : &k, &list[n++]) < 0)
				goto fail;
	}
	*out = list;
	*nout = n;
	return 0;
fail:
	for (size_t i = 0; i < n; i++)
		bench_command_release(&list[i]);
	free(list);
	return -1;
}
