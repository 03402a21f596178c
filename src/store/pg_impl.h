/*
 * What the PostgreSQL backend's files share and nothing else sees: libpq,
 * loaded with dlopen (pg_conn.c), the connection, statement parameters and
 * readers of result values. postgres.c holds the store's operations,
 * pg_schema.c the schema's creation and migration.
 */
#ifndef PE_STORE_PG_IMPL_H
#define PE_STORE_PG_IMPL_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store_impl.h"

/* The libpq functions the backend calls, resolved by pg__load. */
#define PG_FUNCS(X) X(PQclear) X(PQgetvalue) X(PQntuples) X(PQresultStatus) X(PQexec) \
	X(PQgetisnull) X(PQexecParams) X(PQtransactionStatus) X(PQresultErrorField) \
	X(PQerrorMessage) X(PQstatus) X(PQsetNoticeProcessor) X(PQresultErrorMessage) \
	X(PQfinish) X(PQconnectdbParams) X(PQcmdTuples)
#define PG_DECLARE(f) extern __typeof__(f) *pg_##f;
PG_FUNCS(PG_DECLARE)
#undef PG_DECLARE

/* From here on the libpq names call through the loaded table. */
#define PQclear pg_PQclear
#define PQgetvalue pg_PQgetvalue
#define PQntuples pg_PQntuples
#define PQresultStatus pg_PQresultStatus
#define PQexec pg_PQexec
#define PQgetisnull pg_PQgetisnull
#define PQexecParams pg_PQexecParams
#define PQtransactionStatus pg_PQtransactionStatus
#define PQresultErrorField pg_PQresultErrorField
#define PQerrorMessage pg_PQerrorMessage
#define PQstatus pg_PQstatus
#define PQsetNoticeProcessor pg_PQsetNoticeProcessor
#define PQresultErrorMessage pg_PQresultErrorMessage
#define PQfinish pg_PQfinish
#define PQconnectdbParams pg_PQconnectdbParams
#define PQcmdTuples pg_PQcmdTuples

struct pg_store {
	struct store base;
	PGconn *conn;
	char *password[2];	/* as written in the URL and percent-decoded; NULL: none */
};

/* Parameters of one statement; numbers are formatted into num[]. */
struct pg_params {
	int n;
	const char *v[16];
	int len[16];
	int fmt[16];
	char num[16][32];
};

/* Loads libpq once; returns 0, or -1 with a message saying what to install. */
int pg__load(void);

/* Sets pe_error "<what> <url>: <message>" from res (or the connection); returns -1. */
int pg__fail(struct pg_store *ps, const char *what, const PGresult *res);

/* Appends a parameter: text (NULL for SQL NULL), an integer, a double (NaN as NULL), bytes. */
void pg__pp_str(struct pg_params *p, const char *s);
void pg__pp_i64(struct pg_params *p, int64_t x);
void pg__pp_f64(struct pg_params *p, double x);
void pg__pp_bin(struct pg_params *p, const void *data, size_t len);

/*
 * Runs sql with p (may be NULL); the result when its status is `want`, else
 * NULL with pe_error "<what> <url>: <message>". The caller PQclears it.
 */
PGresult *pg__run(struct pg_store *ps, const char *sql, const struct pg_params *p,
		  ExecStatusType want, const char *what);
/* As pg__run for a statement that returns no rows: 0 or -1. */
int pg__cmd(struct pg_store *ps, const char *sql, const struct pg_params *p, const char *what);
/* Ends a failed transaction, keeping the message that says why it failed. */
void pg__rollback(struct pg_store *ps);
/* The rows of a read: run in one snapshot, so that runs and their metrics agree. */
int pg__begin_read(struct pg_store *ps);
void pg__end_read(struct pg_store *ps);

/* Values of a result: a new copy of a text ("" for NULL), an integer, a double (NaN for NULL). */
char *pg__str(const PGresult *res, int row, int col);
int64_t pg__i64(const PGresult *res, int row, int col);
double pg__f64(const PGresult *res, int row, int col);
/*
 * A BYTEA in hex text output ("\x0a1b...") as new bytes (caller frees);
 * NULL and 0 for NULL or empty. -1 for anything else.
 */
int pg__bytea(const PGresult *res, int row, int col, unsigned char **out, size_t *len);

/*
 * The schema version without writing: 0 when none of our tables exists,
 * the version of a perfeng store, or -1 with pe_error for tables of the
 * same names that are not ours, or a newer schema (pg_schema.c).
 */
int pg__read_version(struct pg_store *ps, int *version);
/* Creates or migrates the schema in one transaction, under an advisory lock. */
int pg__migrate(struct pg_store *ps);

#endif
