/*
 * An incremental HTTP/1.1 response parser for the load generator: fed the
 * bytes as they arrive, split anywhere, it finds where each response ends
 * (Content-Length, chunked, or the connection's close; none for HEAD, 1xx,
 * 204 and 304) without copying the body, and says whether the connection
 * may be kept. It parses outside input: every malformed or oversized part is
 * an error with a reason, never a crash or a read past the buffer.
 */
#ifndef PE_HTTP_PARSER_H
#define PE_HTTP_PARSER_H

#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_HEADER_BYTES 65536	/* status line and headers together */

enum http_result {
	HTTP_ERROR = -1,
	HTTP_MORE = 0,		/* the response is not complete yet */
	HTTP_DONE = 1,		/* a whole response ended */
};

struct http_parser {
	/* results, valid once DONE (status as soon as the status line is read) */
	int status;			/* 100..999 */
	int keep_alive;			/* the connection may carry another request */
	uint64_t body_bytes;		/* body bytes (decoded size for chunked) */
	uint64_t header_bytes;
	const char *error;		/* static text, set with HTTP_ERROR */
	/* internal state */
	int state;
	int head;			/* the request was HEAD: no body whatever the headers */
	int chunked;
	int close_delimited;		/* body runs to the connection's end */
	int http10;
	int have_length;		/* a Content-Length was seen */
	int conn_close;			/* Connection: close */
	int conn_keep_alive;		/* Connection: keep-alive */
	int line_colon;			/* the current line so far has a ':' */
	int line_cr;			/* its last byte so far is '\r' */
	uint64_t content_length;
	uint64_t remaining;		/* of the body or the current chunk */
	uint64_t trailer_bytes;		/* of the chunked trailer section so far */
	size_t line_len;		/* bytes of the current line so far, not all kept */
	char line[256];			/* the start of the current line (for names and numbers) */
};

/* Ready for a response to a request; head: it was a HEAD request. */
void http_parser_init(struct http_parser *p, int head);

/*
 * Consumes bytes of buf[0..len-1]; *used gets how many belong to this
 * response (the rest, with pipelining, start the next one). Returns
 * HTTP_MORE (all len bytes used), HTTP_DONE, or HTTP_ERROR with p->error.
 */
enum http_result http_parser_feed(struct http_parser *p, const char *buf, size_t len, size_t *used);

/* The peer closed the connection: DONE for a close-delimited body, else ERROR ("connection closed mid-response"). */
enum http_result http_parser_eof(struct http_parser *p);

#endif
