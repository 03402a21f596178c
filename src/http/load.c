#include "http/load.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "http/parser.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/xalloc.h"

#define LOAD_READ_BUF 65536
#define LOAD_EVENTS 256
#define LOAD_RECONNECT_NS (10 * NS_PER_MS)	/* after a failed connect: no busy loop */
#define NEVER UINT64_MAX

const char *load_err_name(enum load_err e)
{
	static const char *const names[LOAD_ERR_NR] = { "connect", "timeout", "read", "write", "parse" };

	return (unsigned)e < LOAD_ERR_NR ? names[e] : "unknown";
}

enum conn_state { C_IDLE_CLOSED = 0, C_CONNECTING, C_OPEN, C_DONE };

struct conn {
	int fd;
	enum conn_state state;
	struct http_parser parser;
	int parsing;			/* a response has started arriving */
	/* requests in flight, oldest first: actual and intended send times */
	uint64_t sent[LOAD_MAX_PIPELINE], intended[LOAD_MAX_PIPELINE];
	unsigned char head_req[LOAD_MAX_PIPELINE];	/* that request was HEAD */
	unsigned head, inflight;
	size_t next_req;		/* round-robin index into the requests */
	const struct load_request *wreq;	/* a request partly written */
	size_t wpos;
	uint64_t next_send;		/* open model: intended time of the next request */
	double next_k;			/* open model: its number in the whole schedule */
	uint64_t connect_deadline;
	uint64_t reconnect_at;
	int64_t remaining;		/* -n: requests this connection still sends; -1: unbounded */
	size_t heap_pos;
	uint64_t key;			/* its time in the heap */
};

struct shared;

struct worker {
	struct shared *sh;
	unsigned id;
	pthread_t tid;
	int epfd;
	struct conn *conns;
	unsigned nconns;
	struct conn **heap;		/* min-heap by conn->key */
	size_t nheap;
	char *rbuf;
	uint64_t end;			/* stop sending at this time (duration) */
	/* results */
	struct load_result r;
	struct hdr interval;		/* this second's latencies, flushed each second */
	uint64_t iv_responses, iv_errors;
	struct load_counts iv_flushed;	/* r's counts when last flushed */
	unsigned iv_second;
	int error;
	char errmsg[256];
};

/* The per-second intervals from all workers, merged under a lock. */
#define LOAD_SLOTS 8
struct slot {
	struct hdr h;
	uint64_t responses, errors;
	struct load_counts counts;	/* what the workers counted in that second */
};

struct shared {
	const struct load_opts *o;
	uint64_t start;
	pthread_mutex_t lock;
	struct slot slots[LOAD_SLOTS];
	unsigned nthreads;
	unsigned *flushed;		/* per worker: seconds flushed so far */
	int *exited;			/* per worker: it will flush no more */
	unsigned reported;		/* seconds handed to o->interval so far */
	struct load_counts total;	/* the counts of the seconds reported */
	unsigned established;		/* open connections now, all workers */
	unsigned established_max;
};

/*
 * The intended time of request number k of the open model: when the
 * expected count, the integral of the rate from the start, reaches k + 1/2
 * (so a constant rate r puts request k at (k + 1/2)/r, spread evenly).
 * With stages the rate is piecewise linear and the count piecewise
 * quadratic. NEVER when the schedule ends before k.
 */
static uint64_t schedule_time(const struct shared *sh, double k)
{
	const struct load_opts *o = sh->o;
	double n = k + 0.5, t0 = 0, r0 = 0;

	if (!o->nstages)
		return sh->start + (uint64_t)(n / o->rate * 1e9);
	for (size_t i = 0; i < o->nstages; i++) {
		double d = (double)o->stages[i].duration_ns / 1e9, r1 = o->stages[i].rate;
		double area = (r0 + r1) / 2 * d, a, t;

		if (n > area) {
			n -= area;
			t0 += d;
			r0 = r1;
			continue;
		}
		/* solve r0 t + (r1 - r0)/(2d) t^2 = n for t in [0, d] */
		a = (r1 - r0) / (2 * d);
		if (fabs(a) < 1e-12)
			t = r0 > 0 ? n / r0 : d;
		else
			t = (-r0 + sqrt(r0 * r0 + 4 * a * n)) / (2 * a);
		if (t < 0)
			t = 0;
		return sh->start + (uint64_t)((t0 + t) * 1e9);
	}
	return NEVER;
}

/* --- the timer heap: each connection sits in it with its next event time ---- */

static void heap_swap(struct worker *w, size_t a, size_t b)
{
	struct conn *t = w->heap[a];

	w->heap[a] = w->heap[b];
	w->heap[b] = t;
	w->heap[a]->heap_pos = a;
	w->heap[b]->heap_pos = b;
}

static void heap_fix(struct worker *w, size_t i)
{
	while (i > 0 && w->heap[(i - 1) / 2]->key > w->heap[i]->key) {
		heap_swap(w, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < w->nheap && w->heap[l]->key < w->heap[m]->key)
			m = l;
		if (r < w->nheap && w->heap[r]->key < w->heap[m]->key)
			m = r;
		if (m == i)
			break;
		heap_swap(w, i, m);
		i = m;
	}
}

/* The time of c's next timer event: a reconnect, a connect or request timeout, a send. */
static uint64_t conn_next_event(const struct worker *w, const struct conn *c)
{
	const struct load_opts *o = w->sh->o;
	uint64_t t = NEVER;

	switch (c->state) {
	case C_IDLE_CLOSED:
		return c->reconnect_at;
	case C_CONNECTING:
		return c->connect_deadline;
	case C_OPEN:
		if (c->inflight && o->timeout_ns)
			t = c->sent[c->head] + o->timeout_ns;
		/* no send is due past the end of the run: nothing to wake up for */
		if (o->rate > 0 && c->inflight < o->pipeline && c->remaining != 0 && c->next_send < t &&
		    !(w->end && c->next_send >= w->end))
			t = c->next_send;
		return t;
	default:
		return NEVER;
	}
}

static void conn_reschedule(struct worker *w, struct conn *c)
{
	c->key = conn_next_event(w, c);
	heap_fix(w, c->heap_pos);
}

/* --- recording ---------------------------------------------------------------- */

static void record_error(struct worker *w, enum load_err e, uint64_t n)
{
	w->r.errors[e] += n;
	w->iv_errors += n;
}

static void record_response(struct worker *w, struct conn *c, uint64_t now)
{
	unsigned i = c->head;
	int64_t us = (int64_t)((now - c->intended[i]) / NS_PER_US);
	int64_t raw = (int64_t)((now - c->sent[i]) / NS_PER_US);
	int cls = c->parser.status / 100;

	hdr_record(&w->r.latency, us > 0 ? us : 1);
	hdr_record(&w->r.latency_raw, raw > 0 ? raw : 1);
	hdr_record(&w->interval, us > 0 ? us : 1);
	w->r.responses++;
	w->iv_responses++;
	w->r.status[cls >= 1 && cls <= 5 ? cls : 0]++;
	if (cls >= 4)
		w->iv_errors++;
	c->head = (c->head + 1) % LOAD_MAX_PIPELINE;
	c->inflight--;
}

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

/*
 * Reports every second that all workers have flushed (or that the workers
 * still missing will never flush, having exited), in order. Under the lock.
 */
static void interval_report(struct shared *sh)
{
	for (;;) {
		unsigned r = sh->reported, last = 0;
		struct slot *sl = &sh->slots[r % LOAD_SLOTS];

		for (unsigned t = 0; t < sh->nthreads; t++) {
			if (sh->flushed[t] <= r && !sh->exited[t])
				return;
			if (sh->flushed[t] > last)
				last = sh->flushed[t];
		}
		if (r >= last)	/* nobody flushed second r: the run ended before it */
			return;
		if (sh->o->interval) {
			double into = (double)(clock_now_ns() - sh->start) / 1e9 - r;

			sh->o->interval(sh->o->interval_ctx, r, into < 1 ? into : 1, &sl->h,
					sl->responses, sl->errors);
		}
		counts_add(&sh->total, &sl->counts, &(struct load_counts){ 0 });
		if (sh->o->counts)
			sh->o->counts(sh->o->interval_ctx, r, &sh->total);
		hdr_reset(&sl->h);
		sl->responses = sl->errors = 0;
		memset(&sl->counts, 0, sizeof(sl->counts));
		sh->reported++;
	}
}

/* Hands this second's interval to the shared slot. */
static void interval_flush(struct worker *w)
{
	struct shared *sh = w->sh;
	struct slot *sl = &sh->slots[w->iv_second % LOAD_SLOTS];
	struct load_counts now = {
		.sent = w->r.sent, .responses = w->r.responses,
		.bytes_in = w->r.bytes_in, .bytes_out = w->r.bytes_out,
	};

	memcpy(now.errors, w->r.errors, sizeof(now.errors));
	memcpy(now.status, w->r.status, sizeof(now.status));
	pthread_mutex_lock(&sh->lock);
	counts_add(&sl->counts, &now, &w->iv_flushed);
	w->iv_flushed = now;
	hdr_add(&sl->h, &w->interval);
	sl->responses += w->iv_responses;
	sl->errors += w->iv_errors;
	sh->flushed[w->id] = w->iv_second + 1;
	interval_report(sh);
	pthread_mutex_unlock(&sh->lock);
	hdr_reset(&w->interval);
	w->iv_responses = w->iv_errors = 0;
	w->iv_second++;
}

/* The worker is done: its last, partial second counts, and no more will come. */
static void interval_exit(struct worker *w)
{
	interval_flush(w);
	pthread_mutex_lock(&w->sh->lock);
	w->sh->exited[w->id] = 1;
	interval_report(w->sh);
	pthread_mutex_unlock(&w->sh->lock);
}

/* --- connections --------------------------------------------------------------- */

static void conn_established(struct worker *w, int delta)
{
	struct shared *sh = w->sh;

	pthread_mutex_lock(&sh->lock);
	sh->established += (unsigned)delta;
	if (sh->established > sh->established_max)
		sh->established_max = sh->established;
	pthread_mutex_unlock(&sh->lock);
}

/*
 * Closes c; its requests in flight fail with error e (or are simply gone,
 * e == LOAD_ERR_NR, when the server closed an idle keep-alive connection).
 * It reconnects at once, or after a pause when its connect failed.
 */
static void conn_close(struct worker *w, struct conn *c, enum load_err e, uint64_t now)
{
	if (c->fd >= 0) {
		close(c->fd);	/* also removes it from epoll */
		c->fd = -1;
	}
	if (c->state == C_OPEN) {
		conn_established(w, -1);
	}
	if (e < LOAD_ERR_NR && c->inflight)
		record_error(w, e, c->inflight);
	c->inflight = 0;
	c->head = 0;
	c->parsing = 0;
	c->wreq = NULL;
	c->state = C_IDLE_CLOSED;
	c->reconnect_at = e == LOAD_ERR_CONNECT ? now + LOAD_RECONNECT_NS : now;
	if (c->remaining == 0 || (w->end && now >= w->end))
		c->state = C_DONE;
	conn_reschedule(w, c);
}

/*
 * A connection could not be made: the request it was to send fails as a
 * connect error (so -n counts down, and a dead server cannot keep a run
 * going), and it tries again after a pause.
 */
static void conn_connect_failed(struct worker *w, struct conn *c, uint64_t now)
{
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
	record_error(w, LOAD_ERR_CONNECT, 1);
	w->r.sent++;
	if (c->remaining > 0)
		c->remaining--;
	c->state = C_IDLE_CLOSED;
	c->reconnect_at = now + LOAD_RECONNECT_NS;
	if (c->remaining == 0 || (w->end && now >= w->end))
		c->state = C_DONE;
	conn_reschedule(w, c);
}

static void conn_connect(struct worker *w, struct conn *c, uint64_t now)
{
	const struct load_opts *o = w->sh->o;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP, .data.ptr = c };
	int one = 1;

	c->fd = socket(o->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		conn_connect_failed(w, c, now);
		return;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	w->r.connects++;
	if ((connect(c->fd, (const struct sockaddr *)&o->addr, o->addrlen) < 0 && errno != EINPROGRESS) ||
	    epoll_ctl(w->epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
		conn_connect_failed(w, c, now);
		return;
	}
	c->state = C_CONNECTING;
	c->connect_deadline = o->connect_timeout_ns ? now + o->connect_timeout_ns : NEVER;
	conn_reschedule(w, c);
}

/* Writes the pending request, or the next ones while the pipeline has room. */
static void conn_send(struct worker *w, struct conn *c, uint64_t now)
{
	const struct load_opts *o = w->sh->o;

	for (;;) {
		const struct load_request *q = c->wreq;
		ssize_t n;

		if (!q) {
			unsigned slot;

			if (c->inflight >= o->pipeline || c->remaining == 0 || (w->end && now >= w->end))
				break;
			if (o->rate > 0 && now < c->next_send)
				break;
			q = &o->reqs[c->next_req];
			c->next_req = (c->next_req + 1) % o->nreqs;
			slot = (c->head + c->inflight) % LOAD_MAX_PIPELINE;
			c->sent[slot] = now;
			c->intended[slot] = o->rate > 0 ? c->next_send : now;
			c->head_req[slot] = (unsigned char)q->head;
			if (o->rate > 0) {
				c->next_k += o->connections;	/* request k goes to connection k % C */
				c->next_send = schedule_time(w->sh, c->next_k);
			}
			c->inflight++;
			if (c->remaining > 0)
				c->remaining--;
			w->r.sent++;
			c->wreq = q;
			c->wpos = 0;
		}
		n = write(c->fd, q->buf + c->wpos, q->len - c->wpos);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;	/* EPOLLOUT will tell */
			conn_close(w, c, LOAD_ERR_WRITE, now);
			return;
		}
		w->r.bytes_out += (uint64_t)n;
		c->wpos += (size_t)n;
		if (c->wpos < q->len)
			break;
		c->wreq = NULL;
	}
	conn_reschedule(w, c);
}

/* A response ended: record it, and close when the server will not keep the connection. */
static int conn_response_done(struct worker *w, struct conn *c, uint64_t now)
{
	int keep = c->parser.keep_alive;

	if (!c->inflight) {	/* a response to no request */
		conn_close(w, c, LOAD_ERR_PARSE, now);
		record_error(w, LOAD_ERR_PARSE, 1);
		return -1;
	}
	record_response(w, c, now);
	c->parsing = 0;
	if (!keep) {
		conn_close(w, c, LOAD_ERR_READ, now);
		return -1;
	}
	return 0;
}

static void conn_read(struct worker *w, struct conn *c, uint64_t now)
{
	for (;;) {
		ssize_t n = read(c->fd, w->rbuf, LOAD_READ_BUF);
		size_t off = 0;

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			conn_close(w, c, LOAD_ERR_READ, now);
			return;
		}
		w->r.bytes_in += (uint64_t)n;
		if (n == 0) {
			if (c->parsing && http_parser_eof(&c->parser) == HTTP_DONE) {
				if (conn_response_done(w, c, now) < 0)
					return;
			}
			/* closed with requests outstanding: each fails as a read error */
			conn_close(w, c, LOAD_ERR_READ, now);
			return;
		}
		while (off < (size_t)n) {
			size_t used = 0;
			enum http_result res;

			if (!c->parsing) {
				if (!c->inflight) {
					record_error(w, LOAD_ERR_PARSE, 1);
					conn_close(w, c, LOAD_ERR_PARSE, now);
					return;
				}
				http_parser_init(&c->parser, c->head_req[c->head]);
				c->parsing = 1;
			}
			res = http_parser_feed(&c->parser, w->rbuf + off, (size_t)n - off, &used);
			off += used;
			if (res == HTTP_ERROR) {
				conn_close(w, c, LOAD_ERR_PARSE, now);
				return;
			}
			if (res == HTTP_MORE)
				break;
			if (conn_response_done(w, c, now) < 0)
				return;
		}
		if (n < LOAD_READ_BUF)
			break;
	}
	conn_send(w, c, now);
}

/* A timer of c came due: reconnect, connect timeout, request timeout, or a send. */
static void conn_timer(struct worker *w, struct conn *c, uint64_t now)
{
	const struct load_opts *o = w->sh->o;

	switch (c->state) {
	case C_IDLE_CLOSED:
		conn_connect(w, c, now);
		return;
	case C_CONNECTING:
		conn_connect_failed(w, c, now);	/* the connect timed out */
		return;
	case C_OPEN:
		if (c->inflight && o->timeout_ns && now >= c->sent[c->head] + o->timeout_ns) {
			conn_close(w, c, LOAD_ERR_TIMEOUT, now);
			return;
		}
		conn_send(w, c, now);
		return;
	default:
		c->key = NEVER;
		heap_fix(w, c->heap_pos);
	}
}

static void conn_event(struct worker *w, struct conn *c, uint32_t ev, uint64_t now)
{
	if (c->state == C_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof(err);
		struct epoll_event e = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = c };

		if (!(ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err) {
			conn_connect_failed(w, c, now);
			return;
		}
		c->state = C_OPEN;
		conn_established(w, 1);
		/* level-triggered EPOLLOUT only while a write is pending */
		epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &e);
		conn_send(w, c, now);
		return;
	}
	if (c->state != C_OPEN)
		return;
	if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		conn_read(w, c, now);
	if (c->state == C_OPEN && (ev & EPOLLOUT))
		conn_send(w, c, now);
	if (c->state == C_OPEN) {
		struct epoll_event e = { .events = EPOLLIN | EPOLLRDHUP | (c->wreq ? EPOLLOUT : 0),
					 .data.ptr = c };
		if ((ev & EPOLLOUT) != (c->wreq ? EPOLLOUT : 0))
			epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &e);
	}
}

/* Whether every connection is finished (-n mode): sent all it had and got all answers. */
static int worker_finished(const struct worker *w)
{
	for (unsigned i = 0; i < w->nconns; i++) {
		const struct conn *c = &w->conns[i];

		if (c->state != C_DONE && (c->remaining != 0 || c->inflight))
			return 0;
	}
	return 1;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	const struct load_opts *o = w->sh->o;
	struct epoll_event evs[LOAD_EVENTS];
	uint64_t start = w->sh->start;

	for (unsigned i = 0; i < w->nconns; i++)
		conn_connect(w, &w->conns[i], clock_now_ns());
	for (;;) {
		uint64_t now = clock_now_ns(), wait_until = NEVER;
		struct timespec ts;
		int n;

		while ((uint64_t)(w->iv_second + 1) * NS_PER_SEC + start <= now)
			interval_flush(w);
		if ((w->end && now >= w->end) || (o->stop && *o->stop))
			break;
		if (o->requests && worker_finished(w))
			break;
		if (w->nheap && w->heap[0]->key != NEVER)
			wait_until = w->heap[0]->key;
		if (w->end && w->end < wait_until)
			wait_until = w->end;
		if ((uint64_t)(w->iv_second + 1) * NS_PER_SEC + start < wait_until)
			wait_until = (uint64_t)(w->iv_second + 1) * NS_PER_SEC + start;
		if (wait_until > now + 100 * NS_PER_MS)	/* poll the stop flag */
			wait_until = now + 100 * NS_PER_MS;
		ts.tv_sec = (time_t)((wait_until - now) / NS_PER_SEC);
		ts.tv_nsec = (long)((wait_until - now) % NS_PER_SEC);
		n = epoll_pwait2(w->epfd, evs, LOAD_EVENTS, wait_until > now ? &ts : &(struct timespec){ 0, 0 }, NULL);
		if (n < 0 && errno != EINTR) {
			w->error = errno;
			snprintf(w->errmsg, sizeof(w->errmsg), "epoll_pwait2: %s", strerror(errno));
			break;
		}
		now = clock_now_ns();
		for (int i = 0; i < n; i++)
			conn_event(w, evs[i].data.ptr, evs[i].events, now);
		/*
		 * Each due timer once per pass: a handler that cannot make progress
		 * (a send refused at the end of the run) must not spin here.
		 */
		for (size_t k = w->nheap; k > 0 && w->heap[0]->key <= now; k--)
			conn_timer(w, w->heap[0], now);
	}
	interval_exit(w);
	for (unsigned i = 0; i < w->nconns; i++) {
		struct conn *c = &w->conns[i];

		w->r.unfinished += c->inflight;
		if (c->fd >= 0)
			close(c->fd);
		c->fd = -1;
	}
	return NULL;
}

static int worker_init(struct worker *w, struct shared *sh, unsigned id, unsigned first,
		       unsigned n)
{
	const struct load_opts *o = sh->o;

	memset(w, 0, sizeof(*w));
	w->sh = sh;
	w->id = id;
	w->nconns = n;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (w->epfd < 0)
		return pe_error("epoll_create1: %s", strerror(errno));
	w->conns = xcalloc(n ? n : 1, sizeof(*w->conns));
	w->heap = xcalloc(n ? n : 1, sizeof(*w->heap));
	w->rbuf = xmalloc(LOAD_READ_BUF);
	if (hdr_init(&w->r.latency, LOAD_HDR_LOWEST, LOAD_HDR_HIGHEST, LOAD_HDR_DIGITS) < 0 ||
	    hdr_init(&w->r.latency_raw, LOAD_HDR_LOWEST, LOAD_HDR_HIGHEST, LOAD_HDR_DIGITS) < 0 ||
	    hdr_init(&w->interval, LOAD_HDR_LOWEST, LOAD_HDR_HIGHEST, LOAD_HDR_DIGITS) < 0)
		return -1;
	w->end = o->duration_ns ? sh->start + o->duration_ns : 0;
	for (unsigned i = 0; i < n; i++) {
		struct conn *c = &w->conns[i];
		unsigned g = first + i;	/* the connection's number over all threads */

		c->fd = -1;
		c->heap_pos = i;
		c->key = NEVER;
		w->heap[i] = c;
		c->next_req = g % o->nreqs;
		if (o->requests)
			c->remaining = (int64_t)(o->requests / o->connections +
						 (g < o->requests % o->connections));
		else
			c->remaining = -1;
		if (o->rate > 0) {
			/* each connection sends every connections/rate s, staggered evenly */
			c->next_k = g;
			c->next_send = schedule_time(sh, c->next_k);
		}
	}
	w->nheap = n;
	return 0;
}

static void worker_release(struct worker *w)
{
	if (w->epfd >= 0)
		close(w->epfd);
	free(w->conns);
	free(w->heap);
	free(w->rbuf);
	hdr_release(&w->r.latency);
	hdr_release(&w->r.latency_raw);
	hdr_release(&w->interval);
}

int load_run(const struct load_opts *o, struct load_result *res)
{
	struct shared sh = { .o = o };
	struct worker *ws;
	unsigned nt = o->threads ? o->threads : 1, first = 0, started = 0;
	int rc = 0;

	if (nt > o->connections)
		nt = o->connections;
	if (!o->connections || !o->nreqs || o->pipeline < 1 || o->pipeline > LOAD_MAX_PIPELINE)
		return pe_error("load needs connections, a request, and a pipeline of 1..%d",
				LOAD_MAX_PIPELINE);
	memset(res, 0, sizeof(*res));
	if (hdr_init(&res->latency, LOAD_HDR_LOWEST, LOAD_HDR_HIGHEST, LOAD_HDR_DIGITS) < 0 ||
	    hdr_init(&res->latency_raw, LOAD_HDR_LOWEST, LOAD_HDR_HIGHEST, LOAD_HDR_DIGITS) < 0)
		return -1;
	pthread_mutex_init(&sh.lock, NULL);
	sh.nthreads = nt;
	sh.flushed = xcalloc(nt, sizeof(*sh.flushed));
	sh.exited = xcalloc(nt, sizeof(*sh.exited));
	for (int i = 0; i < LOAD_SLOTS; i++)
		hdr_init(&sh.slots[i].h, LOAD_HDR_LOWEST, LOAD_HDR_HIGHEST, LOAD_HDR_DIGITS);
	ws = xcalloc(nt, sizeof(*ws));
	sh.start = clock_now_ns();
	for (unsigned t = 0; t < nt; t++) {
		/* connections spread exactly: the first (c % t) threads take one more */
		unsigned n = o->connections / nt + (t < o->connections % nt);

		ws[t].epfd = -1;
		if (worker_init(&ws[t], &sh, t, first, n) < 0) {
			rc = -1;
			break;
		}
		first += n;
	}
	for (unsigned t = 0; !rc && t < nt; t++) {
		if (pthread_create(&ws[t].tid, NULL, worker_main, &ws[t])) {
			rc = pe_error("cannot start thread %u", t);
			break;
		}
		started++;
	}
	pthread_mutex_lock(&sh.lock);
	for (unsigned t = started; t < nt; t++)
		sh.exited[t] = 1;	/* never ran: the intervals do not wait for it */
	pthread_mutex_unlock(&sh.lock);
	for (unsigned t = 0; t < started; t++)
		pthread_join(ws[t].tid, NULL);
	res->elapsed_ns = clock_now_ns() - sh.start;
	for (unsigned t = 0; t < nt; t++) {
		struct worker *w = &ws[t];

		if (!rc && w->error)
			rc = pe_error("thread %u: %s", t, w->errmsg);
		res->sent += w->r.sent;
		res->responses += w->r.responses;
		res->bytes_in += w->r.bytes_in;
		res->bytes_out += w->r.bytes_out;
		res->connects += w->r.connects;
		res->unfinished += w->r.unfinished;
		for (int e = 0; e < LOAD_ERR_NR; e++)
			res->errors[e] += w->r.errors[e];
		for (int s = 0; s < 6; s++)
			res->status[s] += w->r.status[s];
		if (w->r.latency.counts) {
			hdr_add(&res->latency, &w->r.latency);
			hdr_add(&res->latency_raw, &w->r.latency_raw);
		}
		worker_release(w);
	}
	res->established = sh.established_max;
	res->interrupted = o->stop && *o->stop;
	for (int i = 0; i < LOAD_SLOTS; i++)
		hdr_release(&sh.slots[i].h);
	free(sh.flushed);
	free(sh.exited);
	pthread_mutex_destroy(&sh.lock);
	free(ws);
	if (rc) {
		hdr_release(&res->latency);
		hdr_release(&res->latency_raw);
	}
	return rc;
}
