/*
 * pe-httpd [-6] [-p PORT] [-t THREADS] [-d SECONDS] [-T MAXSECONDS]: the
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
 * A client that closes while a /delay or /stall response waits gets none.
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

#define NS_PER_S 1000000000ull
#define NS_PER_MS 1000000ull
#define MAX_THREADS 64
#define IN_CAP (64 * 1024)
#define MAX_HEAD (32 * 1024)	/* request line and headers; more is 431 */
#define OUT_CAP (64 * 1024)
#define OUT_RESERVE 4096	/* room for any small response, a stats body included */
#define ENDS_MAX 256		/* responses waiting in a connection's output */
#define CHUNK 1000
#define LINGER_NS (2 * NS_PER_S)	/* a closing connection waits this long for the client's FIN */
#define FREE_MAX 256		/* closed connections a worker keeps for reuse */
#define MAX_DELAY_MS (86400 * 1000ull)

enum path {
	P_DEFAULT, P_SIZE, P_CHUNKED, P_STATUS, P_DELAY, P_STALL, P_CLOSE_MID,
	P_BAD_STATUS, P_BAD_HEADER, P_BIG_HEADER, P_BAD_CHUNK, P_NEVER, P_RESET,
	P_CLOSE, P_HEAD_OK, NPATHS,
	P_STATS = NPATHS
};

static const char *const path_names[NPATHS] = {
	"default", "size", "chunked", "status", "delay", "stall", "close-mid",
	"bad-status", "bad-header", "big-header", "bad-chunk", "never", "reset",
	"close", "head-ok",
};

static const struct route {
	const char *prefix;
	unsigned char path, nargs;	/* nargs 0: the whole path, else "/N" or "/N/M" after it */
} routes[] = {
	{ "/size/", P_SIZE, 1 }, { "/chunked/", P_CHUNKED, 1 }, { "/status/", P_STATUS, 1 },
	{ "/delay/", P_DELAY, 1 }, { "/stall/", P_STALL, 2 }, { "/big-header/", P_BIG_HEADER, 1 },
	{ "/close-mid", P_CLOSE_MID, 0 }, { "/bad-status", P_BAD_STATUS, 0 },
	{ "/bad-header", P_BAD_HEADER, 0 }, { "/bad-chunk", P_BAD_CHUNK, 0 },
	{ "/never", P_NEVER, 0 }, { "/reset", P_RESET, 0 }, { "/close", P_CLOSE, 0 },
	{ "/head-ok", P_HEAD_OK, 0 }, { "/stats", P_STATS, 0 },
};

/*
 * One worker's counts. Only the worker writes them, with relaxed atomic
 * stores; /stats and the summary read every worker's.
 */
struct counters {
	uint64_t requests[NPATHS], responses[NPATHS], body_bytes[NPATHS];
	uint64_t connections, bytes_in, bytes_out, bad_requests;
};

struct req {
	unsigned char path, head, keep, ka10;	/* ka10: HTTP/1.0 keep-alive, said in the response */
	uint64_t a, b;				/* the numbers in the path */
};

/* A response too long for the output buffer, appended as the buffer drains. */
struct gen {
	uint64_t left;		/* pattern bytes still to append */
	uint64_t pos;		/* offset in the pattern */
	const char *tail;	/* static text after the pattern bytes */
	size_t tail_len;
	int path;		/* counted as this path's response once out; -1: never */
	unsigned char active, chunked, first;
};

enum { MODE_NORMAL, MODE_NEVER, MODE_LINGER };
enum { WAIT_NONE, WAIT_TIMER, WAIT_DRAIN };	/* c->pend waits for a time, or for the output to drain */
enum { AFTER_NONE, AFTER_CLOSE, AFTER_RESET };	/* what to do once the output has drained */

/*
 * A connection, owned by one worker. Requests are parsed from in[] in a
 * loop and their responses appended to out[], in order: a response that must
 * wait (a delay, a long body) stops the parsing until it is out. Absolute
 * byte offsets in ends[] say where each well-formed response ends, so that it
 * is counted when that byte is written.
 */
struct conn {
	int fd;
	unsigned char mode, wait, after, counted, body_uncounted, body_path;
	struct req pend;
	struct gen gen;
	uint64_t body_left;		/* request body bytes still to drop */
	uint64_t deadline;
	long heap_idx;			/* in the worker's timer heap; -1: not there */
	uint64_t out_total;		/* bytes ever appended to out */
	size_t out_uncounted;		/* bytes at out[out_off] not in bytes_out (a stats response) */
	size_t in_off, in_len, in_scan, out_off, out_len;
	unsigned ends_head, ends_n;
	struct { uint64_t at; int path; } ends[ENDS_MAX];
	struct conn *prev, *next;	/* the worker's open connections, or its free list */
	/* everything above is reset for each connection */
	char in[IN_CAP];
	char out[OUT_CAP];
};

struct server;

struct worker {
	struct server *srv;
	pthread_t tid;
	int ep, lfd, shared;	/* shared: lfd is every worker's (EPOLLEXCLUSIVE) */
	uint64_t accept_paused_until;
	struct conn *conns, *free;
	int nfree;
	struct conn **heap;	/* the connections waiting for a time, earliest first */
	size_t heap_n, heap_cap;
	struct counters n;
} __attribute__((aligned(64)));	/* no two workers' counters on one cache line */

struct server {
	struct worker w[MAX_THREADS];
	int nw, stop_fd;
	uint64_t start;
	char pattern[OUT_CAP + 32];	/* "abc...z" repeated: body bytes at any offset */
};

static uint64_t clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n);

	if (!p) {
		fputs("pe-httpd: out of memory\n", stderr);
		abort();
	}
	return p;
}

static void count(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

static void uncount(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) - n, __ATOMIC_RELAXED);
}

static char *put_u64(char *p, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* Reads 1 to 15 digits at *s (before end) into *v and moves *s past them. */
static int parse_num(const char **s, const char *end, uint64_t *v)
{
	const char *p = *s;

	*v = 0;
	while (p < end && *p >= '0' && *p <= '9' && p - *s < 15)
		*v = *v * 10 + (uint64_t)(*p++ - '0');
	if (p == *s || (p < end && *p >= '0' && *p <= '9'))
		return 0;
	*s = p;
	return 1;
}

/* --- the JSON of /stats and of the summary --------------------------------------- */

/* Writes the counts of all workers as one JSON line (no newline) into buf; returns its length. */
static size_t stats_json(const struct server *s, char *buf, size_t cap)
{
	uint64_t req[NPATHS] = { 0 }, resp[NPATHS] = { 0 }, body[NPATHS] = { 0 }, conns = 0, in = 0, out = 0, bad = 0;
	uint64_t treq = 0, tresp = 0;
	size_t n;
	int i, k;

	for (i = 0; i < s->nw; i++) {
		const struct counters *c = &s->w[i].n;

		for (k = 0; k < NPATHS; k++) {
			req[k] += __atomic_load_n(&c->requests[k], __ATOMIC_RELAXED);
			resp[k] += __atomic_load_n(&c->responses[k], __ATOMIC_RELAXED);
			body[k] += __atomic_load_n(&c->body_bytes[k], __ATOMIC_RELAXED);
		}
		conns += __atomic_load_n(&c->connections, __ATOMIC_RELAXED);
		in += __atomic_load_n(&c->bytes_in, __ATOMIC_RELAXED);
		out += __atomic_load_n(&c->bytes_out, __ATOMIC_RELAXED);
		bad += __atomic_load_n(&c->bad_requests, __ATOMIC_RELAXED);
	}
	for (k = 0; k < NPATHS; k++) {
		treq += req[k];
		tresp += resp[k];
	}
	n = (size_t)snprintf(buf, cap, "{\"requests\": %" PRIu64 ", \"responses\": %" PRIu64
			     ", \"connections\": %" PRIu64 ", \"bytes_in\": %" PRIu64
			     ", \"bytes_out\": %" PRIu64 ", \"bad_requests\": %" PRIu64 ", \"paths\": {",
			     treq, tresp, conns, in, out, bad);
	for (k = 0; k < NPATHS && n < cap; k++)
		n += (size_t)snprintf(buf + n, cap - n, "%s\"%s\": {\"requests\": %" PRIu64 ", \"responses\": %" PRIu64
				      ", \"body_bytes\": %" PRIu64 "}", k ? ", " : "", path_names[k], req[k], resp[k], body[k]);
	if (n < cap)
		n += (size_t)snprintf(buf + n, cap - n, "}}");
	return n < cap ? n : cap - 1;
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

static void timer_set(struct worker *w, struct conn *c, uint64_t deadline)
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

/* --- building responses into c->out ------------------------------------------------- */

static void out_put(struct conn *c, const char *s, size_t n)
{
	memcpy(c->out + c->out_len, s, n);
	c->out_len += n;
	c->out_total += n;
}

#define out_str(c, s) out_put((c), (s), sizeof(s) - 1)

static void out_pattern(const struct server *s, struct conn *c, uint64_t pos, size_t n)
{
	out_put(c, s->pattern + pos % 26, n);
}

/* Marks the end of a well-formed response, counted as path's once written. */
static void out_end(struct conn *c, int path)
{
	unsigned i = (c->ends_head + c->ends_n++) % ENDS_MAX;

	c->ends[i].at = c->out_total;
	c->ends[i].path = path;
}

static const char *reason(uint64_t status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 408: return "Request Timeout";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Status";
	}
}

/*
 * Appends the status line and the common headers, without the blank line
 * that ends them. clen: the Content-Length, -1 for chunked, -2 for none.
 */
static void out_head(struct conn *c, const struct req *r, uint64_t status, int64_t clen)
{
	char *p0 = c->out + c->out_len, *p = p0;

	p = stpcpy(p, "HTTP/1.1 ");
	p = put_u64(p, status);
	*p++ = ' ';
	p = stpcpy(p, reason(status));
	p = stpcpy(p, "\r\n");
	if (clen >= 0) {
		p = stpcpy(p, "Content-Length: ");
		p = put_u64(p, (uint64_t)clen);
		p = stpcpy(p, "\r\n");
	} else if (clen == -1) {
		p = stpcpy(p, "Transfer-Encoding: chunked\r\n");
	}
	if (!r->keep) {
		p = stpcpy(p, "Connection: close\r\n");
		c->after = AFTER_CLOSE;
	} else if (r->ka10) {
		p = stpcpy(p, "Connection: keep-alive\r\n");
	}
	c->out_len += (size_t)(p - p0);
	c->out_total += (uint64_t)(p - p0);
}

static void gen_end(struct conn *c)
{
	c->gen.active = 0;
	if (c->gen.path >= 0)
		out_end(c, c->gen.path);
}

/* Appends as much of the long response as c->out has room for. */
static void gen_fill(const struct server *s, struct conn *c)
{
	struct gen *g = &c->gen;
	char hdr[32], *p;

	while (g->active) {
		size_t room = OUT_CAP - c->out_len, n;

		if (g->chunked) {
			n = g->left < CHUNK ? (size_t)g->left : CHUNK;
			if (room < n + 2 * sizeof(hdr))
				return;
			p = hdr + snprintf(hdr, sizeof(hdr), "%zx%s\r\n", n, g->first ? ";pe=first" : "");
			out_put(c, hdr, (size_t)(p - hdr));
			out_pattern(s, c, g->pos, n);
			out_str(c, "\r\n");
			g->pos += n;
			g->left -= n;
			g->first = 0;
			if (n == 0)
				gen_end(c);
		} else if (g->left) {
			n = g->left < room ? (size_t)g->left : room;
			if (n == 0)
				return;
			out_pattern(s, c, g->pos, n);
			g->pos += n;
			g->left -= n;
		} else {
			if (room < g->tail_len)
				return;
			out_put(c, g->tail, g->tail_len);
			gen_end(c);
		}
	}
}

static void gen_start(const struct server *s, struct conn *c, uint64_t fill, const char *tail, int chunked, int path)
{
	struct gen *g = &c->gen;

	g->left = fill;
	g->pos = 0;
	g->tail = tail ? tail : "";
	g->tail_len = strlen(g->tail);
	g->chunked = (unsigned char)chunked;
	g->first = 1;
	g->path = path;
	g->active = 1;
	gen_fill(s, c);
}

/*
 * Appends the response to r. There is room for a small response (the parser
 * checked OUT_RESERVE); long ones continue through c->gen.
 */
static void respond(struct worker *w, struct conn *c, const struct req *r)
{
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	const struct server *s = w->srv;
	int body = !r->head;
	struct req rc;
	char json[3072];
	size_t n, before;

	switch (r->path) {
	case P_DEFAULT:
	case P_DELAY:
	case P_STALL:
	case P_CLOSE:
		if (r->path != P_CLOSE && r->keep && !r->ka10) {
			/* the load test's hot path: one copy */
			out_put(c, ok, sizeof(ok) - 1 - (body ? 0 : 2));
		} else {
			rc = *r;
			if (r->path == P_CLOSE)
				rc.keep = 0;
			out_head(c, &rc, 200, 2);
			out_str(c, "\r\n");
			if (body)
				out_str(c, "ok");
		}
		out_end(c, r->path);
		break;
	case P_SIZE:
	case P_HEAD_OK:
		n = r->path == P_SIZE ? r->a : 1000;
		out_head(c, r, 200, (int64_t)n);
		out_str(c, "\r\n");
		gen_start(s, c, body ? n : 0, NULL, 0, r->path);
		break;
	case P_CHUNKED:
		out_head(c, r, 200, -1);
		out_str(c, "\r\n");
		if (body)
			gen_start(s, c, r->a, NULL, 1, r->path);
		else
			out_end(c, r->path);
		break;
	case P_STATUS:
		if (r->a == 204 || r->a == 304) {
			out_head(c, r, r->a, -2);
			out_str(c, "\r\n");
		} else {
			out_head(c, r, r->a, 1);
			out_str(c, "\r\n");
			if (body)
				out_str(c, "x");
		}
		out_end(c, r->path);
		break;
	case P_BIG_HEADER:
		out_head(c, r, 200, 2);
		out_str(c, "X-Big: ");
		gen_start(s, c, r->a, body ? "\r\n\r\nok" : "\r\n\r\n", 0, r->path);
		break;
	case P_CLOSE_MID:
		out_str(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
		out_pattern(s, c, 0, 10);
		c->after = AFTER_CLOSE;
		break;
	case P_BAD_STATUS:
		out_str(c, "HTTP/1.1 2x0 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
		c->after = AFTER_CLOSE;
		break;
	case P_BAD_HEADER:
		out_str(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Header-Without-Colon\r\nConnection: close\r\n\r\nok");
		c->after = AFTER_CLOSE;
		break;
	case P_BAD_CHUNK:
		out_str(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\nok\r\n0\r\n\r\n");
		c->after = AFTER_CLOSE;
		break;
	case P_STATS:
		/* only with an empty output (WAIT_DRAIN), so that its bytes lead it */
		before = c->out_len;
		n = stats_json(s, json, sizeof(json) - 1);
		json[n++] = '\n';
		out_head(c, r, 200, (int64_t)n);
		out_str(c, "Content-Type: application/json\r\n\r\n");
		if (body)
			out_put(c, json, n);
		c->out_uncounted += c->out_len - before;
		break;
	}
}

/* --- parsing requests --------------------------------------------------------------- */

static void route(const char *p, size_t len, struct req *r)
{
	const char *q = memchr(p, '?', len), *s, *end;
	size_t i, pl;

	if (q)
		len = (size_t)(q - p);
	r->path = P_DEFAULT;
	end = p + len;
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		pl = strlen(routes[i].prefix);
		if (len < pl || memcmp(p, routes[i].prefix, pl) != 0)
			continue;
		if (routes[i].nargs == 0) {
			if (len == pl) {
				r->path = routes[i].path;
				return;
			}
			continue;
		}
		s = p + pl;
		if (!parse_num(&s, end, &r->a))
			return;
		if (routes[i].nargs == 2 && (s == end || *s++ != '/' || !parse_num(&s, end, &r->b)))
			return;
		if (s != end)
			return;
		if (routes[i].path == P_STATUS && (r->a < 200 || r->a > 599))
			return;
		if (routes[i].path == P_STALL && r->a == 0)
			return;
		r->path = routes[i].path;
		return;
	}
}

/* Whether the comma-separated header value [v, end) has the token tok (any case). */
static int has_token(const char *v, const char *end, const char *tok)
{
	size_t tl = strlen(tok);
	const char *e;

	for (; v < end; v = e + 1) {
		for (e = v; e < end && *e != ','; e++)
			;
		while (v < e && (*v == ' ' || *v == '\t'))
			v++;
		if ((size_t)(e - v) >= tl && strncasecmp(v, tok, tl) == 0) {
			for (v += tl; v < e && (*v == ' ' || *v == '\t'); v++)
				;
			if (v == e)
				return 1;
		}
	}
	return 0;
}

static int name_is(const char *p, size_t len, const char *name)
{
	return len == strlen(name) && strncasecmp(p, name, len) == 0;
}

/* Answers a request it cannot parse and closes; the rest of the input is dropped. */
static int bad_request(struct worker *w, struct conn *c, uint64_t status)
{
	struct req r = { .keep = 0 };

	count(&w->n.bad_requests, 1);
	out_head(c, &r, status, 0);
	out_str(c, "\r\n");
	c->in_off = c->in_len = c->in_scan = 0;
	return -1;
}

static uint64_t stall_until(const struct server *s, uint64_t every, uint64_t ms, uint64_t now)
{
	uint64_t up = now - s->start, sec = up / NS_PER_S;
	uint64_t pause = (ms < 1000 ? ms : 1000) * NS_PER_MS;

	if (sec % every != every - 1 || up % NS_PER_S >= pause)
		return now;
	return s->start + sec * NS_PER_S + pause;
}

static void dispatch(struct worker *w, struct conn *c, const struct req *r)
{
	uint64_t now, until;

	switch (r->path) {
	case P_DELAY:
		c->pend = *r;
		c->wait = WAIT_TIMER;
		timer_set(w, c, clock_ns() + (r->a < MAX_DELAY_MS ? r->a : MAX_DELAY_MS) * NS_PER_MS);
		return;
	case P_STALL:
		now = clock_ns();
		until = stall_until(w->srv, r->a, r->b, now);
		if (until > now) {
			c->pend = *r;
			c->wait = WAIT_TIMER;
			timer_set(w, c, until);
			return;
		}
		break;
	case P_STATS:
		if (c->out_off < c->out_len) {
			c->pend = *r;
			c->wait = WAIT_DRAIN;
			return;
		}
		break;
	case P_RESET:
		c->after = AFTER_RESET;
		return;
	case P_NEVER:
		c->mode = MODE_NEVER;
		c->in_off = c->in_len = c->in_scan = 0;
		c->body_left = 0;
		return;
	}
	respond(w, c, r);
}

/*
 * Parses and handles one request at c->in[c->in_off]: 1 when it did, 0 when
 * it needs more bytes, -1 when it answered a bad request (and will close).
 */
static int conn_parse(struct worker *w, struct conn *c)
{
	struct req r = { .path = P_DEFAULT };
	const char *start, *end, *le, *p, *colon, *v, *ve, *path, *sp, *ver;
	size_t avail = c->in_len - c->in_off, head_len, from;
	uint64_t clen = 0, num;
	int have_clen = 0, want_close = 0, want_ka = 0, expect = 0, http10;

	if (c->body_left) {
		size_t n = avail < c->body_left ? avail : (size_t)c->body_left;

		c->in_off += n;
		c->in_scan = c->in_off;
		c->body_left -= n;
		if (c->body_uncounted)
			uncount(&w->n.bytes_in, n);
		else
			count(&w->n.body_bytes[c->body_path], n);
		if (c->body_left)
			return 0;
		avail -= n;
	}
	if (avail == 0)
		return 0;
	start = c->in + c->in_off;
	from = c->in_scan > c->in_off + 3 ? c->in_scan - 3 : c->in_off;
	end = memmem(c->in + from, c->in_len - from, "\r\n\r\n", 4);
	if (!end) {
		c->in_scan = c->in_len;
		return avail > MAX_HEAD ? bad_request(w, c, 431) : 0;
	}
	head_len = (size_t)(end + 4 - start);
	if (head_len > MAX_HEAD)
		return bad_request(w, c, 431);

	/* the request line: METHOD SP TARGET SP HTTP/1.x */
	le = memchr(start, '\r', (size_t)(end + 1 - start));
	if (le[1] != '\n')
		return bad_request(w, c, 400);
	sp = memchr(start, ' ', (size_t)(le - start));
	if (!sp || sp == start)
		return bad_request(w, c, 400);
	r.head = sp - start == 4 && memcmp(start, "HEAD", 4) == 0;
	path = sp + 1;
	sp = memchr(path, ' ', (size_t)(le - path));
	if (!sp || sp == path)
		return bad_request(w, c, 400);
	ver = sp + 1;
	if (le - ver != 8 || memcmp(ver, "HTTP/1.", 7) != 0 || (ver[7] != '0' && ver[7] != '1'))
		return bad_request(w, c, 400);
	http10 = ver[7] == '0';
	if (*path != '/') {	/* absolute form: http://host/path */
		const char *a = memmem(path, (size_t)(sp - path), "://", 3);
		const char *slash = a ? memchr(a + 3, '/', (size_t)(sp - a - 3)) : NULL;

		path = slash ? slash : sp;
	}

	/* the headers: each line NAME ":" OWS VALUE OWS CRLF */
	for (p = le + 2; p < end + 2; p = le + 2) {
		le = memchr(p, '\r', (size_t)(end + 1 - p));
		if (!le || le[1] != '\n')
			return bad_request(w, c, 400);
		colon = memchr(p, ':', (size_t)(le - p));
		if (!colon || colon == p || p[0] == ' ' || p[0] == '\t' || colon[-1] == ' ' || colon[-1] == '\t')
			return bad_request(w, c, 400);
		for (v = colon + 1; v < le && (*v == ' ' || *v == '\t'); v++)
			;
		for (ve = le; ve > v && (ve[-1] == ' ' || ve[-1] == '\t'); ve--)
			;
		if (name_is(p, (size_t)(colon - p), "content-length")) {
			if (!parse_num(&v, ve, &num) || v != ve || (have_clen && num != clen))
				return bad_request(w, c, 400);
			clen = num;
			have_clen = 1;
		} else if (name_is(p, (size_t)(colon - p), "transfer-encoding")) {
			return bad_request(w, c, 501);
		} else if (name_is(p, (size_t)(colon - p), "connection")) {
			want_close |= has_token(v, ve, "close");
			want_ka |= has_token(v, ve, "keep-alive");
		} else if (name_is(p, (size_t)(colon - p), "expect")) {
			expect = ve - v == 12 && strncasecmp(v, "100-continue", 12) == 0;
		}
	}

	route(path, (size_t)(sp - path), &r);
	r.keep = !want_close && (!http10 || want_ka);
	r.ka10 = http10 && r.keep;
	c->in_off += head_len;
	c->in_scan = c->in_off;
	c->body_left = clen;
	c->body_uncounted = r.path == P_STATS;
	c->body_path = r.path;
	if (r.path == P_STATS) {
		uncount(&w->n.bytes_in, head_len);
	} else {
		count(&w->n.requests[r.path], 1);
		if (!c->counted) {
			c->counted = 1;
			count(&w->n.connections, 1);
		}
	}
	if (expect && clen) {
		out_str(c, "HTTP/1.1 100 Continue\r\n\r\n");
		if (r.path == P_STATS)
			c->out_uncounted += sizeof("HTTP/1.1 100 Continue\r\n\r\n") - 1;
	}
	dispatch(w, c, &r);
	return 1;
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
		timer_set(w, c, clock_ns() + LINGER_NS);
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
		gen_fill(w->srv, c);
	while (c->mode == MODE_NORMAL && c->wait == WAIT_NONE && c->after == AFTER_NONE &&
	       !c->gen.active && c->ends_n < ENDS_MAX && OUT_CAP - c->out_len >= OUT_RESERVE)
		if (conn_parse(w, c) <= 0)
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
			respond(w, c, &c->pend);
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
	respond(w, c, &c->pend);
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

/* A listening socket on loopback at port (0: any free one); -1 with errno on failure. */
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
	    listen(fd, 4096) < 0) {
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
	fputs("usage: pe-httpd [-6] [-p PORT] [-t THREADS] [-d SECONDS] [-T MAXSECONDS]\n", stderr);
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
	uint64_t one = 1, deadline, now;
	int opt, v6 = 0, want_port = 0, port, i, sig;
	struct timespec ts;
	char json[3072];
	sigset_t set;

	/* blocked before anything else, so that an early SIGTERM still gets the summary */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	/* a shell ignores SIGINT in the jobs it starts; this server must still hear it */
	signal(SIGINT, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);

	s->nw = 2;
	while ((opt = getopt(argc, argv, "6p:t:d:T:h")) != -1) {
		switch (opt) {
		case '6': v6 = 1; break;
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
	if (server_start(s) < 0)
		return 1;

	deadline = s->start + (uint64_t)((run > 0 && run < max_run ? run : max_run) * 1e9);
	for (;;) {
		now = clock_ns();
		if (now >= deadline) {
			if (!(run > 0 && run < max_run))
				fprintf(stderr, "pe-httpd: stopping after -T %g s\n", max_run);
			break;
		}
		ts.tv_sec = (time_t)((deadline - now) / NS_PER_S);
		ts.tv_nsec = (long)((deadline - now) % NS_PER_S);
		sig = sigtimedwait(&set, NULL, &ts);
		if (sig > 0)
			break;
	}

	if (write(s->stop_fd, &one, sizeof(one)) != (ssize_t)sizeof(one))
		fprintf(stderr, "pe-httpd: eventfd write: %s\n", strerror(errno));
	for (i = 0; i < s->nw; i++)
		pthread_join(s->w[i].tid, NULL);
	stats_json(s, json, sizeof(json));
	printf("%s\n", json);
	fflush(stdout);
	for (i = 0; i < s->nw; i++)
		worker_release(&s->w[i]);
	close(s->stop_fd);
	return 0;
}
