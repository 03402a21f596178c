/*
 * A tiny HTTP/1.1 server for exposition endpoints (load --metrics, and
 * observe's): one thread that accepts, reads one request (headers bounded
 * to 8 KiB, two seconds to send them), answers it through a handler and
 * closes. GET and HEAD only; the handler says 200 or 404 for a path. It is
 * no web server: no keep-alive, no bodies, one client at a time.
 */
#ifndef PE_HTTP_SERVE_H
#define PE_HTTP_SERVE_H

#include "util/strbuf.h"

#define SERVE_MAX_HEAD 8192

/* What a handler is told of a request. */
struct serve_req {
	const char *path;	/* the query dropped */
	const char *accept;	/* the Accept header's value, NULL without one */
};

/*
 * Fills body for the request and returns the status (200, or 404 for a
 * path it does not serve); *content_type for a 200. Called on the server's
 * thread.
 */
typedef int (*serve_fn)(void *ctx, const struct serve_req *req, struct strbuf *body,
			const char **content_type);

struct serve;

/*
 * Parses a request head's first line, "METHOD SP PATH[?QUERY] SP HTTP/1.x":
 * method and path (the query dropped) into the caller's buffers. Returns
 * 0, or -1 when it is not such a line or a part does not fit.
 */
int serve_parse_request(const char *head, char *method, size_t mn, char *path, size_t pn);

/*
 * The value of header name (case-insensitive) in a request head, leading
 * and trailing blanks dropped, into buf. Returns 0, or -1 when the head has
 * no such header or its value does not fit.
 */
int serve_header(const char *head, const char *name, char *buf, size_t n);

/* Whether addr reads as HOST:PORT (nothing resolved); 0, or -1 with pe_error(). */
int serve_check_address(const char *addr);

/*
 * Listens on addr ("HOST:PORT", "[V6]:PORT" or ":PORT" for all; port 0 picks
 * one) and starts the thread. Returns 0 with *out set, or -1 with pe_error()
 * for a bad address or one that cannot be bound.
 */
int serve_start(struct serve **out, const char *addr, serve_fn fn, void *ctx);

/* The address it listens on as "HOST:PORT" (caller's buffer). */
const char *serve_address(const struct serve *s, char *buf, size_t n);

/* Stops the thread (a request in progress is finished) and frees s. */
void serve_stop(struct serve *s);

#endif
