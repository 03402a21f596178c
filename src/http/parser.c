/*
 * The HTTP/1.1 response parser (see parser.h). Lines are found with memchr
 * and read in place when a feed holds them whole; a line split across feeds
 * keeps only its first sizeof(p->line) bytes, and a line is always judged on
 * those first bytes and its length, so where the input was split never
 * changes a result, nor where an error is reported (*used then points just
 * past the byte that showed it). Bodies are counted, never copied.
 *
 * Choices the RFCs leave to the client:
 *  - A line ends in CRLF or in a bare LF, as in most clients; a CR anywhere
 *    else is part of the line, so it spoils a number or a name it is in.
 *  - Status lines: "HTTP/1.0" or "HTTP/1.1", a space, three digits (100 to
 *    999), then nothing or a space and any reason phrase.
 *  - Field names must be tokens (no space before the colon, no obsolete line
 *    folding); values are read only for Content-Length, Transfer-Encoding
 *    and Connection. Such a line longer than p->line (256 bytes) is an
 *    error, except that a long Connection counts as "close", which is
 *    always safe.
 *  - Content-Length is digits and at most 2^64 - 1; repeats must agree.
 *    Transfer-Encoding must be "chunked", once; it wins over Content-Length.
 *  - HTTP_MAX_HEADER_BYTES bounds the status lines and headers of the final
 *    response and of the 1xx ones before it together (header_bytes counts
 *    them all), and, apart, the trailer section.
 *  - 100, 102, 103 and other 1xx are skipped; 101 (Switching Protocols)
 *    ends the response with keep_alive 0, since HTTP stops there.
 *  - Chunk sizes take up to 16 hex digits (after leading zeros), then
 *    optional spaces and tabs, then the end of the line or ';' and
 *    extensions, which are skipped whatever their length.
 */
#include <stdint.h>
#include <string.h>

#include "http/parser.h"

enum {
	S_STATUS,	/* a status line */
	S_HEADER,	/* header lines, up to the empty one */
	S_BODY_LENGTH,	/* content_length bytes */
	S_BODY_CLOSE,	/* the body runs to the connection's end */
	S_CHUNK_SIZE,	/* a chunk-size line */
	S_CHUNK_DATA,
	S_CHUNK_CR,	/* the CRLF after a chunk's data */
	S_CHUNK_LF,
	S_TRAILER,	/* trailer lines after the last chunk */
	S_DONE,
	S_ERROR,
};

#define LINE_KEEP sizeof(((struct http_parser *)0)->line)
#define STATUS_PREFIX 9		/* "HTTP/1.1 " */

/* RFC 9110 tchar: what a field name is made of. */
static const unsigned char tchar[256] = {
	['0' ... '9'] = 1, ['A' ... 'Z'] = 1, ['a' ... 'z'] = 1,
	['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1,
	['*'] = 1, ['+'] = 1, ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1,
	['`'] = 1, ['|'] = 1, ['~'] = 1,
};

void http_parser_init(struct http_parser *p, int head)
{
	p->status = 0;
	p->keep_alive = 0;
	p->body_bytes = 0;
	p->header_bytes = 0;
	p->error = NULL;
	p->state = S_STATUS;
	p->head = !!head;
	p->chunked = 0;
	p->close_delimited = 0;
	p->http10 = 0;
	p->have_length = 0;
	p->conn_close = 0;
	p->conn_keep_alive = 0;
	p->line_colon = 0;
	p->line_cr = 0;
	p->content_length = 0;
	p->remaining = 0;
	p->trailer_bytes = 0;
	p->line_len = 0;
}

static enum http_result fail(struct http_parser *p, const char *why)
{
	p->state = S_ERROR;
	p->error = why;
	p->keep_alive = 0;
	return HTTP_ERROR;
}

static enum http_result done(struct http_parser *p)
{
	p->state = S_DONE;
	return HTTP_DONE;
}

/* s[0..n-1] is lit (lowercase) in any case. */
static int lower_eq(const char *s, size_t n, const char *lit, size_t litn)
{
	if (n != litn)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (c != (unsigned char)lit[i])
			return 0;
	}
	return 1;
}

#define LOWER_EQ(s, n, lit) lower_eq(s, n, lit, sizeof(lit) - 1)

/* Strips spaces and tabs (RFC 9110 OWS) from both ends of *s, *n. */
static void trim_ows(const char **s, size_t *n)
{
	while (*n && (**s == ' ' || **s == '\t'))
		(*s)++, (*n)--;
	while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

/*
 * Calls fn on each element of the comma-separated list v[0..n-1], trimmed;
 * empty elements are skipped. Stops at the first nonzero return.
 */
static int for_each_element(struct http_parser *p, const char *v, size_t n,
			    int (*fn)(struct http_parser *, const char *, size_t))
{
	const char *end = v + n;

	for (;;) {
		const char *comma = memchr(v, ',', (size_t)(end - v));
		const char *e = comma ? comma : end;
		const char *t = v;
		size_t tn = (size_t)(e - v);
		int r;

		trim_ows(&t, &tn);
		if (tn && (r = fn(p, t, tn)) != 0)
			return r;
		if (!comma)
			return 0;
		v = comma + 1;
	}
}

static int connection_token(struct http_parser *p, const char *t, size_t n)
{
	if (LOWER_EQ(t, n, "close"))
		p->conn_close = 1;
	else if (LOWER_EQ(t, n, "keep-alive"))
		p->conn_keep_alive = 1;
	return 0;
}

static int transfer_coding(struct http_parser *p, const char *t, size_t n)
{
	/* chunked applied twice, or any other coding, cannot be framed here */
	if (p->chunked || !LOWER_EQ(t, n, "chunked"))
		return -1;
	p->chunked = 1;
	return 0;
}

/* v[0..n-1]: the value after the colon; truncated: the line went on past what was kept. */
static enum http_result content_length(struct http_parser *p, const char *v, size_t n, int truncated)
{
	uint64_t x = 0;

	trim_ows(&v, &n);
	if (truncated || !n)
		return fail(p, "bad content-length");
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(unsigned char)v[i] - '0';

		if (d > 9 || x > (UINT64_MAX - d) / 10)
			return fail(p, "bad content-length");
		x = x * 10 + d;
	}
	if (p->have_length && p->content_length != x)
		return fail(p, "conflicting content-length");
	p->have_length = 1;
	p->content_length = x;
	return HTTP_MORE;
}

static enum http_result transfer_encoding(struct http_parser *p, const char *v, size_t n, int truncated)
{
	int had = p->chunked;

	if (truncated || for_each_element(p, v, n, transfer_coding) || p->chunked == had)
		return fail(p, "unsupported transfer-encoding");
	return HTTP_MORE;
}

static enum http_result connection(struct http_parser *p, const char *v, size_t n, int truncated)
{
	if (truncated)
		p->conn_close = 1;
	else
		for_each_element(p, v, n, connection_token);
	return HTTP_MORE;
}

/*
 * A header or trailer line of n bytes, of which s holds the first kn;
 * colon_after: the line has a ':' after those kn bytes. Sets *name_len and
 * returns the colon within s, NULL when the name runs past s; -1 in
 * *name_len for a malformed line.
 */
static const char *field_name(const char *s, size_t kn, int colon_after, size_t *name_len)
{
	const char *colon = memchr(s, ':', kn);
	size_t nl = colon ? (size_t)(colon - s) : kn;
	unsigned ok = 1;

	for (size_t i = 0; i < nl; i++)
		ok &= tchar[(unsigned char)s[i]];
	if (!ok || !nl || (!colon && !colon_after))
		nl = (size_t)-1;
	*name_len = nl;
	return colon;
}

static enum http_result header_line(struct http_parser *p, const char *s, size_t kn, size_t n,
				    int colon_after)
{
	size_t nl;
	const char *colon = field_name(s, kn, colon_after, &nl);
	const char *v;
	size_t vn;

	if (nl == (size_t)-1)
		return fail(p, "malformed header");
	if (!colon)
		return HTTP_MORE;	/* a name longer than what is kept: none we read */
	v = colon + 1;
	vn = kn - nl - 1;
	switch (nl) {
	case 10:
		if (LOWER_EQ(s, nl, "connection"))
			return connection(p, v, vn, n > kn);
		break;
	case 14:
		if (LOWER_EQ(s, nl, "content-length"))
			return content_length(p, v, vn, n > kn);
		break;
	case 17:
		if (LOWER_EQ(s, nl, "transfer-encoding"))
			return transfer_encoding(p, v, vn, n > kn);
		break;
	}
	return HTTP_MORE;
}

/* The empty line after the headers: what follows, if anything. */
static enum http_result end_of_head(struct http_parser *p)
{
	if (p->status < 200) {
		if (p->status == 101) {
			p->keep_alive = 0;
			return done(p);
		}
		/* an interim response: the final one follows, framed by its own headers */
		p->chunked = 0;
		p->http10 = 0;
		p->have_length = 0;
		p->content_length = 0;
		p->conn_close = 0;
		p->conn_keep_alive = 0;
		p->state = S_STATUS;
		return HTTP_MORE;
	}
	p->keep_alive = !p->conn_close && (!p->http10 || p->conn_keep_alive);
	if (p->head || p->status == 204 || p->status == 304)
		return done(p);
	if (p->chunked) {
		p->state = S_CHUNK_SIZE;
		return HTTP_MORE;
	}
	if (p->have_length) {
		if (!p->content_length)
			return done(p);
		p->remaining = p->content_length;
		p->state = S_BODY_LENGTH;
		return HTTP_MORE;
	}
	p->close_delimited = 1;
	p->keep_alive = 0;
	p->state = S_BODY_CLOSE;
	return HTTP_MORE;
}

/*
 * The rest of a status line whose first STATUS_PREFIX bytes matched; s holds
 * at least the first 13 of its n bytes.
 */
static enum http_result status_line(struct http_parser *p, const char *s, size_t n)
{
	unsigned d0, d1, d2;

	if (n < 12)
		return fail(p, "malformed status line");
	d0 = (unsigned)(unsigned char)s[9] - '0';
	d1 = (unsigned)(unsigned char)s[10] - '0';
	d2 = (unsigned)(unsigned char)s[11] - '0';
	if (d0 - 1 > 8 || d1 > 9 || d2 > 9 || (n > 12 && s[12] != ' '))
		return fail(p, "malformed status line");
	p->status = (int)(d0 * 100 + d1 * 10 + d2);
	p->http10 = s[7] == '0';
	p->state = S_HEADER;
	return HTTP_MORE;
}

static int hex_digit(unsigned char c)
{
	unsigned d = (unsigned)c - '0';
	unsigned l = ((unsigned)c | 0x20) - 'a';

	if (d < 10)
		return (int)d;
	if (l < 6)
		return (int)l + 10;
	return -1;
}

static enum http_result chunk_size_line(struct http_parser *p, const char *s, size_t kn, size_t n)
{
	uint64_t x = 0;
	size_t i;
	int d;

	for (i = 0; i < kn && (d = hex_digit((unsigned char)s[i])) >= 0; i++) {
		if (x >> 60)
			return fail(p, "bad chunk size");
		x = x << 4 | (unsigned)d;
	}
	if (!i)
		return fail(p, "bad chunk size");
	while (i < kn && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i < kn ? s[i] != ';' : n > kn)
		return fail(p, "bad chunk size");
	if (!x) {
		p->state = S_TRAILER;
		return HTTP_MORE;
	}
	p->remaining = x;
	p->state = S_CHUNK_DATA;
	return HTTP_MORE;
}

/* Keeps what fits of s[0..n-1], the next bytes of the current line. */
static void line_keep(struct http_parser *p, const char *s, size_t n)
{
	if (p->line_len < LINE_KEEP) {
		size_t k = LINE_KEEP - p->line_len;

		memcpy(p->line + p->line_len, s, n < k ? n : k);
	}
	p->line_len += n;
	p->line_cr = s[n - 1] == '\r';
	if (!p->line_colon && (p->state == S_HEADER || p->state == S_TRAILER))
		p->line_colon = memchr(s, ':', n) != NULL;
}

/* s[0..n-1] ends the current line with its '\n'. */
static enum http_result line_end(struct http_parser *p, const char *s, size_t n)
{
	const char *line = s;
	size_t len, kn;
	int cr, colon_after;

	if (!p->line_len) {	/* whole in this feed: read it in place */
		cr = n >= 2 && s[n - 2] == '\r';
		len = n - 1 - (size_t)cr;
		kn = len < LINE_KEEP ? len : LINE_KEEP;
		colon_after = len > kn && p->state != S_STATUS && p->state != S_CHUNK_SIZE &&
			      memchr(s + kn, ':', len - kn);
	} else {
		cr = n >= 2 ? s[n - 2] == '\r' : p->line_cr;
		line_keep(p, s, n);
		colon_after = p->line_colon;	/* anywhere: read only when none is kept */
		line = p->line;
		len = p->line_len - 1 - (size_t)cr;
		kn = len < LINE_KEEP ? len : LINE_KEEP;
		p->line_len = 0;
		p->line_colon = 0;
		p->line_cr = 0;
	}
	switch (p->state) {
	case S_STATUS:
		return status_line(p, line, len);
	case S_HEADER:
		return len ? header_line(p, line, kn, len, colon_after) : end_of_head(p);
	case S_CHUNK_SIZE:
		return chunk_size_line(p, line, kn, len);
	default: {		/* S_TRAILER: names checked, values ignored */
		size_t nl;

		if (!len)
			return done(p);
		field_name(line, kn, colon_after, &nl);
		return nl == (size_t)-1 ? fail(p, "malformed header") : HTTP_MORE;
	}
	}
}

/*
 * Where in s[0..n-1], the bytes from offset `at` of a status line, the
 * line first departs from "HTTP/1.0 " or "HTTP/1.1 "; SIZE_MAX if nowhere.
 * Garbage is thus an error at once, not after HTTP_MAX_HEADER_BYTES.
 */
static size_t status_mismatch(size_t at, const char *s, size_t n)
{
	static const char want[] = "HTTP/1.";

	if (!at && n >= STATUS_PREFIX && !memcmp(s, want, 7) &&
	    (s[7] == '0' || s[7] == '1') && s[8] == ' ')
		return SIZE_MAX;
	for (size_t i = 0; at + i < STATUS_PREFIX && i < n; i++) {
		size_t k = at + i;
		int ok = k < 7 ? s[i] == want[k] : k == 7 ? s[i] == '0' || s[i] == '1' : s[i] == ' ';

		if (!ok)
			return i;
	}
	return SIZE_MAX;
}

static int line_state(int state)
{
	return state == S_STATUS || state == S_HEADER || state == S_CHUNK_SIZE || state == S_TRAILER;
}

/* Reads lines from buf[*off..len-1] while the state reads lines. */
static enum http_result parse_lines(struct http_parser *p, const char *buf, size_t len, size_t *off)
{
	enum http_result r = HTTP_MORE;

	while (r == HTTP_MORE && *off < len && line_state(p->state)) {
		const char *s = buf + *off;
		const char *nl = memchr(s, '\n', len - *off);
		size_t n = nl ? (size_t)(nl - s) + 1 : len - *off;
		uint64_t *count = p->state == S_TRAILER ? &p->trailer_bytes :
				  p->state == S_CHUNK_SIZE ? NULL : &p->header_bytes;
		size_t bad = SIZE_MAX;
		const char *why = NULL;

		/* the earliest byte in error, whatever the split */
		if (p->state == S_STATUS && p->line_len < STATUS_PREFIX) {
			bad = status_mismatch(p->line_len, s, n);
			why = "malformed status line";
		}
		if (count && *count + n > HTTP_MAX_HEADER_BYTES) {
			size_t at = (size_t)(HTTP_MAX_HEADER_BYTES - *count);

			if (at < bad) {
				bad = at;
				why = "headers too large";
			}
		}
		if (bad != SIZE_MAX) {
			if (count)
				*count += bad + 1;
			*off += bad + 1;
			return fail(p, why);
		}
		if (count)
			*count += n;
		*off += n;
		if (!nl) {
			line_keep(p, s, n);
			break;
		}
		r = line_end(p, s, n);
	}
	return r;
}

enum http_result http_parser_feed(struct http_parser *p, const char *buf, size_t len, size_t *used)
{
	enum http_result r = HTTP_MORE;
	size_t off = 0;

	if (p->state == S_DONE || p->state == S_ERROR) {
		*used = 0;
		return p->state == S_DONE ? HTTP_DONE : HTTP_ERROR;
	}
	while (r == HTTP_MORE && off < len) {
		switch (p->state) {
		case S_BODY_LENGTH:
		case S_CHUNK_DATA: {
			uint64_t take = len - off;

			if (take > p->remaining)
				take = p->remaining;
			off += (size_t)take;
			p->remaining -= take;
			p->body_bytes += take;
			if (!p->remaining) {
				if (p->state == S_BODY_LENGTH)
					r = done(p);
				else
					p->state = S_CHUNK_CR;
			}
			break;
		}
		case S_CHUNK_CR:
			if (buf[off] == '\r')
				p->state = S_CHUNK_LF;
			else if (buf[off] == '\n')
				p->state = S_CHUNK_SIZE;
			else
				r = fail(p, "malformed chunk");
			off++;
			break;
		case S_CHUNK_LF:
			if (buf[off] == '\n')
				p->state = S_CHUNK_SIZE;
			else
				r = fail(p, "malformed chunk");
			off++;
			break;
		case S_BODY_CLOSE:
			p->body_bytes += len - off;
			off = len;
			break;
		default:
			r = parse_lines(p, buf, len, &off);
			break;
		}
	}
	*used = off;
	return r;
}

enum http_result http_parser_eof(struct http_parser *p)
{
	switch (p->state) {
	case S_BODY_CLOSE:
		return done(p);
	case S_DONE:
		return HTTP_DONE;
	case S_ERROR:
		return HTTP_ERROR;
	default:
		return fail(p, "connection closed mid-response");
	}
}
