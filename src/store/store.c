/*
 * The store's front: picks a backend for a spec, checks what callers pass
 * (run names, tags, references, statistics) and turns "not found" into
 * messages a user can act on. Rows move in sqlite.c and postgres.c.
 */
#include "store/store.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "stats/describe.h"
#include "store/store_impl.h"
#include "util/argv.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* --- opening ----------------------------------------------------------------- */

/* mkdir -p for the directories above file path; 0 or -1 with pe_error. */
static int store__mkdirs_for(const char *path)
{
	char *dir = xstrdup(path);
	int ret = 0;

	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
			ret = pe_error("cannot create directory '%s': %s", dir, strerror(errno));
			break;
		}
		*p = '/';
	}
	free(dir);
	return ret;
}

static int store__is_url(const char *spec)
{
	return !strncmp(spec, "postgres://", 11) || !strncmp(spec, "postgresql://", 13);
}

/*
 * The default store: $PERFENG_STORE (a path or a URL), else a file under the
 * XDG data directory. The directories above a file are created here.
 * Returns a new string the caller frees, or NULL with pe_error.
 */
static char *store__default_spec(void)
{
	const char *env = getenv("PERFENG_STORE");
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	char *path;

	if (env && *env && store__is_url(env))
		return xstrdup(env);
	if (env && *env)
		path = xstrdup(env);
	else if (xdg && xdg[0] == '/')	/* the XDG spec: a relative one is ignored */
		path = xasprintf("%s/perfeng/results.db", xdg);
	else if (home && *home)
		path = xasprintf("%s/.local/share/perfeng/results.db", home);
	else {
		pe_error("cannot find the results store: HOME is not set; set PERFENG_STORE "
			 "or pass --store");
		return NULL;
	}
	if (store__mkdirs_for(path) < 0) {
		free(path);
		return NULL;
	}
	return path;
}

int store_open(const char *spec, struct store **out)
{
	char *dflt = NULL;
	int ret;

	*out = NULL;
	if (!spec || !*spec) {
		dflt = store__default_spec();
		if (!dflt)
			return -1;
		spec = dflt;
	}
	if (store__is_url(spec))
		ret = store__postgres_open(spec, out);
	else
		ret = store__sqlite_open(spec, out);
	free(dflt);
	return ret;
}

void store_close(struct store *s)
{
	if (s)
		s->ops->close(s);
}

const char *store_backend(const struct store *s)
{
	return s->ops->name;
}

const char *store_location(const struct store *s)
{
	return s->location;
}

/* --- checks on what callers pass ---------------------------------------------- */

static int store__all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/*
 * A name must not read as an id. It may hold '@' (imported runs are named
 * after commands): a reference splits at the last '@', and falls back to
 * the whole reference as a name.
 */
int store_check_name(const char *name)
{
	if (!name || !*name)
		return pe_error("a run needs a name");
	if (store__all_digits(name))
		return pe_error("'%s' cannot be a run name: it would read as a run id", name);
	return 0;
}

int store_check_tag(const char *tag)
{
	if (!tag || !*tag)
		return pe_error("a tag cannot be empty");
	if (strchr(tag, '@'))
		return pe_error("'%s' cannot be a tag: it contains '@'", tag);
	if (!strcmp(tag, "latest") || !strncmp(tag, "latest~", 7))
		return pe_error("'%s' cannot be a tag: NAME@%s already means a run by age", tag,
				tag);
	return 0;
}

int store_check_save_args(const char *save, const char *const *tags, size_t ntags, const char *store_spec)
{
	if ((ntags || store_spec) && !save)
		return pe_error("--tag and --store need --save NAME");
	if (save && store_check_name(save) < 0)
		return -1;
	for (size_t i = 0; i < ntags; i++)
		if (store_check_tag(tags[i]) < 0)
			return -1;
	return 0;
}

char *store_elide_password(const char *spec)
{
	char *pw[2] = { NULL, NULL }, *out;

	if (!strstr(spec, "://"))
		return xstrdup(spec);
	out = store__url_elide(spec, pw);
	free(pw[0]);
	free(pw[1]);
	return out;
}

char *store_command_line(int argc, char *const *argv)
{
	char **v = xcalloc((size_t)argc + 1, sizeof(*v)), *joined, *line;

	for (int i = 0; i < argc; i++)
		v[i] = store_elide_password(argv[i]);
	joined = argv_join(v);
	argv_free(v);
	line = xasprintf("perfeng %s", joined);
	free(joined);
	return line;
}

int store_save(struct store *s, struct store_run *run)
{
	if (store_check_name(run->name) < 0)
		return -1;
	if (!run->kind || !*run->kind)
		return pe_error("run '%s' needs a kind (bench, load, profile, ...)", run->name);
	for (size_t i = 0; i < run->ntags; i++)
		if (store_check_tag(run->tags[i]) < 0)
			return -1;
	for (size_t i = 0; i < run->nmetrics; i++) {
		const struct store_metric *m = &run->metrics[i];

		if (!m->name || !*m->name)
			return pe_error("run '%s' has a metric without a name", run->name);
		if (m->nsamples && !m->samples)
			return pe_error("run '%s': metric '%s' has %zu samples but no array",
					run->name, m->name, m->nsamples);
		if (m->blob_len && !m->blob)
			return pe_error("run '%s': metric '%s' has a blob length but no blob",
					run->name, m->name);
	}
	return s->ops->save(s, run);
}

int store_list(struct store *s, const struct store_query *q, struct store_run **runs, size_t *n)
{
	static const struct store_query all;

	*runs = NULL;
	*n = 0;
	return s->ops->list(s, q ? q : &all, runs, n);
}

int store_get(struct store *s, int64_t id, struct store_run *out)
{
	memset(out, 0, sizeof(*out));
	return s->ops->get(s, id, out);
}

int store_tag(struct store *s, int64_t id, const char *tag)
{
	if (store_check_tag(tag) < 0)
		return -1;
	return s->ops->tag(s, id, tag);
}

int store_rm(struct store *s, int64_t id)
{
	return s->ops->rm(s, id);
}

/* --- references ------------------------------------------------------------------ */

static int store__bad_ref(const char *ref)
{
	return pe_error("'%s' is not a run reference (try 42, NAME, NAME@latest, "
			"NAME@latest~1 or NAME@TAG)", ref);
}

/* "no run named 'api'" or "no run of 'api' is tagged 'v2'", as the store says. */
static int store__tag_not_found(struct store *s, const char *name, const char *tag)
{
	int64_t id;
	size_t count;

	if (s->ops->nth_latest(s, name, NULL, 0, &id, &count) < 0)
		return -1;
	if (!id)
		return pe_error("no run named '%s'", name);
	return pe_error("no run of '%s' is tagged '%s'", name, tag);
}

int store_resolve(struct store *s, const char *ref, int64_t *id)
{
	char *name = NULL, *end;
	const char *at, *sel, *tag = NULL;
	unsigned long long nth = 0;
	size_t count;
	int ret;

	*id = 0;
	if (!ref || !*ref)
		return pe_error("an empty run reference (try 42, NAME, NAME@latest or NAME@TAG)");
	if (store__all_digits(ref)) {
		unsigned long long v;

		errno = 0;
		v = strtoull(ref, &end, 10);
		if (errno || v > INT64_MAX)
			return pe_error("no run %s", ref);
		ret = s->ops->exists(s, (int64_t)v);
		if (ret <= 0)
			return ret < 0 ? -1 : pe_error("no run %s", ref);
		*id = (int64_t)v;
		return 0;
	}
	at = strrchr(ref, '@');
	sel = at ? at + 1 : "latest";
	if (at == ref || !*sel)
		return store__bad_ref(ref);
	if (!strncmp(sel, "latest~", 7)) {
		if (!store__all_digits(sel + 7))
			return store__bad_ref(ref);
		errno = 0;
		nth = strtoull(sel + 7, &end, 10);
		if (errno || nth > INT64_MAX)
			return store__bad_ref(ref);
	} else if (strcmp(sel, "latest") != 0)
		tag = sel;
	name = at ? xstrndup(ref, (size_t)(at - ref)) : xstrdup(ref);
	ret = s->ops->nth_latest(s, name, tag, (size_t)nth, id, &count);
	if (ret == 0 && !*id && at) {	/* "a@b" may be a run named so */
		size_t whole;

		if (s->ops->nth_latest(s, ref, NULL, 0, id, &whole) < 0)
			ret = -1;
	}
	if (ret == 0 && !*id) {
		if (tag)
			ret = store__tag_not_found(s, name, tag);
		else if (!count)
			ret = pe_error("no run named '%s'", name);
		else
			ret = pe_error("'%s' has %zu run%s; %s does not exist", name, count,
				       count == 1 ? "" : "s", ref);
	}
	free(name);
	return ret;
}

/* --- history ---------------------------------------------------------------------- */

int store_series_get(struct store *s, const char *name, const char *metric, const char *stat,
		     struct store_series *out)
{
	/* The statistic becomes a column name in SQL: only these get through. */
	static const char *const columns[] = { "median", "mean", "min", "max", "stddev" };
	const char *column = NULL;
	int64_t id;
	size_t count;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < ARRAY_SIZE(columns); i++)
		if (stat && !strcmp(stat, columns[i]))
			column = columns[i];
	if (!column)
		return pe_error("unknown statistic '%s' (try median, mean, min, max or stddev)",
				stat ? stat : "");
	if (!name || !metric)
		return pe_error("a series needs a run name and a metric");
	if (s->ops->series(s, name, metric, column, out) < 0)
		return -1;
	if (out->n)
		return 0;
	if (s->ops->nth_latest(s, name, NULL, 0, &id, &count) < 0)
		return -1;
	if (!id)
		return pe_error("no run named '%s'", name);
	return pe_error("no run of '%s' has a metric '%s'", name, metric);
}

void store_series_free(struct store_series *se)
{
	for (size_t i = 0; i < se->n; i++)
		free(se->commit[i]);
	free(se->id);
	free(se->started);
	free(se->commit);
	free(se->value);
	memset(se, 0, sizeof(*se));
}

/* --- building and releasing runs ----------------------------------------------------- */

void store_run_release(struct store_run *r)
{
	char **strings[] = { &r->kind, &r->name, &r->version, &r->command_line, &r->hostname,
			     &r->cpu_model, &r->governor, &r->kernel, &r->git_commit,
			     &r->git_branch };

	for (size_t i = 0; i < ARRAY_SIZE(strings); i++)
		free(*strings[i]);
	for (size_t i = 0; i < r->ntags; i++)
		free(r->tags[i]);
	free(r->tags);
	for (size_t i = 0; i < r->nmetrics; i++) {
		free(r->metrics[i].name);
		free(r->metrics[i].unit);
		free(r->metrics[i].samples);
		free(r->metrics[i].blob);
	}
	free(r->metrics);
	memset(r, 0, sizeof(*r));
}

void store_runs_free(struct store_run *runs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		store_run_release(&runs[i]);
	free(runs);
}

void store__add_tag(struct store_run *r, char *tag)
{
	/* A run has a handful of tags: growing one by one is fine. */
	r->tags = xrealloc(r->tags, (r->ntags + 1) * sizeof(*r->tags));
	r->tags[r->ntags++] = tag;
}

void store_run_add_tag(struct store_run *r, const char *tag)
{
	store__add_tag(r, xstrdup(tag));
}

struct store_metric *store__add_metric(struct store_run *r, char *name, char *unit,
				       int higher_is_better)
{
	struct store_metric *m;

	r->metrics = xrealloc(r->metrics, (r->nmetrics + 1) * sizeof(*r->metrics));
	m = &r->metrics[r->nmetrics++];
	memset(m, 0, sizeof(*m));
	m->name = name;
	m->unit = unit;
	m->higher_is_better = higher_is_better;
	m->mean = m->stddev = m->median = m->min = m->max = NAN;
	return m;
}

/*
 * The returned metric lives in r->metrics and moves when another metric is
 * added: fill it in before the next store_run_add_metric().
 */
struct store_metric *store_run_add_metric(struct store_run *r, const char *name, const char *unit,
					  int higher_is_better)
{
	return store__add_metric(r, xstrdup(name), xstrdup(unit ? unit : ""),
				 higher_is_better != 0);
}

void store_metric_set_samples(struct store_metric *m, const double *x, size_t n)
{
	free(m->samples);
	m->samples = NULL;
	m->nsamples = n;
	m->mean = m->stddev = m->median = m->min = m->max = NAN;
	if (!n)
		return;
	m->samples = xmalloc(n * sizeof(*x));
	memcpy(m->samples, x, n * sizeof(*x));
	m->mean = stats_mean(x, n);
	m->stddev = stats_stddev(x, n);
	m->median = stats_median(x, n);
	m->min = m->max = x[0];
	for (size_t i = 1; i < n; i++) {
		if (x[i] < m->min)
			m->min = x[i];
		if (x[i] > m->max)
			m->max = x[i];
	}
}

/* --- shared by the backends ----------------------------------------------------------- */

void store__samples_encode(const double *x, size_t n, unsigned char *out)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t u;

		memcpy(&u, &x[i], 8);
		for (int b = 0; b < 8; b++)
			out[8 * i + b] = (unsigned char)(u >> (8 * b));
	}
}

int store__samples_decode(const void *bytes, size_t len, size_t nsamples, double **out)
{
	const unsigned char *p = bytes;
	double *x;

	*out = NULL;
	if (len / 8 != nsamples || len % 8)
		return -1;
	if (!nsamples)
		return 0;
	x = xmalloc(nsamples * sizeof(*x));
	for (size_t i = 0; i < nsamples; i++) {
		uint64_t u = 0;

		for (int b = 0; b < 8; b++)
			u |= (uint64_t)p[8 * i + b] << (8 * b);
		memcpy(&x[i], &u, 8);
	}
	*out = x;
	return 0;
}

int store__where(struct strbuf *sql, const struct store_query *q, char mark, int first,
		 const char *args[3])
{
	int n = 0;

	if (q->name) {
		strbuf_addf(sql, "%s name = %c%d", n ? " AND" : " WHERE", mark, first + n);
		args[n++] = q->name;
	}
	if (q->kind) {
		strbuf_addf(sql, "%s kind = %c%d", n ? " AND" : " WHERE", mark, first + n);
		args[n++] = q->kind;
	}
	if (q->tag) {
		strbuf_addf(sql, "%s id IN (SELECT run_id FROM tag WHERE tag = %c%d)",
			    n ? " AND" : " WHERE", mark, first + n);
		args[n++] = q->tag;
	}
	return n;
}

static int store__cmp_index(const void *a, const void *b, void *arg)
{
	const struct store_run *runs = arg;
	int64_t x = runs[*(const size_t *)a].id, y = runs[*(const size_t *)b].id;

	return (x > y) - (x < y);
}

size_t *store__index_by_id(const struct store_run *runs, size_t n)
{
	size_t *index = xmalloc((n ? n : 1) * sizeof(*index));

	for (size_t i = 0; i < n; i++)
		index[i] = i;
	qsort_r(index, n, sizeof(*index), store__cmp_index, (void *)runs);
	return index;
}

struct store_run *store__find_run(struct store_run *runs, const size_t *index, size_t n,
				  int64_t id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (runs[index[mid]].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && runs[index[lo]].id == id ? &runs[index[lo]] : NULL;
}

size_t store_series_drop_nonfinite(struct store_series *se)
{
	size_t k = 0;

	for (size_t i = 0; i < se->n; i++) {
		if (!isfinite(se->value[i])) {
			free(se->commit[i]);
			continue;
		}
		se->id[k] = se->id[i];
		se->started[k] = se->started[i];
		se->commit[k] = se->commit[i];
		se->value[k] = se->value[i];
		k++;
	}
	k = se->n - k;
	se->n -= k;
	return k;
}
