#include "prof/trace.h"

#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/xalloc.h"

#define TRACE_MAX_INPUT (4ull << 30)

uint64_t trace_hash(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* The count of maps pid has written so far: the image its next records belong to. */
static struct trace_image *trace__image(struct trace *t, uint32_t pid)
{
	for (size_t i = 0; i < t->nimgs; i++)
		if (t->imgs[i].pid == pid)
			return &t->imgs[i];
	t->imgs = xrealloc(t->imgs, (t->nimgs + 1) * sizeof(*t->imgs));
	t->imgs[t->nimgs] = (struct trace_image){ pid, 0, 0 };
	return &t->imgs[t->nimgs++];
}

static void trace__grow(struct trace *t)
{
	size_t n = t->nslots ? t->nslots * 2 : 4096;
	uint32_t *slots = xcalloc(n, sizeof(*slots));

	for (size_t i = 0; i < t->nstacks; i++) {
		size_t k = t->stacks[i].hash & (n - 1);

		while (slots[k])
			k = (k + 1) & (n - 1);
		slots[k] = (uint32_t)i + 1;
	}
	free(t->slots);
	t->slots = slots;
	t->nslots = n;
}

/* The index of the stack (pid, image, frames), added when new. */
static uint32_t trace__stack(struct trace *t, uint32_t pid, uint32_t image, const uint64_t *frames, uint32_t n)
{
	uint64_t h = trace_hash(((uint64_t)pid << 32) ^ image ^ n);
	size_t k;

	for (uint32_t i = 0; i < n; i++)
		h = trace_hash(h ^ frames[i]);
	if (2 * (t->nstacks + 1) > t->nslots)
		trace__grow(t);
	for (k = h & (t->nslots - 1); t->slots[k]; k = (k + 1) & (t->nslots - 1)) {
		struct trace_stack *s = &t->stacks[t->slots[k] - 1];

		if (s->hash == h && s->pid == pid && s->image == image && s->nframes == n &&
		    !memcmp(s->frames, frames, n * sizeof(*frames)))
			return t->slots[k] - 1;
	}
	if (t->nstacks == t->astacks) {
		t->astacks = t->astacks ? 2 * t->astacks : 1024;
		t->stacks = xrealloc(t->stacks, t->astacks * sizeof(*t->stacks));
	}
	t->stacks[t->nstacks] = (struct trace_stack){ pid, image, n, frames, h };
	t->slots[k] = (uint32_t)t->nstacks + 1;
	return (uint32_t)t->nstacks++;
}

int trace_read(struct trace *t, const char *path, const char *what, const char *debug_dir, trace_fn fn,
	       void *ctx)
{
	const char *buf;
	size_t off = 0, len;

	memset(t, 0, sizeof(*t));
	t->debug_dir = debug_dir;
	if (strbuf_read_file(&t->buf, path, TRACE_MAX_INPUT) < 0)
		return -1;
	buf = strbuf_str(&t->buf);
	len = t->buf.len;
	while (off + sizeof(struct heap_event) <= len) {
		struct heap_event e;
		uint32_t stack = UINT32_MAX;
		struct trace_image *img;
		size_t padded;

		memcpy(&e, buf + off, sizeof(e));
		off += sizeof(e);
		switch (e.type) {
		case HEAP_EV_START:
			if (e.ptr != HEAP_MAGIC)
				return pe_error("the %s events are not from this perfeng's interposer", what);
			t->processes++;
			continue;
		case HEAP_EV_MAPS:
			img = trace__image(t, e.pid);
			padded = (size_t)((e.size + 7) & ~7ull);
			if (e.size > len || off + padded > len)
				return pe_error("%s events: a memory map record is cut short", what);
			t->maps = xrealloc(t->maps, (t->nmaps + 1) * sizeof(*t->maps));
			t->maps[t->nmaps++] = (struct trace_maps_text){ e.pid, img->image, buf + off, (size_t)e.size };
			img->image++;
			img->mapped = 1;
			off += padded;
			continue;
		case HEAP_EV_LOST:
			t->lost += e.size;
			continue;
		default:
			break;
		}
		if (e.type > HEAP_EV_LAST)
			return pe_error("%s events: an unknown record type %u", what, e.type);
		if (e.nframes) {
			if (e.nframes > HEAP_MAX_FRAMES || off + (size_t)e.nframes * 8 > len || ((uintptr_t)(buf + off) & 7))
				return pe_error("%s events: a stack record is cut short", what);
			img = trace__image(t, e.pid);
			stack = trace__stack(t, e.pid, img->image, (const uint64_t *)(const void *)(buf + off), e.nframes);
			off += (size_t)e.nframes * 8;
		}
		if (fn(ctx, t, &e, stack) < 0)
			return -1;
	}
	if (!t->processes)
		return pe_error("no %s events: the program did not load perfeng's interposer "
				"(statically linked, or LD_PRELOAD was dropped)", what);
	return 0;
}

size_t trace_images_without_maps(const struct trace *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->nimgs; i++)
		n += !t->imgs[i].mapped;
	return n;
}

/* The maps of (pid, image) as a proc_maps of t->m, keyed apart per image; NULL when it wrote none. */
static struct proc_maps *trace__proc_maps(struct trace *t, uint32_t pid, uint32_t image)
{
	pid_t key = (pid_t)((pid & 0x3fffff) | ((image & 0x1ff) << 22));
	struct proc_maps *pm = maps_find(&t->m, key);

	if (pm)
		return pm;
	for (size_t i = 0; i < t->nmaps; i++) {
		const char *p, *end;

		if (t->maps[i].pid != pid || t->maps[i].image != image)
			continue;
		pm = maps_proc(&t->m, key);
		pm->exited = 1;
		for (p = t->maps[i].text, end = p + t->maps[i].len; p < end;) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t l = (size_t)((nl ? nl : end) - p);
			struct maps_line ml;
			char path[4096];

			if (maps_parse_line(p, l, &ml) == 0 && ml.exec && ml.path_len && ml.path_len < sizeof(path)) {
				memcpy(path, ml.path, ml.path_len);
				path[ml.path_len] = '\0';
				maps_insert(&t->m, pm, ml.start, ml.end - ml.start, ml.pgoff, path);
			}
			p += l + 1;
		}
		return pm;
	}
	return NULL;
}

void trace_add_stack(struct trace *t, uint32_t si, struct profile *p, uint64_t w)
{
	const struct trace_stack *s = &t->stacks[si];
	struct frame *frames = xmalloc((HEAP_MAX_FRAMES * (SYMBOLS_MAX_INLINE + 1)) * sizeof(*frames));
	struct proc_maps *pm;
	struct profile one;
	size_t n = 0;

	if (!t->syms_ready) {
		profile_init(&t->names, "bytes");
		maps_init(&t->m);
		symbols_init(&t->syms, &t->names, t->debug_dir, 0, 0);
		t->syms_ready = 1;
	}
	pm = trace__proc_maps(t, s->pid, s->image);
	for (uint32_t f = s->nframes; f-- > 0;) {	/* outermost first: the frames are leaf first */
		struct map *mp = pm ? maps_lookup(pm, s->frames[f] - 1) : NULL;

		n += symbols_addr_frames(&t->syms, &t->m, pm, (pid_t)s->pid, s->frames[f], 1, mp, frames + n,
					 SYMBOLS_MAX_INLINE + 1);
	}
	/* the names are interned in t->names: a one-stack profile carries them into p */
	profile_init(&one, p->unit);
	profile_add(&one, frames, n, w);
	profile_merge(p, &one);
	profile_release(&one);
	free(frames);
}

void trace_release(struct trace *t)
{
	if (t->syms_ready) {
		symbols_release(&t->syms);
		maps_release(&t->m);
		profile_release(&t->names);
	}
	free(t->stacks);
	free(t->slots);
	free(t->maps);
	free(t->imgs);
	strbuf_release(&t->buf);
	memset(t, 0, sizeof(*t));
}
