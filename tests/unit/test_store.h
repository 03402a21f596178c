/*
 * The fixture shared by test_store.c (what the store does) and
 * test_store_safety.c (what it refuses and what it survives): a test runs
 * once per backend, on a new SQLite file in a temporary directory or on a
 * new database of a throw-away PostgreSQL server that pg-cluster.sh starts
 * for the group. Raw SQL (the sqlite3 API, libpq) checks what the store API
 * cannot. Included by those two files only, hence the static definitions.
 */
#ifndef PE_TEST_STORE_H
#define PE_TEST_STORE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libpq-fe.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stats/describe.h"
#include "store/store.h"
#include "store/store_impl.h"
#include "util/error.h"
#include "util/xalloc.h"

/* Not every file uses every helper. */
#define FX_HELPER static __attribute__((unused))

#define PG_CLUSTER "tests/helpers/pg-cluster.sh"

/* The PostgreSQL server of this group, or why there is none. */
static char pg_dir[64];
static char pg_host[64];
static char pg_why[2048];
static int ndatabases;

static const int backend_sqlite = 0, backend_pg = 1;

struct fx {
	int pg;
	char dir[64];		/* temporary directory, removed by the teardown */
	char *spec;		/* the store of the test, open in st */
	struct store *st;
	int nfresh;
};

FX_HELPER int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

FX_HELPER void rm_rf(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

FX_HELPER char *pg_url(const char *db, const char *extra)
{
	return xasprintf("postgres:///%s?host=%s&user=perfeng%s", db, pg_host, extra);
}

/* Runs sql on the PostgreSQL server as the admin; fails the test on error. */
FX_HELPER void pg_admin(const char *sql)
{
	char *url = pg_url("postgres", "");
	PGconn *c = PQconnectdb(url);
	PGresult *res = PQexec(c, sql);

	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	PQclear(res);
	PQfinish(c);
	free(url);
}

/* A spec for a new, empty store: a file that does not exist, or a new database. */
FX_HELPER char *fx_fresh(struct fx *fx)
{
	char db[32], *sql;

	if (!fx->pg)
		return xasprintf("%s/store%d.db", fx->dir, fx->nfresh++);
	snprintf(db, sizeof(db), "t%d", ndatabases++);
	sql = xasprintf("CREATE DATABASE %s", db);
	pg_admin(sql);
	free(sql);
	return pg_url(db, "");
}

FX_HELPER int fx_teardown(void **state)
{
	struct fx *fx = *state;

	store_close(fx->st);
	if (fx->dir[0])
		rm_rf(fx->dir);
	free(fx->spec);
	free(fx);
	return 0;
}

/* A failed setup is not torn down by cmocka: it cleans up after itself. */
FX_HELPER int fx_setup(void **state)
{
	struct fx *fx = xcalloc(1, sizeof(*fx));

	fx->pg = *(const int *)*state;
	*state = fx;
	strcpy(fx->dir, "/tmp/pe-store.XXXXXX");
	if (!mkdtemp(fx->dir)) {
		print_error("mkdtemp: %s\n", strerror(errno));
		fx->dir[0] = '\0';
	} else if (fx->pg && !pg_host[0])
		print_error("no PostgreSQL server for the tests: %s\n", pg_why);
	else if (fx->spec = fx_fresh(fx), store_open(fx->spec, &fx->st) < 0)
		print_error("store_open(%s): %s\n", fx->spec, pe_errmsg());
	else
		return 0;
	fx_teardown(state);
	return -1;
}

/* Starts the PostgreSQL server; without one the PostgreSQL tests fail in their setup. */
FX_HELPER int group_setup(void **state)
{
	char *cmd, line[1024] = "";
	size_t len = 0;
	FILE *p;

	(void)state;
	if (access(PG_CLUSTER, X_OK) < 0) {
		snprintf(pg_why, sizeof(pg_why), "%s: %s (run the tests from the repository root)",
			 PG_CLUSTER, strerror(errno));
		return 0;
	}
	strcpy(pg_dir, "/tmp/pe-pg.XXXXXX");
	if (!mkdtemp(pg_dir)) {
		snprintf(pg_why, sizeof(pg_why), "mkdtemp: %s", strerror(errno));
		return 0;
	}
	cmd = xasprintf("%s start %s 2>&1", PG_CLUSTER, pg_dir);
	p = popen(cmd, "r");
	free(cmd);
	/* The script's last line is the URL; all of its output explains a failure. */
	while (p && fgets(line, sizeof(line), p))
		if (len + strlen(line) < sizeof(pg_why)) {
			strcpy(pg_why + len, line);
			len += strlen(line);
		}
	if (p && pclose(p) == 0 && !strncmp(line, "postgres:///postgres?host=", 26))
		snprintf(pg_host, sizeof(pg_host), "%s", pg_dir);
	return 0;
}

FX_HELPER int group_teardown(void **state)
{
	char *cmd;

	(void)state;
	if (!pg_dir[0])
		return 0;
	cmd = xasprintf("%s stop %s", PG_CLUSTER, pg_dir);
	if (system(cmd) != 0)
		print_error("could not stop the PostgreSQL server in %s\n", pg_dir);
	free(cmd);
	return 0;
}

/* --- raw access, outside the store API --------------------------------------- */

FX_HELPER int raw_cb(void *arg, int n, char **values, char **names)
{
	char **out = arg;

	(void)names;
	if (n > 0 && !*out)
		*out = xstrdup(values[0] ? values[0] : "NULL");
	return 0;
}

/* Runs sql on the store behind spec; the first value of the last result, new ("" when none). */
FX_HELPER char *raw(const struct fx *fx, const char *spec, const char *sql)
{
	char *out = NULL, *err = NULL;

	if (!fx->pg) {
		sqlite3 *db;

		if (sqlite3_open_v2(spec, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
		    sqlite3_exec(db, sql, raw_cb, &out, &err) != SQLITE_OK)
			fail_msg("%s on %s: %s", sql, spec, err ? err : sqlite3_errmsg(db));
		sqlite3_close(db);
	} else {
		PGconn *c = PQconnectdb(spec);
		PGresult *res = PQexec(c, sql);
		ExecStatusType st = PQresultStatus(res);

		if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
			fail_msg("%s on %s: %s", sql, spec, PQerrorMessage(c));
		if (st == PGRES_TUPLES_OK && PQntuples(res))
			out = xstrdup(PQgetvalue(res, 0, 0));
		PQclear(res);
		PQfinish(c);
	}
	return out ? out : xstrdup("");
}

FX_HELPER long long raw_int(const struct fx *fx, const char *spec, const char *sql)
{
	char *v = raw(fx, spec, sql);
	long long n = atoll(v);

	free(v);
	return n;
}

/* The bytes of a file, to show that a refused file was not touched. */
FX_HELPER char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	rewind(f);
	buf = xmalloc(*len + 1);
	assert_int_equal(fread(buf, 1, *len, f), *len);
	fclose(f);
	return buf;
}

FX_HELPER void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

/* --- building runs -------------------------------------------------------------- */

/* A run with every field set; the caller releases it. */
FX_HELPER void make_run(struct store_run *r, const char *name, const char *kind, int64_t started)
{
	memset(r, 0, sizeof(*r));
	r->kind = xstrdup(kind);
	r->name = xstrdup(name);
	r->started = started;
	r->ended = started + 2500000;
	r->version = xstrdup("0.3.0-12-gabcdef");
	r->command_line = xstrdup("perfeng bench --save api 'curl -s localhost'");
	r->hostname = xstrdup("ci-7");
	r->cpu_model = xstrdup("AMD EPYC 7B13 64-Core Processor");
	r->governor = NULL;	/* saved as NULL, read back as "" */
	r->kernel = xstrdup("Linux 6.1.0-13-amd64");
	r->cores = 16;
	r->loadavg_before = 0.25;
	r->loadavg_after = 1.5;
	r->git_commit = xstrdup("0123456789abcdef0123456789abcdef01234567");
	r->git_branch = xstrdup("main");
	r->git_dirty = 1;
}

/* Saves a run named name at started with a "wall" metric of samples {a, b, c}. */
FX_HELPER int64_t save_simple(struct store *st, const char *name, const char *kind,
			   int64_t started, const char *tag, double a, double b, double c)
{
	struct store_run r;
	double x[3] = { a, b, c };
	int64_t id;

	make_run(&r, name, kind, started);
	if (tag)
		store_run_add_tag(&r, tag);
	store_metric_set_samples(store_run_add_metric(&r, "wall", "s", 0), x, 3);
	if (store_save(st, &r) < 0)
		fail_msg("store_save: %s", pe_errmsg());
	id = r.id;
	assert_true(id > 0);
	store_run_release(&r);
	return id;
}

/* The last error is exactly this message. */
__attribute__((format(printf, 1, 2))) FX_HELPER void assert_err(const char *fmt, ...)
{
	char want[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	assert_string_equal(pe_errmsg(), want);
}

FX_HELPER void assert_same_double(double a, double b)
{
	if (isnan(a) && isnan(b))
		return;
	if (memcmp(&a, &b, sizeof(a)) != 0)
		fail_msg("%.17g (%a) read back as %.17g (%a)", a, a, b, b);
}

FX_HELPER void assert_same_str(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

FX_HELPER void assert_same_run(const struct store_run *a, const struct store_run *b, int samples)
{
	assert_int_equal(a->id, b->id);
	assert_same_str(a->kind, b->kind);
	assert_same_str(a->name, b->name);
	assert_int_equal(a->started, b->started);
	assert_int_equal(a->ended, b->ended);
	assert_same_str(a->version, b->version);
	assert_same_str(a->command_line, b->command_line);
	assert_same_str(a->hostname, b->hostname);
	assert_same_str(a->cpu_model, b->cpu_model);
	assert_string_equal(a->governor ? a->governor : "", b->governor);
	assert_same_str(a->kernel, b->kernel);
	assert_int_equal(a->cores, b->cores);
	assert_same_double(a->loadavg_before, b->loadavg_before);
	assert_same_double(a->loadavg_after, b->loadavg_after);
	assert_same_str(a->git_commit, b->git_commit);
	assert_same_str(a->git_branch, b->git_branch);
	assert_int_equal(a->git_dirty, b->git_dirty);
	assert_int_equal(a->nmetrics, b->nmetrics);
	for (size_t i = 0; i < a->nmetrics; i++) {
		const struct store_metric *m = &a->metrics[i], *n = &b->metrics[i];

		assert_string_equal(m->name, n->name);
		assert_string_equal(m->unit, n->unit);
		assert_int_equal(m->higher_is_better, n->higher_is_better);
		assert_same_double(m->mean, n->mean);
		assert_same_double(m->stddev, n->stddev);
		assert_same_double(m->median, n->median);
		assert_same_double(m->min, n->min);
		assert_same_double(m->max, n->max);
		if (!samples) {
			assert_int_equal(n->nsamples, 0);
			assert_null(n->samples);
			assert_null(n->blob);
			continue;
		}
		assert_int_equal(m->nsamples, n->nsamples);
		if (m->nsamples)
			assert_memory_equal(m->samples, n->samples, 8 * m->nsamples);
		assert_int_equal(m->blob_len, n->blob_len);
		if (m->blob_len)
			assert_memory_equal(m->blob, n->blob, m->blob_len);
	}
}


/* A test function run on SQLite, then on PostgreSQL. */
#define BOTH(f)                                                                       \
	{ .name = "sqlite " #f, .test_func = f, .setup_func = fx_setup,                 \
	  .teardown_func = fx_teardown, .initial_state = (void *)&backend_sqlite },     \
	{ .name = "postgres " #f, .test_func = f, .setup_func = fx_setup,               \
	  .teardown_func = fx_teardown, .initial_state = (void *)&backend_pg }
#define SQLITE_ONLY(f)                                                                \
	{ .name = "sqlite " #f, .test_func = f, .setup_func = fx_setup,                 \
	  .teardown_func = fx_teardown, .initial_state = (void *)&backend_sqlite }
#define POSTGRES_ONLY(f)                                                              \
	{ .name = "postgres " #f, .test_func = f, .setup_func = fx_setup,               \
	  .teardown_func = fx_teardown, .initial_state = (void *)&backend_pg }

#endif
