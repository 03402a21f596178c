#include "prof/heap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "preload/heap_events.h"
#include "prof/trace.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

const char *heap_measure_name(enum heap_measure m)
{
	static const char *const names[] = { "allocated", "count", "leaked", "peak" };

	return m < HEAP_NMEASURES ? names[m] : "?";
}

/* What each measure sums on one stack of the trace (struct trace_stack, by the same index). */
struct hstack {
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
	size_t nstacks;
	struct hev *ev;
	size_t nev, aev;
	struct hlive *live;
	size_t nlive_slots, nlive, nlive_used;
};

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

/* One record of the trace: allocations and frees into c->ev, in file order. */
static int heap__record(void *ctx, struct trace *t, const struct heap_event *e, uint32_t stack)
{
	struct hctx *c = ctx;
	struct hev h = { .type = e->type, .kind = e->kind, .ts = e->ts_ns, .ptr = e->ptr, .tid = e->tid };

	if (e->type != HEAP_EV_ALLOC && e->type != HEAP_EV_FREE)
		return pe_error("heap events: a record of type %u, which the heap interposer does not write", e->type);
	if (e->type == HEAP_EV_ALLOC) {
		if (e->size > (1ull << 48))
			return pe_error("heap events: an allocation of %llu bytes, more than any machine has",
					(unsigned long long)e->size);
		if (stack == UINT32_MAX)
			return pe_error("heap events: an allocation without its stack");
		h.size = e->size;
		h.stack = stack;
		if (t->nstacks > c->nstacks) {
			c->stacks = xrealloc(c->stacks, t->nstacks * sizeof(*c->stacks));
			memset(c->stacks + c->nstacks, 0, (t->nstacks - c->nstacks) * sizeof(*c->stacks));
			c->nstacks = t->nstacks;
		}
	}
	heap__push(c, &h);
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
	return trace_hash(ptr) & (c->nlive_slots - 1);
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

static void heap__profiles(struct hctx *c, struct trace *t, struct heap_result *r)
{
	static const char *const units[] = { "bytes", "allocations", "bytes", "bytes" };
	static const char *const events[] = { "alloc_space", "alloc_objects", "leaked_space", "peak_space" };

	for (int k = 0; k < HEAP_NMEASURES; k++) {
		profile_init(&r->prof[k], units[k]);
		r->prof[k].event = events[k];
	}
	for (size_t i = 0; i < c->nstacks; i++)
		for (int k = 0; k < HEAP_NMEASURES; k++)
			if (c->stacks[i].w[k])
				trace_add_stack(t, (uint32_t)i, &r->prof[k], c->stacks[i].w[k]);
	for (int k = 0; k < HEAP_NMEASURES; k++)
		r->prof[k].samples = r->prof[k].root.total;
}

int heap_analyze(const char *path, const char *debug_dir, struct heap_result *r)
{
	struct trace t;
	struct hctx c = { 0 };
	size_t peak_at;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (trace_read(&t, path, "heap", debug_dir, heap__record, &c) < 0) {
		for (int k = 0; k < HEAP_NMEASURES; k++)
			profile_init(&r->prof[k], "bytes");	/* so that heap_release() is safe either way */
		goto out;
	}
	r->t.processes = t.processes;
	r->t.lost = t.lost;
	r->t.images_without_maps = trace_images_without_maps(&t);
	if (c.nev)
		qsort(c.ev, c.nev, sizeof(*c.ev), heap__by_time);
	heap__live_grow(&c);
	peak_at = heap__replay(&c, &r->t, SIZE_MAX, 1);
	heap__replay(&c, &r->t, peak_at, 0);
	heap__profiles(&c, &t, r);
	rc = 0;
out:
	if (rc < 0)
		heap_release(r);	/* nothing for the caller to release on failure */
	free(c.stacks);
	free(c.ev);
	free(c.live);
	trace_release(&t);
	return rc;
}

void heap_release(struct heap_result *r)
{
	for (int k = 0; k < HEAP_NMEASURES; k++)
		profile_release(&r->prof[k]);
}
