/*
 * pe-httpd's request parser: the request line and headers of each request
 * in a connection's input, routed to a path and answered through respond.c
 * (or held until a time, through the event loop's timers). See httpd.h.
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "httpd.h"

static const struct route {
	const char *prefix;
	unsigned char path, nargs;	/* nargs 0: the whole path, else "/N" or "/N/M" after it */
} routes[] = {
	{ "/size/", P_SIZE, 1 }, { "/chunked/", P_CHUNKED, 1 }, { "/status/", P_STATUS, 1 },
	{ "/delay/", P_DELAY, 1 }, { "/stall/", P_STALL, 2 }, { "/big-header/", P_BIG_HEADER, 1 },
	{ "/close-mid", P_CLOSE_MID, 0 }, { "/bad-status", P_BAD_STATUS, 0 },
	{ "/bad-header", P_BAD_HEADER, 0 }, { "/bad-chunk", P_BAD_CHUNK, 0 },
	{ "/never", P_NEVER, 0 }, { "/reset", P_RESET, 0 }, { "/close", P_CLOSE, 0 },
	{ "/head-ok", P_HEAD_OK, 0 }, { "/stats", P_STATS, 0 }, { "/capacity/", P_CAPACITY, 1 },
	{ "/slots/", P_SLOTS, 2 },
};

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
		if ((routes[i].path == P_STALL || routes[i].path == P_CAPACITY) && r->a == 0)
			return;
		if (routes[i].path == P_SLOTS && (r->a == 0 || r->a > SLOTS_MAX || r->b > MAX_DELAY_MS))
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
	httpd_out_head(c, &r, status, 0);
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

/*
 * /capacity/N: takes the next free slot of the server's 1/N s schedule (over
 * all workers) and returns its time; now when the server is idle.
 */
static uint64_t capacity_slot(struct server *s, uint64_t n, uint64_t now)
{
	uint64_t gap = NS_PER_S / n, next = __atomic_load_n(&s->cap_next, __ATOMIC_RELAXED), at;

	do
		at = next > now ? next : now;
	while (!__atomic_compare_exchange_n(&s->cap_next, &next, at + gap, 0, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED));
	return at;
}

/*
 * /slots/K/MS: the service time of K servers that each take MS ms a
 * request, first come first served over all workers: the request goes to
 * the server free soonest, and its response is due MS ms after it starts.
 */
static uint64_t slots_due(struct server *s, uint64_t k, uint64_t ms, uint64_t now)
{
	uint64_t at;
	size_t best = 0;

	pthread_mutex_lock(&s->slots_lock);
	for (size_t i = 1; i < k; i++)
		if (s->slot_free[i] < s->slot_free[best])
			best = i;
	at = s->slot_free[best] > now ? s->slot_free[best] : now;
	s->slot_free[best] = at + ms * NS_PER_MS;
	pthread_mutex_unlock(&s->slots_lock);
	return at + ms * NS_PER_MS;
}

static void dispatch(struct worker *w, struct conn *c, const struct req *r)
{
	uint64_t now, until;

	switch (r->path) {
	case P_DELAY:
		c->pend = *r;
		c->wait = WAIT_TIMER;
		httpd_timer_set(w, c, clock_ns() + (r->a < MAX_DELAY_MS ? r->a : MAX_DELAY_MS) * NS_PER_MS);
		return;
	case P_STALL:
	case P_CAPACITY:
	case P_SLOTS:
		now = clock_ns();
		if (r->path == P_STALL)
			until = stall_until(w->srv, r->a, r->b, now);
		else if (r->path == P_SLOTS)
			until = slots_due(w->srv, r->a, r->b, now);
		else
			until = capacity_slot(w->srv, r->a < NS_PER_S ? r->a : NS_PER_S, now);
		if (until > now) {
			c->pend = *r;
			c->wait = WAIT_TIMER;
			httpd_timer_set(w, c, until);
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
	httpd_respond(w, c, r);
}

/*
 * Parses and handles one request at c->in[c->in_off]: 1 when it did, 0 when
 * it needs more bytes, -1 when it answered a bad request (and will close).
 */
int httpd_parse(struct worker *w, struct conn *c)
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
