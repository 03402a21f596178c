/*
 * The SQLite backend: one file, WAL mode so that readers never wait for a
 * writer and a killed writer leaves the last committed state, a busy timeout
 * so that concurrent savers queue instead of failing, and one BEGIN
 * IMMEDIATE transaction per save. Statements used on every call are
 * prepared once per connection and kept.
 */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store_impl.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* How long a saver waits for another process's transaction before failing. */
#define SQ_BUSY_TIMEOUT_MS 10000

/* The statements kept prepared for the life of the connection. */
enum sq_stmt {
	SQ_BEGIN, SQ_COMMIT, SQ_ROLLBACK, SQ_INSERT_RUN, SQ_INSERT_TAG, SQ_INSERT_METRIC,
	SQ_GET_RUN, SQ_GET_TAGS, SQ_GET_METRICS, SQ_EXISTS, SQ_NTH, SQ_NTH_TAG, SQ_COUNT,
	SQ_COUNT_TAG, SQ_TAG, SQ_RM, SQ__COUNT
};

static const char *const sq_sql[SQ__COUNT] = {
	[SQ_BEGIN] = "BEGIN IMMEDIATE",
	[SQ_COMMIT] = "COMMIT",
	[SQ_ROLLBACK] = "ROLLBACK",
	[SQ_INSERT_RUN] = "INSERT INTO run (kind, name, started, ended, version, command_line,"
			  " hostname, cpu_model, governor, kernel, cores, loadavg_before,"
			  " loadavg_after, git_commit, git_branch, git_dirty)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
			  " ?14, ?15, ?16)",
	[SQ_INSERT_TAG] = "INSERT OR IGNORE INTO tag (run_id, tag) VALUES (?1, ?2)",
	[SQ_INSERT_METRIC] = "INSERT INTO metric (run_id, name, unit, higher_is_better, mean,"
			     " stddev, median, min, max, nsamples, samples, blob)"
			     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
	[SQ_GET_RUN] = "SELECT " STORE__RUN_COLUMNS " FROM run WHERE id = ?1",
	[SQ_GET_TAGS] = "SELECT tag FROM tag WHERE run_id = ?1 ORDER BY tag",
	[SQ_GET_METRICS] = "SELECT name, unit, higher_is_better, mean, stddev, median, min, max,"
			   " nsamples, samples, blob FROM metric WHERE run_id = ?1 ORDER BY id",
	[SQ_EXISTS] = "SELECT 1 FROM run WHERE id = ?1",
	[SQ_NTH] = "SELECT id FROM run WHERE name = ?1" STORE__NEWEST_FIRST " LIMIT 1 OFFSET ?2",
	[SQ_NTH_TAG] = "SELECT id FROM run WHERE name = ?1 AND EXISTS"
		       " (SELECT 1 FROM tag WHERE run_id = run.id AND tag = ?3)" STORE__NEWEST_FIRST
		       " LIMIT 1 OFFSET ?2",
	[SQ_COUNT] = "SELECT count(*) FROM run WHERE name = ?1",
	[SQ_COUNT_TAG] = "SELECT count(*) FROM run WHERE name = ?1 AND EXISTS"
			 " (SELECT 1 FROM tag WHERE run_id = run.id AND tag = ?2)",
	[SQ_TAG] = "INSERT OR IGNORE INTO tag (run_id, tag) SELECT id, ?2 FROM run WHERE id = ?1",
	[SQ_RM] = "DELETE FROM run WHERE id = ?1",
};

struct sq_store {
	struct store base;
	sqlite3 *db;
	sqlite3_stmt *stmt[SQ__COUNT];
};

static int sq_fail(struct sq_store *ss, const char *what)
{
	int e = sqlite3_system_errno(ss->db);

	if (e && (sqlite3_errcode(ss->db) & 0xff) == SQLITE_CANTOPEN)
		return pe_error("%s '%s': %s (%s)", what, ss->base.location,
				sqlite3_errmsg(ss->db), strerror(e));
	return pe_error("%s '%s': %s", what, ss->base.location, sqlite3_errmsg(ss->db));
}

/*
 * The kept statement `which`, prepared on first use; reset and unbound, so
 * the caller binds and steps it. NULL with pe_error when it cannot prepare.
 */
static sqlite3_stmt *sq_stmt(struct sq_store *ss, enum sq_stmt which)
{
	sqlite3_stmt **st = &ss->stmt[which];

	if (*st) {
		sqlite3_reset(*st);
		sqlite3_clear_bindings(*st);
		return *st;
	}
	if (sqlite3_prepare_v3(ss->db, sq_sql[which], -1, SQLITE_PREPARE_PERSISTENT, st,
			       NULL) != SQLITE_OK) {
		sq_fail(ss, "cannot read");
		return NULL;
	}
	return *st;
}

/* Runs a kept statement that returns no rows; 0 or -1 with pe_error. */
static int sq_exec_stmt(struct sq_store *ss, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return sq_fail(ss, what);
	return 0;
}

static int sq_simple(struct sq_store *ss, enum sq_stmt which, const char *what)
{
	sqlite3_stmt *st = sq_stmt(ss, which);

	return st ? sq_exec_stmt(ss, st, what) : -1;
}

static void sq_rollback(struct sq_store *ss)
{
	char *msg = xstrdup(pe_errmsg());

	/* Keeps the message that explains why; the rollback's own is noise. */
	if (!sqlite3_get_autocommit(ss->db))
		sq_simple(ss, SQ_ROLLBACK, "cannot roll back");
	pe_error("%s", msg);
	free(msg);
}

static void sq_bind_str(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static void sq_bind_double(sqlite3_stmt *st, int i, double v)
{
	if (isnan(v))
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_double(st, i, v);
}

/* A new copy of a text column; "" for NULL, so that readers never meet a NULL string. */
static char *sq_col_str(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return xstrdup(s ? (const char *)s : "");
}

static double sq_col_double(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

/* --- opening ------------------------------------------------------------------ */

/*
 * Reads the schema version without writing: 0 for an empty database, the
 * version of a perfeng store, or -1 with pe_error for a file that is no
 * SQLite database or a database that is not ours.
 */
static int sq_read_version(struct sq_store *ss, int *version)
{
	const char *where = ss->base.location;
	sqlite3_stmt *st = NULL;
	int rc, ntables = 0, has_meta = 0, ret = -1;
	char *app = NULL, *ver = NULL, *end;

	/* The first read of the file: where SQLite finds out what it is. */
	rc = sqlite3_prepare_v2(ss->db, "SELECT count(*), coalesce(sum(name = 'meta'), 0)"
				" FROM sqlite_master WHERE type = 'table'", -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		ntables = sqlite3_column_int(st, 0);
		has_meta = sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW) {
		if ((rc & 0xff) == SQLITE_NOTADB)
			return pe_error("'%s' is not a perfeng store: file is not a database", where);
		return sq_fail(ss, "cannot open store");
	}
	*version = 0;
	if (!ntables)
		return 0;
	if (!has_meta)
		return pe_error("'%s' is not a perfeng store: it has tables but no perfeng meta "
				"table", where);
	rc = sqlite3_prepare_v2(ss->db, "SELECT (SELECT value FROM meta WHERE key = 'application'),"
				" (SELECT value FROM meta WHERE key = 'schema_version')",
				-1, &st, NULL);
	if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL && sqlite3_column_type(st, 1) != SQLITE_NULL) {
		app = sq_col_str(st, 0);
		ver = sq_col_str(st, 1);
	}
	sqlite3_finalize(st);
	if (ver) {
		long v = strtol(ver, &end, 10);

		*version = *end || v < 1 || v > 1000000 ? -1 : (int)v;
	}
	if (!app || strcmp(app, "perfeng") != 0 || !ver)
		pe_error("'%s' is not a perfeng store: its meta table is not perfeng's", where);
	else if (*version < 0)
		pe_error("'%s' is damaged: schema version '%s' in its meta table", where, ver);
	else if (*version > STORE_SCHEMA_VERSION)
		pe_error("'%s' was written by a newer perfeng (schema %d; this perfeng reads up "
			 "to %d)", where, *version, STORE_SCHEMA_VERSION);
	else
		ret = 0;
	free(app);
	free(ver);
	return ret;
}

/*
 * Creates or migrates the schema inside one write transaction, reading the
 * version again under the lock: another process may have done it since.
 */
static int sq_migrate(struct sq_store *ss)
{
	int version;

	if (sqlite3_exec(ss->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return sq_fail(ss, "cannot create the schema in");
	if (sq_read_version(ss, &version) < 0)
		goto fail;
	for (; version < STORE_SCHEMA_VERSION; version++) {
		char *sql = xasprintf("%s; UPDATE meta SET value = '%d' WHERE key = "
				      "'schema_version'", store__sqlite_migrations[version], version + 1);
		int rc = sqlite3_exec(ss->db, sql, NULL, NULL, NULL);

		free(sql);
		if (rc != SQLITE_OK) {
			pe_error("cannot migrate '%s' to schema %d: %s", ss->base.location,
				 version + 1, sqlite3_errmsg(ss->db));
			goto fail;
		}
	}
	if (sqlite3_exec(ss->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sq_fail(ss, "cannot create the schema in");
		goto fail;
	}
	return 0;
fail:
	sq_rollback(ss);
	return -1;
}

/*
 * WAL: a killed writer leaves the last commit, and readers do not block.
 * synchronous=NORMAL is SQLite's advice for WAL: a power cut may lose the
 * last saves but never corrupts the file. Switching a new file to WAL needs
 * it alone for a moment; when several processes open a new store at once,
 * SQLite answers BUSY at once (to avoid a deadlock) rather than wait, so
 * this waits and retries, up to the busy timeout.
 */
static int sq_wal(struct sq_store *ss)
{
	for (int waited = 0;; waited += 5) {
		sqlite3_stmt *st = NULL;
		char mode[16] = "";
		int rc = sqlite3_prepare_v2(ss->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);

		if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
			snprintf(mode, sizeof(mode), "%s", sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		if (!strcmp(mode, "wal"))
			return 0;
		if (*mode)
			return pe_error("cannot use '%s': journal mode is '%s', not wal",
					ss->base.location, mode);
		if ((rc & 0xff) != SQLITE_BUSY || waited >= SQ_BUSY_TIMEOUT_MS)
			return sq_fail(ss, "cannot open store");
		usleep(5000);
	}
}

static const struct store_ops sq_ops;

int store__sqlite_open(const char *path, struct store **out)
{
	struct sq_store *ss = xcalloc(1, sizeof(*ss));
	int version;

	ss->base.ops = &sq_ops;
	ss->base.location = xstrdup(path);
	if (sqlite3_open_v2(path, &ss->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		sq_fail(ss, "cannot open store");
		goto fail;
	}
	sqlite3_extended_result_codes(ss->db, 1);
	sqlite3_busy_timeout(ss->db, SQ_BUSY_TIMEOUT_MS);
	/* Everything that can refuse the file comes before the first write. */
	if (sq_read_version(ss, &version) < 0)
		goto fail;
	if (sq_wal(ss) < 0)
		goto fail;
	if (sqlite3_exec(ss->db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL",
			 NULL, NULL, NULL) != SQLITE_OK) {
		sq_fail(ss, "cannot open store");
		goto fail;
	}
	if (version < STORE_SCHEMA_VERSION && sq_migrate(ss) < 0)
		goto fail;
	*out = &ss->base;
	return 0;
fail:
	ss->base.ops->close(&ss->base);
	return -1;
}

static void sq_close(struct store *s)
{
	struct sq_store *ss = (struct sq_store *)s;

	for (int i = 0; i < SQ__COUNT; i++)
		sqlite3_finalize(ss->stmt[i]);
	sqlite3_close(ss->db);
	free(ss->base.location);
	free(ss);
}

/* --- saving ---------------------------------------------------------------------- */

static int sq_insert_metric(struct sq_store *ss, int64_t run_id, const struct store_run *run,
			    const struct store_metric *m)
{
	sqlite3_stmt *st = sq_stmt(ss, SQ_INSERT_METRIC);
	unsigned char *bytes = NULL;
	int rc;

	if (!st)
		return -1;
	if (m->nsamples > (size_t)INT32_MAX / 8 || m->blob_len > (size_t)INT32_MAX)
		return pe_error("cannot save run '%s': metric '%s' is too large", run->name,
				m->name);
	sqlite3_bind_int64(st, 1, run_id);
	sq_bind_str(st, 2, m->name);
	sq_bind_str(st, 3, m->unit ? m->unit : "");
	sqlite3_bind_int(st, 4, m->higher_is_better != 0);
	sq_bind_double(st, 5, m->mean);
	sq_bind_double(st, 6, m->stddev);
	sq_bind_double(st, 7, m->median);
	sq_bind_double(st, 8, m->min);
	sq_bind_double(st, 9, m->max);
	sqlite3_bind_int64(st, 10, (sqlite3_int64)m->nsamples);
	if (m->nsamples) {
		bytes = xmalloc(8 * m->nsamples);
		store__samples_encode(m->samples, m->nsamples, bytes);
		sqlite3_bind_blob(st, 11, bytes, (int)(8 * m->nsamples), SQLITE_STATIC);
	}
	if (m->blob)
		sqlite3_bind_blob(st, 12, m->blob, (int)m->blob_len, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	free(bytes);
	if (rc == SQLITE_CONSTRAINT_UNIQUE)
		return pe_error("cannot save run '%s': it has two metrics named '%s'", run->name,
				m->name);
	return rc == SQLITE_DONE ? 0 : sq_fail(ss, "cannot save to");
}

static int sq_save_locked(struct sq_store *ss, struct store_run *run, int64_t *id)
{
	sqlite3_stmt *st = sq_stmt(ss, SQ_INSERT_RUN);

	if (!st)
		return -1;
	sq_bind_str(st, 1, run->kind);
	sq_bind_str(st, 2, run->name);
	sqlite3_bind_int64(st, 3, run->started);
	sqlite3_bind_int64(st, 4, run->ended);
	sq_bind_str(st, 5, run->version);
	sq_bind_str(st, 6, run->command_line);
	sq_bind_str(st, 7, run->hostname);
	sq_bind_str(st, 8, run->cpu_model);
	sq_bind_str(st, 9, run->governor);
	sq_bind_str(st, 10, run->kernel);
	sqlite3_bind_int(st, 11, run->cores);
	sq_bind_double(st, 12, run->loadavg_before);
	sq_bind_double(st, 13, run->loadavg_after);
	sq_bind_str(st, 14, run->git_commit);
	sq_bind_str(st, 15, run->git_branch);
	sqlite3_bind_int(st, 16, run->git_dirty);
	if (sq_exec_stmt(ss, st, "cannot save to") < 0)
		return -1;
	*id = sqlite3_last_insert_rowid(ss->db);
	for (size_t i = 0; i < run->ntags; i++) {
		if (!(st = sq_stmt(ss, SQ_INSERT_TAG)))
			return -1;
		sqlite3_bind_int64(st, 1, *id);
		sq_bind_str(st, 2, run->tags[i]);
		if (sq_exec_stmt(ss, st, "cannot save to") < 0)
			return -1;
	}
	for (size_t i = 0; i < run->nmetrics; i++)
		if (sq_insert_metric(ss, *id, run, &run->metrics[i]) < 0)
			return -1;
	return 0;
}

static int sq_save(struct store *s, struct store_run *run)
{
	struct sq_store *ss = (struct sq_store *)s;
	int64_t id;

	if (sq_simple(ss, SQ_BEGIN, "cannot save to") < 0)
		return -1;
	if (sq_save_locked(ss, run, &id) < 0 || sq_simple(ss, SQ_COMMIT, "cannot save to") < 0) {
		sq_rollback(ss);
		return -1;
	}
	run->id = id;
	return 0;
}

/* --- reading ---------------------------------------------------------------------- */

/* Fills r from a row of STORE__RUN_COLUMNS. */
static void sq_run_from_row(sqlite3_stmt *st, struct store_run *r)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	r->kind = sq_col_str(st, 1);
	r->name = sq_col_str(st, 2);
	r->started = sqlite3_column_int64(st, 3);
	r->ended = sqlite3_column_int64(st, 4);
	r->version = sq_col_str(st, 5);
	r->command_line = sq_col_str(st, 6);
	r->hostname = sq_col_str(st, 7);
	r->cpu_model = sq_col_str(st, 8);
	r->governor = sq_col_str(st, 9);
	r->kernel = sq_col_str(st, 10);
	r->cores = sqlite3_column_int(st, 11);
	r->loadavg_before = sq_col_double(st, 12);
	r->loadavg_after = sq_col_double(st, 13);
	r->git_commit = sq_col_str(st, 14);
	r->git_branch = sq_col_str(st, 15);
	r->git_dirty = sqlite3_column_int(st, 16);
}

/* Reads the summary columns (name .. max, from column `first`) into a new metric of r. */
static struct store_metric *sq_metric_from_row(sqlite3_stmt *st, int first, struct store_run *r)
{
	struct store_metric *m;

	m = store__add_metric(r, sq_col_str(st, first), sq_col_str(st, first + 1),
			      sqlite3_column_int(st, first + 2));
	m->mean = sq_col_double(st, first + 3);
	m->stddev = sq_col_double(st, first + 4);
	m->median = sq_col_double(st, first + 5);
	m->min = sq_col_double(st, first + 6);
	m->max = sq_col_double(st, first + 7);
	return m;
}

static int sq_get(struct store *s, int64_t id, struct store_run *out)
{
	struct sq_store *ss = (struct sq_store *)s;
	sqlite3_stmt *st = sq_stmt(ss, SQ_GET_RUN);
	int rc;

	if (!st)
		return -1;
	/* One read transaction, so that rm in another process cannot split the run. */
	if (sqlite3_exec(ss->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return sq_fail(ss, "cannot read");
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		sqlite3_exec(ss->db, "COMMIT", NULL, NULL, NULL);
		if (rc == SQLITE_DONE)
			return pe_error("no run %lld", (long long)id);
		return sq_fail(ss, "cannot read");
	}
	sq_run_from_row(st, out);
	sqlite3_reset(st);
	if (!(st = sq_stmt(ss, SQ_GET_TAGS)))
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		store__add_tag(out, sq_col_str(st, 0));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE || !(st = sq_stmt(ss, SQ_GET_METRICS)))
		goto fail_read;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_metric *m = sq_metric_from_row(st, 0, out);
		sqlite3_int64 n = sqlite3_column_int64(st, 8);
		const void *bytes = sqlite3_column_blob(st, 9);
		size_t len = (size_t)sqlite3_column_bytes(st, 9);

		if (n < 0 || store__samples_decode(bytes, len, (size_t)n, &m->samples) < 0) {
			sqlite3_reset(st);
			pe_error("'%s' is damaged: run %lld, metric '%s' has %zu bytes of samples "
				 "for %lld samples", ss->base.location, (long long)id, m->name, len,
				 (long long)n);
			goto fail;
		}
		m->nsamples = (size_t)n;
		if ((len = (size_t)sqlite3_column_bytes(st, 10))) {
			m->blob = xmalloc(len);
			memcpy(m->blob, sqlite3_column_blob(st, 10), len);
			m->blob_len = len;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		goto fail_read;
	sqlite3_exec(ss->db, "COMMIT", NULL, NULL, NULL);
	return 0;
fail_read:
	sq_fail(ss, "cannot read");
fail:
	sqlite3_exec(ss->db, "COMMIT", NULL, NULL, NULL);
	store_run_release(out);
	return -1;
}

/* Binds the filter values and the limit of a list query. */
static void sq_bind_query(sqlite3_stmt *st, const char *args[3], int nargs, size_t limit)
{
	for (int i = 0; i < nargs; i++)
		sq_bind_str(st, i + 1, args[i]);
	if (limit)
		sqlite3_bind_int64(st, nargs + 1, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
}

/*
 * Attaches the tags and metric summaries of the listed runs, fetched in one
 * query each: the runs' own query nested as "run_id IN (...)".
 */
static int sq_list_attach(struct sq_store *ss, const char *runs_sql, const char *args[3],
			  int nargs, size_t limit, struct store_run *runs, size_t n)
{
	static const char *const heads[2] = {
		"SELECT run_id, tag FROM tag WHERE run_id IN (",
		"SELECT run_id, name, unit, higher_is_better, mean, stddev, median, min, max"
		" FROM metric WHERE run_id IN (",
	};
	static const char *const tails[2] = { ") ORDER BY run_id, tag", ") ORDER BY run_id, id" };
	size_t *index = store__index_by_id(runs, n);
	struct strbuf sql = STRBUF_INIT;
	int ret = 0;

	for (int k = 0; k < 2 && !ret; k++) {
		sqlite3_stmt *st;
		int rc;

		strbuf_reset(&sql);
		strbuf_addf(&sql, "%s%s%s", heads[k], runs_sql, tails[k]);
		if (sqlite3_prepare_v2(ss->db, sql.buf, -1, &st, NULL) != SQLITE_OK) {
			ret = sq_fail(ss, "cannot read");
			break;
		}
		sq_bind_query(st, args, nargs, limit);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			struct store_run *r = store__find_run(runs, index, n,
							      sqlite3_column_int64(st, 0));

			if (!r)
				continue;	/* saved after the runs were read */
			if (k == 0)
				store__add_tag(r, sq_col_str(st, 1));
			else
				sq_metric_from_row(st, 1, r);
		}
		if (rc != SQLITE_DONE)
			ret = sq_fail(ss, "cannot read");
		sqlite3_finalize(st);
	}
	strbuf_release(&sql);
	free(index);
	return ret;
}

static int sq_list(struct store *s, const struct store_query *q, struct store_run **out,
		   size_t *nout)
{
	struct sq_store *ss = (struct sq_store *)s;
	struct strbuf where = STRBUF_INIT, sql = STRBUF_INIT, ids = STRBUF_INIT;
	struct store_run *runs = NULL;
	size_t n = 0, alloc = 0;
	const char *args[3];
	sqlite3_stmt *st = NULL;
	int nargs, rc, ret = -1;

	nargs = store__where(&where, q, '?', 1, args);
	strbuf_addf(&ids, "SELECT id FROM run%s", strbuf_str(&where));
	if (q->limit)
		strbuf_addf(&ids, STORE__NEWEST_FIRST " LIMIT ?%d", nargs + 1);
	strbuf_addf(&sql, "SELECT " STORE__RUN_COLUMNS " FROM run%s", strbuf_str(&where));
	if (q->limit)
		strbuf_addf(&sql, STORE__NEWEST_FIRST " LIMIT ?%d", nargs + 1);
	else
		strbuf_addstr(&sql, " ORDER BY started, id");
	/* One read transaction: the runs and what is attached to them agree. */
	if (sqlite3_exec(ss->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		sq_fail(ss, "cannot read");
		goto out;
	}
	if (sqlite3_prepare_v2(ss->db, sql.buf, -1, &st, NULL) != SQLITE_OK) {
		sq_fail(ss, "cannot read");
		goto out;
	}
	sq_bind_query(st, args, nargs, q->limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ALLOC_GROW(runs, n + 1, alloc);
		sq_run_from_row(st, &runs[n++]);
	}
	if (rc != SQLITE_DONE) {
		sq_fail(ss, "cannot read");
		goto out;
	}
	if (q->limit)	/* newest first from the query; the caller wants oldest first */
		for (size_t i = 0; i < n / 2; i++) {
			struct store_run t = runs[i];

			runs[i] = runs[n - 1 - i];
			runs[n - 1 - i] = t;
		}
	if (n && sq_list_attach(ss, ids.buf, args, nargs, q->limit, runs, n) < 0)
		goto out;
	ret = 0;
out:
	sqlite3_finalize(st);
	if (!sqlite3_get_autocommit(ss->db))
		sqlite3_exec(ss->db, "COMMIT", NULL, NULL, NULL);
	strbuf_release(&where);
	strbuf_release(&sql);
	strbuf_release(&ids);
	if (ret < 0) {
		store_runs_free(runs, n);
		return -1;
	}
	*out = runs;
	*nout = n;
	return 0;
}

/* Steps a kept statement whose single row holds one integer; -1, 0 (no row) or 1. */
static int sq_one_int(struct sq_store *ss, sqlite3_stmt *st, int64_t *v)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sq_fail(ss, "cannot read");
	return rc == SQLITE_ROW;
}

static int sq_exists(struct store *s, int64_t id)
{
	struct sq_store *ss = (struct sq_store *)s;
	sqlite3_stmt *st = sq_stmt(ss, SQ_EXISTS);
	int64_t one;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return sq_one_int(ss, st, &one);
}

static int sq_nth_latest(struct store *s, const char *name, const char *tag, size_t nth,
			 int64_t *id, size_t *count)
{
	struct sq_store *ss = (struct sq_store *)s;
	sqlite3_stmt *st = sq_stmt(ss, tag ? SQ_NTH_TAG : SQ_NTH);
	int64_t v = 0;
	int rc;

	*id = 0;
	*count = 0;
	if (!st)
		return -1;
	sq_bind_str(st, 1, name);
	sqlite3_bind_int64(st, 2, nth > INT64_MAX ? INT64_MAX : (int64_t)nth);
	if (tag)
		sq_bind_str(st, 3, tag);
	if ((rc = sq_one_int(ss, st, &v)) != 0) {
		*id = v;
		return rc < 0 ? -1 : 0;
	}
	if (!(st = sq_stmt(ss, tag ? SQ_COUNT_TAG : SQ_COUNT)))
		return -1;
	sq_bind_str(st, 1, name);
	if (tag)
		sq_bind_str(st, 2, tag);
	if (sq_one_int(ss, st, &v) < 0)
		return -1;
	*count = (size_t)v;
	return 0;
}

static int sq_tag(struct store *s, int64_t id, const char *tag)
{
	struct sq_store *ss = (struct sq_store *)s;
	sqlite3_stmt *st = sq_stmt(ss, SQ_TAG);
	int ret;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sq_bind_str(st, 2, tag);
	if (sq_exec_stmt(ss, st, "cannot tag in") < 0)
		return -1;
	if (sqlite3_changes(ss->db))
		return 0;
	ret = sq_exists(s, id);	/* nothing inserted: tagged already, or no such run */
	if (ret < 0)
		return -1;
	return ret ? 0 : pe_error("no run %lld", (long long)id);
}

static int sq_rm(struct store *s, int64_t id)
{
	struct sq_store *ss = (struct sq_store *)s;
	sqlite3_stmt *st = sq_stmt(ss, SQ_RM);

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (sq_exec_stmt(ss, st, "cannot remove from") < 0)
		return -1;
	return sqlite3_changes(ss->db) ? 0 : pe_error("no run %lld", (long long)id);
}

static int sq_series(struct store *s, const char *name, const char *metric, const char *column,
		     struct store_series *out)
{
	struct sq_store *ss = (struct sq_store *)s;
	sqlite3_stmt *st;
	size_t alloc = 0, n = 0;
	char *sql;
	int rc;

	sql = xasprintf("SELECT r.id, r.started, r.git_commit, m.%s FROM run r JOIN metric m"
			" ON m.run_id = r.id AND m.name = ?2 WHERE r.name = ?1"
			" ORDER BY r.started, r.id", column);
	rc = sqlite3_prepare_v2(ss->db, sql, -1, &st, NULL);
	free(sql);
	if (rc != SQLITE_OK)
		return sq_fail(ss, "cannot read");
	sq_bind_str(st, 1, name);
	sq_bind_str(st, 2, metric);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		size_t old = alloc;

		ALLOC_GROW(out->id, n + 1, alloc);
		if (alloc != old) {
			out->started = xrealloc(out->started, alloc * sizeof(*out->started));
			out->commit = xrealloc(out->commit, alloc * sizeof(*out->commit));
			out->value = xrealloc(out->value, alloc * sizeof(*out->value));
		}
		out->id[n] = sqlite3_column_int64(st, 0);
		out->started[n] = sqlite3_column_int64(st, 1);
		out->commit[n] = sq_col_str(st, 2);
		out->value[n] = sq_col_double(st, 3);
		out->n = ++n;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_series_free(out);
		return sq_fail(ss, "cannot read");
	}
	return 0;
}

static const struct store_ops sq_ops = {
	.name = "sqlite",
	.close = sq_close,
	.save = sq_save,
	.list = sq_list,
	.get = sq_get,
	.exists = sq_exists,
	.nth_latest = sq_nth_latest,
	.tag = sq_tag,
	.rm = sq_rm,
	.series = sq_series,
};
