/*
 * Tests of what the results store refuses and what it survives: files that
 * are not perfeng stores (garbage, another program's database, a newer
 * schema) are refused by name and left as they were; a server that is not
 * there is named without its password; eight processes saving at once and
 * a writer killed in the middle of a save leave whole runs only. The
 * fixture is in test_store.h.
 */
#include "test_store.h"

/* The file's bytes before and after a refused open are the same. */
static void assert_refused(struct fx *fx, const char *spec, const char *msg)
{
	struct store *st = (struct store *)&st;
	size_t len0 = 0, len1 = 0;
	char *before = fx->pg ? NULL : slurp(spec, &len0), *after, *wal;

	assert_int_equal(store_open(spec, &st), -1);
	assert_null(st);
	assert_string_equal(pe_errmsg(), msg);
	if (fx->pg)
		return;
	after = slurp(spec, &len1);
	assert_int_equal(len0, len1);
	assert_memory_equal(before, after, len0);
	wal = xasprintf("%s-wal", spec);
	assert_int_equal(access(wal, F_OK), -1);
	free(wal);
	free(before);
	free(after);
}

static void test_newer_schema(void **state)
{
	struct fx *fx = *state;
	char *msg;

	save_simple(fx->st, "api", "bench", 1, "v1", 1, 2, 3);
	store_close(fx->st);
	fx->st = NULL;
	free(raw(fx, fx->spec, "UPDATE meta SET value = '7' WHERE key = 'schema_version'"));
	msg = xasprintf("'%s' was written by a newer perfeng (schema 7; this perfeng reads up "
			"to 1)", fx->spec);
	assert_refused(fx, fx->spec, msg);
	free(msg);
	assert_int_equal(raw_int(fx, fx->spec, "SELECT count(*) FROM run"), 1);
}

static void test_foreign(void **state)
{
	struct fx *fx = *state;
	char *spec = fx_fresh(fx), *spec2 = fx_fresh(fx), *msg;

	if (!fx->pg) {	/* raw() opens existing files only */
		sqlite3 *db;

		assert_int_equal(sqlite3_open(spec, &db), SQLITE_OK);
		sqlite3_close(db);
		assert_int_equal(sqlite3_open(spec2, &db), SQLITE_OK);
		sqlite3_close(db);
	}
	free(raw(fx, spec, "CREATE TABLE run (x INTEGER); INSERT INTO run VALUES (1)"));
	if (fx->pg)
		msg = xasprintf("'%s' is not a perfeng store: it has a table 'run' but no perfeng "
				"meta table", spec);
	else
		msg = xasprintf("'%s' is not a perfeng store: it has tables but no perfeng meta "
				"table", spec);
	assert_refused(fx, spec, msg);
	free(msg);
	assert_int_equal(raw_int(fx, spec, "SELECT count(*) FROM run"), 1);

	free(raw(fx, spec2, "CREATE TABLE meta (key TEXT, value TEXT);"
		 "INSERT INTO meta VALUES ('schema_version', '1')"));
	msg = xasprintf("'%s' is not a perfeng store: its meta table is not perfeng's", spec2);
	assert_refused(fx, spec2, msg);
	free(msg);
	free(spec);
	free(spec2);
}

/*
 * Eight processes save 100 runs each at once into a store none of them has
 * created yet: all 800 arrive whole.
 */
static void test_concurrent(void **state)
{
	enum { NPROC = 8, NRUNS = 100 };
	struct fx *fx = *state;
	char *spec = fx_fresh(fx);
	struct store_run *runs;
	struct store *st;
	pid_t pids[NPROC];
	int go[2], counts[NPROC] = { 0 }, failed = 0;
	size_t n;

	assert_int_equal(pipe(go), 0);
	for (int k = 0; k < NPROC; k++) {
		pids[k] = fork();
		assert_true(pids[k] >= 0);
		if (pids[k] == 0) {
			char c, name[16], tag[16];
			int ok = 1;

			close(go[1]);
			if (read(go[0], &c, 1) < 0 || store_open(spec, &st) < 0) {
				fprintf(stderr, "child %d: %s\n", k, pe_errmsg());
				_exit(1);
			}
			snprintf(name, sizeof(name), "w%d", k);
			snprintf(tag, sizeof(tag), "t%d", k);
			for (int i = 0; i < NRUNS && ok; i++) {
				struct store_run r;
				double x[5] = { i, k, 1, 2, 3 };

				make_run(&r, name, "bench", i);
				store_run_add_tag(&r, tag);
				store_metric_set_samples(store_run_add_metric(&r, "wall", "s", 0), x, 5);
				store_metric_set_samples(store_run_add_metric(&r, "rss", "KiB", 0), x, 2);
				ok = store_save(st, &r) == 0;
				if (!ok)
					fprintf(stderr, "child %d, run %d: %s\n", k, i, pe_errmsg());
				store_run_release(&r);
			}
			_exit(ok ? 0 : 1);
		}
	}
	close(go[0]);
	close(go[1]);	/* all start now */
	for (int k = 0; k < NPROC; k++) {	/* all of them, before any assertion */
		int status;

		if (waitpid(pids[k], &status, 0) != pids[k] || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			failed++;
	}
	assert_int_equal(failed, 0);
	assert_int_equal(store_open(spec, &st), 0);
	assert_int_equal(store_list(st, NULL, &runs, &n), 0);
	assert_int_equal(n, NPROC * NRUNS);
	for (size_t i = 0; i < n; i++) {
		int k = runs[i].name[1] - '0';

		assert_int_equal(runs[i].nmetrics, 2);
		assert_string_equal(runs[i].metrics[1].name, "rss");
		assert_int_equal(runs[i].ntags, 1);
		assert_int_equal(runs[i].tags[0][1], runs[i].name[1]);
		/* the samples were {started, k, 1, 2, 3} */
		assert_true(runs[i].metrics[0].max == fmax(fmax((double)runs[i].started, k), 3));
		counts[k]++;
	}
	for (int k = 0; k < NPROC; k++)
		assert_int_equal(counts[k], NRUNS);
	store_runs_free(runs, n);
	assert_int_equal(raw_int(fx, spec, "SELECT count(*) FROM metric"), 2 * NPROC * NRUNS);
	store_close(st);
	free(spec);
}

/*
 * A writer killed with SIGKILL in the middle of a save leaves a store that
 * opens, passes SQLite's integrity check, and holds only whole runs.
 */
static void test_crash(void **state)
{
	enum { NMETRICS = 4, NSAMPLES = 20000 };
	struct fx *fx = *state;
	char *spec = fx_fresh(fx), *check, c;
	struct store_run *runs, got;
	struct pollfd pfd;
	struct store *st;
	int ready[2], status;
	size_t n;
	pid_t pid;

	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* Built once: nearly all of the child's time is spent inside store_save. */
		double *x = xmalloc(NSAMPLES * sizeof(*x));
		struct store_run r;

		close(ready[0]);
		if (store_open(spec, &st) < 0)
			_exit(1);
		make_run(&r, "crash", "bench", 0);
		store_run_add_tag(&r, "t");
		for (int m = 0; m < NMETRICS; m++) {
			char name[8];

			for (int j = 0; j < NSAMPLES; j++)
				x[j] = m + j * 1e-6;
			snprintf(name, sizeof(name), "m%d", m);
			store_metric_set_samples(store_run_add_metric(&r, name, "s", 0), x, NSAMPLES);
		}
		for (int i = 0;; i++) {
			r.started = i;
			if (store_save(st, &r) < 0)
				_exit(2);
			if (i == 0 && write(ready[1], "x", 1) != 1)
				_exit(3);
		}
	}
	close(ready[1]);
	pfd = (struct pollfd){ .fd = ready[0], .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 20000), 1);
	assert_int_equal(read(ready[0], &c, 1), 1);
	usleep(200 * 1000);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	close(ready[0]);

	if (!fx->pg) {
		check = raw(fx, spec, "PRAGMA integrity_check");
		assert_string_equal(check, "ok");
		free(check);
	}
	assert_int_equal(raw_int(fx, spec, "SELECT count(*) FROM run WHERE id NOT IN (SELECT run_id"
				 " FROM metric GROUP BY run_id HAVING count(*) = 4)"), 0);
	assert_int_equal(store_open(spec, &st), 0);
	assert_int_equal(store_list(st, NULL, &runs, &n), 0);
	assert_true(n >= 1);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(runs[i].nmetrics, NMETRICS);
	assert_int_equal(store_get(st, runs[n - 1].id, &got), 0);
	for (int m = 0; m < NMETRICS; m++) {
		assert_int_equal(got.metrics[m].nsamples, NSAMPLES);
		assert_true(got.metrics[m].samples[NSAMPLES - 1] == m + (NSAMPLES - 1) * 1e-6);
	}
	store_run_release(&got);
	store_runs_free(runs, n);
	save_simple(st, "after", "bench", 1, NULL, 1, 2, 3);	/* still writable */
	store_close(st);
	free(spec);
}

static void test_corrupt_file(void **state)
{
	struct fx *fx = *state;
	char *path = fx_fresh(fx), *msg;
	unsigned char junk[8192];
	uint64_t seed = 7;
	struct store *st;

	for (size_t i = 0; i < sizeof(junk); i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		junk[i] = (unsigned char)(seed >> 56);
	}
	write_file(path, junk, sizeof(junk));
	msg = xasprintf("'%s' is not a perfeng store: file is not a database", path);
	assert_refused(fx, path, msg);
	write_file(path, "hello\n", 6);		/* a short text file too */
	assert_refused(fx, path, msg);
	free(msg);
	free(path);

	/* A directory, and a file in a directory that does not exist. */
	assert_int_equal(store_open(fx->dir, &st), -1);
	msg = xasprintf("cannot open store '%s': ", fx->dir);
	assert_memory_equal(pe_errmsg(), msg, strlen(msg));
	free(msg);
	path = xasprintf("%s/no/such/dir/x.db", fx->dir);
	assert_int_equal(store_open(path, &st), -1);
	msg = xasprintf("cannot open store '%s': unable to open database file (No such file or "
			"directory)", path);
	assert_string_equal(pe_errmsg(), msg);
	free(msg);
	free(path);
}

/* The file is WAL, checks foreign keys and is marked as perfeng's. */
static void test_sqlite_file(void **state)
{
	struct fx *fx = *state;
	char *v;

	v = raw(fx, fx->spec, "PRAGMA journal_mode");
	assert_string_equal(v, "wal");
	free(v);
	assert_int_equal(raw_int(fx, fx->spec, "PRAGMA application_id"), 0x50457374);
	v = raw(fx, fx->spec, "SELECT value FROM meta WHERE key = 'application'");
	assert_string_equal(v, "perfeng");
	free(v);
	v = raw(fx, fx->spec, "SELECT group_concat(name) FROM (SELECT name FROM sqlite_master"
		" WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name)");
	assert_string_equal(v, "run_by_kind,run_by_name,run_by_started,tag_by_tag");
	free(v);
}

struct saved_env {
	const char *name;
	char *value;
};

static void test_default_path(void **state)
{
	struct fx *fx = *state;
	struct saved_env env[] = { { "HOME", NULL }, { "XDG_DATA_HOME", NULL },
				   { "PERFENG_STORE", NULL } };
	char *home = xasprintf("%s/home", fx->dir), *want, *xdg;
	struct store *st;
	int64_t id;
	struct stat sb;

	for (size_t i = 0; i < ARRAY_SIZE(env); i++) {
		const char *v = getenv(env[i].name);

		env[i].value = v ? xstrdup(v) : NULL;
		unsetenv(env[i].name);
	}
	/* $HOME/.local/share, created (home itself too) */
	setenv("HOME", home, 1);
	assert_int_equal(store_open(NULL, &st), 0);
	want = xasprintf("%s/.local/share/perfeng/results.db", home);
	assert_string_equal(store_location(st), want);
	assert_string_equal(store_backend(st), "sqlite");
	save_simple(st, "api", "bench", 1, NULL, 1, 2, 3);
	store_close(st);
	assert_int_equal(stat(want, &sb), 0);
	free(want);
	want = xasprintf("%s/.local/share/perfeng", home);
	assert_int_equal(stat(want, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	free(want);
	/* a relative XDG_DATA_HOME is ignored, as the XDG spec says: the same store */
	setenv("XDG_DATA_HOME", "relative/dir", 1);
	assert_int_equal(store_open("", &st), 0);
	assert_int_equal(store_resolve(st, "api", &id), 0);
	store_close(st);
	/* $XDG_DATA_HOME/perfeng */
	xdg = xasprintf("%s/xdg", fx->dir);
	setenv("XDG_DATA_HOME", xdg, 1);
	want = xasprintf("%s/perfeng/results.db", xdg);
	assert_int_equal(store_open("", &st), 0);
	assert_string_equal(store_location(st), want);
	store_close(st);
	free(want);
	free(xdg);
	/* $PERFENG_STORE, its directories created too */
	want = xasprintf("%s/explicit/dir/x.db", fx->dir);
	setenv("PERFENG_STORE", want, 1);
	assert_int_equal(store_open(NULL, &st), 0);
	assert_string_equal(store_location(st), want);
	store_close(st);
	free(want);
	/* nowhere to go */
	unsetenv("PERFENG_STORE");
	unsetenv("XDG_DATA_HOME");
	unsetenv("HOME");
	assert_int_equal(store_open(NULL, &st), -1);
	assert_err("cannot find the results store: HOME is not set; set PERFENG_STORE or pass "
		   "--store");
	for (size_t i = 0; i < ARRAY_SIZE(env); i++) {
		if (env[i].value)
			setenv(env[i].name, env[i].value, 1);
		free(env[i].value);
	}
	free(home);
}

static void test_url_elide(void **state)
{
	static const struct { const char *url, *elided, *pw, *decoded; } cases[] = {
		{ "postgres://u:pw@h/db", "postgres://u@h/db", "pw", "pw" },
		{ "postgresql://u:p%40ss@h:5432/db?sslmode=require",
		  "postgresql://u@h:5432/db?sslmode=require", "p%40ss", "p@ss" },
		{ "postgres:///db?host=/tmp/x&password=hunter2&user=u",
		  "postgres:///db?host=/tmp/x&user=u", "hunter2", "hunter2" },
		{ "postgres://h/db?password=x", "postgres://h/db", "x", "x" },
		{ "postgres://u@h/db", "postgres://u@h/db", NULL, NULL },
		{ "postgres://u:@h/db", "postgres://u@h/db", "", "" },
		{ "postgres://u:a:b@h/db?a=1&password=c#f", "postgres://u@h/db?a=1#f", "c", "c" },
	};
	char *const pw[2] = { "hunter2", "hunter%32" };
	char *out;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *got[2];

		out = store__url_elide(cases[i].url, got);
		assert_string_equal(out, cases[i].elided);
		assert_same_str(got[0], cases[i].pw);
		assert_same_str(got[1], cases[i].decoded);
		free(out);
		free(got[0]);
		free(got[1]);
	}
	out = store__scrub(pw, "password \"hunter2\" is wrong\n\tsee hunter%32\n");
	assert_string_equal(out, "password \"***\" is wrong; see ***");
	free(out);
}

/* No server at a TCP port, none in a socket directory: the URL, without its password. */
static void test_pg_unreachable(void **state)
{
	char dir[] = "/tmp/pe-nopg.XXXXXX", *url, *want;
	struct store *st = NULL;

	(void)state;
	assert_int_equal(store_open("postgres://alice:s3cret@127.0.0.1:1/perf", &st), -1);
	assert_null(st);
	want = "cannot connect to postgres://alice@127.0.0.1:1/perf: ";
	assert_memory_equal(pe_errmsg(), want, strlen(want));
	assert_null(strstr(pe_errmsg(), "s3cret"));
	assert_non_null(mkdtemp(dir));
	url = xasprintf("postgresql:///perf?host=%s&user=alice&password=hunter2", dir);
	assert_int_equal(store_open(url, &st), -1);
	want = xasprintf("cannot connect to postgresql:///perf?host=%s&user=alice: ", dir);
	assert_memory_equal(pe_errmsg(), want, strlen(want));
	assert_non_null(strstr(pe_errmsg(), "No such file or directory"));
	assert_null(strstr(pe_errmsg(), "hunter2"));
	assert_null(strchr(pe_errmsg(), '\n'));
	rmdir(dir);
	free(url);
	free(want);
}

/* A live server: the password stays out of store_location. */
static void test_pg_password(void **state)
{
	struct fx *fx = *state;
	char *url = xasprintf("%s&password=topsecret", fx->spec);
	struct store *st;

	assert_int_equal(store_open(url, &st), 0);	/* trust: the password is not asked */
	assert_string_equal(store_location(st), fx->spec);
	store_close(st);
	free(url);
	url = xasprintf("%s&password=topsecret&dbname=nosuchdb", fx->spec);
	assert_int_equal(store_open(url, &st), -1);
	assert_non_null(strstr(pe_errmsg(), "\"nosuchdb\" does not exist"));
	assert_null(strstr(pe_errmsg(), "topsecret"));
	free(url);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_newer_schema),
		BOTH(test_foreign),
		BOTH(test_concurrent),
		BOTH(test_crash),
		SQLITE_ONLY(test_corrupt_file),
		SQLITE_ONLY(test_sqlite_file),
		SQLITE_ONLY(test_default_path),
		cmocka_unit_test(test_url_elide),
		cmocka_unit_test(test_pg_unreachable),
		POSTGRES_ONLY(test_pg_password),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
