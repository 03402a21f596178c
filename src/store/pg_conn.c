/*
 * The PostgreSQL backend's plumbing: libpq loaded with dlopen when a
 * PostgreSQL store is first opened, not linked (it pulls in some twenty
 * libraries, TLS, Kerberos, LDAP, that would otherwise be mapped into every
 * perfeng process, slowing its start and raising the floor under which a
 * benchmarked command's peak RSS cannot be told; see runner/process.h), and
 * the helpers that run statements and read their results.
 */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg_impl.h"
#include "util/error.h"
#include "util/xalloc.h"

/* The table pg__load fills: each of libpq's functions, through a pointer of its type. */
#define PG_DEFINE(f) __typeof__(pg_##f) pg_##f;
PG_FUNCS(PG_DEFINE)
#undef PG_DEFINE

/* Loads libpq once; returns 0, or -1 with a message saying what to install. */
int pg__load(void)
{
	static void *lib;

	if (lib)
		return 0;
	lib = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		return pe_error("a PostgreSQL store needs libpq (libpq.so.5): %s; install the libpq5 package",
				dlerror());
#define PG_RESOLVE(f)								\
	if (!(pg_##f = (__typeof__(pg_##f))dlsym(lib, #f))) {			\
		dlclose(lib);							\
		lib = NULL;							\
		return pe_error("libpq.so.5 lacks %s; it is too old for perfeng", #f);	\
	}
	PG_FUNCS(PG_RESOLVE)
#undef PG_RESOLVE
	return 0;
}

/* --- running statements ------------------------------------------------------------- */

int pg__fail(struct pg_store *ps, const char *what, const PGresult *res)
{
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	char *clean = store__scrub(ps->password, msg ? msg : PQerrorMessage(ps->conn));

	pe_error("%s %s: %s", what, ps->base.location, clean);
	free(clean);
	return -1;
}

void pg__pp_str(struct pg_params *p, const char *s)
{
	p->v[p->n] = s;
	p->len[p->n] = 0;
	p->fmt[p->n++] = 0;
}

void pg__pp_i64(struct pg_params *p, int64_t x)
{
	snprintf(p->num[p->n], sizeof(p->num[0]), "%lld", (long long)x);
	pg__pp_str(p, p->num[p->n]);
}

/* NaN is stored as NULL, as SQLite does. %.17g reads back exactly. */
void pg__pp_f64(struct pg_params *p, double x)
{
	if (isnan(x)) {
		pg__pp_str(p, NULL);
		return;
	}
	snprintf(p->num[p->n], sizeof(p->num[0]), "%.17g", x);
	pg__pp_str(p, p->num[p->n]);
}

void pg__pp_bin(struct pg_params *p, const void *data, size_t len)
{
	p->v[p->n] = data;
	p->len[p->n] = (int)len;
	p->fmt[p->n++] = 1;
}

/*
 * Runs sql with p (may be NULL); the result when its status is `want`, else
 * NULL with pe_error "<what> <url>: <message>". The caller PQclears it.
 */
PGresult *pg__run(struct pg_store *ps, const char *sql, const struct pg_params *p,
			ExecStatusType want, const char *what)
{
	PGresult *res = PQexecParams(ps->conn, sql, p ? p->n : 0, NULL, p ? p->v : NULL,
				     p ? p->len : NULL, p ? p->fmt : NULL, 0);

	if (PQresultStatus(res) == want)
		return res;
	pg__fail(ps, what, res);
	PQclear(res);
	return NULL;
}

int pg__cmd(struct pg_store *ps, const char *sql, const struct pg_params *p,
		  const char *what)
{
	PGresult *res = pg__run(ps, sql, p, PGRES_COMMAND_OK, what);

	PQclear(res);
	return res ? 0 : -1;
}

/* Ends a failed transaction, keeping the message that says why it failed. */
void pg__rollback(struct pg_store *ps)
{
	if (PQtransactionStatus(ps->conn) != PQTRANS_IDLE)
		PQclear(PQexec(ps->conn, "ROLLBACK"));
}

/* The rows of a read: run in one snapshot, so that runs and their metrics agree. */
int pg__begin_read(struct pg_store *ps)
{
	return pg__cmd(ps, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", NULL,
		      "cannot read");
}

void pg__end_read(struct pg_store *ps)
{
	if (PQtransactionStatus(ps->conn) == PQTRANS_INTRANS)
		PQclear(PQexec(ps->conn, "COMMIT"));
	else
		pg__rollback(ps);
}

/* A new copy of a text value; "" for NULL (libpq's own), as sq_col_str. */
char *pg__str(const PGresult *res, int row, int col)
{
	return xstrdup(PQgetvalue(res, row, col));
}

int64_t pg__i64(const PGresult *res, int row, int col)
{
	return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

double pg__f64(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NAN : strtod(PQgetvalue(res, row, col), NULL);
}

/*
 * A BYTEA in hex text output ("\x0a1b...") as new bytes (caller frees);
 * NULL and 0 for NULL or empty. -1 for anything else.
 */
int pg__bytea(const PGresult *res, int row, int col, unsigned char **out, size_t *len)
{
	const char *s = PQgetvalue(res, row, col);
	size_t n = strlen(s);

	*out = NULL;
	*len = 0;
	if (PQgetisnull(res, row, col))
		return 0;
	if (n < 2 || s[0] != '\\' || s[1] != 'x' || n % 2)
		return -1;
	*len = (n - 2) / 2;
	if (!*len)
		return 0;
	*out = xmalloc(*len);
	for (size_t i = 0; i < *len; i++) {
		char hex[3] = { s[2 + 2 * i], s[3 + 2 * i], 0 };

		(*out)[i] = (unsigned char)strtoul(hex, NULL, 16);
	}
	return 0;
}

