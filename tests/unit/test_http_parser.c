/*
 * Tests of the HTTP response parser in src/http/parser.c. Each case is a byte
 * stream of one or more pipelined responses with the outcomes written out by
 * hand (result, status, body bytes, keep-alive, and the stream offset where
 * each response or error ends); the stream is fed whole, split in two at
 * every position, and byte by byte, each piece at the start of an allocation
 * whose rest is poisoned so that ASan sees any read outside it, and every way
 * must give those outcomes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/parser.h"

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_ASAN 1
#endif
#endif
#ifdef HAVE_ASAN
#include <sanitizer/asan_interface.h>
#else
#define ASAN_POISON_MEMORY_REGION(addr, size) ((void)(addr), (void)(size))
#define ASAN_UNPOISON_MEMORY_REGION(addr, size) ((void)(addr), (void)(size))
#endif

#define END ((size_t)-1)	/* the end of the stream */
#define MAX_OUT 8

struct outcome {
	int result;
	int status;
	uint64_t body;
	int keep_alive;
	size_t end;		/* stream offset just past the response or the error */
	const char *error;	/* NULL unless HTTP_ERROR */
};

struct run {
	int n;
	struct outcome o[MAX_OUT];
};

static void record(struct run *r, const struct http_parser *p, int result, size_t end)
{
	struct outcome *o;

	if (r->n == MAX_OUT)
		fail_msg("more than %d responses", MAX_OUT);
	o = &r->o[r->n++];
	o->result = result;
	o->status = p->status;
	o->body = p->body_bytes;
	o->keep_alive = result == HTTP_ERROR ? 0 : p->keep_alive;
	o->end = end;
	o->error = result == HTTP_ERROR ? p->error : NULL;
}

/*
 * Feeds data[0..len-1] in pieces that end where cut[] (len + 1 flags) says,
 * the way the load loop does: a fresh parser for each response, the rest of
 * a piece after DONE to the next one, eof at the end if asked. A response
 * still open at the end without eof is recorded as HTTP_MORE.
 */
static void drive(const char *data, size_t len, const unsigned char *cut, int head, int eof,
		  struct run *r)
{
	struct http_parser p;
	int parsing = 0;
	size_t a = 0, pos = 0;
	/* each piece at its start, the rest poisoned: a malloc per piece is slow under ASan */
	char *piece = malloc(len);

	memset(r, 0, sizeof(*r));
	while (a < len) {
		const unsigned char *next = memchr(cut + a + 1, 1, len - a - 1);
		size_t b = next ? (size_t)(next - cut) : len, off = 0;

		ASAN_UNPOISON_MEMORY_REGION(piece, len);
		memcpy(piece, data + a, b - a);
		ASAN_POISON_MEMORY_REGION(piece + (b - a), len - (b - a));
		while (off < b - a) {
			size_t used = (size_t)-1;
			enum http_result res;

			if (!parsing) {
				http_parser_init(&p, head);
				parsing = 1;
			}
			res = http_parser_feed(&p, piece + off, b - a - off, &used);
			if (used > b - a - off)
				fail_msg("used %zu of %zu bytes", used, b - a - off);
			if (res == HTTP_MORE && used != b - a - off)
				fail_msg("MORE with %zu of %zu bytes used", used, b - a - off);
			off += used;
			pos += used;
			if (res == HTTP_MORE)
				break;
			record(r, &p, res, pos);
			parsing = 0;
			if (res == HTTP_ERROR)
				goto out;
		}
		a = b;
	}
	if (parsing)
		record(r, &p, eof ? http_parser_eof(&p) : HTTP_MORE, pos);
out:
	ASAN_UNPOISON_MEMORY_REGION(piece, len);
	free(piece);
}

static const char *result_name(int r)
{
	return r == HTTP_DONE ? "DONE" : r == HTTP_MORE ? "MORE" : "ERROR";
}

static void assert_run(const char *how, const struct run *got, const struct outcome *want,
		       int nwant, size_t len)
{
	if (got->n != nwant)
		fail_msg("%s: %d outcomes, want %d", how, got->n, nwant);
	for (int i = 0; i < nwant; i++) {
		const struct outcome *g = &got->o[i], *w = &want[i];
		size_t end = w->end == END ? len : w->end;

		if (g->result != w->result || g->status != w->status || g->body != w->body ||
		    g->keep_alive != w->keep_alive || g->end != end ||
		    (g->error == NULL) != (w->error == NULL) ||
		    (g->error && strcmp(g->error, w->error)))
			fail_msg("%s, response %d: %s status %d body %llu keep-alive %d end %zu "
				 "error '%s'; want %s status %d body %llu keep-alive %d end %zu "
				 "error '%s'", how, i + 1, result_name(g->result), g->status,
				 (unsigned long long)g->body, g->keep_alive, g->end,
				 g->error ? g->error : "", result_name(w->result), w->status,
				 (unsigned long long)w->body, w->keep_alive, end,
				 w->error ? w->error : "");
	}
}

/* The stream whole, split in two at every position, and byte by byte. */
static void check_stream(const char *data, size_t len, int head, int eof,
			 const struct outcome *want, int nwant)
{
	unsigned char *cut = calloc(len + 1, 1);
	struct run r;
	char how[64];

	drive(data, len, cut, head, eof, &r);
	assert_run("whole", &r, want, nwant, len);
	for (size_t k = 1; k < len; k++) {
		cut[k] = 1;
		drive(data, len, cut, head, eof, &r);
		snprintf(how, sizeof(how), "split at %zu", k);
		assert_run(how, &r, want, nwant, len);
		cut[k] = 0;
	}
	memset(cut, 1, len + 1);
	drive(data, len, cut, head, eof, &r);
	assert_run("byte by byte", &r, want, nwant, len);
	free(cut);
}

#define CHECK(data, head, eof, ...)                                                    \
	do {                                                                            \
		const struct outcome want__[] = { __VA_ARGS__ };                        \
		check_stream(data, sizeof(data) - 1, head, eof, want__,                 \
			     (int)(sizeof(want__) / sizeof(want__[0])));                \
	} while (0)

/* Outcomes: a response that ended, an error, a response still open. */
#define DONE(status, body, ka, end) { HTTP_DONE, status, body, ka, end, NULL }
#define ERR(status, body, end, msg) { HTTP_ERROR, status, body, 0, end, msg }
#define MORE(status, body, ka) { HTTP_MORE, status, body, ka, END, NULL }

/* --- framing ---------------------------------------------------------------- */

static void test_content_length(void **state)
{
	(void)state;
	CHECK("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello",
	      0, 0, DONE(200, 5, 1, END));
	CHECK("HTTP/1.1 200 OK\r\ncontent-LENGTH:5\r\n\r\nhello", 0, 0, DONE(200, 5, 1, END));
	/* OWS around the value; the same value twice */
	CHECK("HTTP/1.1 200 OK\r\nContent-Length: \t 3 \t\r\nContent-Length: 3\r\n\r\nabc",
	      0, 0, DONE(200, 3, 1, END));
	/* the body of a response may hold anything, CRLFs and status lines included */
	CHECK("HTTP/1.1 404 Not Found\r\nContent-Length: 19\r\n\r\nHTTP/1.1 200 OK\r\n\r\n",
	      0, 0, DONE(404, 19, 1, END));
	/* names as long as those read, but others: ignored */
	CHECK("HTTP/1.1 200 OK\r\nConnectiox: close\r\nContent-Lengtx: 9\r\n"
	      "Transfer-Encodinx: gzip\r\nContent-Length: 1\r\n\r\nx", 0, 0, DONE(200, 1, 1, END));
	/* no more than the body is taken */
	CHECK("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel", 0, 0, MORE(200, 3, 1));
}

static void test_zero_length(void **state)
{
	(void)state;
	CHECK("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0, 0, DONE(200, 0, 1, END));
	CHECK("HTTP/1.1 200 OK\r\nContent-Length: 000\r\n\r\n", 0, 0, DONE(200, 0, 1, END));
}

static void test_chunked(void **state)
{
	(void)state;
	CHECK("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	      "5;name=value\r\nhello\r\n"
	      "1A ; a=1;b=\"x;y\"\r\nabcdefghijklmnopqrstuvwxyz\r\n"
	      "0;last\r\nExpires: never\r\nX-Checksum: 42\r\n\r\n",
	      0, 0, DONE(200, 31, 1, END));
	/* no trailers; hex in both cases; leading zeros; chunk data holding CRLFs */
	CHECK("HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\n\r\n"
	      "000a\r\n\r\n\r\n\r\n\r\n\r\n\r\n00\r\n\r\n",
	      0, 0, DONE(200, 10, 1, END));
	CHECK("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	      "fF\r\n" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\r\n0\r\n\r\n",
	      0, 0, DONE(200, 255, 1, END));
	/* chunked wins over Content-Length, in either order */
	CHECK("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n"
	      "2\r\nok\r\n0\r\n\r\n", 0, 0, DONE(200, 2, 1, END));
	CHECK("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n"
	      "2\r\nok\r\n0\r\n\r\n", 0, 0, DONE(200, 2, 1, END));
	/* still open in the middle of a chunk */
	CHECK("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", 0, 0,
	      MORE(200, 3, 1));
}

static void test_no_body(void **state)
{
	(void)state;
	/* HEAD: the headers describe the body that was not sent */
	CHECK("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", 1, 0, DONE(200, 0, 1, END));
	CHECK("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 1, 0,
	      DONE(200, 0, 1, END));
	/* HEAD, no length: not close-delimited either */
	CHECK("HTTP/1.1 200 OK\r\n\r\n", 1, 0, DONE(200, 0, 1, END));
	CHECK("HTTP/1.1 204 No Content\r\nServer: x\r\n\r\n", 0, 0, DONE(204, 0, 1, END));
	CHECK("HTTP/1.1 304 Not Modified\r\nETag: \"abc\"\r\nContent-Length: 100\r\n\r\n",
	      0, 0, DONE(304, 0, 1, END));
	/* what follows a 204 or 304 is the next response */
	CHECK("HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\n\r\n"
	      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
	      0, 0, DONE(204, 0, 1, 27), DONE(304, 0, 1, 56), DONE(200, 1, 1, END));
}

static void test_interim(void **state)
{
	(void)state;
	CHECK("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
	      0, 0, DONE(200, 2, 1, END));
	/* several, with headers; theirs do not frame the final response */
	CHECK("HTTP/1.1 100 Continue\r\nContent-Length: 7\r\nConnection: close\r\n\r\n"
	      "HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"
	      "HTTP/1.1 102 Processing\r\n\r\n"
	      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
	      0, 0, DONE(200, 3, 1, END));
	/* a 100 before the final response to a HEAD request */
	CHECK("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n",
	      1, 0, DONE(200, 0, 1, END));
	/* 101: HTTP ends here, so does the connection for the load generator */
	CHECK("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
	      0, 0, DONE(101, 0, 0, END));
	/* eof after a 100 and before the final response */
	CHECK("HTTP/1.1 100 Continue\r\n\r\n", 0, 1,
	      ERR(100, 0, END, "connection closed mid-response"));
}

static void test_close_delimited(void **state)
{
	(void)state;
	CHECK("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall of this, to the end",
	      0, 1, DONE(200, 23, 0, END));
	CHECK("HTTP/1.1 200 OK\r\nServer: old\r\n\r\n", 0, 1, DONE(200, 0, 0, END));
	/* without the eof the response is not over */
	CHECK("HTTP/1.1 200 OK\r\n\r\nabc", 0, 0, MORE(200, 3, 0));
}

static void test_keep_alive(void **state)
{
	(void)state;
	CHECK("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
	      0, 0, DONE(200, 2, 0, END));
	CHECK("HTTP/1.1 200 OK\r\nConnection: Upgrade, CLOSE\r\nContent-Length: 0\r\n\r\n",
	      0, 0, DONE(200, 0, 0, END));
	CHECK("HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n",
	      0, 0, DONE(200, 0, 0, END));
	/* tokens, not substrings */
	CHECK("HTTP/1.1 200 OK\r\nConnection: closed, x-close\r\nContent-Length: 0\r\n\r\n",
	      0, 0, DONE(200, 0, 1, END));
	/* HTTP/1.0: closed unless kept */
	CHECK("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", 0, 0, DONE(200, 2, 0, END));
	CHECK("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok",
	      0, 0, DONE(200, 2, 1, END));
	CHECK("HTTP/1.0 200 OK\r\nConnection: x ,, keep-alive\r\nConnection: foo\r\n"
	      "Content-Length: 2\r\n\r\nok", 0, 0, DONE(200, 2, 1, END));
}

static void test_pipelined(void **state)
{
	(void)state;
	CHECK("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
	      "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
	      0, 0, DONE(200, 3, 1, 41), DONE(404, 0, 1, END));
	CHECK("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n"
	      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nb"
	      "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\ntail",
	      0, 1, DONE(200, 1, 1, 58), DONE(201, 1, 1, 127), DONE(200, 4, 0, END));
	/* HEAD responses back to back */
	CHECK("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n",
	      1, 0, DONE(200, 0, 1, 38), DONE(200, 0, 1, END));
	/* an error in the second response leaves the first whole */
	CHECK("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP/1.1 200 OK\r\nbad\r\n\r\n",
	      0, 0, DONE(200, 1, 1, 39), ERR(200, 0, 61, "malformed header"));
}

static void test_line_endings(void **state)
{
	(void)state;
	/* bare LF is accepted everywhere a CRLF is */
	CHECK("HTTP/1.1 200 OK\nContent-Length: 2\n\nok", 0, 0, DONE(200, 2, 1, END));
	CHECK("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n2\nok\n0\nA: b\n\n",
	      0, 0, DONE(200, 2, 1, END));
	CHECK("HTTP/1.1 200 OK\r\nContent-Length: 0\n\r\n", 0, 0, DONE(200, 0, 1, END));
	/* status lines: no reason, an empty one, one with spaces */
	CHECK("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", 0, 0, DONE(200, 0, 1, END));
	CHECK("HTTP/1.1 503 \r\nContent-Length: 0\r\n\r\n", 0, 0, DONE(503, 0, 1, END));
	CHECK("HTTP/1.1 999 A  Long\tWay\r\nContent-Length: 0\r\n\r\n", 0, 0,
	      DONE(999, 0, 1, END));
	/* a CR not before a LF is part of the line */
	CHECK("HTTP/1.1 200 OK\r\nContent-Length: 2\r\r\n\r\nok", 0, 0,
	      ERR(200, 0, 37, "bad content-length"));
}

#define X10 "xxxxxxxxxx"
#define X100 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10
#define Z100 "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"

/* Lines longer than the parser keeps, split anywhere. */
static void test_long_lines(void **state)
{
	(void)state;
	CHECK("HTTP/1.1 200 " X100 X100 X100 "\r\nX-Long: " X100 X100 X100 X100 "\r\n"
	      "X" X100 X100 X100 ": v\r\nContent-Length: 1\r\n\r\nz",
	      0, 0, DONE(200, 1, 1, END));
	/* a Connection value past what is kept counts as close */
	CHECK("HTTP/1.1 200 OK\r\nConnection: keep-alive, " X100 X100 X100 "\r\n"
	      "Content-Length: 0\r\n\r\n", 0, 0, DONE(200, 0, 0, END));
	/* chunk extensions are skipped whatever their length */
	CHECK("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	      "3;ext=" X100 X100 X100 "\r\nabc\r\n0;" X100 X100 X100 "\r\n\r\n",
	      0, 0, DONE(200, 3, 1, END));
	/* a number past what is kept */
	CHECK("HTTP/1.1 200 OK\r\nContent-Length: " Z100 Z100 Z100 "1\r\n\r\nz",
	      0, 0, ERR(200, 0, 336, "bad content-length"));
	CHECK("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" Z100 Z100 Z100 "1\r\nz\r\n",
	      0, 0, ERR(200, 0, 350, "bad chunk size"));
	/* a long name without a colon */
	CHECK("HTTP/1.1 200 OK\r\n" X100 X100 X100 "\r\n\r\n", 0, 0,
	      ERR(200, 0, 319, "malformed header"));
}

/* --- errors ------------------------------------------------------------------ */

static void test_bad_status_line(void **state)
{
	(void)state;
	/* wrong from the first bytes: an error at once, the line need not end */
	CHECK("HTTP/1.2 200 OK\r\n\r\n", 0, 0, ERR(0, 0, 8, "malformed status line"));
	CHECK("HTTP/2 200 OK\r\n\r\n", 0, 0, ERR(0, 0, 6, "malformed status line"));
	CHECK("http/1.1 200 OK\r\n\r\n", 0, 0, ERR(0, 0, 1, "malformed status line"));
	CHECK("\r\nHTTP/1.1 200 OK\r\n\r\n", 0, 0, ERR(0, 0, 1, "malformed status line"));
	CHECK("SSH-2.0-OpenSSH_9.2", 0, 0, ERR(0, 0, 1, "malformed status line"));
	CHECK("HTTP/1.1", 0, 1, ERR(0, 0, END, "connection closed mid-response"));
	CHECK("HTTP/1.1\r\n\r\n", 0, 0, ERR(0, 0, 9, "malformed status line"));
	CHECK("HTTP/1.1  200 OK\r\n\r\n", 0, 0, ERR(0, 0, 18, "malformed status line"));
	/* the status: three digits, 100 to 999, then a space or the end */
	CHECK("HTTP/1.1 20 OK\r\n\r\n", 0, 0, ERR(0, 0, 16, "malformed status line"));
	CHECK("HTTP/1.1 20\r\n\r\n", 0, 0, ERR(0, 0, 13, "malformed status line"));
	CHECK("HTTP/1.1 2000 OK\r\n\r\n", 0, 0, ERR(0, 0, 18, "malformed status line"));
	CHECK("HTTP/1.1 099 OK\r\n\r\n", 0, 0, ERR(0, 0, 17, "malformed status line"));
	CHECK("HTTP/1.1 2x0 OK\r\n\r\n", 0, 0, ERR(0, 0, 17, "malformed status line"));
	CHECK("HTTP/1.1 200\tOK\r\n\r\n", 0, 0, ERR(0, 0, 17, "malformed status line"));
}

static void test_bad_header(void **state)
{
	(void)state;
	CHECK("HTTP/1.1 200 OK\r\nNoColonHere\r\n\r\n", 0, 0,
	      ERR(200, 0, 30, "malformed header"));
	CHECK("HTTP/1.1 200 OK\r\nContent-Length : 1\r\n\r\nx", 0, 0,
	      ERR(200, 0, 37, "malformed header"));
	CHECK("HTTP/1.1 200 OK\r\n: empty name\r\n\r\n", 0, 0,
	      ERR(200, 0, 31, "malformed header"));
	/* obsolete line folding */
	CHECK("HTTP/1.1 200 OK\r\nX-A: 1\r\n  2\r\n\r\n", 0, 0,
	      ERR(200, 0, 30, "malformed header"));
	CHECK("HTTP/1.1 200 OK\r\nX(A): 1\r\n\r\n", 0, 0, ERR(200, 0, 26, "malformed header"));
	/* in the trailers too */
	CHECK("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nbroken\r\n\r\n", 0, 0,
	      ERR(200, 0, 58, "malformed header"));
}

static void test_bad_content_length(void **state)
{
	(void)state;
	CHECK("HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n", 0, 0,
	      ERR(200, 0, 38, "bad content-length"));
	CHECK("HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n", 0, 0,
	      ERR(200, 0, 38, "bad content-length"));
	CHECK("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", 0, 0,
	      ERR(200, 0, 34, "bad content-length"));
	CHECK("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 0, 0,
	      ERR(200, 0, 37, "bad content-length"));
	CHECK("HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n", 0, 0,
	      ERR(200, 0, 37, "bad content-length"));
	CHECK("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n", 0, 0,
	      ERR(200, 0, 39, "bad content-length"));
	CHECK("HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n", 0, 0,
	      ERR(200, 0, 38, "bad content-length"));
	/* 2^64 */
	CHECK("HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n", 0, 0,
	      ERR(200, 0, 55, "bad content-length"));
	CHECK("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n", 0, 0,
	      ERR(200, 0, 58, "bad content-length"));
	CHECK("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello", 0, 0,
	      ERR(200, 0, 55, "conflicting content-length"));
}

static void test_huge_content_length(void **state)
{
	(void)state;
	/* 2^63 and 2^64 - 1: taken as they are, without overflow */
	CHECK("HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775808\r\n\r\n0123456789",
	      0, 0, MORE(200, 10, 1));
	CHECK("HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775808\r\n\r\n0123456789",
	      0, 1, ERR(200, 10, END, "connection closed mid-response"));
	CHECK("HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\n0123456789",
	      0, 0, MORE(200, 10, 1));
	/* a chunk of 2^64 - 1 bytes */
	CHECK("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nab",
	      0, 1, ERR(200, 2, END, "connection closed mid-response"));
}

static void test_bad_transfer_encoding(void **state)
{
	(void)state;
	CHECK("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 0, 0,
	      ERR(200, 0, 51, "unsupported transfer-encoding"));
	CHECK("HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\n", 0, 0,
	      ERR(200, 0, 46, "unsupported transfer-encoding"));
	CHECK("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 0, 0,
	      ERR(200, 0, 54, "unsupported transfer-encoding"));
	CHECK("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
	      0, 0, ERR(200, 0, 73, "unsupported transfer-encoding"));
	CHECK("HTTP/1.1 200 OK\r\nTransfer-Encoding: \r\n\r\n", 0, 0,
	      ERR(200, 0, 38, "unsupported transfer-encoding"));
	CHECK("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked;q=1\r\n\r\n", 0, 0,
	      ERR(200, 0, 49, "unsupported transfer-encoding"));
}

static void test_bad_chunks(void **state)
{
	(void)state;
#define TE "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"	/* 47 bytes */
	CHECK(TE "zz\r\n", 0, 0, ERR(200, 0, 51, "bad chunk size"));
	CHECK(TE "\r\n", 0, 0, ERR(200, 0, 49, "bad chunk size"));
	CHECK(TE ";ext\r\n", 0, 0, ERR(200, 0, 53, "bad chunk size"));
	CHECK(TE "5 x\r\nhello\r\n", 0, 0, ERR(200, 0, 52, "bad chunk size"));
	CHECK(TE "-5\r\nhello\r\n", 0, 0, ERR(200, 0, 51, "bad chunk size"));
	CHECK(TE "0x5\r\nhello\r\n", 0, 0, ERR(200, 0, 52, "bad chunk size"));
	/* 2^64 */
	CHECK(TE "10000000000000000\r\n", 0, 0, ERR(200, 0, 66, "bad chunk size"));
	CHECK(TE "5\r\nhelloX\r\n0\r\n\r\n", 0, 0, ERR(200, 5, 56, "malformed chunk"));
	CHECK(TE "5\r\nhello\rX\n0\r\n\r\n", 0, 0, ERR(200, 5, 57, "malformed chunk"));
	CHECK(TE "5\r\nhello0\r\n\r\n", 0, 0, ERR(200, 5, 56, "malformed chunk"));
	/* the last chunk without the empty line */
	CHECK(TE "0\r\n", 0, 1, ERR(200, 0, END, "connection closed mid-response"));
#undef TE
}

static void test_eof_mid_response(void **state)
{
	(void)state;
	CHECK("HTTP/1.1 200 OK\r\nContent-Len", 0, 1,
	      ERR(200, 0, END, "connection closed mid-response"));
	CHECK("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", 0, 1,
	      ERR(200, 0, END, "connection closed mid-response"));
	CHECK("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf", 0, 1,
	      ERR(200, 4, END, "connection closed mid-response"));
	CHECK("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nhalf\r", 0, 1,
	      ERR(200, 4, END, "connection closed mid-response"));
	CHECK("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: b\r\n", 0, 1,
	      ERR(200, 0, END, "connection closed mid-response"));
}

/* Builds a response whose head is exactly `size` bytes, the long line split into lines of 1000. */
static char *head_of_size(size_t size, size_t *len)
{
	static const char start[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n";
	char *s = malloc(size + 3);
	size_t n = sizeof(start) - 1;

	memcpy(s, start, n);
	while (n < size - 2) {
		size_t line = size - 2 - n < 1000 ? size - 2 - n : 1000;

		assert_true(line >= 7);
		memcpy(s + n, "X-P: ", 5);
		memset(s + n + 5, 'p', line - 7);
		memcpy(s + n + line - 2, "\r\n", 2);
		n += line;
	}
	memcpy(s + n, "\r\nok", 4);
	*len = n + 4;
	return s;
}

static void test_headers_too_large(void **state)
{
	const struct outcome ok[] = { DONE(200, 2, 1, END) };
	const struct outcome big[] = { ERR(200, 0, HTTP_MAX_HEADER_BYTES + 1, "headers too large") };
	size_t len;
	char *s;

	(void)state;
	s = head_of_size(HTTP_MAX_HEADER_BYTES, &len);
	check_stream(s, len, 0, 0, ok, 1);
	free(s);
	/* one byte more: the error comes with that byte */
	s = head_of_size(HTTP_MAX_HEADER_BYTES + 1, &len);
	check_stream(s, len, 0, 0, big, 1);
	free(s);
	/* 65 KiB */
	s = head_of_size(65 * 1024, &len);
	check_stream(s, len, 0, 0, big, 1);
	free(s);
}

/* The limit holds for the 1xx heads and the final one together, and for trailers apart. */
static void test_headers_too_large_interim(void **state)
{
	static const char cont[] = "HTTP/1.1 100 Continue\r\nX: ";
	size_t n = sizeof(cont) - 1, len;
	char *s = malloc(HTTP_MAX_HEADER_BYTES + 2000);
	const struct outcome want[] = { ERR(200, 0, HTTP_MAX_HEADER_BYTES + 1, "headers too large") };
	const struct outcome trailer[] = { ERR(200, 0, 47 + 3 + HTTP_MAX_HEADER_BYTES + 1,
					       "headers too large") };

	(void)state;
	/* a 100 of 60,000 bytes, then a final head of over 5,536 */
	memcpy(s, cont, n);
	memset(s + n, 'v', 60000 - n - 4);
	memcpy(s + 60000 - 4, "\r\n\r\n", 4);
	memcpy(s + 60000, "HTTP/1.1 200 OK\r\n", 17);
	len = 60017;
	while (len < HTTP_MAX_HEADER_BYTES + 100) {
		memcpy(s + len, "X-Fill: ", 8);
		memset(s + len + 8, 'f', 990);
		memcpy(s + len + 998, "\r\n", 2);
		len += 1000;
	}
	check_stream(s, len, 0, 0, want, 1);
	/* trailers of over HTTP_MAX_HEADER_BYTES after a short head */
	len = 0;
	memcpy(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n", 50);
	len = 50;
	while (len < HTTP_MAX_HEADER_BYTES + 150) {
		memcpy(s + len, "T: ", 3);
		memset(s + len + 3, 't', 995);
		memcpy(s + len + 998, "\r\n", 2);
		len += 1000;
	}
	check_stream(s, len, 0, 0, trailer, 1);
	free(s);
}

/* --- the API around feeding --------------------------------------------------- */

static void test_api(void **state)
{
	static const char two[] = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP/1.1 200";
	struct http_parser p;
	size_t used = 99;

	(void)state;
	/* a connection closed before any byte of the response */
	http_parser_init(&p, 0);
	assert_int_equal(http_parser_eof(&p), HTTP_ERROR);
	assert_string_equal(p.error, "connection closed mid-response");
	assert_int_equal(p.keep_alive, 0);

	/* nothing to feed */
	http_parser_init(&p, 0);
	assert_int_equal(http_parser_feed(&p, "", 0, &used), HTTP_MORE);
	assert_int_equal(used, 0);

	/* after DONE: DONE with nothing used, and eof changes nothing */
	assert_int_equal(http_parser_feed(&p, two, sizeof(two) - 1, &used), HTTP_DONE);
	assert_int_equal(used, 39);
	assert_int_equal(p.header_bytes, 38);
	assert_int_equal(http_parser_feed(&p, two + used, sizeof(two) - 1 - used, &used), HTTP_DONE);
	assert_int_equal(used, 0);
	assert_int_equal(http_parser_eof(&p), HTTP_DONE);
	assert_int_equal(p.status, 200);
	assert_int_equal(p.keep_alive, 1);

	/* after ERROR: ERROR */
	http_parser_init(&p, 0);
	assert_int_equal(http_parser_feed(&p, "XTTP", 4, &used), HTTP_ERROR);
	assert_int_equal(used, 1);
	assert_int_equal(http_parser_feed(&p, "HTTP", 4, &used), HTTP_ERROR);
	assert_int_equal(used, 0);
	assert_int_equal(http_parser_eof(&p), HTTP_ERROR);
	assert_string_equal(p.error, "malformed status line");

	/* the status is known once the status line is read */
	http_parser_init(&p, 0);
	assert_int_equal(http_parser_feed(&p, "HTTP/1.1 418 I'm a teapot\r\nX-", 29, &used), HTTP_MORE);
	assert_int_equal(p.status, 418);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_content_length),
		cmocka_unit_test(test_zero_length),
		cmocka_unit_test(test_chunked),
		cmocka_unit_test(test_no_body),
		cmocka_unit_test(test_interim),
		cmocka_unit_test(test_close_delimited),
		cmocka_unit_test(test_keep_alive),
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_line_endings),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_bad_status_line),
		cmocka_unit_test(test_bad_header),
		cmocka_unit_test(test_bad_content_length),
		cmocka_unit_test(test_huge_content_length),
		cmocka_unit_test(test_bad_transfer_encoding),
		cmocka_unit_test(test_bad_chunks),
		cmocka_unit_test(test_eof_mid_response),
		cmocka_unit_test(test_headers_too_large),
		cmocka_unit_test(test_headers_too_large_interim),
		cmocka_unit_test(test_api),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
