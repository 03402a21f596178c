/*
 * perfeng model FILE: fits the Universal Scalability Law, Amdahl's law and
 * linear scaling to throughput measured at several concurrencies, says
 * which model the data supports, where throughput peaks, and what it
 * predicts elsewhere; checks Little's law where the points carry latency.
 * The fits are src/stats/usl.c, the reader of the points
 * src/stats/usl_csv.c, the renderers src/out/model_report.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "out/model_report.h"
#include "stats/usl.h"
#include "stats/usl_csv.h"
#include "store/store.h"
#include "store/sweep_save.h"
#include "util/error.h"
#include "util/options.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#define MODEL_MAX_INPUT (64u << 20)
#define MODEL_MAX_PREDICT 64

static const char model_usage[] = "perfeng model [options] <file.csv | - | run>";

struct model_cmd {
	int json;
	const char *svg, *predict_spec, *model_name, *store_spec;
	double predict[MODEL_MAX_PREDICT];
	size_t npredict;
	int forced;		/* --model given: the kind in forced_kind */
	enum usl_kind forced_kind;
};

/* "64,128.5": positive concurrencies into c->predict; 0 or -1 with pe_error(). */
static int model_parse_predict(struct model_cmd *c)
{
	const char *p = c->predict_spec;

	while (*p) {
		char *end;
		double v = strtod(p, &end);

		if (end == p || !(isfinite(v) && v > 0) || (*end && *end != ','))
			return pe_error("--predict '%s': expected positive concurrencies separated by commas (64,128)",
					c->predict_spec);
		if (c->npredict == MODEL_MAX_PREDICT)
			return pe_error("--predict: at most %d concurrencies", MODEL_MAX_PREDICT);
		c->predict[c->npredict++] = v;
		p = *end ? end + 1 : end;
		if (*end && !*p)
			return pe_error("--predict '%s': a comma at the end", c->predict_spec);
	}
	if (!c->npredict)
		return pe_error("--predict needs at least one concurrency");
	return 0;
}

static int model_parse_kind(struct model_cmd *c)
{
	for (int k = USL_LINEAR; k < USL_NKINDS; k++)
		if (!strcmp(c->model_name, usl_kind_name((enum usl_kind)k))) {
			c->forced = 1;
			c->forced_kind = (enum usl_kind)k;
			return 0;
		}
	return pe_error("--model '%s': expected usl, amdahl or linear", c->model_name);
}

static int model_parse(int argc, char **argv, struct model_cmd *c, int *npos)
{
	struct option opts[] = {
		OPT_STRING(0, "predict", &c->predict_spec, "<N,...>", "predict the throughput at these concurrencies"),
		OPT_STRING(0, "model", &c->model_name, "<MODEL>", "usl, amdahl or linear: use it for the peak and predictions, whatever the data supports"),
		OPT_FLAG(0, "json", &c->json, "print JSON instead of the text"),
		OPT_STRING(0, "svg", &c->svg, "<FILE>", "write a plot of the points and the fits as SVG"),
		OPT_STRING(0, "store", &c->store_spec, "<PATH|URL>", "the results store, for a run saved by load --sweep --save (default $PERFENG_STORE or ~/.local/share/perfeng/results.db)"),
		OPT_END(),
	};
	int rc = options_parse(argc, argv, opts, npos);

	if (rc == OPT_HELP) {
		options_usage(stdout, model_usage, opts);
		cmd_usage_env(stdout, CMD_ENV_STORE);
		return OPT_HELP;
	}
	if (!rc && *npos != 1)
		rc = pe_error(*npos ? "model takes one file of points or one run" : "model needs a file of points (CSV: concurrency,throughput[,latency]), - for standard input, or a run saved by load --sweep --save");
	if (!rc && c->predict_spec)
		rc = model_parse_predict(c);
	if (!rc && c->model_name)
		rc = model_parse_kind(c);
	return rc;
}

static int model_write_svg(const struct model_cmd *c, const struct model_report *rep)
{
	FILE *f = fopen(c->svg, "w");
	int rc;

	if (!f)
		return pe_error("cannot write '%s'", c->svg);
	rc = model_report_svg(f, rep);
	if (fclose(f) != 0 && !rc)
		rc = pe_error("cannot write '%s'", c->svg);
	return rc;
}

/*
 * The points: from a file ("-": standard input) when arg names one, else
 * from the store's run arg (load --sweep --save). 0, or -1 with pe_error().
 */
static int model_points(const struct model_cmd *c, const char *arg, struct strbuf *text, struct usl_point **pts,
			size_t *n)
{
	struct store *st;
	struct store_run run = { 0 };
	int64_t id;
	int rc;

	if (!strcmp(arg, "-") || !access(arg, F_OK))
		return strbuf_read_file(text, arg, MODEL_MAX_INPUT) < 0 ||
		       usl_read_csv(strbuf_str(text), text->len, pts, n) < 0 ? -1 : 0;
	if (strchr(arg, '/') || (!strchr(arg, '@') && strchr(arg, '.')))	/* a path, not a run's name */
		return strbuf_read_file(text, arg, MODEL_MAX_INPUT);
	if (store_open(c->store_spec, &st) < 0)
		return -1;
	rc = store_resolve(st, arg, &id);
	if (rc < 0)
		pe_error("'%s' is neither a file nor a saved run (%s)", arg, pe_errmsg());
	if (rc == 0)
		rc = store_get(st, id, &run);
	if (rc == 0)
		rc = sweep_points_load(&run, pts, n);
	store_run_release(&run);
	store_close(st);
	return rc < 0 ? -1 : 0;
}

int cmd_model(int argc, char **argv)
{
	struct model_cmd c = { 0 };
	struct strbuf text = STRBUF_INIT;
	struct usl_point *pts = NULL;
	struct usl_fit fits[USL_NKINDS];
	struct model_report rep = { 0 };
	char why[256];
	size_t n = 0;
	int npos, rc, status = PE_EXIT_OK;

	rc = model_parse(argc, argv, &c, &npos);
	if (rc == OPT_HELP)
		return PE_EXIT_OK;
	if (rc < 0) {
		fprintf(stderr, "perfeng model: %s\nsee 'perfeng model --help'\n", pe_errmsg());
		return PE_EXIT_USAGE;
	}
	if (model_points(&c, argv[0], &text, &pts, &n) < 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
		goto out;
	}
	if (usl_fit_all(pts, n, fits) < 0) {
		status = cmd_fail(PE_EXIT_RUNTIME, "%s: %s", argv[0], pe_errmsg());
		goto out;
	}
	rep.source = strcmp(argv[0], "-") ? argv[0] : "standard input";
	rep.pts = pts;
	rep.n = n;
	rep.fits = fits;
	rep.chosen = usl_choose(fits, why, sizeof(why));
	if (c.forced && c.forced_kind != rep.chosen) {
		size_t len = strlen(why);

		snprintf(why + len, sizeof(why) - len, " (but --model %s was asked for)", usl_kind_name(c.forced_kind));
		rep.chosen = c.forced_kind;
	}
	rep.why = why;
	rep.predict = c.predict;
	rep.npredict = c.npredict;
	if (c.json) {
		json_t *root = model_report_json(&rep);

		json_dumpf(root, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
		putchar('\n');
		json_decref(root);
	} else {
		model_report_text(stdout, &rep);
	}
	if (c.svg && model_write_svg(&c, &rep) < 0)
		status = cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
out:
	free(pts);
	strbuf_release(&text);
	return status;
}
