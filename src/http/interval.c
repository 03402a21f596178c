/*
 * The load engine's per-second results, reported off the load threads.
 * Each worker records into its own slot for the current second and, when
 * the second ends, publishes it with one atomic store and a wake-up; one
 * reporter thread merges the second once every worker has published it
 * (or exited), hands it to the run's interval and counts callbacks
 * (--hlog, the live line, --metrics, --find-max's windows) and frees the
 * slots. No lock is shared with the load threads: a callback that takes
 * long (a slow disk under --hlog, a terminal that is paused) holds back the
 * reporter only, and the workers never wait for it (see interval_publish).
 */
#include "http/load_impl.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "util/error.h"
#include "util/xalloc.h"

/* A worker whose next slot is still being read tries again this much later. */
#define INTERVAL_RETRY_NS NS_PER_MS

/* dst += a - b, field by field. */
static void counts_add(struct load_counts *dst, const struct load_counts *a, const struct load_counts *b)
{
	dst->sent += a->sent - b->sent;
	dst->responses += a->responses - b->responses;
	dst->bytes_in += a->bytes_in - b->bytes_in;
	dst->bytes_out += a->bytes_out - b->bytes_out;
	for (int e = 0; e < LOAD_ERR_NR; e++)
		dst->errors[e] += a->errors[e] - b->errors[e];
	for (int k = 0; k < 6; k++)
		dst->status[k] += a->status[k] - b->status[k];
}

int interval_init(struct worker *w)
{
	w->slots = xcalloc(LOAD_SLOTS, sizeof(*w->slots));
	for (int i = 0; i < LOAD_SLOTS; i++)
		if (hdr_init(&w->slots[i].h, LOAD_HDR_LOWEST, LOAD_HDR_HIGHEST, LOAD_HDR_DIGITS) < 0)
			return -1;
	w->iv = &w->slots[0].h;
	return 0;
}

void interval_release(struct worker *w)
{
	for (int i = 0; w->slots && i < LOAD_SLOTS; i++)
		hdr_release(&w->slots[i].h);
	free(w->slots);
	w->slots = NULL;
}

/* Fills w's current slot with the second's counts and publishes it; the reporter is woken by the caller. */
static void interval__hand_over(struct worker *w, uint64_t now)
{
	struct slot *sl = &w->slots[w->iv_second % LOAD_SLOTS];
	struct load_counts c = {
		.sent = w->r.sent, .responses = w->r.responses,
		.bytes_in = w->r.bytes_in, .bytes_out = w->r.bytes_out,
	};

	memcpy(c.errors, w->r.errors, sizeof(c.errors));
	memcpy(c.status, w->r.status, sizeof(c.status));
	memset(&sl->counts, 0, sizeof(sl->counts));	/* this second's: r's less those published */
	counts_add(&sl->counts, &c, &w->iv_flushed);
	w->iv_flushed = c;
	sl->responses = w->iv_responses;
	sl->errors = w->iv_errors;
	sl->published_at = now;
	w->iv_responses = w->iv_errors = 0;
	/* the slot's contents before the count that says they are there */
	__atomic_store_n(&w->published, w->iv_second + 1, __ATOMIC_RELEASE);
}

/*
 * The slot of the next second held second next - LOAD_SLOTS, free once
 * that is reported. When it is not (the reporter is LOAD_SLOTS seconds
 * behind, in a callback that blocks), w does not wait: waiting could hold
 * back a worker that the same thread runs and the reporter waits for. It
 * goes on recording into this second, and publishes it later: the
 * seconds are then merged in the per-second results, never lost.
 */
int interval_publish(struct worker *w, uint64_t now)
{
	unsigned next = w->iv_second + 1;

	if (next >= LOAD_SLOTS &&
	    __atomic_load_n(&w->sh->reported, __ATOMIC_ACQUIRE) <= next - LOAD_SLOTS) {
		w->retry_at = now + INTERVAL_RETRY_NS;
		return -1;
	}
	w->retry_at = 0;
	interval__hand_over(w, now);
	eventfd_write(w->sh->report_efd, 1);
	w->iv_second = next;
	w->iv = &w->slots[next % LOAD_SLOTS].h;
	return 0;
}

void interval_exit(struct worker *w, uint64_t now)
{
	interval__hand_over(w, now);
	w->retry_at = 0;
	__atomic_store_n(&w->exited, 1, __ATOMIC_RELEASE);
	eventfd_write(w->sh->report_efd, 1);
}

/*
 * Reports second sh->reported when every worker has published it or
 * exited. Returns 1 when it did, 0 when it waits for a worker, -1 when
 * every worker has exited and every second they published is reported.
 */
static int reporter_next(struct shared *sh)
{
	const struct load_opts *o = sh->o;
	unsigned r = sh->reported, last = 0;
	struct load_counts counts = { 0 }, none = { 0 };
	uint64_t responses = 0, errors = 0, at = 0;

	for (unsigned t = 0; t < sh->nthreads; t++) {
		/* exited first: once it is seen, published is final */
		int x = __atomic_load_n(&sh->ws[t].exited, __ATOMIC_ACQUIRE);
		unsigned p = __atomic_load_n(&sh->ws[t].published, __ATOMIC_ACQUIRE);

		if (p <= r && !x)
			return 0;
		if (p > last)
			last = p;
	}
	if (r >= last)	/* nobody published second r: the run ended before it */
		return -1;
	hdr_reset(&sh->merged);
	for (unsigned t = 0; t < sh->nthreads; t++) {
		struct worker *w = &sh->ws[t];
		struct slot *sl = &w->slots[r % LOAD_SLOTS];

		if (__atomic_load_n(&w->published, __ATOMIC_ACQUIRE) <= r)
			continue;	/* it exited before second r */
		hdr_add(&sh->merged, &sl->h);
		hdr_reset(&sl->h);
		responses += sl->responses;
		errors += sl->errors;
		counts_add(&counts, &sl->counts, &none);
		if (sl->published_at > at)
			at = sl->published_at;
	}
	__atomic_store_n(&sh->reported, r + 1, __ATOMIC_RELEASE);	/* the slots are free */
	hdr_add(&sh->latency, &sh->merged);
	counts_add(&sh->total, &counts, &none);
	if (o->interval) {
		double into = (double)(at - sh->start) / 1e9 - r;

		o->interval(o->interval_ctx, r, into < 1 ? into : 1, &sh->merged, responses, errors);
	}
	if (o->counts)
		o->counts(o->interval_ctx, r, &sh->total);
	return 1;
}

static void *reporter_main(void *arg)
{
	struct shared *sh = arg;
	struct pollfd pfd = { .fd = sh->report_efd, .events = POLLIN };
	eventfd_t v;
	int rc;

	for (;;) {
		eventfd_read(sh->report_efd, &v);	/* cleared before looking: no wake-up is lost */
		while ((rc = reporter_next(sh)) > 0)
			;
		if (rc < 0)
			return NULL;
		poll(&pfd, 1, -1);
	}
}

int reporter_start(struct shared *sh)
{
	int rc = 0;

	sh->report_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (sh->report_efd < 0)
		return pe_error("eventfd: %s", strerror(errno));
	if (hdr_init(&sh->merged, LOAD_HDR_LOWEST, LOAD_HDR_HIGHEST, LOAD_HDR_DIGITS) < 0 ||
	    hdr_init(&sh->latency, LOAD_HDR_LOWEST, LOAD_HDR_HIGHEST, LOAD_HDR_DIGITS) < 0)
		rc = -1;
	else if (pthread_create(&sh->reporter, NULL, reporter_main, sh))
		rc = pe_error("cannot start the reporter thread");
	if (rc) {
		close(sh->report_efd);
		sh->report_efd = -1;
		hdr_release(&sh->merged);
		hdr_release(&sh->latency);
	}
	return rc;
}

void reporter_join(struct shared *sh)
{
	pthread_join(sh->reporter, NULL);
	close(sh->report_efd);
	hdr_release(&sh->merged);
}
