/*
 * Tests of what the results store does, on SQLite and on PostgreSQL alike:
 * a run reads back as it was saved (samples bit for bit), lists filter and
 * order, references resolve or say what was not found, tags, rm and the
 * series of `history`. The fixture is in test_store.h.
 */
#include "test_store.h"

/* --- the interface, on both backends ------------------------------------------- */

static void test_round_trip(void **state)
{
	struct fx *fx = *state;
	static const double odd[] = { 0.1, 0.30000000000000004, -0.0, 4.9406564584124654e-324,
				      1.7976931348623157e308, 3.141592653589793, -1e-9 };
	struct store_run r, got, *runs;
	struct store_metric *m;
	unsigned char blob[1024];
	uint64_t seed = 42;
	size_t n;

	make_run(&r, "api", "bench", 1763788800123456LL);
	store_run_add_tag(&r, "v2");
	store_run_add_tag(&r, "ci");
	store_run_add_tag(&r, "ci");	/* twice in one run: once in the store */
	store_metric_set_samples(store_run_add_metric(&r, "wall", "s", 0), odd, ARRAY_SIZE(odd));
	/* Any 64-bit pattern survives, NaNs with payloads included. */
	m = store_run_add_metric(&r, "bits", "", 1);
	m->nsamples = 1000;
	m->samples = xmalloc(1000 * sizeof(double));
	for (size_t i = 0; i < 1000; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		memcpy(&m->samples[i], &seed, 8);
	}
	m->mean = 1, m->stddev = 2, m->median = 3, m->min = -INFINITY, m->max = INFINITY;
	m = store_run_add_metric(&r, "latency", "s", 0);	/* a histogram, no samples */
	for (size_t i = 0; i < sizeof(blob); i++)
		blob[i] = (unsigned char)(i * 7);
	m->blob = xmalloc(sizeof(blob));
	memcpy(m->blob, blob, sizeof(blob));
	m->blob_len = sizeof(blob);
	assert_true(isnan(m->mean) && isnan(m->median) && isnan(m->max));

	assert_int_equal(store_save(fx->st, &r), 0);
	assert_true(r.id > 0);
	assert_int_equal(store_get(fx->st, r.id, &got), 0);
	/* Tags come back sorted, each once. */
	assert_int_equal(got.ntags, 2);
	assert_string_equal(got.tags[0], "ci");
	assert_string_equal(got.tags[1], "v2");
	assert_same_run(&r, &got, 1);
	assert_true(got.metrics[0].median == 0.1 && got.metrics[0].max == 1.7976931348623157e308);
	store_run_release(&got);

	assert_int_equal(store_list(fx->st, NULL, &runs, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(runs[0].ntags, 2);
	assert_same_run(&r, &runs[0], 0);
	store_runs_free(runs, n);

	assert_int_equal(store_get(fx->st, r.id + 1, &got), -1);
	assert_err("no run %lld", (long long)r.id + 1);
	store_run_release(&r);
}

/* store_list(q) gives the runs want[], in that order, each with its "wall" summary. */
static void assert_runs(struct store *st, const struct store_query *q, const int64_t *want,
			size_t nwant)
{
	struct store_run *runs;
	size_t n;

	if (store_list(st, q, &runs, &n) < 0)
		fail_msg("store_list: %s", pe_errmsg());
	assert_int_equal(n, nwant);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(runs[i].id, want[i]);
		assert_int_equal(runs[i].nmetrics, 1);
		assert_string_equal(runs[i].metrics[0].name, "wall");
		assert_int_equal(runs[i].metrics[0].nsamples, 0);
	}
	store_runs_free(runs, n);
}

#define RUNS(...) (const int64_t[]){ __VA_ARGS__ }, ARRAY_SIZE(((const int64_t[]){ __VA_ARGS__ }))

static void test_list(void **state)
{
	struct fx *fx = *state;
	struct store *st = fx->st;
	struct store_run *runs;
	size_t n;
	int64_t r1, r2, r3, r4, r5, r6;

	r1 = save_simple(st, "api", "bench", 100, "v1", 1, 2, 3);
	r2 = save_simple(st, "api", "bench", 300, "v2", 1, 2, 3);
	r3 = save_simple(st, "web", "load", 200, "v2", 1, 2, 3);
	r4 = save_simple(st, "api", "bench", 300, NULL, 1, 2, 3);	/* same start: by id */
	r5 = save_simple(st, "api", "profile", 50, NULL, 1, 2, 3);
	r6 = save_simple(st, "web", "bench", 400, NULL, 1, 2, 3);
	assert_int_equal(store_tag(st, r2, "nightly"), 0);

	assert_runs(st, &(struct store_query){ 0 }, RUNS(r5, r1, r3, r2, r4, r6));
	assert_runs(st, &(struct store_query){ .name = "api" }, RUNS(r5, r1, r2, r4));
	assert_runs(st, &(struct store_query){ .tag = "v2" }, RUNS(r3, r2));
	assert_runs(st, &(struct store_query){ .kind = "bench" }, RUNS(r1, r2, r4, r6));
	assert_runs(st, &(struct store_query){ .name = "api", .kind = "bench" }, RUNS(r1, r2, r4));
	assert_runs(st, &(struct store_query){ .name = "api", .tag = "nightly" }, RUNS(r2));
	/* limit: the newest N, still oldest first */
	assert_runs(st, &(struct store_query){ .limit = 2 }, RUNS(r4, r6));
	assert_runs(st, &(struct store_query){ .name = "api", .limit = 3 }, RUNS(r1, r2, r4));
	assert_runs(st, &(struct store_query){ .tag = "v2", .kind = "load", .limit = 5 }, RUNS(r3));
	assert_runs(st, &(struct store_query){ .limit = 100 }, RUNS(r5, r1, r3, r2, r4, r6));

	assert_int_equal(store_list(st, &(struct store_query){ .name = "nope" }, &runs, &n), 0);
	assert_int_equal(n, 0);
	store_runs_free(runs, n);
	/* Tags and summaries come with the list. */
	assert_int_equal(store_list(st, &(struct store_query){ .tag = "nightly" }, &runs, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(runs[0].ntags, 2);
	assert_string_equal(runs[0].tags[0], "nightly");
	assert_string_equal(runs[0].tags[1], "v2");
	assert_true(runs[0].metrics[0].median == 2 && runs[0].metrics[0].max == 3);
	assert_string_equal(runs[0].hostname, "ci-7");
	store_runs_free(runs, n);
}

static void assert_resolves(struct store *st, const char *ref, int64_t want)
{
	int64_t id = -1;

	if (store_resolve(st, ref, &id) < 0)
		fail_msg("'%s': %s", ref, pe_errmsg());
	assert_int_equal(id, want);
}

static void assert_no_resolve(struct store *st, const char *ref, const char *msg)
{
	int64_t id = -1;

	assert_int_equal(store_resolve(st, ref, &id), -1);
	assert_int_equal(id, 0);
	assert_string_equal(pe_errmsg(), msg);
}

static void test_resolve(void **state)
{
	struct fx *fx = *state;
	struct store *st = fx->st;
	char ref[32];
	int64_t a1, a2, a3, w1, c1;

	a2 = save_simple(st, "api", "bench", 200, "v2", 1, 2, 3);
	a1 = save_simple(st, "api", "bench", 100, "v2", 1, 2, 3);
	a3 = save_simple(st, "api", "bench", 300, NULL, 1, 2, 3);
	w1 = save_simple(st, "web", "bench", 400, NULL, 1, 2, 3);
	c1 = save_simple(st, "curl a@b", "bench", 500, NULL, 1, 2, 3);

	snprintf(ref, sizeof(ref), "%lld", (long long)a1);
	assert_resolves(st, ref, a1);
	assert_resolves(st, "api", a3);
	assert_resolves(st, "api@latest", a3);
	assert_resolves(st, "api@latest~0", a3);
	assert_resolves(st, "api@latest~1", a2);
	assert_resolves(st, "api@latest~2", a1);
	assert_resolves(st, "api@v2", a2);
	assert_resolves(st, "web", w1);
	assert_resolves(st, "curl a@b", c1);	/* a name with '@' */
	assert_resolves(st, "curl a@b@latest", c1);
	assert_no_resolve(st, "api@latest~3", "'api' has 3 runs; api@latest~3 does not exist");
	assert_no_resolve(st, "web@latest~1", "'web' has 1 run; web@latest~1 does not exist");
	assert_no_resolve(st, "api@latest~99999999999999999999",
			  "'api@latest~99999999999999999999' is not a run reference (try 42, "
			  "NAME, NAME@latest, NAME@latest~1 or NAME@TAG)");
	assert_no_resolve(st, "api@v9", "no run of 'api' is tagged 'v9'");
	assert_no_resolve(st, "nope", "no run named 'nope'");
	assert_no_resolve(st, "nope@v2", "no run named 'nope'");
	assert_no_resolve(st, "nope@latest~2", "no run named 'nope'");
	assert_no_resolve(st, "99999999", "no run 99999999");
	assert_no_resolve(st, "0", "no run 0");
	assert_no_resolve(st, "api@latest~x", "'api@latest~x' is not a run reference (try 42, "
			  "NAME, NAME@latest, NAME@latest~1 or NAME@TAG)");
	assert_no_resolve(st, "@latest", "'@latest' is not a run reference (try 42, NAME, "
			  "NAME@latest, NAME@latest~1 or NAME@TAG)");
	assert_no_resolve(st, "api@", "'api@' is not a run reference (try 42, NAME, "
			  "NAME@latest, NAME@latest~1 or NAME@TAG)");
	assert_no_resolve(st, "", "an empty run reference (try 42, NAME, NAME@latest or "
			  "NAME@TAG)");
}

static void test_tag(void **state)
{
	struct fx *fx = *state;
	struct store_run got;
	int64_t id = save_simple(fx->st, "api", "bench", 100, "v1", 1, 2, 3);

	assert_int_equal(store_tag(fx->st, id, "rc"), 0);
	assert_int_equal(store_tag(fx->st, id, "rc"), 0);	/* twice is fine */
	assert_int_equal(store_tag(fx->st, id, "v1"), 0);
	assert_int_equal(store_get(fx->st, id, &got), 0);
	assert_int_equal(got.ntags, 2);
	assert_string_equal(got.tags[0], "rc");
	assert_string_equal(got.tags[1], "v1");
	store_run_release(&got);
	assert_resolves(fx->st, "api@rc", id);

	assert_int_equal(store_tag(fx->st, id + 1, "rc"), -1);
	assert_err("no run %lld", (long long)id + 1);
	assert_int_equal(store_tag(fx->st, id, "latest"), -1);
	assert_err("'latest' cannot be a tag: NAME@latest already means a run by age");
	assert_int_equal(store_tag(fx->st, id, "latest~2"), -1);
	assert_int_equal(store_tag(fx->st, id, "a@b"), -1);
	assert_err("'a@b' cannot be a tag: it contains '@'");
	assert_int_equal(store_tag(fx->st, id, ""), -1);
	assert_err("a tag cannot be empty");
	assert_int_equal(raw_int(fx, fx->spec, "SELECT count(*) FROM tag"), 2);
}

static void test_rm(void **state)
{
	struct fx *fx = *state;
	struct store_run r, got;
	int64_t keep;

	make_run(&r, "api", "bench", 100);
	store_run_add_tag(&r, "a");
	store_run_add_tag(&r, "b");
	for (int i = 0; i < 3; i++) {
		char name[8];
		double x[2] = { i, i + 1 };

		snprintf(name, sizeof(name), "m%d", i);
		store_metric_set_samples(store_run_add_metric(&r, name, "s", 0), x, 2);
	}
	assert_int_equal(store_save(fx->st, &r), 0);
	keep = save_simple(fx->st, "api", "bench", 50, "a", 1, 2, 3);
	assert_int_equal(raw_int(fx, fx->spec, "SELECT count(*) FROM metric"), 4);
	assert_int_equal(raw_int(fx, fx->spec, "SELECT count(*) FROM tag"), 3);

	assert_int_equal(store_rm(fx->st, r.id), 0);
	assert_int_equal(store_get(fx->st, r.id, &got), -1);
	assert_err("no run %lld", (long long)r.id);
	assert_int_equal(raw_int(fx, fx->spec, "SELECT count(*) FROM metric"), 1);
	assert_int_equal(raw_int(fx, fx->spec, "SELECT count(*) FROM tag"), 1);
	assert_int_equal(store_rm(fx->st, r.id), -1);
	assert_err("no run %lld", (long long)r.id);
	assert_resolves(fx->st, "api", keep);
	assert_runs(fx->st, NULL, RUNS(keep));
	/* A removed id is never handed out again. */
	assert_true(save_simple(fx->st, "api", "bench", 60, NULL, 1, 2, 3) > r.id);
	store_run_release(&r);
}

static void test_series(void **state)
{
	struct fx *fx = *state;
	static const int order[] = { 5, 1, 3, 2, 4 };
	struct store_series se;
	struct store_run r;
	int64_t ids[6];

	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		int k = order[i];
		double x[3] = { k * 10 - 1, k * 10, k * 10 + 5 };

		make_run(&r, "api", "bench", k * 1000);
		free(r.git_commit);
		r.git_commit = xasprintf("c%d", k);
		store_metric_set_samples(store_run_add_metric(&r, "rss", "KiB", 0), x, 1);
		store_metric_set_samples(store_run_add_metric(&r, "wall", "s", 0), x, 3);
		assert_int_equal(store_save(fx->st, &r), 0);
		ids[k] = r.id;
		store_run_release(&r);
	}
	make_run(&r, "api", "bench", 3500);	/* without "wall": not in the series */
	store_metric_set_samples(store_run_add_metric(&r, "rss", "KiB", 0), (double[]){ 1 }, 1);
	assert_int_equal(store_save(fx->st, &r), 0);
	store_run_release(&r);
	save_simple(fx->st, "web", "bench", 2500, NULL, 7, 8, 9);

	assert_int_equal(store_series_get(fx->st, "api", "wall", "median", &se), 0);
	assert_int_equal(se.n, 5);
	for (int k = 1; k <= 5; k++) {
		char c[8];

		snprintf(c, sizeof(c), "c%d", k);
		assert_int_equal(se.id[k - 1], ids[k]);
		assert_int_equal(se.started[k - 1], k * 1000);
		assert_string_equal(se.commit[k - 1], c);
		assert_true(se.value[k - 1] == k * 10);
	}
	store_series_free(&se);
	assert_int_equal(se.n, 0);
	assert_int_equal(store_series_get(fx->st, "api", "wall", "max", &se), 0);
	assert_true(se.n == 5 && se.value[0] == 15 && se.value[4] == 55);
	store_series_free(&se);
	assert_int_equal(store_series_get(fx->st, "api", "wall", "stddev", &se), 0);
	assert_true(se.n == 5 && se.value[2] == stats_stddev((double[]){ 29, 30, 35 }, 3));
	store_series_free(&se);
	assert_int_equal(store_series_get(fx->st, "api", "rss", "mean", &se), 0);
	assert_true(se.n == 6 && se.value[0] == 9 && se.value[3] == 1);
	store_series_free(&se);

	assert_int_equal(store_series_get(fx->st, "api", "wall", "p42", &se), -1);
	assert_err("unknown statistic 'p42' (try median, mean, min, max or stddev)");
	assert_int_equal(store_series_get(fx->st, "nope", "wall", "median", &se), -1);
	assert_err("no run named 'nope'");
	assert_int_equal(store_series_get(fx->st, "api", "p99", "median", &se), -1);
	assert_err("no run of 'api' has a metric 'p99'");
	assert_int_equal(se.n, 0);
}

static void test_save_refused(void **state)
{
	struct fx *fx = *state;
	struct store_run *runs, r;
	size_t n;

	make_run(&r, "", "bench", 1);
	assert_int_equal(store_save(fx->st, &r), -1);
	assert_err("a run needs a name");
	free(r.name);
	r.name = xstrdup("42");
	assert_int_equal(store_save(fx->st, &r), -1);
	assert_err("'42' cannot be a run name: it would read as a run id");
	free(r.name);
	r.name = xstrdup("api");
	free(r.kind);
	r.kind = NULL;
	assert_int_equal(store_save(fx->st, &r), -1);
	assert_err("run 'api' needs a kind (bench, load, profile, ...)");
	r.kind = xstrdup("bench");
	store_run_add_tag(&r, "latest");
	assert_int_equal(store_save(fx->st, &r), -1);
	store_run_release(&r);

	/* Fails in the middle, in the database: nothing of the run is kept. */
	make_run(&r, "api", "bench", 1);
	store_run_add_tag(&r, "v1");
	store_metric_set_samples(store_run_add_metric(&r, "wall", "s", 0), (double[]){ 1 }, 1);
	store_metric_set_samples(store_run_add_metric(&r, "wall", "s", 0), (double[]){ 2 }, 1);
	assert_int_equal(store_save(fx->st, &r), -1);
	assert_err("cannot save run 'api': it has two metrics named 'wall'");
	assert_int_equal(r.id, 0);
	assert_int_equal(store_list(fx->st, NULL, &runs, &n), 0);
	assert_int_equal(n, 0);
	store_runs_free(runs, n);
	assert_int_equal(raw_int(fx, fx->spec, "SELECT count(*) FROM metric"), 0);
	assert_int_equal(raw_int(fx, fx->spec, "SELECT count(*) FROM tag"), 0);
	store_run_release(&r);
	/* and the connection goes on working */
	save_simple(fx->st, "api", "bench", 1, "v1", 1, 2, 3);
	assert_int_equal(raw_int(fx, fx->spec, "SELECT count(*) FROM metric"), 1);
}

static void test_reopen(void **state)
{
	struct fx *fx = *state;
	struct store_run got;
	int64_t id = save_simple(fx->st, "api", "bench", 1, "v1", 1, 2, 3);

	store_close(fx->st);
	fx->st = NULL;
	assert_int_equal(store_open(fx->spec, &fx->st), 0);
	assert_string_equal(store_backend(fx->st), fx->pg ? "postgres" : "sqlite");
	assert_string_equal(store_location(fx->st), fx->spec);
	assert_int_equal(store_get(fx->st, id, &got), 0);
	assert_true(got.metrics[0].median == 2);
	store_run_release(&got);
	assert_int_equal(raw_int(fx, fx->spec,
				 "SELECT value FROM meta WHERE key = 'schema_version'"),
			 STORE_SCHEMA_VERSION);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_round_trip),
		BOTH(test_list),
		BOTH(test_resolve),
		BOTH(test_tag),
		BOTH(test_rm),
		BOTH(test_series),
		BOTH(test_save_refused),
		BOTH(test_reopen),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
