/*
 * pe-httpd [-6] [-L] [-p PORT] [-t THREADS] [-d SECONDS] [-T MAXSECONDS]: the
 * HTTP/1.1 server that the load generator's tests run against, on loopback
 * only (127.0.0.1, or ::1 with -6). Its paths misbehave on purpose, so that a
 * test can check how a client counts each kind of fault; and it counts what
 * it received and what it completed, so that a test can compare.
 * It is a fake peer, not a web server: it serves no files.
 *
 *   -p PORT     the port; 0 (the default) picks a free one and prints
 *               "port N" as the first line on stdout
 *   -t THREADS  epoll worker threads (default 2), one SO_REUSEPORT listener
 *               each (or one shared listener where that fails)
 *   -d SECONDS  stop after SECONDS; -T MAXSECONDS: stop after MAXSECONDS in
 *               any case (default 300), a safety net for forgotten servers
 *   -L          a server that starts late: it binds the port (and prints it)
 *               but listens only once it gets SIGUSR1, so that until then
 *               every connect is refused
 *
 * On SIGTERM or SIGINT, or at -d or -T, it prints one JSON line to stdout and
 * exits 0:
 *   {"requests": N, "responses": N, "connections": N, "bytes_in": N,
 *    "bytes_out": N, "bad_requests": N, "paths": {"default": {"requests": N,
 *    "responses": N, "body_bytes": N}, "size": {...}, ...}}
 * requests: requests whose headers were read, on any path below; responses:
 * well-formed responses whose last byte was written (a client's limits aside:
 * /big-header/70000 counts); connections: those that carried one of those
 * requests; bytes_in and bytes_out: bytes read and written; bad_requests:
 * requests it could not parse (answered 400, 431 or 501 and not counted in
 * requests); per path (the kinds below: "size" counts /size/N for any N),
 * its requests, responses and the request body bytes read. GET /stats
 * returns the same line and counts nowhere.
 *
 * Paths (a query is ignored; a bad number makes a path unknown):
 *   /, unknown      200, "ok"
 *   /size/N         200, N bytes of "abc...xyzabc..."
 *   /chunked/N      200 chunked, the same N bytes in chunks of 1000, the first
 *                   with the chunk extension ";pe=first"
 *   /status/NNN     NNN (200-599), body "x" (none for 204 and 304)
 *   /delay/MS       200 "ok" after MS milliseconds (at most a day)
 *   /stall/EVERY/MS 200 "ok", but in each second S of the uptime with
 *                   S % EVERY == EVERY - 1, requests in its first MS ms
 *                   (at most 1000) wait until those MS ms end: a GC pause
 *   /close-mid      Content-Length: 100, 10 bytes of body, then close
 *   /bad-status     status line "HTTP/1.1 2x0 OK", then close
 *   /bad-header     a header line without a colon, then close
 *   /big-header/N   200 "ok" with a header "X-Big" of an N-byte value
 *   /bad-chunk      chunked with the chunk size "zz", then close
 *   /never          no response; reads and drops what follows until the
 *                   client closes
 *   /reset          closes with a reset (SO_LINGER 0) once earlier
 *                   responses are written
 *   /close          200 "ok" with Connection: close, then closes
 *   /head-ok        Content-Length: 1000; 1000 bytes, none for HEAD
 *   /capacity/N     200 "ok", at most N a second over the whole server: each
 *                   request takes the next free 1/N s slot (first come, first
 *                   served) and waits for it, so past N req/s the queue and
 *                   the latency grow without bound, as a saturated service's do
 *   /slots/K/MS     200 "ok" from K servers that each take MS ms a request
 *                   (K at most 256): a request waits for the server free
 *                   soonest, so throughput is min(connections, K) * 1000 / MS
 *                   and past K connections latency grows with the queue
 * A client that closes while a /delay, /stall, /capacity or /slots response waits
 * gets none (its /capacity slot stays taken).
 * HEAD gets no body on any path whose response is well-formed. Keep-alive
 * and pipelining as HTTP/1.1 says; request bodies (Content-Length) are read
 * and dropped; Transfer-Encoding in a request is answered 501.
 */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "httpd/httpd.h"


static void *xmalloc(size_t n)
{
	void *p = malloc(n);

	if (!p) {
		fputs("pe-httpd: out of memory\n", stderr);
		abort();
	}
	return p;
}

/* --- timers: a binary heap of connections by deadline ---------------------------- */

static void heap_place(struct worker *w, size_t i, struct conn *c)
{
	w->heap[i] = c;
	c->heap_idx = (long)i;
}

static void heap_fix(struct worker *w, size_t i)
{
	struct conn *c = w->heap[i];
	size_t k;

	while (i > 0 && w->heap[(i - 1) / 2]->deadline > c->deadline) {
		heap_place(w, i, w->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	for (;;) {
		k = 2 * i + 1;
		if (k >= w->heap_n)
			break;
		if (k + 1 < w->heap_n && w->heap[k + 1]->deadline < w->heap[k]->deadline)
			k++;
		if (w->heap[k]->deadline >= c->deadline)
			break;
		heap_place(w, i, w->heap[k]);
		i = k;
	}
	heap_place(w, i, c);
}

static void timer_cancel(struct worker *w, struct conn *c)
{
	size_t i = (size_t)c->heap_idx;
	struct conn *last = w->heap[--w->heap_n];

	c->heap_idx = -1;
	if (last != c) {
		heap_place(w, i, last);
		heap_fix(w, i);
	}
}

void httpd_timer_set(struct worker *w, struct conn *c, uint64_t deadline)
{
	if (c->heap_idx >= 0)
		timer_cancel(w, c);
	if (w->heap_n == w->heap_cap) {
		w->heap_cap = w->heap_cap ? 2 * w->heap_cap : 64;
		w->heap = realloc(w->heap, w->heap_cap * sizeof(*w->heap));
		if (!w->heap) {
			fputs("pe-httpd: out of memory\n", stderr);
			abort();
		}
	}
	c->deadline = deadline;
	heap_place(w, w->heap_n++, c);
	heap_fix(w, w->heap_n - 1);
}

/* --- connections ---------------------------------------------------------------------- */

static void conn_close(struct worker *w, struct conn *c)
{
	if (c->heap_idx >= 0)
		timer_cancel(w, c);
	close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	if (w->nfree < FREE_MAX) {
		c->next = w->free;
		w->free = c;
		w->nfree++;
	} else {
		free(c);
	}
}

static void conn_open(struct worker *w, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET };
	struct conn *c = w->free;
	int one = 1;

	if (c) {
		w->free = c->next;
		w->nfree--;
	} else {
		c = xmalloc(sizeof(*c));
	}
	memset(c, 0, offsetof(struct conn, in));
	c->fd = fd;
	c->heap_idx = -1;
	c->next = w->conns;
	if (c->next)
		c->next->prev = c;
	w->conns = c;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	ev.data.ptr = c;
	/* edge-triggered: conn_step always reads or writes until EAGAIN */
	if (epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		fprintf(stderr, "pe-httpd: epoll_ctl: %s\n", strerror(errno));
		conn_close(w, c);
	}
}

/* Writes c->out: 1 when all is out, 0 when the socket is full, -1 on an error. */
static int conn_flush(struct worker *w, struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
		size_t skip;
		uint64_t sent;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		}
		c->out_off += (size_t)n;
		skip = c->out_uncounted < (size_t)n ? c->out_uncounted : (size_t)n;
		c->out_uncounted -= skip;
		count(&w->n.bytes_out, (uint64_t)n - skip);
		sent = c->out_total - (c->out_len - c->out_off);
		while (c->ends_n && c->ends[c->ends_head].at <= sent) {
			count(&w->n.responses[c->ends[c->ends_head].path], 1);
			c->ends_head = (c->ends_head + 1) % ENDS_MAX;
			c->ends_n--;
		}
	}
	c->out_off = c->out_len = 0;
	return 1;
}

/* Reads what there is: 1 when it read bytes, 0 when there are none now, -1 at the end or on an error. */
static int conn_read(struct worker *w, struct conn *c)
{
	ssize_t n;

	if (c->in_off) {
		memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
		c->in_len -= c->in_off;
		c->in_scan = c->in_scan > c->in_off ? c->in_scan - c->in_off : 0;
		c->in_off = 0;
	}
	if (c->in_len == IN_CAP)	/* cannot happen: the parser answers 431 first */
		return -1;
	for (;;) {
		n = recv(c->fd, c->in + c->in_len, IN_CAP - c->in_len, 0);
		if (n > 0) {
			count(&w->n.bytes_in, (uint64_t)n);
			if (c->mode == MODE_NORMAL)
				c->in_len += (size_t)n;
			return 1;
		}
		if (n == 0)
			return -1;
		if (errno != EINTR)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	}
}

/*
 * Closes after the response: no more writes, then it drops what the client
 * still sends until the client closes (or LINGER_NS pass), so that unread
 * input does not turn the close into a reset that loses the response.
 */
static void conn_linger(struct worker *w, struct conn *c)
{
	char drop[4096];
	ssize_t n;

	if (c->mode != MODE_LINGER) {
		shutdown(c->fd, SHUT_WR);
		c->mode = MODE_LINGER;
		httpd_timer_set(w, c, clock_ns() + LINGER_NS);
	}
	for (;;) {
		n = recv(c->fd, drop, sizeof(drop), 0);
		if (n > 0) {
			count(&w->n.bytes_in, (uint64_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		conn_close(w, c);
		return;
	}
}

static void conn_reset(struct worker *w, struct conn *c)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	conn_close(w, c);
}

/* Appends what can be appended: the rest of a long response, then new requests' responses. */
static void conn_produce(struct worker *w, struct conn *c)
{
	if (c->out_off == c->out_len) {
		c->out_off = c->out_len = 0;
	} else if (c->out_off && OUT_CAP - c->out_len < OUT_RESERVE) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	if (c->gen.active)
		httpd_gen_fill(w->srv, c);
	while (c->mode == MODE_NORMAL && c->wait == WAIT_NONE && c->after == AFTER_NONE &&
	       !c->gen.active && c->ends_n < ENDS_MAX && OUT_CAP - c->out_len >= OUT_RESERVE)
		if (httpd_parse(w, c) <= 0)
			break;
}

/* Moves the connection on as far as it can go without waiting. */
static void conn_step(struct worker *w, struct conn *c)
{
	int r;

	for (;;) {
		if (c->mode == MODE_LINGER) {
			conn_linger(w, c);
			return;
		}
		conn_produce(w, c);
		if (c->out_off < c->out_len) {
			r = conn_flush(w, c);
			if (r < 0)
				break;
			if (r == 0)
				return;	/* EPOLLOUT brings it back */
			continue;
		}
		if (c->wait == WAIT_DRAIN) {
			c->wait = WAIT_NONE;
			httpd_respond(w, c, &c->pend);
			continue;
		}
		if (c->after == AFTER_RESET) {
			conn_reset(w, c);
			return;
		}
		if (c->after == AFTER_CLOSE) {
			conn_linger(w, c);
			return;
		}
		if (c->wait == WAIT_TIMER)
			return;
		r = conn_read(w, c);
		if (r < 0)
			break;
		if (r == 0)
			return;
	}
	conn_close(w, c);
}

static void conn_timer(struct worker *w, struct conn *c)
{
	if (c->mode == MODE_LINGER) {
		conn_close(w, c);
		return;
	}
	c->wait = WAIT_NONE;
	httpd_respond(w, c, &c->pend);
	conn_step(w, c);
}

/*
 * A client that closes while its response waits for a time has given up (a
 * timeout): it gets no response, so the server does not count one. One that
 * sent its end with the request is still answered.
 */
static void conn_event(struct worker *w, struct conn *c, uint32_t events)
{
	if ((events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) && c->wait == WAIT_TIMER && c->mode == MODE_NORMAL)
		conn_close(w, c);
	else
		conn_step(w, c);
}

/* --- workers ---------------------------------------------------------------------------- */

static int listen_watch(struct worker *w, int on)
{
	struct epoll_event ev = { .events = EPOLLIN | (w->shared ? EPOLLEXCLUSIVE : 0), .data.ptr = w };

	return epoll_ctl(w->ep, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, w->lfd, &ev);
}

static void worker_accept(struct worker *w)
{
	int i, fd;

	for (i = 0; i < 64; i++) {
		fd = accept4(w->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			conn_open(w, fd);
			continue;
		}
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			/* out of descriptors: stop accepting for 100 ms rather than spin */
			fprintf(stderr, "pe-httpd: accept: %s; pausing for 100 ms\n", strerror(errno));
			listen_watch(w, 0);
			w->accept_paused_until = clock_ns() + 100 * NS_PER_MS;
		}
		return;
	}
}

static int worker_timeout(struct worker *w)
{
	uint64_t now, next = UINT64_MAX;

	if (w->heap_n)
		next = w->heap[0]->deadline;
	if (w->accept_paused_until && w->accept_paused_until < next)
		next = w->accept_paused_until;
	if (next == UINT64_MAX)
		return -1;
	now = clock_ns();
	if (next <= now)
		return 0;
	/* rounded up: epoll_wait's timeout is in ms and the deadline is checked again */
	return (next - now) / NS_PER_MS >= 86400000 ? 86400000 : (int)((next - now + NS_PER_MS - 1) / NS_PER_MS);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct epoll_event ev[256];
	struct conn *c;
	uint64_t now;
	int i, n;

	for (;;) {
		n = epoll_wait(w->ep, ev, 256, worker_timeout(w));
		if (n < 0 && errno != EINTR) {
			fprintf(stderr, "pe-httpd: epoll_wait: %s\n", strerror(errno));
			break;
		}
		for (i = 0; i < n; i++) {
			if (ev[i].data.ptr == &w->srv->stop_fd)
				goto stop;
			if (ev[i].data.ptr == w)
				worker_accept(w);
			else
				conn_event(w, ev[i].data.ptr, ev[i].events);
		}
		now = clock_ns();
		while (w->heap_n && w->heap[0]->deadline <= now) {
			c = w->heap[0];
			timer_cancel(w, c);
			conn_timer(w, c);
		}
		if (w->accept_paused_until && w->accept_paused_until <= now) {
			w->accept_paused_until = 0;
			listen_watch(w, 1);
		}
	}
stop:
	while (w->conns)
		conn_close(w, w->conns);
	return NULL;
}

static void worker_release(struct worker *w)
{
	struct conn *c;

	while ((c = w->free) != NULL) {
		w->free = c->next;
		free(c);
	}
	free(w->heap);
	close(w->ep);
	if (!w->shared || w == w->srv->w)
		close(w->lfd);
}

/* --- setup ------------------------------------------------------------------------------ */

/* Bound sockets listen at once, or only on SIGUSR1 with -L. */
static int listen_late;

/* A listening socket on loopback at port (0: any free one), or only bound with -L; -1 with errno on failure. */
static int listen_on(int v6, int port, int reuseport)
{
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1, e;
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };

	if (fd < 0)
		return -1;
	a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a6.sin6_addr = in6addr_loopback;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0) ||
	    (v6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
	    (v6 ? bind(fd, (struct sockaddr *)&a6, sizeof(a6)) : bind(fd, (struct sockaddr *)&a4, sizeof(a4))) < 0 ||
	    (!listen_late && listen(fd, 4096) < 0)) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static int local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* One listener per worker on one port, or, where SO_REUSEPORT fails, one for all. */
static int server_listen(struct server *s, int v6, int port)
{
	int i, fd = listen_on(v6, port, s->nw > 1), shared = 0;

	if (fd < 0 && s->nw > 1) {
		fd = listen_on(v6, port, 0);
		shared = 1;
	}
	if (fd < 0) {
		fprintf(stderr, "pe-httpd: cannot listen on %s port %d: %s\n", v6 ? "::1" : "127.0.0.1", port, strerror(errno));
		return -1;
	}
	port = local_port(fd);
	s->w[0].lfd = fd;
	for (i = 1; i < s->nw && !shared; i++) {
		s->w[i].lfd = listen_on(v6, port, 1);
		if (s->w[i].lfd < 0) {
			while (--i > 0)
				close(s->w[i].lfd);
			shared = 1;
		}
	}
	for (i = 0; i < s->nw; i++) {
		s->w[i].shared = shared;
		if (shared)
			s->w[i].lfd = fd;
	}
	return port;
}

/* -L: the bound sockets start listening. */
static int server_listen_late(struct server *s)
{
	for (int i = 0; i < s->nw; i++) {
		if ((i && s->w[i].shared) || listen(s->w[i].lfd, 4096) == 0)
			continue;
		fprintf(stderr, "pe-httpd: listen: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* Waits until deadline for a signal of set: the signal, or 0 at the deadline. */
static int wait_signal(const sigset_t *set, uint64_t deadline)
{
	struct timespec ts;
	uint64_t now;
	int sig;

	for (;;) {
		now = clock_ns();
		if (now >= deadline)
			return 0;
		ts.tv_sec = (time_t)((deadline - now) / NS_PER_S);
		ts.tv_nsec = (long)((deadline - now) % NS_PER_S);
		sig = sigtimedwait(set, NULL, &ts);
		if (sig > 0)
			return sig;
	}
}

static int server_start(struct server *s)
{
	/* tagged with &stop_fd: s itself is also &s->w[0], the first listener's tag */
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &s->stop_fd };
	int i, e;

	for (i = 0; i < s->nw; i++) {
		struct worker *w = &s->w[i];

		w->srv = s;
		w->ep = epoll_create1(EPOLL_CLOEXEC);
		if (w->ep < 0 || listen_watch(w, 1) < 0 || epoll_ctl(w->ep, EPOLL_CTL_ADD, s->stop_fd, &ev) < 0) {
			fprintf(stderr, "pe-httpd: epoll: %s\n", strerror(errno));
			return -1;
		}
	}
	for (i = 0; i < s->nw; i++) {
		e = pthread_create(&s->w[i].tid, NULL, worker_main, &s->w[i]);
		if (e) {
			fprintf(stderr, "pe-httpd: pthread_create: %s\n", strerror(e));
			return -1;
		}
	}
	return 0;
}

static void usage(void)
{
	fputs("usage: pe-httpd [-6] [-L] [-p PORT] [-t THREADS] [-d SECONDS] [-T MAXSECONDS]\n", stderr);
	exit(2);
}

static double seconds_arg(const char *opt, const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || !(v > 0 && v < 1e7)) {
		fprintf(stderr, "pe-httpd: %s '%s': not a number of seconds above 0\n", opt, s);
		exit(2);
	}
	return v;
}

static long int_arg(const char *opt, const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "pe-httpd: %s '%s': not an integer from %ld to %ld\n", opt, s, lo, hi);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static struct server srv;
	struct server *s = &srv;
	double run = 0, max_run = 300;
	uint64_t one = 1, deadline;
	int opt, v6 = 0, want_port = 0, port, i, sig, started = 0;
	char json[3072];
	sigset_t set;

	/* blocked before anything else, so that an early SIGTERM still gets the summary */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	/* a shell ignores SIGINT in the jobs it starts; this server must still hear it */
	signal(SIGINT, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);

	s->nw = 2;
	while ((opt = getopt(argc, argv, "6Lp:t:d:T:h")) != -1) {
		switch (opt) {
		case '6': v6 = 1; break;
		case 'L': listen_late = 1; break;
		case 'p': want_port = (int)int_arg("-p", optarg, 0, 65535); break;
		case 't': s->nw = (int)int_arg("-t", optarg, 1, MAX_THREADS); break;
		case 'd': run = seconds_arg("-d", optarg); break;
		case 'T': max_run = seconds_arg("-T", optarg); break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();

	s->start = clock_ns();
	pthread_mutex_init(&s->slots_lock, NULL);
	for (i = 0; i < (int)sizeof(s->pattern); i++)
		s->pattern[i] = (char)('a' + i % 26);
	s->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (s->stop_fd < 0) {
		fprintf(stderr, "pe-httpd: eventfd: %s\n", strerror(errno));
		return 1;
	}
	port = server_listen(s, v6, want_port);
	if (port < 0)
		return 1;
	if (want_port == 0) {
		printf("port %d\n", port);
		fflush(stdout);
	}

	deadline = s->start + (uint64_t)((run > 0 && run < max_run ? run : max_run) * 1e9);
	/* -L: the workers start with the listening, and a stop before it finds none to stop */
	sig = listen_late ? wait_signal(&set, deadline) : SIGUSR1;
	if (sig == SIGUSR1) {
		if ((listen_late && server_listen_late(s) < 0) || server_start(s) < 0)
			return 1;
		started = 1;
		while ((sig = wait_signal(&set, deadline)) == SIGUSR1)
			;
	}
	if (!sig && !(run > 0 && run < max_run))
		fprintf(stderr, "pe-httpd: stopping after -T %g s\n", max_run);

	if (started) {
		if (write(s->stop_fd, &one, sizeof(one)) != (ssize_t)sizeof(one))
			fprintf(stderr, "pe-httpd: eventfd write: %s\n", strerror(errno));
		for (i = 0; i < s->nw; i++)
			pthread_join(s->w[i].tid, NULL);
	}
	httpd_stats_json(s, json, sizeof(json));
	printf("%s\n", json);
	fflush(stdout);
	for (i = 0; i < s->nw && started; i++)
		worker_release(&s->w[i]);
	close(s->stop_fd);
	return 0;
}
