/*
 * The PostgreSQL backend, through libpq: the schema of the SQLite one
 * (schema.c) in PostgreSQL's types, for a team or many CI runners sharing one store.
 * Parameters always travel separately from the SQL (PQexecParams), samples
 * and blobs as binary BYTEA parameters. The password of the URL is kept out
 * of store_location() and of every message. This file holds the store's
 * operations; libpq's loading and the statement helpers are in pg_conn.c,
 * the schema's creation and migration in pg_schema.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg_impl.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* Engines never print: notices (e.g. from CREATE) would go to stderr. */
static void pg_quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static const struct store_ops pg_ops;

int store__postgres_open(const char *url, struct store **out)
{
	/* Before dbname, so that the URL's own settings win over these defaults. */
	static const char *const keys[] = {
		"connect_timeout", "fallback_application_name", "dbname", NULL
	};
	const char *values[] = { "10", "perfeng", url, NULL };
	struct pg_store *ps;
	PGresult *res;
	int version;

	if (pg__load() < 0)
		return -1;
	ps = xcalloc(1, sizeof(*ps));
	ps->base.ops = &pg_ops;
	ps->base.location = store__url_elide(url, ps->password);
	ps->conn = PQconnectdbParams(keys, values, 1);
	if (!ps->conn || PQstatus(ps->conn) != CONNECTION_OK) {
		const char *why = ps->conn ? PQerrorMessage(ps->conn) : "out of memory";
		char *msg = store__scrub(ps->password, why);

		pe_error("cannot connect to %s: %s", ps->base.location, msg);
		free(msg);
		goto fail;
	}
	PQsetNoticeProcessor(ps->conn, pg_quiet, NULL);
	/* Hex BYTEA for pg__bytea; float output that reads back bit for bit. */
	res = PQexec(ps->conn, "SET client_min_messages = warning; SET bytea_output = hex;"
		     " SET extra_float_digits = 3");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		pg__fail(ps, "cannot open store", res);
		PQclear(res);
		goto fail;
	}
	PQclear(res);
	if (pg__read_version(ps, &version) < 0)
		goto fail;
	if (version < STORE_SCHEMA_VERSION && pg__migrate(ps) < 0)
		goto fail;
	*out = &ps->base;
	return 0;
fail:
	ps->base.ops->close(&ps->base);
	return -1;
}

static void pg_close(struct store *s)
{
	struct pg_store *ps = (struct pg_store *)s;

	PQfinish(ps->conn);
	free(ps->password[0]);
	free(ps->password[1]);
	free(ps->base.location);
	free(ps);
}

/* --- saving ------------------------------------------------------------------------------ */

static int pg_insert_metric(struct pg_store *ps, const char *run_id, const struct store_run *run,
			    const struct store_metric *m)
{
	struct pg_params p = { 0 };
	unsigned char *bytes = NULL;
	PGresult *res;
	int ret = 0;

	if (m->nsamples > (size_t)INT32_MAX / 8 || m->blob_len > (size_t)INT32_MAX)
		return pe_error("cannot save run '%s': metric '%s' is too large", run->name,
				m->name);
	pg__pp_str(&p, run_id);
	pg__pp_str(&p, m->name);
	pg__pp_str(&p, m->unit ? m->unit : "");
	pg__pp_i64(&p, m->higher_is_better != 0);
	pg__pp_f64(&p, m->mean);
	pg__pp_f64(&p, m->stddev);
	pg__pp_f64(&p, m->median);
	pg__pp_f64(&p, m->min);
	pg__pp_f64(&p, m->max);
	pg__pp_i64(&p, (int64_t)m->nsamples);
	if (m->nsamples) {
		bytes = xmalloc(8 * m->nsamples);
		store__samples_encode(m->samples, m->nsamples, bytes);
		pg__pp_bin(&p, bytes, 8 * m->nsamples);
	} else
		pg__pp_str(&p, NULL);
	if (m->blob)
		pg__pp_bin(&p, m->blob, m->blob_len);
	else
		pg__pp_str(&p, NULL);
	res = PQexecParams(ps->conn, "INSERT INTO metric (run_id, name, unit, higher_is_better,"
			   " mean, stddev, median, min, max, nsamples, samples, blob)"
			   " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
			   p.n, NULL, p.v, p.len, p.fmt, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

		if (state && !strcmp(state, "23505"))	/* unique_violation */
			ret = pe_error("cannot save run '%s': it has two metrics named '%s'",
				       run->name, m->name);
		else
			ret = pg__fail(ps, "cannot save to", res);
	}
	PQclear(res);
	free(bytes);
	return ret;
}

static int pg_save_locked(struct pg_store *ps, const struct store_run *run, int64_t *id)
{
	struct pg_params p = { 0 };
	PGresult *res;
	char run_id[32];

	pg__pp_str(&p, run->kind);
	pg__pp_str(&p, run->name);
	pg__pp_i64(&p, run->started);
	pg__pp_i64(&p, run->ended);
	pg__pp_str(&p, run->version);
	pg__pp_str(&p, run->command_line);
	pg__pp_str(&p, run->hostname);
	pg__pp_str(&p, run->cpu_model);
	pg__pp_str(&p, run->governor);
	pg__pp_str(&p, run->kernel);
	pg__pp_i64(&p, run->cores);
	pg__pp_f64(&p, run->loadavg_before);
	pg__pp_f64(&p, run->loadavg_after);
	pg__pp_str(&p, run->git_commit);
	pg__pp_str(&p, run->git_branch);
	pg__pp_i64(&p, run->git_dirty);
	res = pg__run(ps, "INSERT INTO run (kind, name, started, ended, version, command_line,"
		     " hostname, cpu_model, governor, kernel, cores, loadavg_before,"
		     " loadavg_after, git_commit, git_branch, git_dirty) VALUES ($1, $2, $3, $4,"
		     " $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
		     &p, PGRES_TUPLES_OK, "cannot save to");
	if (!res)
		return -1;
	*id = pg__i64(res, 0, 0);
	snprintf(run_id, sizeof(run_id), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	for (size_t i = 0; i < run->ntags; i++) {
		p.n = 0;
		pg__pp_str(&p, run_id);
		pg__pp_str(&p, run->tags[i]);
		if (pg__cmd(ps, "INSERT INTO tag (run_id, tag) VALUES ($1, $2)"
			   " ON CONFLICT DO NOTHING", &p, "cannot save to") < 0)
			return -1;
	}
	for (size_t i = 0; i < run->nmetrics; i++)
		if (pg_insert_metric(ps, run_id, run, &run->metrics[i]) < 0)
			return -1;
	return 0;
}

static int pg_save(struct store *s, struct store_run *run)
{
	struct pg_store *ps = (struct pg_store *)s;
	int64_t id;

	if (pg__cmd(ps, "BEGIN", NULL, "cannot save to") < 0)
		return -1;
	if (pg_save_locked(ps, run, &id) < 0 || pg__cmd(ps, "COMMIT", NULL, "cannot save to") < 0) {
		pg__rollback(ps);
		return -1;
	}
	run->id = id;
	return 0;
}

/* --- reading ---------------------------------------------------------------------------- */

static void pg_run_from_row(const PGresult *res, int row, struct store_run *r)
{
	memset(r, 0, sizeof(*r));
	r->id = pg__i64(res, row, 0);
	r->kind = pg__str(res, row, 1);
	r->name = pg__str(res, row, 2);
	r->started = pg__i64(res, row, 3);
	r->ended = pg__i64(res, row, 4);
	r->version = pg__str(res, row, 5);
	r->command_line = pg__str(res, row, 6);
	r->hostname = pg__str(res, row, 7);
	r->cpu_model = pg__str(res, row, 8);
	r->governor = pg__str(res, row, 9);
	r->kernel = pg__str(res, row, 10);
	r->cores = (int)pg__i64(res, row, 11);
	r->loadavg_before = pg__f64(res, row, 12);
	r->loadavg_after = pg__f64(res, row, 13);
	r->git_commit = pg__str(res, row, 14);
	r->git_branch = pg__str(res, row, 15);
	r->git_dirty = (int)pg__i64(res, row, 16);
}

/* Reads the summary columns (name .. max, from column `first`) into a new metric of r. */
static struct store_metric *pg_metric_from_row(const PGresult *res, int row, int first,
					       struct store_run *r)
{
	struct store_metric *m;

	m = store__add_metric(r, pg__str(res, row, first), pg__str(res, row, first + 1),
			      (int)pg__i64(res, row, first + 2));
	m->mean = pg__f64(res, row, first + 3);
	m->stddev = pg__f64(res, row, first + 4);
	m->median = pg__f64(res, row, first + 5);
	m->min = pg__f64(res, row, first + 6);
	m->max = pg__f64(res, row, first + 7);
	return m;
}

static int pg_get_metrics(struct pg_store *ps, const struct pg_params *p, struct store_run *out)
{
	PGresult *res = pg__run(ps, "SELECT name, unit, higher_is_better, mean, stddev, median,"
			       " min, max, nsamples, samples, blob FROM metric WHERE run_id = $1"
			       " ORDER BY id", p, PGRES_TUPLES_OK, "cannot read");
	int ret = 0;

	if (!res)
		return -1;
	for (int i = 0; i < PQntuples(res) && !ret; i++) {
		struct store_metric *m = pg_metric_from_row(res, i, 0, out);
		int64_t n = pg__i64(res, i, 8);
		unsigned char *bytes;
		size_t len;

		if (pg__bytea(res, i, 9, &bytes, &len) < 0 || n < 0 ||
		    store__samples_decode(bytes, len, (size_t)n, &m->samples) < 0 ||
		    pg__bytea(res, i, 10, (unsigned char **)&m->blob, &m->blob_len) < 0)
			ret = pe_error("'%s' is damaged: run %lld, metric '%s' has %zu bytes of "
				       "samples for %lld samples", ps->base.location,
				       (long long)out->id, m->name, len, (long long)n);
		else
			m->nsamples = (size_t)n;
		free(bytes);
	}
	PQclear(res);
	return ret;
}

static int pg_get(struct store *s, int64_t id, struct store_run *out)
{
	struct pg_store *ps = (struct pg_store *)s;
	struct pg_params p = { 0 };
	PGresult *res;
	int ret = -1;

	pg__pp_i64(&p, id);
	if (pg__begin_read(ps) < 0)
		return -1;
	res = pg__run(ps, "SELECT " STORE__RUN_COLUMNS " FROM run WHERE id = $1", &p,
		     PGRES_TUPLES_OK, "cannot read");
	if (!res)
		goto out;
	if (!PQntuples(res)) {
		PQclear(res);
		pe_error("no run %lld", (long long)id);
		goto out;
	}
	pg_run_from_row(res, 0, out);
	PQclear(res);
	res = pg__run(ps, "SELECT tag FROM tag WHERE run_id = $1 ORDER BY tag COLLATE \"C\"", &p,
		     PGRES_TUPLES_OK, "cannot read");
	if (!res)
		goto out;
	for (int i = 0; i < PQntuples(res); i++)
		store__add_tag(out, pg__str(res, i, 0));
	PQclear(res);
	ret = pg_get_metrics(ps, &p, out);
out:
	pg__end_read(ps);
	if (ret < 0)
		store_run_release(out);
	return ret;
}

/* Parameters of a list query: the filter values, then the limit. */
static void pg_query_params(struct pg_params *p, const char *args[3], int nargs, size_t limit)
{
	p->n = 0;
	for (int i = 0; i < nargs; i++)
		pg__pp_str(p, args[i]);
	if (limit)
		pg__pp_i64(p, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
}

/*
 * Attaches the tags and metric summaries of the listed runs, one query
 * each, by their ids as an array: a nested copy of the runs' query would
 * leave the planner guessing how many runs come out, and scanning.
 */
static int pg_list_attach(struct pg_store *ps, struct store_run *runs, size_t n)
{
	static const char *const sql[2] = {
		"SELECT run_id, tag FROM tag WHERE run_id = ANY ($1::BIGINT[])"
		" ORDER BY run_id, tag COLLATE \"C\"",
		"SELECT run_id, name, unit, higher_is_better, mean, stddev, median, min, max"
		" FROM metric WHERE run_id = ANY ($1::BIGINT[]) ORDER BY run_id, id",
	};
	size_t *index = store__index_by_id(runs, n);
	struct strbuf ids = STRBUF_INIT;
	struct pg_params p = { 0 };
	int ret = 0;

	for (size_t i = 0; i < n; i++)
		strbuf_addf(&ids, "%c%lld", i ? ',' : '{', (long long)runs[i].id);
	strbuf_addch(&ids, '}');
	pg__pp_str(&p, ids.buf);
	for (int k = 0; k < 2 && !ret; k++) {
		PGresult *res = pg__run(ps, sql[k], &p, PGRES_TUPLES_OK, "cannot read");

		if (!res) {
			ret = -1;
			break;
		}
		for (int i = 0; i < PQntuples(res); i++) {
			struct store_run *r = store__find_run(runs, index, n, pg__i64(res, i, 0));

			if (r && k == 0)
				store__add_tag(r, pg__str(res, i, 1));
			else if (r)
				pg_metric_from_row(res, i, 1, r);
		}
		PQclear(res);
	}
	strbuf_release(&ids);
	free(index);
	return ret;
}

static int pg_list(struct store *s, const struct store_query *q, struct store_run **out,
		   size_t *nout)
{
	struct pg_store *ps = (struct pg_store *)s;
	struct strbuf where = STRBUF_INIT, sql = STRBUF_INIT;
	struct pg_params p;
	struct store_run *runs = NULL;
	const char *args[3];
	PGresult *res = NULL;
	size_t n = 0;
	int nargs, ret = -1;

	nargs = store__where(&where, q, '$', 1, args);
	pg_query_params(&p, args, nargs, q->limit);
	strbuf_addf(&sql, "SELECT " STORE__RUN_COLUMNS " FROM run%s", strbuf_str(&where));
	if (q->limit)
		strbuf_addf(&sql, STORE__NEWEST_FIRST " LIMIT $%d", nargs + 1);
	else
		strbuf_addstr(&sql, " ORDER BY started, id");
	if (pg__begin_read(ps) < 0)
		goto out;
	res = pg__run(ps, sql.buf, &p, PGRES_TUPLES_OK, "cannot read");
	if (!res)
		goto out;
	n = (size_t)PQntuples(res);
	runs = xcalloc(n ? n : 1, sizeof(*runs));
	/* With a limit the rows come newest first; the caller wants oldest first. */
	for (size_t i = 0; i < n; i++)
		pg_run_from_row(res, (int)(q->limit ? n - 1 - i : i), &runs[i]);
	if (n && pg_list_attach(ps, runs, n) < 0)
		goto out;
	ret = 0;
out:
	PQclear(res);
	pg__end_read(ps);
	strbuf_release(&where);
	strbuf_release(&sql);
	if (ret < 0) {
		store_runs_free(runs, n);
		return -1;
	}
	*out = runs;
	*nout = n;
	return 0;
}

/* Runs a query of one integer column: 1 and *v for a row, 0 for none, -1 on error. */
static int pg_one_int(struct pg_store *ps, const char *sql, const struct pg_params *p,
		      int64_t *v)
{
	PGresult *res = pg__run(ps, sql, p, PGRES_TUPLES_OK, "cannot read");
	int found;

	if (!res)
		return -1;
	found = PQntuples(res) > 0;
	if (found)
		*v = pg__i64(res, 0, 0);
	PQclear(res);
	return found;
}

static int pg_exists(struct store *s, int64_t id)
{
	struct pg_params p = { 0 };
	int64_t one;

	pg__pp_i64(&p, id);
	return pg_one_int((struct pg_store *)s, "SELECT 1 FROM run WHERE id = $1", &p, &one);
}

static int pg_nth_latest(struct store *s, const char *name, const char *tag, size_t nth,
			 int64_t *id, size_t *count)
{
	struct pg_store *ps = (struct pg_store *)s;
	struct pg_params p = { 0 };
	int64_t v = 0;
	int rc;

	*id = 0;
	*count = 0;
	pg__pp_str(&p, name);
	pg__pp_i64(&p, nth > INT64_MAX ? INT64_MAX : (int64_t)nth);
	if (tag)
		pg__pp_str(&p, tag);
	rc = pg_one_int(ps, tag ? "SELECT id FROM run WHERE name = $1 AND EXISTS"
			" (SELECT 1 FROM tag WHERE run_id = run.id AND tag = $3)" STORE__NEWEST_FIRST
			" LIMIT 1 OFFSET $2"
			: "SELECT id FROM run WHERE name = $1" STORE__NEWEST_FIRST
			" LIMIT 1 OFFSET $2", &p, &v);
	if (rc != 0) {
		*id = v;
		return rc < 0 ? -1 : 0;
	}
	p.n = 0;
	pg__pp_str(&p, name);
	if (tag)
		pg__pp_str(&p, tag);
	if (pg_one_int(ps, tag ? "SELECT count(*) FROM run WHERE name = $1 AND EXISTS"
		       " (SELECT 1 FROM tag WHERE run_id = run.id AND tag = $2)"
		       : "SELECT count(*) FROM run WHERE name = $1", &p, &v) < 0)
		return -1;
	*count = (size_t)v;
	return 0;
}

/* Runs a statement that changes rows; their number, or -1. */
static int64_t pg_changes(struct pg_store *ps, const char *sql, const struct pg_params *p,
			  const char *what)
{
	PGresult *res = pg__run(ps, sql, p, PGRES_COMMAND_OK, what);
	int64_t n;

	if (!res)
		return -1;
	n = strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return n;
}

static int pg_tag(struct store *s, int64_t id, const char *tag)
{
	struct pg_store *ps = (struct pg_store *)s;
	struct pg_params p = { 0 };
	int64_t n;
	int ret;

	pg__pp_i64(&p, id);
	pg__pp_str(&p, tag);
	n = pg_changes(ps, "INSERT INTO tag (run_id, tag) SELECT id, $2 FROM run WHERE id = $1"
		       " ON CONFLICT DO NOTHING", &p, "cannot tag in");
	if (n != 0)
		return n < 0 ? -1 : 0;
	ret = pg_exists(s, id);	/* nothing inserted: tagged already, or no such run */
	if (ret < 0)
		return -1;
	return ret ? 0 : pe_error("no run %lld", (long long)id);
}

static int pg_rm(struct store *s, int64_t id)
{
	struct pg_params p = { 0 };
	int64_t n;

	pg__pp_i64(&p, id);
	n = pg_changes((struct pg_store *)s, "DELETE FROM run WHERE id = $1", &p,
		       "cannot remove from");
	if (n < 0)
		return -1;
	return n ? 0 : pe_error("no run %lld", (long long)id);
}

static int pg_series(struct store *s, const char *name, const char *metric, const char *column,
		     struct store_series *out)
{
	struct pg_store *ps = (struct pg_store *)s;
	struct pg_params p = { 0 };
	PGresult *res;
	char *sql;
	size_t n;

	pg__pp_str(&p, name);
	pg__pp_str(&p, metric);
	sql = xasprintf("SELECT r.id, r.started, r.git_commit, m.%s FROM run r JOIN metric m"
			" ON m.run_id = r.id AND m.name = $2 WHERE r.name = $1"
			" ORDER BY r.started, r.id", column);
	res = pg__run(ps, sql, &p, PGRES_TUPLES_OK, "cannot read");
	free(sql);
	if (!res)
		return -1;
	n = (size_t)PQntuples(res);
	if (n) {
		out->id = xmalloc(n * sizeof(*out->id));
		out->started = xmalloc(n * sizeof(*out->started));
		out->commit = xmalloc(n * sizeof(*out->commit));
		out->value = xmalloc(n * sizeof(*out->value));
	}
	for (size_t i = 0; i < n; i++) {
		out->id[i] = pg__i64(res, (int)i, 0);
		out->started[i] = pg__i64(res, (int)i, 1);
		out->commit[i] = pg__str(res, (int)i, 2);
		out->value[i] = pg__f64(res, (int)i, 3);
	}
	out->n = n;
	PQclear(res);
	return 0;
}

static const struct store_ops pg_ops = {
	.name = "postgres",
	.close = pg_close,
	.save = pg_save,
	.list = pg_list,
	.get = pg_get,
	.exists = pg_exists,
	.nth_latest = pg_nth_latest,
	.tag = pg_tag,
	.rm = pg_rm,
	.series = pg_series,
};
