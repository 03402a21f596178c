/*
 * The results store: every measuring command saves its runs here, and
 * `compare`, `history` and `runs` read them back. One interface, two
 * backends with one schema: SQLite (embedded, the default) and PostgreSQL
 * (libpq, for a team or many CI runners). The schema is versioned and
 * migrated forward on open; a store written by a newer perfeng is refused.
 *
 * Engines and commands use only this header. Structures returned by the
 * store are owned by the caller and released with store_run_release().
 */
#ifndef PE_STORE_H
#define PE_STORE_H

#include <stddef.h>
#include <stdint.h>

#define STORE_SCHEMA_VERSION 1

struct store;

/* One named measurement of a run: "wall" (s), "user", "system", "max_rss" (KiB), "p99", "rps", ... */
struct store_metric {
	char *name;
	char *unit;		/* "s", "KiB", "req/s", "" */
	int higher_is_better;	/* 0: lower is better (times), 1: higher (throughput) */
	/* summary of the samples (all NAN when there are none) */
	double mean, stddev, median, min, max;
	double *samples;	/* the raw samples, in order; may be NULL */
	size_t nsamples;
	void *blob;		/* an encoded histogram (load), or NULL */
	size_t blob_len;
};

struct store_run {
	int64_t id;		/* assigned by store_save */
	char *kind;		/* "bench", "load", "profile", ... */
	char *name;		/* the --save NAME */
	int64_t started;	/* Unix time, microseconds (CLOCK_REALTIME) */
	int64_t ended;
	char *version;		/* perfeng version */
	char *command_line;	/* how perfeng was invoked */
	/* the host environment */
	char *hostname, *cpu_model, *governor, *kernel;
	int cores;
	double loadavg_before, loadavg_after;	/* 1-minute */
	/* the git state of the working directory; commit "" outside a repository */
	char *git_commit, *git_branch;
	int git_dirty;		/* -1 unknown */
	char **tags;
	size_t ntags;
	struct store_metric *metrics;
	size_t nmetrics;
};

/*
 * Opens the store named by spec: NULL or "" for the default
 * ($PERFENG_STORE, else $XDG_DATA_HOME/perfeng/results.db, else
 * ~/.local/share/perfeng/results.db; directories created on first use), a
 * "postgres://" or "postgresql://" URL, or a file path. Creates the schema
 * in an empty store, migrates an older one. Returns 0, or -1 with
 * pe_error() naming the file or URL (corrupt file, not a perfeng store, a
 * newer schema, server unreachable) and nothing written.
 */
int store_open(const char *spec, struct store **out);
void store_close(struct store *s);

/* "sqlite" or "postgres", and the file or URL (password elided). */
const char *store_backend(const struct store *s);
const char *store_location(const struct store *s);

/*
 * Saves a run with its tags and metrics in one transaction: either all of
 * it is stored or none of it. Sets run->id. Returns 0 or -1.
 */
int store_save(struct store *s, struct store_run *run);

/* Filters for store_list; zero/NULL fields match everything. */
struct store_query {
	const char *name;	/* exact run name */
	const char *tag;	/* runs carrying this tag */
	const char *kind;
	size_t limit;		/* 0: no limit; the newest `limit` runs */
};

/*
 * The matching runs, oldest first (by started, then id), with their tags
 * and their metrics' summaries but without samples or blobs (nsamples = 0).
 * *runs is an array of *n runs the caller releases with store_runs_free().
 */
int store_list(struct store *s, const struct store_query *q, struct store_run **runs, size_t *n);

/* The whole run, samples and blobs included. Returns 0, or -1 ("no run 42"). */
int store_get(struct store *s, int64_t id, struct store_run *out);

/*
 * Resolves a run reference to an id: "42" (an id), "NAME@latest",
 * "NAME@latest~N" (the Nth run before the latest of NAME), "NAME@TAG" (the
 * latest run of NAME carrying TAG), or "NAME" alone (same as NAME@latest).
 * Returns 0, or -1 with a message saying what was not found.
 */
int store_resolve(struct store *s, const char *ref, int64_t *id);

int store_tag(struct store *s, int64_t id, const char *tag);	/* adding a tag twice is fine */
int store_rm(struct store *s, int64_t id);			/* the run, its tags, metrics, samples */

/*
 * For `history`: the summary value `stat` ("median", "mean", "min", "max",
 * "stddev") of metric `metric` over the runs named `name`, oldest first,
 * with each run's id, start time and git commit. Arrays are parallel, of
 * length *n, owned by the caller (store_series_free).
 */
struct store_series {
	size_t n;
	int64_t *id;
	int64_t *started;
	char **commit;
	double *value;
};
int store_series_get(struct store *s, const char *name, const char *metric, const char *stat,
		     struct store_series *out);
void store_series_free(struct store_series *se);
/* Leaves out the runs whose value is not finite (the metric had no samples); returns how many. */
size_t store_series_drop_nonfinite(struct store_series *se);

/*
 * The rules for names and tags, for checking before anything is measured or
 * written: a name must not read as a run id, a tag must not contain '@' nor
 * be "latest" or "latest~N". Return 0, or -1 with pe_error() set.
 */
int store_check_name(const char *name);
int store_check_tag(const char *tag);
/*
 * The --save/--tag/--store options of a measuring command together: tags
 * and a store only with --save, and the name and tags by the rules above.
 */
int store_check_save_args(const char *save, const char *const *tags, size_t ntags, const char *store_spec);

/* spec with the password of a URL elided (a new string); other text is copied as it is. */
char *store_elide_password(const char *spec);

/*
 * The command line to record with a run: "perfeng " and argv joined with
 * shell quoting, the password of any URL in it elided (a --store URL must
 * not end up in the store, the JSON or `runs show`). A new string.
 */
char *store_command_line(int argc, char *const *argv);

void store_run_release(struct store_run *r);
void store_runs_free(struct store_run *runs, size_t n);

/* Helpers to build a run: strings are copied. */
void store_run_add_tag(struct store_run *r, const char *tag);
struct store_metric *store_run_add_metric(struct store_run *r, const char *name, const char *unit,
					  int higher_is_better);
/* Sets m's samples (copied) and computes its summary. */
void store_metric_set_samples(struct store_metric *m, const double *x, size_t n);

#endif
