/*
 * One connection of the load engine: connect, the TLS handshake where the
 * URL is https://, send (pipelined, partial writes resumed), read and parse
 * responses, close and reconnect, each error counted in its kind. The bytes
 * go through a small table of I/O functions, plain sockets or TLS, chosen
 * once per run (wrk's idea). The thread loop and the timer heap are load.c's.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/error.h"

#include "http/load_impl.h"

/* --- the I/O table: plain sockets or TLS ------------------------------------------ */

/*
 * recv and send rather than read and write: the socket calls skip the file
 * layer. Made through syscall(2), which is no thread cancellation point:
 * libc's own wrappers update the thread's cancellation state atomically
 * before and after each call, for threads that perfeng never cancels
 * (about 2% less CPU per request against nginx, in 9 of 10 rounds).
 */
static ssize_t plain_read(struct conn *c, void *buf, size_t n)
{
	return syscall(SYS_recvfrom, c->fd, buf, n, 0, NULL, NULL);
}

static ssize_t plain_write(struct conn *c, const void *buf, size_t n)
{
	return syscall(SYS_sendto, c->fd, buf, n, MSG_NOSIGNAL, NULL, 0);
}

static int plain_pending(const struct conn *c)
{
	(void)c;
	return 0;
}

static ssize_t tls_io_read(struct conn *c, void *buf, size_t n)
{
	enum tls_status want = TLS_OK;
	ssize_t r = tls_read(c->tls, buf, n, &want);

	c->read_wants_out = r < 0 && want == TLS_WANT_WRITE;
	return r;
}

/*
 * A write that waits for readable data is not woken by EPOLLOUT but retried
 * by conn_read, which ends in conn_send.
 */
static ssize_t tls_io_write(struct conn *c, const void *buf, size_t n)
{
	enum tls_status want = TLS_OK;
	ssize_t r = tls_write(c->tls, buf, n, &want);

	c->write_wants_in = r < 0 && want == TLS_WANT_READ;
	return r;
}

static int tls_io_pending(const struct conn *c)
{
	return tls_pending(c->tls);
}

static const struct conn_io plain_io = { plain_read, plain_write, plain_pending };
static const struct conn_io tls_io = { tls_io_read, tls_io_write, tls_io_pending };

const struct conn_io *conn_io_for(const struct load_opts *o)
{
	return o->tls ? &tls_io : &plain_io;
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
	case C_HANDSHAKE:	/* the handshake counts in the connect timeout */
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
	load__heap_fix(w, c->heap_pos);
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

	/* into this second's slot only: the reporter adds the seconds into the run's */
	hdr_record(w->iv, us > 0 ? us : 1);
	if (w->sh->o->rate > 0)	/* closed model: the same as latency, added at the end */
		hdr_record(&w->r.latency_raw, raw > 0 ? raw : 1);
	w->r.responses++;
	w->iv_responses++;
	w->r.status[cls >= 1 && cls <= 5 ? cls : 0]++;
	if (cls >= 4)
		w->iv_errors++;
	c->head = (c->head + 1) % LOAD_MAX_PIPELINE;
	c->inflight--;
}


/* --- connections --------------------------------------------------------------- */

static void conn_established(struct worker *w, int delta)
{
	struct shared *sh = w->sh;

	/* no lock: a run that reconnects for each request comes here twice a request */
	unsigned now = __atomic_add_fetch(&sh->established, (unsigned)delta, __ATOMIC_RELAXED);
	unsigned max = __atomic_load_n(&sh->established_max, __ATOMIC_RELAXED);

	while (now > max && !__atomic_compare_exchange_n(&sh->established_max, &max, now, 1,
							 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

/*
 * Closes c; its requests in flight fail with error e (or are simply gone,
 * e == LOAD_ERR_NR, when the server closed an idle keep-alive connection).
 * It reconnects at once, or after a pause when its connect failed.
 */
static void conn_close(struct worker *w, struct conn *c, enum load_err e, uint64_t now)
{
	if (c->state == C_OPEN)
		conn_established(w, -1);
	conn_release(c);
	if (e < LOAD_ERR_NR && c->inflight)
		record_error(w, e, c->inflight);
	c->inflight = 0;
	c->head = 0;
	c->parsing = 0;
	c->wreq = NULL;
	c->read_wants_out = c->write_wants_in = 0;
	c->state = C_IDLE_CLOSED;
	c->reconnect_at = e == LOAD_ERR_CONNECT ? now + LOAD_RECONNECT_NS : now;
	if (c->remaining == 0 || (w->end && now >= w->end))
		c->state = C_DONE;
	conn_reschedule(w, c);
}

void conn_release(struct conn *c)
{
	if (c->tls) {
		tls_conn_free(c->tls);
		c->tls = NULL;
	}
	if (c->fd >= 0) {
		close(c->fd);	/* also removes it from epoll */
		c->fd = -1;
	}
}

/*
 * A connection could not be made (e: LOAD_ERR_CONNECT, or LOAD_ERR_TLS when
 * its handshake failed): the request it was to send fails as that error (so
 * -n counts down, and a dead server cannot keep a run going), and it tries
 * again after a pause.
 */
static void conn_connect_failed(struct worker *w, struct conn *c, enum load_err e, uint64_t now)
{
	conn_release(c);
	record_error(w, e, 1);
	w->r.sent++;
	if (c->remaining > 0)
		c->remaining--;
	c->state = C_IDLE_CLOSED;
	c->reconnect_at = now + LOAD_RECONNECT_NS;
	if (c->remaining == 0 || (w->end && now >= w->end))
		c->state = C_DONE;
	conn_reschedule(w, c);
}

/* c's TLS handshake failed; the first reason is kept for the summary. */
static void conn_tls_failed(struct worker *w, struct conn *c, const char *why, uint64_t now)
{
	if (!w->r.tls_error[0])
		snprintf(w->r.tls_error, sizeof(w->r.tls_error), "%s", why);
	conn_connect_failed(w, c, LOAD_ERR_TLS, now);
}

void conn_connect(struct worker *w, struct conn *c, uint64_t now)
{
	const struct load_opts *o = w->sh->o;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP, .data.ptr = c };
	int one = 1;

	c->fd = socket(o->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		conn_connect_failed(w, c, LOAD_ERR_CONNECT, now);
		return;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((connect(c->fd, (const struct sockaddr *)&o->addr, o->addrlen) < 0 && errno != EINPROGRESS) ||
	    epoll_ctl(w->epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
		conn_connect_failed(w, c, LOAD_ERR_CONNECT, now);
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
				c->next_send = load__schedule_time(w->sh, c->next_k);
			}
			c->inflight++;
			if (c->remaining > 0)
				c->remaining--;
			w->r.sent++;
			c->wreq = q;
			c->wpos = 0;
		}
		n = w->io->write(c, q->buf + c->wpos, q->len - c->wpos);
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

/*
 * Reads and parses what c has received. A short read ends it, the socket
 * being empty then, unless to_eof: the peer has closed (EPOLLRDHUP), and
 * edge-triggered epoll will not say so again, so it reads on to the end.
 */
static void conn_read(struct worker *w, struct conn *c, int to_eof, uint64_t now)
{
	for (;;) {
		ssize_t n = w->io->read(c, w->rbuf, LOAD_READ_BUF);
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
		if (n < LOAD_READ_BUF && !to_eof && !w->io->pending(c))
			break;
	}
	/*
	 * The next request goes out now, not after the rest of the pass as wrk
	 * does it: holding the sends back to the end of the pass was measured
	 * and did not save CPU per request or context switches.
	 */
	conn_send(w, c, now);
}

/* A timer of c came due: reconnect, connect timeout, request timeout, or a send. */
void conn_timer(struct worker *w, struct conn *c, uint64_t now)
{
	const struct load_opts *o = w->sh->o;

	switch (c->state) {
	case C_IDLE_CLOSED:
		conn_connect(w, c, now);
		return;
	case C_CONNECTING:
		conn_connect_failed(w, c, LOAD_ERR_CONNECT, now);	/* the connect timed out */
		return;
	case C_HANDSHAKE:
	{
		char why[sizeof(w->r.tls_error)];

		snprintf(why, sizeof(why), "tls: handshake with %s did not finish within the connect "
			 "timeout (is the server speaking TLS on that port?)", tls_client_host(o->tls));
		conn_tls_failed(w, c, why, now);
		return;
	}
	case C_OPEN:
		if (c->inflight && o->timeout_ns && now >= c->sent[c->head] + o->timeout_ns) {
			conn_close(w, c, LOAD_ERR_TIMEOUT, now);
			return;
		}
		conn_send(w, c, now);
		return;
	default:
		c->key = NEVER;
		load__heap_fix(w, c->heap_pos);
	}
}

/*
 * What an open connection waits for. Plain sockets are edge-triggered: a
 * read shorter than the buffer leaves the socket empty, so conn_read stops
 * there (or reads to the end once the peer has closed) and no edge is
 * missed; and epoll need not poll each socket again at the next wait to see
 * that it has gone quiet. TLS stays level-triggered: OpenSSL may leave
 * bytes in the socket after the record it read.
 */
static uint32_t conn_open_events(const struct worker *w)
{
	return EPOLLIN | EPOLLRDHUP | (w->sh->o->tls ? 0 : EPOLLET);
}

/* The connection is ready for requests (connected, TLS done): count it, wait for responses, send. */
static void conn_opened(struct worker *w, struct conn *c, uint64_t now)
{
	/* EPOLLOUT only while a write is pending */
	struct epoll_event e = { .events = conn_open_events(w), .data.ptr = c };

	c->state = C_OPEN;
	c->out = 0;
	w->r.connects++;
	conn_established(w, 1);
	epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &e);
	conn_send(w, c, now);
}

/* The next step of c's TLS handshake; events say the socket moved. */
static void conn_handshake(struct worker *w, struct conn *c, uint64_t now)
{
	char err[sizeof(w->r.tls_error)];
	struct epoll_event e = { .data.ptr = c };

	switch (tls_handshake(w->sh->o->tls, c->tls, err, sizeof(err))) {
	case TLS_OK:
		w->r.tls_handshakes++;
		w->r.tls_resumed += (uint64_t)tls_conn_resumed(c->tls);
		if (!w->r.tls_version[0]) {
			snprintf(w->r.tls_version, sizeof(w->r.tls_version), "%s", tls_conn_version(c->tls));
			snprintf(w->r.tls_cipher, sizeof(w->r.tls_cipher), "%s", tls_conn_cipher(c->tls));
		}
		conn_opened(w, c, now);
		return;
	case TLS_WANT_READ:
		e.events = EPOLLIN | EPOLLRDHUP;
		epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &e);
		return;
	case TLS_WANT_WRITE:
		e.events = EPOLLOUT;
		epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &e);
		return;
	default:
		conn_tls_failed(w, c, err, now);
	}
}

/* The socket is connected: open TLS over it for https, else start sending. */
static void conn_connected(struct worker *w, struct conn *c, uint64_t now)
{
	const struct load_opts *o = w->sh->o;

	if (!o->tls) {
		conn_opened(w, c, now);
		return;
	}
	c->tls = tls_conn_new(o->tls, c->fd, &w->tls_sessions);
	if (!c->tls) {
		conn_tls_failed(w, c, pe_errmsg(), now);
		return;
	}
	c->state = C_HANDSHAKE;
	conn_handshake(w, c, now);
}

/* An open connection waits for EPOLLOUT only while a write is pending. */
static void conn_watch_out(struct worker *w, struct conn *c)
{
	unsigned char out = (c->wreq && !c->write_wants_in) || c->read_wants_out;
	struct epoll_event e = { .events = conn_open_events(w) | (out ? EPOLLOUT : 0), .data.ptr = c };

	if (c->state != C_OPEN || c->out == out)
		return;
	c->out = out;
	epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &e);
}

void conn_event(struct worker *w, struct conn *c, uint32_t ev, uint64_t now)
{
	if (c->state == C_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (!(ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err) {
			conn_connect_failed(w, c, LOAD_ERR_CONNECT, now);
			return;
		}
		conn_connected(w, c, now);
		return;
	}
	if (c->state == C_HANDSHAKE) {
		conn_handshake(w, c, now);
		return;
	}
	if (c->state != C_OPEN)
		return;
	if ((ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) || (c->read_wants_out && (ev & EPOLLOUT)))
		conn_read(w, c, !!(ev & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)), now);
	if (c->state == C_OPEN && (ev & EPOLLOUT))
		conn_send(w, c, now);
	conn_watch_out(w, c);
}
