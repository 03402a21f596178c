#include "prof/heap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "preload/heap_events.h"
#include "prof/maps.h"
#include "prof/symbols.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#define HEAP_MAX_INPUT (4ull << 30)

const char *heap_measure_name(enum heap_measure m)
{
	static const char *const names[] = { "allocated", "count", "leaked", "peak" };

	return m < HEAP_NMEASURES ? names[m] : "?";
}

/* An allocation stack of one process image, with what each measure sums on it. */
struct hstack {
	uint32_t pid, image;
	uint32_t nframes;
	const uint64_t *frames;	/* leaf (the caller of malloc) first; into the file's buffer */
	uint64_t hash;
	uint64_t w[HEAP_NMEASURES];
	uint64_t live;		/* bytes live now, during the replay */
};

/* One allocation or free, in the order they happened. */
struct hev {
	uint64_t ts, ptr, size, seq;
	uint32_t stack;		/* ALLOC: index into stacks */
	uint32_t tid;
	uint8_t type, kind;
};

/* A live allocation, by address. */
struct hlive {
	uint64_t ptr;		/* 0: an empty slot; ~0: a deleted one */
	uint64_t size;
	uint32_t stack;
	uint8_t kind;
};

struct hctx {
	struct hstack *stacks;
	size_t nstacks, astacks;
	uint32_t *stack_slots;	/* open addressing: index + 1, 0 empty */
	size_t nslots;
	struct hev *ev;
	size_t nev, aev;
	struct hlive *live;
	size_t nlive_slots, nlive, nlive_used;
	/* the map text of each (pid, image) */
	struct hmaps {
		uint32_t pid, image;
		const char *text;
		size_t len;
	} *maps;
	size_t nmaps;
	/* images seen per pid: how many maps records came so far */
	struct himg {
		uint32_t pid, image;
	} *imgs;
	size_t nimgs;
};

static uint64_t heap__mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static uint32_t *heap__image(struct hctx *c, uint32_t pid)
{
	for (size_t i = 0; i < c->nimgs; i++)
		if (c->imgs[i].pid == pid)
			return &c->imgs[i].image;
	c->imgs = xrealloc(c->imgs, (c->nimgs + 1) * sizeof(*c->imgs));
	c->imgs[c->nimgs] = (struct himg){ pid, 0 };
	return &c->imgs[c->nimgs++].image;
}

static void heap__stack_grow(struct hctx *c)
{
	size_t n = c->nslots ? c->nslots * 2 : 4096;
	uint32_t *slots = xcalloc(n, sizeof(*slots));

	for (size_t i = 0; i < c->nstacks; i++) {
		size_t k = c->stacks[i].hash & (n - 1);

		while (slots[k])
			k = (k + 1) & (n - 1);
		slots[k] = (uint32_t)i + 1;
	}
	free(c->stack_slots);
	c->stack_slots = slots;
	c->nslots = n;
}

/* The index of the stack (pid, image, frames), added when new. */
static uint32_t heap__stack(struct hctx *c, uint32_t pid, uint32_t image, const uint64_t *frames, uint32_t n)
{
	uint64_t h = heap__mix(((uint64_t)pid << 32) ^ image ^ n);
	size_t k;

	for (uint32_t i = 0; i < n; i++)
		h = heap__mix(h ^ frames[i]);
	if (2 * (c->nstacks + 1) > c->nslots)
		heap__stack_grow(c);
	for (k = h & (c->nslots - 1); c->stack_slots[k]; k = (k + 1) & (c->nslots - 1)) {
		struct hstack *s = &c->stacks[c->stack_slots[k] - 1];

		if (s->hash == h && s->pid == pid && s->image == image && s->nframes == n &&
		    !memcmp(s->frames, frames, n * sizeof(*frames)))
			return c->stack_slots[k] - 1;
	}
	if (c->nstacks == c->astacks) {
		c->astacks = c->astacks ? 2 * c->astacks : 1024;
		c->stacks = xrealloc(c->stacks, c->astacks * sizeof(*c->stacks));
	}
	c->stacks[c->nstacks] = (struct hstack){ .pid = pid, .image = image, .nframes = n, .frames = frames, .hash = h };
	c->stack_slots[k] = (uint32_t)c->nstacks + 1;
	return (uint32_t)c->nstacks++;
}

static void heap__push(struct hctx *c, const struct hev *e)
{
	if (c->nev == c->aev) {
		c->aev = c->aev ? 2 * c->aev : 4096;
		c->ev = xrealloc(c->ev, c->aev * sizeof(*c->ev));
	}
	c->ev[c->nev] = *e;
	c->ev[c->nev].seq = c->nev;
	c->nev++;
}

/* Reads the records of buf into c; -1 with pe_error() for a stream that is not one. */
static int heap__parse(struct hctx *c, const char *buf, size_t len, struct heap_totals *t)
{
	size_t off = 0;
	int started = 0;

	while (off + sizeof(struct heap_event) <= len) {
		struct heap_event e;
		struct hev h = { 0 };

		memcpy(&e, buf + off, sizeof(e));
		off += sizeof(e);
		switch (e.type) {
		case HEAP_EV_START:
			if (e.ptr != HEAP_MAGIC)
				return pe_error("the heap events are not from this perfeng's interposer");
			started = 1;
			t->processes++;
			break;
		case HEAP_EV_ALLOC:
			if (e.nframes > HEAP_MAX_FRAMES || off + (size_t)e.nframes * 8 > len || ((uintptr_t)(buf + off) & 7))
				return pe_error("heap events: a stack record is cut short");
			if (e.size > (1ull << 48))
				return pe_error("heap events: an allocation of %llu bytes, more than any machine has",
						(unsigned long long)e.size);
			h.type = e.type;
			h.kind = e.kind;
			h.ts = e.ts_ns;
			h.ptr = e.ptr;
			h.size = e.size;
			h.tid = e.tid;
			h.stack = heap__stack(c, e.pid, *heap__image(c, e.pid), (const uint64_t *)(const void *)(buf + off),
					      e.nframes);
			off += (size_t)e.nframes * 8;
			heap__push(c, &h);
			break;
		case HEAP_EV_FREE:
			h.type = e.type;
			h.kind = e.kind;
			h.ts = e.ts_ns;
			h.ptr = e.ptr;
			h.tid = e.tid;
			heap__push(c, &h);
			break;
		case HEAP_EV_MAPS: {
			uint32_t *img = heap__image(c, e.pid);
			size_t padded = (size_t)((e.size + 7) & ~7ull);

			if (e.size > len || off + padded > len)
				return pe_error("heap events: a memory map record is cut short");
			c->maps = xrealloc(c->maps, (c->nmaps + 1) * sizeof(*c->maps));
			c->maps[c->nmaps++] = (struct hmaps){ e.pid, *img, buf + off, (size_t)e.size };
			(*img)++;
			off += padded;
			break;
		}
		case HEAP_EV_LOST:
			t->lost += e.size;
			break;
		default:
			return pe_error("heap events: an unknown record type %u", e.type);
		}
	}
	if (!started)
		return pe_error("no heap events: the program did not load perfeng's interposer "
				"(statically linked, or LD_PRELOAD was dropped)");
	return 0;
}

static int heap__by_time(const void *a, const void *b)
{
	const struct hev *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static size_t heap__slot(const struct hctx *c, uint64_t ptr)
{
	return heap__mix(ptr) & (c->nlive_slots - 1);
}

static void heap__live_grow(struct hctx *c)
{
	size_t n = c->nlive_slots ? c->nlive_slots * 2 : 1 << 16;
	struct hlive *old = c->live;
	size_t on = c->nlive_slots;

	c->live = xcalloc(n, sizeof(*c->live));
	c->nlive_slots = n;
	c->nlive_used = 0;
	for (size_t i = 0; i < on; i++)
		if (old[i].ptr && old[i].ptr != ~0ull) {
			size_t k = heap__slot(c, old[i].ptr);

			while (c->live[k].ptr)
				k = (k + 1) & (n - 1);
			c->live[k] = old[i];
			c->nlive_used++;
		}
	free(old);
}

static void heap__live_put(struct hctx *c, uint64_t ptr, uint64_t size, uint32_t stack, uint8_t kind)
{
	size_t k;

	if (2 * (c->nlive_used + 1) > c->nlive_slots)
		heap__live_grow(c);
	for (k = heap__slot(c, ptr); c->live[k].ptr && c->live[k].ptr != ~0ull; k = (k + 1) & (c->nlive_slots - 1))
		if (c->live[k].ptr == ptr)
			break;
	if (!c->live[k].ptr)
		c->nlive_used++;
	if (c->live[k].ptr != ptr)
		c->nlive++;
	c->live[k] = (struct hlive){ ptr, size, stack, kind };
}

/* Removes ptr; its entry copied to *out. 0, or -1 when ptr is not live. */
static int heap__live_take(struct hctx *c, uint64_t ptr, struct hlive *out)
{
	if (!c->nlive_slots)
		return -1;
	for (size_t k = heap__slot(c, ptr); c->live[k].ptr; k = (k + 1) & (c->nlive_slots - 1))
		if (c->live[k].ptr == ptr) {
			*out = c->live[k];
			c->live[k].ptr = ~0ull;
			c->nlive--;
			return 0;
		}
	return -1;
}

/*
 * Replays the events in time order: totals and, up to stop (the peak's
 * index on the second pass), each stack's live bytes. Returns the index
 * of the event after which live heap bytes peaked.
 */
static size_t heap__replay(struct hctx *c, struct heap_totals *t, size_t stop, int first)
{
	uint64_t live = 0, peak = 0;
	size_t peak_at = 0;
	/* per thread: the last allocation, to tell temporary ones */
	struct { uint32_t tid; uint64_t ptr; } last[256];
	size_t nlast = 0;

	memset(c->live, 0, c->nlive_slots * sizeof(*c->live));
	c->nlive = c->nlive_used = 0;
	for (size_t i = 0; i < c->nstacks; i++)
		c->stacks[i].live = 0;
	for (size_t i = 0; i < c->nev && i <= stop; i++) {
		const struct hev *e = &c->ev[i];
		struct hlive l;
		size_t j;

		for (j = 0; j < nlast && last[j].tid != e->tid; j++)
			;
		if (j == nlast && nlast < 256)
			last[nlast++] = (typeof(last[0])){ e->tid, 0 };
		if (e->type == HEAP_EV_ALLOC) {
			/* an address given out again without a free we saw: the old block is gone */
			if (heap__live_take(c, e->ptr, &l) == 0) {
				c->stacks[l.stack].live -= l.size;
				if (l.kind != HEAP_KIND_MMAP)
					live -= l.size;
			}
			heap__live_put(c, e->ptr, e->size, e->stack, e->kind);
			c->stacks[e->stack].live += e->size;
			if (e->kind == HEAP_KIND_MMAP) {
				t->mmap_count += first;
				t->mmap_bytes += first ? e->size : 0;
				continue;
			}
			live += e->size;
			if (live > peak) {
				peak = live;
				peak_at = i;
			}
			if (first) {
				t->allocations++;
				t->bytes += e->size;
				c->stacks[e->stack].w[HEAP_ALLOCATED] += e->size;
				c->stacks[e->stack].w[HEAP_COUNT]++;
			}
			if (j < 256)
				last[j].ptr = e->ptr;
			continue;
		}
		if (heap__live_take(c, e->ptr, &l) < 0) {
			t->unknown_frees += first;
			continue;
		}
		c->stacks[l.stack].live -= l.size;
		if (l.kind == HEAP_KIND_MMAP)
			continue;
		live -= l.size;
		if (first) {
			t->frees++;
			if (j < 256 && last[j].ptr == e->ptr)
				t->temporary++;
		}
		if (j < 256)
			last[j].ptr = 0;
	}
	if (first) {
		t->peak_bytes = peak;
		t->peak_s = c->nev ? (double)(c->ev[peak_at].ts - c->ev[0].ts) / 1e9 : 0;
		t->duration_s = c->nev ? (double)(c->ev[c->nev - 1].ts - c->ev[0].ts) / 1e9 : 0;
		for (size_t i = 0; i < c->nlive_slots; i++)
			if (c->live[i].ptr && c->live[i].ptr != ~0ull && c->live[i].kind != HEAP_KIND_MMAP) {
				t->leaked_bytes += c->live[i].size;
				t->leaked_count++;
			}
		for (size_t i = 0; i < c->nstacks; i++)
			c->stacks[i].w[HEAP_LEAKED] = c->stacks[i].live;
	} else {
		for (size_t i = 0; i < c->nstacks; i++)
			c->stacks[i].w[HEAP_PEAK] = c->stacks[i].live;
	}
	return peak_at;
}

/* The maps of (pid, image) into a proc_maps of m, keyed apart per image. */
static struct proc_maps *heap__proc_maps(struct hctx *c, struct maps *m, uint32_t pid, uint32_t image)
{
	pid_t key = (pid_t)((pid & 0x3fffff) | ((image & 0x1ff) << 22));
	struct proc_maps *pm = maps_find(m, key);

	if (pm)
		return pm;
	for (size_t i = 0; i < c->nmaps; i++) {
		const char *p, *end;

		if (c->maps[i].pid != pid || c->maps[i].image != image)
			continue;
		pm = maps_proc(m, key);
		pm->exited = 1;
		for (p = c->maps[i].text, end = p + c->maps[i].len; p < end;) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t l = (size_t)((nl ? nl : end) - p);
			struct maps_line ml;
			char path[4096];

			if (maps_parse_line(p, l, &ml) == 0 && ml.exec && ml.path_len && ml.path_len < sizeof(path)) {
				memcpy(path, ml.path, ml.path_len);
				path[ml.path_len] = '\0';
				maps_insert(m, pm, ml.start, ml.end - ml.start, ml.pgoff, path);
			}
			p += l + 1;
		}
		return pm;
	}
	return NULL;
}

static void heap__profiles(struct hctx *c, const char *debug_dir, struct heap_result *r)
{
	static const char *const units[] = { "bytes", "allocations", "bytes", "bytes" };
	static const char *const events[] = { "alloc_space", "alloc_objects", "leaked_space", "peak_space" };
	struct maps m;
	struct symbols syms;
	struct profile names;	/* where the symbols intern; merged into each measure's profile */
	struct frame *frames = xmalloc((HEAP_MAX_FRAMES * (SYMBOLS_MAX_INLINE + 1)) * sizeof(*frames));

	for (int k = 0; k < HEAP_NMEASURES; k++) {
		profile_init(&r->prof[k], units[k]);
		r->prof[k].event = events[k];
	}
	profile_init(&names, "bytes");
	maps_init(&m);
	symbols_init(&syms, &names, debug_dir, 0, 0);
	for (size_t i = 0; i < c->nstacks; i++) {
		const struct hstack *s = &c->stacks[i];
		struct proc_maps *pm = heap__proc_maps(c, &m, s->pid, s->image);
		size_t n = 0;
		int any = 0;

		for (int k = 0; k < HEAP_NMEASURES; k++)
			any |= s->w[k] != 0;
		if (!any)
			continue;
		/* outermost first: the frames are leaf first */
		for (uint32_t f = s->nframes; f-- > 0;) {
			struct frame tmp[SYMBOLS_MAX_INLINE + 1];
			struct map *mp = pm ? maps_lookup(pm, s->frames[f] - 1) : NULL;
			size_t got = symbols_addr_frames(&syms, &m, pm, (pid_t)s->pid, s->frames[f], 1, mp, tmp,
							 SYMBOLS_MAX_INLINE + 1);

			memcpy(frames + n, tmp, got * sizeof(*tmp));
			n += got;
		}
		for (int k = 0; k < HEAP_NMEASURES; k++) {
			struct profile one;

			if (!s->w[k])
				continue;
			/* intern the names into the measure's profile by way of a one-stack profile */
			profile_init(&one, units[k]);
			profile_add(&one, frames, n, s->w[k]);
			profile_merge(&r->prof[k], &one);
			profile_release(&one);
		}
	}
	for (int k = 0; k < HEAP_NMEASURES; k++)
		r->prof[k].samples = r->prof[k].root.total;
	symbols_release(&syms);
	maps_release(&m);
	profile_release(&names);
	free(frames);
}

int heap_analyze(const char *path, const char *debug_dir, struct heap_result *r)
{
	struct strbuf buf = STRBUF_INIT;
	struct hctx c = { 0 };
	size_t peak_at;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	for (int k = 0; k < HEAP_NMEASURES; k++)
		profile_init(&r->prof[k], "bytes");
	if (strbuf_read_file(&buf, path, HEAP_MAX_INPUT) < 0)
		goto out;
	if (heap__parse(&c, strbuf_str(&buf), buf.len, &r->t) < 0)
		goto out;
	for (size_t i = 0; i < c.nimgs; i++) {
		int has = 0;

		for (size_t j = 0; j < c.nmaps && !has; j++)
			has = c.maps[j].pid == c.imgs[i].pid;
		if (!has)
			r->t.images_without_maps++;
	}
	if (c.nev)
		qsort(c.ev, c.nev, sizeof(*c.ev), heap__by_time);
	heap__live_grow(&c);
	peak_at = heap__replay(&c, &r->t, SIZE_MAX, 1);
	heap__replay(&c, &r->t, peak_at, 0);
	for (int k = 0; k < HEAP_NMEASURES; k++)
		profile_release(&r->prof[k]);
	heap__profiles(&c, debug_dir, r);
	rc = 0;
out:
	if (rc < 0)
		heap_release(r);	/* nothing for the caller to release on failure */
	free(c.stacks);
	free(c.stack_slots);
	free(c.ev);
	free(c.live);
	free(c.maps);
	free(c.imgs);
	strbuf_release(&buf);
	return rc;
}

void heap_release(struct heap_result *r)
{
	for (int k = 0; k < HEAP_NMEASURES; k++)
		profile_release(&r->prof[k]);
}
