/*
 * The PostgreSQL store's schema: reading its version and creating or
 * migrating it forward (the statements are store__postgres_migrations in
 * schema.c, the same schema as SQLite's in PostgreSQL's types).
 */
#include <stdlib.h>
#include <string.h>

#include "store/pg_impl.h"
#include "util/error.h"
#include "util/xalloc.h"

/*
 * Taken with pg_advisory_xact_lock around creating or migrating the schema,
 * so that several processes opening a new database at once queue there
 * instead of racing on CREATE TABLE. "perfeng" in ASCII.
 */
#define PG_SCHEMA_LOCK "31636739410194023"	/* 0x70657266656e67 */

/*
 * The schema version without writing: 0 when none of our tables exists,
 * the version of a perfeng store, or -1 with pe_error for tables of the
 * same names that are not ours, or a newer schema.
 */
int pg__read_version(struct pg_store *ps, int *version)
{
	const char *where = ps->base.location;
	PGresult *res;
	int has_meta = 0, ret = -1;
	char *other = NULL, *end;
	long v;

	*version = 0;
	res = pg__run(ps, "SELECT c.relname FROM pg_catalog.pg_class c"
		     " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
		     " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f')"
		     " AND c.relname IN ('meta', 'run', 'tag', 'metric') ORDER BY 1",
		     NULL, PGRES_TUPLES_OK, "cannot open store");
	if (!res)
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		if (!strcmp(PQgetvalue(res, i, 0), "meta"))
			has_meta = 1;
		else if (!other)
			other = xstrdup(PQgetvalue(res, i, 0));
	}
	PQclear(res);
	if (!has_meta) {
		if (other)
			pe_error("'%s' is not a perfeng store: it has a table '%s' but no perfeng "
				 "meta table", where, other);
		free(other);
		return other ? -1 : 0;
	}
	free(other);
	res = PQexec(ps->conn, "SELECT (SELECT value FROM meta WHERE key = 'application'),"
		     " (SELECT value FROM meta WHERE key = 'schema_version')");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQgetisnull(res, 0, 0) ||
	    PQgetisnull(res, 0, 1) || strcmp(PQgetvalue(res, 0, 0), "perfeng") != 0)
		pe_error("'%s' is not a perfeng store: its meta table is not perfeng's", where);
	else if (v = strtol(PQgetvalue(res, 0, 1), &end, 10), *end || v < 1 || v > 1000000)
		pe_error("'%s' is damaged: schema version '%s' in its meta table", where,
			 PQgetvalue(res, 0, 1));
	else if (v > STORE_SCHEMA_VERSION)
		pe_error("'%s' was written by a newer perfeng (schema %ld; this perfeng reads up "
			 "to %d)", where, v, STORE_SCHEMA_VERSION);
	else {
		*version = (int)v;
		ret = 0;
	}
	PQclear(res);
	return ret;
}

/* Creates or migrates the schema in one transaction, under the advisory lock. */
int pg__migrate(struct pg_store *ps)
{
	PGresult *lock;
	int version;

	if (pg__cmd(ps, "BEGIN", NULL, "cannot create the schema in") < 0)
		return -1;
	lock = pg__run(ps, "SELECT pg_advisory_xact_lock(" PG_SCHEMA_LOCK ")", NULL,
		      PGRES_TUPLES_OK, "cannot create the schema in");
	if (!lock)
		goto fail;
	PQclear(lock);
	/* Read again under the lock: another process may have created it meanwhile. */
	if (pg__read_version(ps, &version) < 0)
		goto fail;
	for (; version < STORE_SCHEMA_VERSION; version++) {
		char *sql = xasprintf("%s UPDATE meta SET value = '%d' WHERE key = 'schema_version'",
				      store__postgres_migrations[version], version + 1);
		PGresult *res = PQexec(ps->conn, sql);

		free(sql);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			char *msg = store__scrub(ps->password, PQresultErrorMessage(res));

			pe_error("cannot migrate %s to schema %d: %s", ps->base.location,
				 version + 1, msg);
			free(msg);
			PQclear(res);
			goto fail;
		}
		PQclear(res);
	}
	if (pg__cmd(ps, "COMMIT", NULL, "cannot create the schema in") < 0)
		goto fail;
	return 0;
fail:
	pg__rollback(ps);
	return -1;
}
