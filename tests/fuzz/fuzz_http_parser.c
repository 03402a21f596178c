/*
 * libFuzzer target for the HTTP response parser. The first byte steers: bit
 * 0 says the request was HEAD, bits 1-7 where to split the rest, the stream
 * of pipelined responses. The stream is fed whole, split there, and (when
 * short) byte by byte, each piece in its own allocation, the way the load
 * loop does: a fresh parser after each DONE for the bytes left, eof at the
 * end. Every way must give the same outcomes, and each step must keep the
 * contract (*used within the piece, all of it on MORE, a reason on ERROR).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/parser.h"

#define MAX_OUT 64		/* outcomes compared; later ones are only checked */
#define BYTE_BY_BYTE 1024	/* streams up to this long are also fed a byte at a time */

struct outcome {
	int result, status, keep_alive;
	uint64_t body, header;
	size_t end;
	const char *error;
};

struct run {
	int n;
	struct outcome o[MAX_OUT];
};

static void record(struct run *r, const struct http_parser *p, int result, size_t end,
		   size_t fed)
{
	struct outcome *o;

	if (result == HTTP_ERROR && (!p->error || !p->error[0]))
		abort();
	if (result == HTTP_DONE) {
		if (p->error || p->status < 100 || p->status > 999 || p->keep_alive > 1 ||
		    p->keep_alive < 0 || p->body_bytes + p->header_bytes > fed)
			abort();
	}
	if (r->n == MAX_OUT)
		return;
	o = &r->o[r->n++];
	o->result = result;
	o->status = p->status;
	o->keep_alive = result == HTTP_ERROR ? 0 : p->keep_alive;
	o->body = p->body_bytes;
	o->header = p->header_bytes;
	o->end = end;
	o->error = result == HTTP_ERROR ? p->error : NULL;
}

/* Feeds data[0..len-1] in pieces of `step` bytes (0: split once at `split`). */
static void drive(const uint8_t *data, size_t len, int head, size_t split, size_t step,
		  struct run *r)
{
	struct http_parser p;
	int parsing = 0;
	size_t a = 0, pos = 0, fed = 0;	/* fed: bytes given to this parser */

	memset(r, 0, sizeof(*r));
	while (a < len) {
		size_t b = step ? a + step : a < split ? split : len;
		size_t off = 0;
		char *piece;

		if (b > len)
			b = len;
		piece = malloc(b - a);
		memcpy(piece, data + a, b - a);
		while (off < b - a) {
			size_t left = b - a - off, used = (size_t)-1;
			enum http_result res;

			if (!parsing) {
				http_parser_init(&p, head);
				parsing = 1;
				fed = 0;
			}
			res = http_parser_feed(&p, piece + off, left, &used);
			if (used > left || (res == HTTP_MORE && used != left))
				abort();
			if (res != HTTP_MORE && res != HTTP_DONE && res != HTTP_ERROR)
				abort();
			off += used;
			pos += used;
			fed += used;
			if (res == HTTP_MORE)
				break;
			if (res == HTTP_DONE && !fed)	/* a response of no bytes: a loop */
				abort();
			record(r, &p, res, pos, fed);
			parsing = 0;
			if (res == HTTP_ERROR) {
				free(piece);
				return;
			}
		}
		free(piece);
		a = b;
	}
	if (parsing) {
		size_t used = 1;

		record(r, &p, http_parser_eof(&p), pos, fed);
		/* once ended, it stays so */
		if (http_parser_feed(&p, "x", 1, &used) == HTTP_MORE || used)
			abort();
	}
}

static void same(const struct run *x, const struct run *y)
{
	if (x->n != y->n)
		abort();
	for (int i = 0; i < x->n; i++) {
		const struct outcome *a = &x->o[i], *b = &y->o[i];

		if (a->result != b->result || a->status != b->status ||
		    a->keep_alive != b->keep_alive || a->body != b->body ||
		    a->header != b->header || a->end != b->end ||
		    (a->error == NULL) != (b->error == NULL) ||
		    (a->error && strcmp(a->error, b->error)))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run whole, split, bytes;
	int head;
	size_t len, at;

	if (size < 1)
		return 0;
	head = data[0] & 1;
	len = size - 1;
	at = len * (data[0] >> 1) / 127;
	drive(data + 1, len, head, len, 0, &whole);
	drive(data + 1, len, head, at, 0, &split);
	same(&whole, &split);
	if (len <= BYTE_BY_BYTE) {
		drive(data + 1, len, head, 0, 1, &bytes);
		same(&whole, &bytes);
	}
	return 0;
}
