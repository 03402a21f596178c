/*
 * pe-httpd's responses: what each path answers, written into the
 * connection's output buffer (long bodies continue as it drains), and the
 * JSON of the counts for /stats and the summary. See httpd.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "httpd.h"

const char *const path_names[NPATHS] = {
	"default", "size", "chunked", "status", "delay", "stall", "close-mid",
	"bad-status", "bad-header", "big-header", "bad-chunk", "never", "reset",
	"close", "head-ok", "capacity", "slots",
};


/* --- the JSON of /stats and of the summary --------------------------------------- */

/* Writes the counts of all workers as one JSON line (no newline) into buf; returns its length. */
size_t httpd_stats_json(const struct server *s, char *buf, size_t cap)
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

/* --- building responses into c->out ------------------------------------------------- */

void httpd_out_put(struct conn *c, const char *s, size_t n)
{
	memcpy(c->out + c->out_len, s, n);
	c->out_len += n;
	c->out_total += n;
}

static void out_pattern(const struct server *s, struct conn *c, uint64_t pos, size_t n)
{
	httpd_out_put(c, s->pattern + pos % 26, n);
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
void httpd_out_head(struct conn *c, const struct req *r, uint64_t status, int64_t clen)
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
void httpd_gen_fill(const struct server *s, struct conn *c)
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
			httpd_out_put(c, hdr, (size_t)(p - hdr));
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
			httpd_out_put(c, g->tail, g->tail_len);
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
	httpd_gen_fill(s, c);
}

/*
 * Appends the response to r. There is room for a small response (the parser
 * checked OUT_RESERVE); long ones continue through c->gen.
 */
void httpd_respond(struct worker *w, struct conn *c, const struct req *r)
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
	case P_CAPACITY:
	case P_SLOTS:
	case P_CLOSE:
		if (r->path != P_CLOSE && r->keep && !r->ka10) {
			/* the load test's hot path: one copy */
			httpd_out_put(c, ok, sizeof(ok) - 1 - (body ? 0 : 2));
		} else {
			rc = *r;
			if (r->path == P_CLOSE)
				rc.keep = 0;
			httpd_out_head(c, &rc, 200, 2);
			out_str(c, "\r\n");
			if (body)
				out_str(c, "ok");
		}
		out_end(c, r->path);
		break;
	case P_SIZE:
	case P_HEAD_OK:
		n = r->path == P_SIZE ? r->a : 1000;
		httpd_out_head(c, r, 200, (int64_t)n);
		out_str(c, "\r\n");
		gen_start(s, c, body ? n : 0, NULL, 0, r->path);
		break;
	case P_CHUNKED:
		httpd_out_head(c, r, 200, -1);
		out_str(c, "\r\n");
		if (body)
			gen_start(s, c, r->a, NULL, 1, r->path);
		else
			out_end(c, r->path);
		break;
	case P_STATUS:
		if (r->a == 204 || r->a == 304) {
			httpd_out_head(c, r, r->a, -2);
			out_str(c, "\r\n");
		} else {
			httpd_out_head(c, r, r->a, 1);
			out_str(c, "\r\n");
			if (body)
				out_str(c, "x");
		}
		out_end(c, r->path);
		break;
	case P_BIG_HEADER:
		httpd_out_head(c, r, 200, 2);
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
		n = httpd_stats_json(s, json, sizeof(json) - 1);
		json[n++] = '\n';
		httpd_out_head(c, r, 200, (int64_t)n);
		out_str(c, "Content-Type: application/json\r\n\r\n");
		if (body)
			httpd_out_put(c, json, n);
		c->out_uncounted += c->out_len - before;
		break;
	}
}
