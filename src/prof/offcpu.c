/*
 * One slot per thread in an open-addressing table keyed by tid; the held
 * stack is a copy of the frame structs (their strings are interned in the
 * profile, so copying the structs is enough).
 */
#include "prof/offcpu.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

struct off_slot {
	pid_t tid;		/* 0: empty */
	int held;
	uint64_t since;
	struct frame *frames;
	size_t n, alloc;
};

struct offcpu {
	struct off_slot *v;
	size_t n, alloc;	/* alloc is a power of two */
};

struct offcpu *offcpu_new(void)
{
	struct offcpu *o = xcalloc(1, sizeof(*o));

	o->alloc = 64;
	o->v = xcalloc(o->alloc, sizeof(*o->v));
	return o;
}

void offcpu_free(struct offcpu *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->alloc; i++)
		free(o->v[i].frames);
	free(o->v);
	free(o);
}

static size_t slot_of(const struct offcpu *o, pid_t tid)
{
	size_t i = ((size_t)tid * 2654435761u) & (o->alloc - 1);

	while (o->v[i].tid && o->v[i].tid != tid)
		i = (i + 1) & (o->alloc - 1);
	return i;
}

static struct off_slot *offcpu_slot(struct offcpu *o, pid_t tid)
{
	size_t i;

	if (2 * (o->n + 1) > o->alloc) {
		struct off_slot *old = o->v;
		size_t nold = o->alloc;

		o->alloc *= 2;
		o->v = xcalloc(o->alloc, sizeof(*o->v));
		for (size_t k = 0; k < nold; k++)
			if (old[k].tid)
				o->v[slot_of(o, old[k].tid)] = old[k];
		free(old);
	}
	i = slot_of(o, tid);
	if (!o->v[i].tid) {
		o->v[i].tid = tid;
		o->n++;
	}
	return &o->v[i];
}

void offcpu_switch_out(struct offcpu *o, pid_t tid, uint64_t time, const struct frame *frames, size_t n)
{
	struct off_slot *s = offcpu_slot(o, tid);

	if (n > s->alloc) {
		s->alloc = n;
		s->frames = xrealloc(s->frames, n * sizeof(*frames));
	}
	memcpy(s->frames, frames, n * sizeof(*frames));
	s->n = n;
	s->since = time;
	s->held = 1;
}

static void slot_flush(struct off_slot *s, uint64_t time, struct profile *p)
{
	if (!s->held)
		return;
	s->held = 0;
	if (time > s->since)
		profile_add(p, s->frames, s->n, time - s->since);
}

void offcpu_switch_in(struct offcpu *o, pid_t tid, uint64_t time, struct profile *p)
{
	size_t i = slot_of(o, tid);

	if (o->v[i].tid)
		slot_flush(&o->v[i], time, p);
}

void offcpu_finish(struct offcpu *o, uint64_t end, struct profile *p)
{
	for (size_t i = 0; i < o->alloc; i++)
		if (o->v[i].tid)
			slot_flush(&o->v[i], end, p);
}
