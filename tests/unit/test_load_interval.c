/*
 * The load engine's per-second results (src/http/interval.c): workers
 * publish their seconds with no lock, one reporter thread merges each
 * second once every worker has published it or exited, in order, and a
 * worker whose next slot is still being read (the reporter held up in a
 * callback) neither waits nor loses what it records. Two workers are
 * driven by hand here, no sockets; the expected counts are the values
 * recorded. The waits on the reporter are bounded (a hang fails), never
 * timed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "http/load_impl.h"

#define MAX_SECONDS 16

struct seen {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned n;			/* seconds reported */
	unsigned second[MAX_SECONDS];
	uint64_t responses[MAX_SECONDS], errors[MAX_SECONDS];
	int64_t total[MAX_SECONDS];	/* the merged histogram's count */
	uint64_t sent_so_far[MAX_SECONDS];	/* from the counts callback */
	unsigned counts_second[MAX_SECONDS];
	int hold;			/* the interval callback of second 0 waits while set */
	int holding;			/* it does */
};

static void on_interval(void *ctx, unsigned second, double length, const struct hdr *h,
			uint64_t responses, uint64_t errors)
{
	struct seen *s = ctx;

	(void)length;	/* of seconds that are not the clock's here */
	pthread_mutex_lock(&s->lock);
	s->holding = s->hold && second == 0;
	pthread_cond_broadcast(&s->cond);
	while (s->hold && second == 0)
		pthread_cond_wait(&s->cond, &s->lock);
	s->holding = 0;
	if (s->n < MAX_SECONDS) {
		s->second[s->n] = second;
		s->responses[s->n] = responses;
		s->errors[s->n] = errors;
		s->total[s->n] = h->total;
	}
	pthread_mutex_unlock(&s->lock);
}

static void on_counts(void *ctx, unsigned second, const struct load_counts *total)
{
	struct seen *s = ctx;

	pthread_mutex_lock(&s->lock);
	if (s->n < MAX_SECONDS) {
		s->counts_second[s->n] = second;	/* checked by the test's thread */
		s->sent_so_far[s->n] = total->sent;
	}
	s->n++;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

/* Waits (10 s at most: a hang fails) until n seconds are reported, or, n < 0, until second 0's callback holds. */
static void wait_reported(struct seen *s, int n)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	pthread_mutex_lock(&s->lock);
	while (n >= 0 ? s->n < (unsigned)n : !s->holding)
		if (pthread_cond_timedwait(&s->cond, &s->lock, &until))
			break;
	pthread_mutex_unlock(&s->lock);
	assert_true(n >= 0 ? s->n >= (unsigned)n : s->holding);
}

struct rig {
	struct load_opts o;
	struct shared sh;
	struct worker ws[2];
	struct seen seen;
};

static void rig_start(struct rig *g)
{
	memset(g, 0, sizeof(*g));
	pthread_mutex_init(&g->seen.lock, NULL);
	pthread_cond_init(&g->seen.cond, NULL);
	g->o.interval = on_interval;
	g->o.counts = on_counts;
	g->o.interval_ctx = &g->seen;
	g->sh.o = &g->o;
	g->sh.ws = g->ws;
	g->sh.nthreads = 2;
	g->sh.start = clock_now_ns();
	for (int i = 0; i < 2; i++) {
		g->ws[i].sh = &g->sh;
		g->ws[i].id = (unsigned)i;
		assert_int_equal(interval_init(&g->ws[i]), 0);
	}
	assert_int_equal(reporter_start(&g->sh), 0);
}

/* The reporter joined, the slots released; the run's histogram, sh.latency, is the caller's to release. */
static void rig_end(struct rig *g)
{
	reporter_join(&g->sh);
	for (int i = 0; i < 2; i++)
		interval_release(&g->ws[i]);
}

/* n responses of v us each, and one more request sent per response. */
static void record(struct worker *w, int n, int64_t v)
{
	for (int i = 0; i < n; i++) {
		hdr_record(w->iv, v);
		w->iv_responses++;
		w->r.responses++;
		w->r.sent++;
	}
}

static void test_order(void **state)
{
	struct rig g;

	(void)state;
	rig_start(&g);
	record(&g.ws[0], 3, 100);
	assert_int_equal(interval_publish(&g.ws[0], clock_now_ns()), 0);	/* A: second 0 */
	record(&g.ws[0], 5, 200);
	assert_int_equal(interval_publish(&g.ws[0], clock_now_ns()), 0);	/* A: second 1 */
	record(&g.ws[1], 7, 300);
	g.ws[1].iv_errors = 2;
	assert_int_equal(interval_publish(&g.ws[1], clock_now_ns()), 0);	/* B: second 0 */
	wait_reported(&g.seen, 1);
	/* second 1 waits for B, which records on */
	record(&g.ws[1], 11, 400);
	interval_exit(&g.ws[1], clock_now_ns());	/* B: second 1, the last */
	record(&g.ws[0], 13, 500);
	interval_exit(&g.ws[0], clock_now_ns());	/* A: second 2, the last */
	wait_reported(&g.seen, 3);
	rig_end(&g);
	assert_int_equal(g.seen.n, 3);
	assert_int_equal(g.seen.second[0], 0);
	assert_int_equal(g.seen.second[1], 1);
	assert_int_equal(g.seen.second[2], 2);
	for (int i = 0; i < 3; i++)
		assert_int_equal(g.seen.counts_second[i], i);	/* right after each interval */
	assert_int_equal(g.seen.responses[0], 3 + 7);
	assert_int_equal(g.seen.errors[0], 2);
	assert_int_equal(g.seen.total[0], 10);
	assert_int_equal(g.seen.responses[1], 5 + 11);
	assert_int_equal(g.seen.total[1], 16);
	assert_int_equal(g.seen.responses[2], 13);	/* B had exited */
	assert_int_equal(g.seen.sent_so_far[0], 10);
	assert_int_equal(g.seen.sent_so_far[1], 26);
	assert_int_equal(g.seen.sent_so_far[2], 39);
	assert_int_equal(g.sh.latency.total, 39);	/* the run's histogram: every second */
	assert_int_equal(hdr_max(&g.sh.latency), hdr_highest_equivalent(&g.sh.latency, 500));
	hdr_release(&g.sh.latency);
}

/*
 * The reporter held in second 0's callback (second 0 counted as reported,
 * its slots free): A publishes seconds 1, 2 and 3 into free slots, then
 * the slot of second 5 still holds second 1: A's publication of second 4
 * is put off (no wait), it records on into second 4, and publishes it all
 * once the reporter has moved on.
 */
static void test_held_reporter(void **state)
{
	struct rig g;
	uint64_t now = clock_now_ns();

	(void)state;
	rig_start(&g);
	interval_exit(&g.ws[1], now);	/* B: no second at all */
	g.seen.hold = 1;
	for (int s = 0; s < 4; s++) {
		record(&g.ws[0], 1, 100);
		if (s == 3)	/* the slot of second 4 held second 0 */
			wait_reported(&g.seen, -1);
		assert_int_equal(interval_publish(&g.ws[0], now), 0);
	}
	record(&g.ws[0], 2, 100);
	assert_int_equal(interval_publish(&g.ws[0], now), -1);
	assert_true(g.ws[0].retry_at == now + NS_PER_MS);
	assert_int_equal(g.ws[0].iv_second, 4);
	record(&g.ws[0], 3, 100);	/* still second 4 */
	pthread_mutex_lock(&g.seen.lock);
	g.seen.hold = 0;
	pthread_cond_broadcast(&g.seen.cond);
	pthread_mutex_unlock(&g.seen.lock);
	wait_reported(&g.seen, 4);
	assert_int_equal(interval_publish(&g.ws[0], now), 0);
	assert_int_equal(g.ws[0].retry_at, 0);
	interval_exit(&g.ws[0], now);	/* second 5: empty */
	wait_reported(&g.seen, 6);
	rig_end(&g);
	assert_int_equal(g.seen.n, 6);
	for (int s = 0; s < 4; s++)
		assert_int_equal(g.seen.responses[s], 1);
	assert_int_equal(g.seen.responses[4], 5);	/* recorded before and after the put-off */
	assert_int_equal(g.seen.responses[5], 0);
	assert_int_equal(g.seen.sent_so_far[5], 9);
	assert_int_equal(g.sh.latency.total, 9);
	hdr_release(&g.sh.latency);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_held_reporter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
