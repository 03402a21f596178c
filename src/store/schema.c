/*
 * The store's schema, both dialects side by side so that they stay one
 * schema: a change to one is a change to the other, in the same commit.
 *
 * Migrations, in order: step i takes schema version i to i + 1, and the
 * backend runs it and records i + 1 in meta in one transaction. Version 2
 * is a new entry at the end of both lists (and STORE_SCHEMA_VERSION + 1); a
 * step already released never changes, since stores out there ran it.
 *
 * run: one measurement (started/ended in Unix microseconds), tag: labels of
 * a run, metric: one named result of a run with its summary (NULL for NaN)
 * and its samples (little-endian doubles, see store__samples_encode) or an
 * encoded histogram (blob). Deleting a run deletes its tags and metrics.
 */
#include "store/store_impl.h"

const char *const store__sqlite_migrations[] = {
	/* 0 -> 1: the first schema. application_id 0x50457374 ("PEst") marks the file. */
	"PRAGMA application_id = 1346728820;"
	"CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);"
	"INSERT INTO meta (key, value) VALUES ('application', 'perfeng'),"
	"  ('schema_version', '0');"
	/* AUTOINCREMENT: an id removed by rm never comes back as another run. */
	"CREATE TABLE run ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  kind TEXT NOT NULL, name TEXT NOT NULL,"
	"  started INTEGER NOT NULL, ended INTEGER NOT NULL,"
	"  version TEXT, command_line TEXT, hostname TEXT, cpu_model TEXT, governor TEXT,"
	"  kernel TEXT, cores INTEGER NOT NULL, loadavg_before REAL, loadavg_after REAL,"
	"  git_commit TEXT, git_branch TEXT, git_dirty INTEGER NOT NULL);"
	"CREATE INDEX run_by_name ON run (name, started, id);"
	"CREATE INDEX run_by_started ON run (started, id);"
	"CREATE INDEX run_by_kind ON run (kind, started, id);"
	"CREATE TABLE tag ("
	"  run_id INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,"
	"  tag TEXT NOT NULL, PRIMARY KEY (run_id, tag)) WITHOUT ROWID;"
	"CREATE INDEX tag_by_tag ON tag (tag, run_id);"
	"CREATE TABLE metric ("
	"  id INTEGER PRIMARY KEY,"
	"  run_id INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL, unit TEXT NOT NULL, higher_is_better INTEGER NOT NULL,"
	"  mean REAL, stddev REAL, median REAL, min REAL, max REAL,"
	"  nsamples INTEGER NOT NULL, samples BLOB, blob BLOB,"
	"  UNIQUE (run_id, name));",
};

const char *const store__postgres_migrations[] = {
	/* 0 -> 1: the first schema. BIGSERIAL ids are never reused either. */
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"INSERT INTO meta (key, value) VALUES ('application', 'perfeng'),"
	"  ('schema_version', '0');"
	"CREATE TABLE run ("
	"  id BIGSERIAL PRIMARY KEY,"
	"  kind TEXT NOT NULL, name TEXT NOT NULL,"
	"  started BIGINT NOT NULL, ended BIGINT NOT NULL,"
	"  version TEXT, command_line TEXT, hostname TEXT, cpu_model TEXT, governor TEXT,"
	"  kernel TEXT, cores INTEGER NOT NULL,"
	"  loadavg_before DOUBLE PRECISION, loadavg_after DOUBLE PRECISION,"
	"  git_commit TEXT, git_branch TEXT, git_dirty INTEGER NOT NULL);"
	"CREATE INDEX run_by_name ON run (name, started, id);"
	"CREATE INDEX run_by_started ON run (started, id);"
	"CREATE INDEX run_by_kind ON run (kind, started, id);"
	"CREATE TABLE tag ("
	"  run_id BIGINT NOT NULL REFERENCES run (id) ON DELETE CASCADE,"
	"  tag TEXT NOT NULL, PRIMARY KEY (run_id, tag));"
	"CREATE INDEX tag_by_tag ON tag (tag, run_id);"
	"CREATE TABLE metric ("
	"  id BIGSERIAL PRIMARY KEY,"
	"  run_id BIGINT NOT NULL REFERENCES run (id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL, unit TEXT NOT NULL, higher_is_better INTEGER NOT NULL,"
	"  mean DOUBLE PRECISION, stddev DOUBLE PRECISION, median DOUBLE PRECISION,"
	"  min DOUBLE PRECISION, max DOUBLE PRECISION,"
	"  nsamples BIGINT NOT NULL, samples BYTEA, blob BYTEA,"
	"  UNIQUE (run_id, name));",
};

_Static_assert(sizeof(store__sqlite_migrations) / sizeof(store__sqlite_migrations[0]) ==
	       STORE_SCHEMA_VERSION, "one SQLite migration step per schema version");
_Static_assert(sizeof(store__postgres_migrations) / sizeof(store__postgres_migrations[0]) ==
	       STORE_SCHEMA_VERSION, "one PostgreSQL migration step per schema version");
