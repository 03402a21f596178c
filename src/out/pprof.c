/*
 * pprof output: profile.proto (github.com/google/pprof, proto/profile.proto)
 * encoded by hand (varints and length-delimited fields, no protobuf
 * library) and gzipped with zlib, as `go tool pprof` and every pprof viewer
 * read it. One Sample per stack with self weight, its locations leaf first;
 * one Location per distinct frame with one Line; Functions by name and
 * source file; Mappings by module. The string table starts with "".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "out/pprof.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/utf8.h"
#include "util/xalloc.h"

/* profile.proto field numbers */
enum {
	PROFILE_SAMPLE_TYPE = 1, PROFILE_SAMPLE = 2, PROFILE_MAPPING = 3, PROFILE_LOCATION = 4,
	PROFILE_FUNCTION = 5, PROFILE_STRING_TABLE = 6, PROFILE_PERIOD_TYPE = 11, PROFILE_PERIOD = 12,
	PROFILE_COMMENT = 13,
	VALUETYPE_TYPE = 1, VALUETYPE_UNIT = 2,
	SAMPLE_LOCATION_ID = 1, SAMPLE_VALUE = 2,
	MAPPING_ID = 1, MAPPING_FILENAME = 5, MAPPING_HAS_FUNCTIONS = 7,
	LOCATION_ID = 1, LOCATION_MAPPING_ID = 2, LOCATION_LINE = 4,
	LINE_FUNCTION_ID = 1, LINE_LINE = 2,
	FUNCTION_ID = 1, FUNCTION_NAME = 2, FUNCTION_SYSTEM_NAME = 3, FUNCTION_FILENAME = 4,
};

static void put_varint(struct strbuf *b, uint64_t v)
{
	unsigned char tmp[10];
	size_t n = 0;

	do {
		tmp[n++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	strbuf_add(b, tmp, n);
}

static void put_uint(struct strbuf *b, unsigned field, uint64_t v)
{
	if (!v)
		return;	/* proto3: zero is the default and is not written */
	put_varint(b, (uint64_t)field << 3);
	put_varint(b, v);
}

static void put_bytes(struct strbuf *b, unsigned field, const void *data, size_t len)
{
	put_varint(b, ((uint64_t)field << 3) | 2);
	put_varint(b, len);
	strbuf_add(b, data, len);
}

struct enc {
	struct strbuf out;	/* the Profile message */
	struct strbuf sub, sub2;	/* scratch for nested messages */
	struct frame_ids strs, maps, funcs, locs;
	struct strbuf strtab;	/* string_table entries, already encoded */
};

/* The string table index of s ("" is 0). */
static uint64_t str_id(struct enc *e, const char *s)
{
	struct frame k = { .name = s };
	int is_new;
	uint64_t id;

	if (!s || !*s)
		return 0;
	id = frame_ids_get(&e->strs, &k, &is_new);
	if (is_new) {
		char *fixed = utf8_sanitize(s);	/* proto3 strings are UTF-8 */

		put_bytes(&e->strtab, PROFILE_STRING_TABLE, fixed ? fixed : s, strlen(fixed ? fixed : s));
		free(fixed);
	}
	return id;
}

static void put_value_type(struct enc *e, unsigned field, const char *type, const char *unit)
{
	struct strbuf *b = &e->sub;

	strbuf_reset(b);
	put_uint(b, VALUETYPE_TYPE, str_id(e, type));
	put_uint(b, VALUETYPE_UNIT, str_id(e, unit));
	put_bytes(&e->out, field, b->buf, b->len);
}

static uint64_t mapping_id(struct enc *e, const char *module)
{
	struct frame k = { .module = module };
	int is_new;
	uint64_t id;

	if (!module)
		return 0;
	id = frame_ids_get(&e->maps, &k, &is_new);
	if (is_new) {
		strbuf_reset(&e->sub);
		put_uint(&e->sub, MAPPING_ID, id);
		put_uint(&e->sub, MAPPING_FILENAME, str_id(e, module));
		put_uint(&e->sub, MAPPING_HAS_FUNCTIONS, 1);
		put_bytes(&e->out, PROFILE_MAPPING, e->sub.buf, e->sub.len);
	}
	return id;
}

static uint64_t function_id(struct enc *e, const struct frame *f)
{
	struct frame k = { .name = f->name, .file = f->file };
	int is_new;
	uint64_t id = frame_ids_get(&e->funcs, &k, &is_new);

	if (is_new) {
		uint64_t name = str_id(e, f->name), file = str_id(e, f->file);

		strbuf_reset(&e->sub);
		put_uint(&e->sub, FUNCTION_ID, id);
		put_uint(&e->sub, FUNCTION_NAME, name);
		put_uint(&e->sub, FUNCTION_SYSTEM_NAME, name);
		put_uint(&e->sub, FUNCTION_FILENAME, file);
		put_bytes(&e->out, PROFILE_FUNCTION, e->sub.buf, e->sub.len);
	}
	return id;
}

static uint64_t location_id(struct enc *e, const struct frame *f)
{
	int is_new;
	uint64_t id = frame_ids_get(&e->locs, f, &is_new);

	if (is_new) {
		uint64_t fn = function_id(e, f), map = mapping_id(e, f->module);

		strbuf_reset(&e->sub2);
		put_uint(&e->sub2, LINE_FUNCTION_ID, fn);
		put_uint(&e->sub2, LINE_LINE, f->line);
		strbuf_reset(&e->sub);
		put_uint(&e->sub, LOCATION_ID, id);
		put_uint(&e->sub, LOCATION_MAPPING_ID, map);
		put_bytes(&e->sub, LOCATION_LINE, e->sub2.buf, e->sub2.len);
		put_bytes(&e->out, PROFILE_LOCATION, e->sub.buf, e->sub.len);
	}
	return id;
}

/* The sample type that p's weights are: (type, unit). */
static void sample_type_of(const struct profile *p, const char **type, const char **unit)
{
	const char *ev = p->event ? p->event : "cpu";

	if (p->unit && !strcmp(p->unit, "nanoseconds")) {
		*type = !strcmp(ev, "off-cpu") ? "off-cpu" : !strncmp(ev, "cpu-clock", 9) ||
			!strncmp(ev, "task-clock", 10) ? "cpu" : ev;
		*unit = "nanoseconds";
	} else if (p->unit && (!strcmp(p->unit, "events") || !strcmp(p->unit, "allocations"))) {
		*type = ev;
		*unit = "count";
	} else if (p->unit && !strcmp(p->unit, "bytes")) {
		*type = ev;	/* heap: alloc_space, inuse_space, ... as pprof names them */
		*unit = "bytes";
	} else {
		*type = "samples";
		*unit = "count";
	}
}

/* Encodes p (uncompressed) into out. */
static void pprof_encode(const struct profile *p, struct strbuf *out)
{
	struct enc e = { .out = STRBUF_INIT, .sub = STRBUF_INIT, .sub2 = STRBUF_INIT,
			 .strtab = STRBUF_INIT };
	struct profile_flat *v;
	size_t n = profile_flatten(p, &v);
	uint64_t *loc = xmalloc(n * sizeof(*loc));	/* location id per flat index */
	uint64_t *stack = xmalloc(n * sizeof(*stack));
	struct strbuf sample = STRBUF_INIT, ids = STRBUF_INIT;
	const char *type, *unit;

	frame_ids_init(&e.strs, n);
	frame_ids_init(&e.maps, 16);
	frame_ids_init(&e.funcs, n);
	frame_ids_init(&e.locs, n);
	put_bytes(&e.strtab, PROFILE_STRING_TABLE, "", 0);
	sample_type_of(p, &type, &unit);
	put_value_type(&e, PROFILE_SAMPLE_TYPE, type, unit);

	loc[0] = 0;
	for (size_t i = 1; i < n; i++)
		loc[i] = location_id(&e, &v[i].node->frame);
	for (size_t i = 0; i < n; i++) {
		const struct profile_node *node = v[i].node;
		size_t depth = 0;

		if (!node->self)
			continue;
		/* leaf first: walk up the parents; the root "all" is not a frame */
		for (size_t j = i; j; j = v[j].parent)
			stack[depth++] = loc[j];
		strbuf_reset(&ids);
		for (size_t k = 0; k < depth; k++)
			put_varint(&ids, stack[k]);
		strbuf_reset(&sample);
		if (ids.len)
			put_bytes(&sample, SAMPLE_LOCATION_ID, ids.buf, ids.len);
		strbuf_reset(&ids);
		put_varint(&ids, node->self);
		put_bytes(&sample, SAMPLE_VALUE, ids.buf, ids.len);
		put_bytes(&e.out, PROFILE_SAMPLE, sample.buf, sample.len);
	}
	put_value_type(&e, PROFILE_PERIOD_TYPE, type, unit);
	put_uint(&e.out, PROFILE_PERIOD, !strcmp(unit, "nanoseconds") && p->period_ns ? p->period_ns : 1);
	if (p->lost) {
		char c[96];

		snprintf(c, sizeof(c), "%llu samples lost", (unsigned long long)p->lost);
		put_uint(&e.out, PROFILE_COMMENT, str_id(&e, c));
	}
	strbuf_add(&e.out, e.strtab.buf, e.strtab.len);
	*out = e.out;
	strbuf_release(&e.sub);
	strbuf_release(&e.sub2);
	strbuf_release(&e.strtab);
	strbuf_release(&sample);
	strbuf_release(&ids);
	frame_ids_release(&e.strs);
	frame_ids_release(&e.maps);
	frame_ids_release(&e.funcs);
	frame_ids_release(&e.locs);
	free(stack);
	free(loc);
	free(v);
}

/* gzip (RFC 1952) of buf into f. */
static int gzip_write(FILE *f, const void *buf, size_t len)
{
	unsigned char chunk[1 << 15];
	z_stream z = { 0 };
	int zr;

	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return pe_error("zlib: cannot start compressing");
	z.next_in = (Bytef *)(uintptr_t)buf;
	z.avail_in = (uInt)len;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		zr = deflate(&z, Z_FINISH);
		if (zr == Z_STREAM_ERROR) {
			deflateEnd(&z);
			return pe_error("zlib: compression failed");
		}
		fwrite(chunk, 1, sizeof(chunk) - z.avail_out, f);
	} while (zr != Z_STREAM_END);
	deflateEnd(&z);
	if (ferror(f))
		return pe_error("write error: %s", strerror(errno));
	return 0;
}

int pprof_write(FILE *f, const struct profile *p)
{
	struct strbuf b = STRBUF_INIT;
	int rc;

	pprof_encode(p, &b);
	if (b.len > UINT32_MAX) {
		strbuf_release(&b);
		return pe_error("the profile is too large for one pprof message (%zu bytes)", b.len);
	}
	rc = gzip_write(f, b.buf, b.len);
	strbuf_release(&b);
	return rc;
}
