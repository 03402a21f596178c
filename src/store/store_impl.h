/*
 * Inside the store module only: the table of backend functions that store.c
 * dispatches through (as wrk swaps its socket functions for TLS ones), and
 * the helpers both backends share. Commands use store.h, never this file.
 *
 * store.c validates arguments (names, tags, references, statistics) before
 * it calls a backend, so the backends only move rows.
 */
#ifndef PE_STORE_IMPL_H
#define PE_STORE_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct strbuf;

struct store_ops {
	const char *name;	/* "sqlite", "postgres" */
	/* Closes the connection and frees s (the backend's own struct). */
	void (*close)(struct store *s);
	int (*save)(struct store *s, struct store_run *run);
	int (*list)(struct store *s, const struct store_query *q, struct store_run **runs,
		    size_t *n);
	int (*get)(struct store *s, int64_t id, struct store_run *out);
	/* 1 when run id exists, 0 when it does not, -1 on error. */
	int (*exists)(struct store *s, int64_t id);
	/*
	 * The id of the nth newest run named name (0: the latest), among those
	 * carrying tag when tag is not NULL. Not found: *id = 0 and *count
	 * the number of runs that matched name and tag. Returns 0 or -1.
	 */
	int (*nth_latest)(struct store *s, const char *name, const char *tag, size_t nth,
			  int64_t *id, size_t *count);
	int (*tag)(struct store *s, int64_t id, const char *tag);	/* -1 "no run 42" */
	int (*rm)(struct store *s, int64_t id);			/* -1 "no run 42" */
	/* column is a metric column name store.c has checked (median, mean, ...). */
	int (*series)(struct store *s, const char *name, const char *metric, const char *column,
		      struct store_series *out);
};

/* Each backend's struct begins with this one. */
struct store {
	const struct store_ops *ops;
	char *location;		/* the file, or the URL without its password; owned */
};

/*
 * The schema (schema.c): STORE_SCHEMA_VERSION steps of SQL, step i taking
 * schema version i to i + 1 (schema.c checks the count when it compiles).
 */
extern const char *const store__sqlite_migrations[];
extern const char *const store__postgres_migrations[];

/* Backend constructors: 0 and *out, or -1 with pe_error naming the file or URL. */
int store__sqlite_open(const char *path, struct store **out);
int store__postgres_open(const char *url, struct store **out);

/*
 * The run columns in the order both backends select them, and the order
 * store__run_from_row's callers read them in.
 */
#define STORE__RUN_COLUMNS                                                          \
	"id, kind, name, started, ended, version, command_line, hostname, cpu_model, " \
	"governor, kernel, cores, loadavg_before, loadavg_after, git_commit, "         \
	"git_branch, git_dirty"
#define STORE__RUN_NCOLUMNS 17
/* Order of a run's newest first; list reverses it, so ties break by id too. */
#define STORE__NEWEST_FIRST " ORDER BY started DESC, id DESC"

/*
 * Samples on disk: a BLOB (SQLite) or BYTEA (PostgreSQL) of nsamples IEEE-754
 * binary64 values, 8 bytes each, little-endian, in the order they were
 * measured; NULL when there are none. The same bytes on every host, so a
 * store can move between machines and a value reads back bit for bit.
 */
void store__samples_encode(const double *x, size_t n, unsigned char *out);	/* out: 8n bytes */
/* Decodes len bytes into a new array (caller frees); -1 when len is not 8 * nsamples. */
int store__samples_decode(const void *bytes, size_t len, size_t nsamples, double **out);

/*
 * Appends " WHERE ..." for the filters of q (nothing when there are none),
 * with placeholders "?1".. (mark '?', SQLite) or "$1".. (mark '$',
 * PostgreSQL), numbered from first. The values to bind, in order, are
 * stored in args (pointers into q); returns how many.
 */
int store__where(struct strbuf *sql, const struct store_query *q, char mark, int first,
		 const char *args[3]);

/*
 * For attaching tags and metrics to runs listed in another order: an array
 * of run indices sorted by id (caller frees), and the run with an id.
 */
size_t *store__index_by_id(const struct store_run *runs, size_t n);
struct store_run *store__find_run(struct store_run *runs, const size_t *index, size_t n,
				  int64_t id);

/*
 * A PostgreSQL URL without its password, from the user info
 * ("postgres://u:pw@h/db" becomes "postgres://u@h/db") and from a
 * "password=" query parameter. Returns a new string; password[0] and [1]
 * get new strings with the password as written and percent-decoded, or
 * NULL when the URL has none.
 */
char *store__url_elide(const char *url, char *password[2]);
/* msg as one line ("; " for line breaks), each password replaced by "***". New string. */
char *store__scrub(char *const password[2], const char *msg);

/* Appends a metric whose summary the caller sets (no samples). */
struct store_metric *store__add_metric(struct store_run *r, char *name, char *unit,
				       int higher_is_better);
/* Takes ownership of tag (the run frees it). */
void store__add_tag(struct store_run *r, char *tag);

#endif
