/*
 * The HdrHistogram V2 encoding (ZigZag LEB128 counts after a 40-byte
 * header), its zlib-compressed form, and the base64 text that interval logs
 * carry: what HdrHistogram's Java, C and JavaScript readers load, and what
 * they write for us to read. Decoding takes outside input (logs from other
 * nodes and tools) and checks every length and count; it is fuzzed
 * (tests/fuzz/fuzz_hdr_decode.c). The histogram itself is hdr.c.
 */
#include "stats/hdr.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "stats/hdr_impl.h"
#include "util/error.h"
#include "util/xalloc.h"

#define HDR_V2_COOKIE 0x1c849303u
#define HDR_V2_COMPRESSED_COOKIE 0x1c849304u
/*
 * The cookies HdrHistogram writes carry a word size in bits 4..7: 0x10 for
 * the V2 ZigZag LEB128 encoding. Readers compare the cookie with those bits
 * masked off, so we write what Java, C and JavaScript write and accept any.
 */
#define HDR_COOKIE_WORD_SIZE 0x10u
#define HDR_COOKIE_BASE(c) ((c) & ~0xf0u)
#define HDR_V2_HEADER 40
#define HDR_LEB128_MAX 9

/* --- V2 encoding ----------------------------------------------------------------- */

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static void put_be64(unsigned char *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

static uint32_t get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get_be64(const unsigned char *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

/*
 * ZigZag, then HdrHistogram's LEB128-64b9B: seven bits a byte with a
 * continuation bit for eight bytes, and a ninth byte, if needed, of eight
 * plain bits. Returns the bytes written (at most 9).
 */
static int put_zigzag(unsigned char *p, int64_t v)
{
	uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
	int n = 0;

	while (n < 8 && u >= 0x80) {
		p[n++] = (unsigned char)(u | 0x80);
		u >>= 7;
	}
	p[n++] = (unsigned char)u;
	return n;
}

/* Reads one value at *pos below end; -1 when it runs past end. */
static int get_zigzag(const unsigned char *buf, size_t end, size_t *pos, int64_t *v)
{
	uint64_t u = 0;
	int shift = 0;
	unsigned char b;

	for (;;) {
		if (*pos >= end)
			return -1;
		b = buf[(*pos)++];
		if (shift == 56) {
			u |= (uint64_t)b << 56;
			break;
		}
		u |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
		shift += 7;
	}
	*v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
	return 0;
}

/*
 * The V2 bytes: a 40-byte big-endian header (cookie, payload length,
 * normalizing index offset 0, digits, lowest, highest, and the
 * integer-to-double ratio 1.0 as a double), then the counts up to the max's
 * index, a run of two or more zeros written as its negated length.
 */
static void hdr__encode_v2(const struct hdr *h, struct strbuf *out)
{
	int32_t limit = h->max > 0 ? hdr__index(h, h->max) + 1 : 1;
	unsigned char *p, *payload;
	union { double d; uint64_t u; } ratio = { .d = 1.0 };
	size_t n;

	strbuf_grow(out, HDR_V2_HEADER + (size_t)limit * HDR_LEB128_MAX);
	p = (unsigned char *)out->buf + out->len;
	put_be32(p, HDR_V2_COOKIE | HDR_COOKIE_WORD_SIZE);
	put_be32(p + 8, 0);
	put_be32(p + 12, (uint32_t)h->sig_figs);
	put_be64(p + 16, (uint64_t)h->lowest);
	put_be64(p + 24, (uint64_t)h->highest);
	put_be64(p + 32, ratio.u);
	payload = p + HDR_V2_HEADER;
	n = 0;
	for (int32_t i = 0; i < limit;) {
		int64_t c = h->counts[i++];

		if (c == 0) {
			int64_t zeros = 1;

			while (i < limit && h->counts[i] == 0) {
				zeros++;
				i++;
			}
			if (zeros > 1)
				c = -zeros;
		}
		n += (size_t)put_zigzag(payload + n, c);
	}
	put_be32(p + 4, (uint32_t)n);
	out->len += HDR_V2_HEADER + n;
	out->buf[out->len] = '\0';
}

int hdr_encode_compressed(const struct hdr *h, struct strbuf *out)
{
	struct strbuf raw = STRBUF_INIT;
	uLongf clen;
	unsigned char *p;
	int rc;

	hdr__encode_v2(h, &raw);
	clen = compressBound((uLong)raw.len);
	strbuf_grow(out, 8 + (size_t)clen);
	p = (unsigned char *)out->buf + out->len;
	/* zlib's format at the default level, as java.util.zip.Deflater writes it. */
	rc = compress2(p + 8, &clen, (const Bytef *)raw.buf, (uLong)raw.len, Z_DEFAULT_COMPRESSION);
	strbuf_release(&raw);
	if (rc != Z_OK)
		return pe_error("histogram: zlib compression failed (%s)", zError(rc));
	put_be32(p, HDR_V2_COMPRESSED_COOKIE | HDR_COOKIE_WORD_SIZE);
	put_be32(p + 4, (uint32_t)clen);
	out->len += 8 + clen;
	out->buf[out->len] = '\0';
	return 0;
}

/* Inflates exactly n more bytes into dst; -1 with pe_error() when the stream has fewer or fails. */
static int hdr__inflate(z_stream *zs, unsigned char *dst, size_t n, const char *what)
{
	int rc;

	zs->next_out = dst;
	zs->avail_out = (uInt)n;
	while (zs->avail_out > 0) {
		rc = inflate(zs, Z_NO_FLUSH);
		if (rc == Z_STREAM_END && zs->avail_out > 0)
			return pe_error("histogram: compressed data ends inside the %s", what);
		if (rc == Z_BUF_ERROR)
			return pe_error("histogram: compressed data is truncated inside the %s", what);
		if (rc != Z_OK && rc != Z_STREAM_END)
			return pe_error("histogram: bad compressed data in the %s (%s)", what,
					zs->msg ? zs->msg : zError(rc));
	}
	return 0;
}

/* Fills h (laid out by hdr_init) from n bytes of V2 counts. */
static int hdr__decode_counts(struct hdr *h, const unsigned char *buf, size_t n)
{
	size_t pos = 0;
	int32_t i = 0, first = -1, last = -1;
	int64_t c;

	while (pos < n) {
		if (get_zigzag(buf, n, &pos, &c) < 0)
			return pe_error("histogram: a count runs past the end of the payload");
		if (c < 0) {
			if (c == INT64_MIN || -c > (int64_t)(h->counts_len - i))
				return pe_error("histogram: a run of %llu zeros passes the last of %d counts",
						0ULL - (unsigned long long)c, h->counts_len);
			i += (int32_t)-c;
			continue;
		}
		if (i >= h->counts_len)
			return pe_error("histogram: more than the %d counts of its layout", h->counts_len);
		if (c > 0) {
			if (__builtin_add_overflow(h->total, c, &h->total))
				return pe_error("histogram: the total count overflows 64 bits");
			if (first < 0)
				first = i;
			last = i;
		}
		h->counts[i++] = c;
	}
	if (first >= 0) {
		h->min = hdr__value(h, first);
		h->max = hdr__value(h, last);
	}
	return 0;
}

/*
 * Inflates the 40-byte header first and allocates only what its layout
 * needs, so that a few bytes cannot ask for an unbounded buffer: the payload
 * is at most 9 bytes per count.
 */
int hdr_decode_compressed(const void *buf, size_t len, struct hdr *out)
{
	const unsigned char *b = buf;
	unsigned char head[HDR_V2_HEADER], *payload = NULL, extra;
	uint32_t cookie, clen, plen;
	int64_t lowest, highest;
	int32_t sig;
	z_stream zs;
	int rc;

	memset(out, 0, sizeof(*out));
	if (len < 8)
		return pe_error("histogram: %zu bytes are too short for a compressed histogram", len);
	cookie = get_be32(b);
	if (HDR_COOKIE_BASE(cookie) != HDR_V2_COMPRESSED_COOKIE)
		return pe_error("histogram: cookie 0x%08x is not that of a V2 compressed histogram (0x%08x)",
				cookie, HDR_V2_COMPRESSED_COOKIE | HDR_COOKIE_WORD_SIZE);
	clen = get_be32(b + 4);
	if (clen != len - 8)
		return pe_error("histogram: compressed length %u does not match the %zu bytes that follow",
				clen, len - 8);

	memset(&zs, 0, sizeof(zs));
	if (inflateInit(&zs) != Z_OK)
		return pe_error("histogram: cannot start zlib decompression");
	zs.next_in = (Bytef *)(b + 8);
	zs.avail_in = clen;
	if (hdr__inflate(&zs, head, sizeof(head), "header") < 0)
		goto fail;

	cookie = get_be32(head);
	if (HDR_COOKIE_BASE(cookie) != HDR_V2_COOKIE) {
		pe_error("histogram: cookie 0x%08x is not that of a V2 histogram (0x%08x)",
			 cookie, HDR_V2_COOKIE | HDR_COOKIE_WORD_SIZE);
		goto fail;
	}
	/*
	 * The normalizing index offset (bytes 8..11) and the conversion ratio
	 * (32..39) are ignored, as HdrHistogram's C and JavaScript readers do:
	 * hdr-histogram-js writes an offset of 1 and a ratio of integer 1.
	 */
	plen = get_be32(head + 4);
	sig = (int32_t)get_be32(head + 12);
	lowest = (int64_t)get_be64(head + 16);
	highest = (int64_t)get_be64(head + 24);
	if (hdr_init(out, lowest, highest, sig) < 0) {
		pe_error("%s (in its header)", pe_errmsg());
		goto fail;
	}
	if (plen > (uint64_t)out->counts_len * HDR_LEB128_MAX) {
		pe_error("histogram: payload of %u bytes is longer than %d counts can take",
			 plen, out->counts_len);
		goto fail;
	}
	/* Grown as the data arrives: a claimed length costs nothing until inflated. */
	for (size_t got = 0, step; got < plen; got += step) {
		step = got < 65536 ? 65536 : got;
		if (step > plen - got)
			step = plen - got;
		payload = xrealloc(payload, got + step);
		if (hdr__inflate(&zs, payload + got, step, "counts") < 0)
			goto fail;
	}
	/* The stream must end here, checksum and all, with nothing after it. */
	zs.next_out = &extra;
	zs.avail_out = 1;
	rc = inflate(&zs, Z_FINISH);
	if (zs.avail_out == 0) {
		pe_error("histogram: data after the payload of %u bytes", plen);
		goto fail;
	}
	if (rc == Z_BUF_ERROR) {
		pe_error("histogram: compressed data is truncated after the payload");
		goto fail;
	}
	if (rc != Z_STREAM_END) {
		pe_error("histogram: bad compressed data after the payload (%s)",
			 zs.msg ? zs.msg : zError(rc));
		goto fail;
	}
	if (zs.avail_in != 0) {
		pe_error("histogram: %u bytes after the end of the compressed data", zs.avail_in);
		goto fail;
	}
	if (hdr__decode_counts(out, payload, plen) < 0)
		goto fail;
	free(payload);
	inflateEnd(&zs);
	return 0;

fail:
	free(payload);
	inflateEnd(&zs);
	hdr_release(out);
	return -1;
}

/* --- base64 ------------------------------------------------------------------------- */

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void base64_encode(const void *buf, size_t len, struct strbuf *out)
{
	const unsigned char *p = buf;
	char *o;
	size_t i;

	strbuf_grow(out, (len + 2) / 3 * 4);
	o = out->buf + out->len;
	for (i = 0; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		*o++ = b64_alphabet[v >> 18];
		*o++ = b64_alphabet[(v >> 12) & 63];
		*o++ = b64_alphabet[(v >> 6) & 63];
		*o++ = b64_alphabet[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0);

		*o++ = b64_alphabet[v >> 18];
		*o++ = b64_alphabet[(v >> 12) & 63];
		*o++ = i + 1 < len ? b64_alphabet[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	out->len = (size_t)(o - out->buf);
	out->buf[out->len] = '\0';
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Only the canonical form: a multiple of four characters, padding only at
 * the end, and zero bits under the padding, so decoding and encoding again
 * gives the same text. On error out is left as it was.
 */
int base64_decode(const char *s, size_t len, struct strbuf *out)
{
	size_t start = out->len;

	if (len % 4)
		return pe_error("base64: length %zu is not a multiple of 4", len);
	strbuf_grow(out, len / 4 * 3);
	for (size_t i = 0; i < len; i += 4) {
		int v[4], pad = 0;
		uint32_t w;

		for (int k = 0; k < 4; k++) {
			unsigned char c = (unsigned char)s[i + k];

			if (c == '=' && i + 4 == len && k >= 2 && (k == 3 || s[i + 3] == '=')) {
				v[k] = 0;
				pad++;
				continue;
			}
			v[k] = b64_value(c);
			if (v[k] < 0 || pad) {
				out->len = start;
				out->buf[start] = '\0';
				return pe_error("base64: bad character at offset %zu", i + (size_t)k);
			}
		}
		w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
		if ((pad == 1 && (w & 0xff)) || (pad == 2 && (w & 0xffff))) {
			out->len = start;
			out->buf[start] = '\0';
			return pe_error("base64: non-zero bits under the padding at offset %zu", i);
		}
		out->buf[out->len++] = (char)(w >> 16);
		if (pad < 2)
			out->buf[out->len++] = (char)(w >> 8);
		if (pad < 1)
			out->buf[out->len++] = (char)w;
	}
	out->buf[out->len] = '\0';
	return 0;
}
