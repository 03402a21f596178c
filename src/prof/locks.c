#include "prof/locks.h"

#include <stdlib.h>
#include <string.h>

#include "prof/trace.h"
#include "util/error.h"
#include "util/xalloc.h"

const char *lock_kind_name(int kind)
{
	static const char *const names[] = { "mutex", "rwlock (read)", "rwlock", "spinlock", "condition" };

	return kind >= 0 && kind <= LOCK_KIND_COND ? names[kind] : "?";
}

struct lctx {
	struct locks_result *r;
	struct lock_info *v;
	size_t n, alloc;
	/* the stacks of each lock's waits and holds, weighed after the whole file is read */
	struct lrec {
		size_t lock;
		uint32_t stack;
		uint64_t ns;
		int hold;
	} *recs;
	size_t nrecs, arecs;
};

static size_t locks__find(struct lctx *c, uint32_t pid, uint64_t addr, int kind)
{
	int cond = kind == LOCK_KIND_COND;

	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].addr == addr && c->v[i].pid == pid && (c->v[i].kind == LOCK_KIND_COND) == cond)
			return i;
	if (c->n == c->alloc) {
		c->alloc = c->alloc ? 2 * c->alloc : 64;
		c->v = xrealloc(c->v, c->alloc * sizeof(*c->v));
	}
	memset(&c->v[c->n], 0, sizeof(c->v[c->n]));
	c->v[c->n].addr = addr;
	c->v[c->n].pid = pid;
	c->v[c->n].kind = kind;
	c->v[c->n].waiters = xmalloc(sizeof(struct profile));
	c->v[c->n].holders = xmalloc(sizeof(struct profile));
	profile_init(c->v[c->n].waiters, "nanoseconds");
	profile_init(c->v[c->n].holders, "nanoseconds");
	c->v[c->n].waiters->event = "lock-wait";
	c->v[c->n].holders->event = "lock-hold";
	return c->n++;
}

static int locks__record(void *ctx, struct trace *t, const struct heap_event *e, uint32_t stack)
{
	struct lctx *c = ctx;
	size_t i;

	(void)t;
	if (e->type != LOCK_EV_WAIT && e->type != LOCK_EV_HOLD && e->type != LOCK_EV_STAT)
		return pe_error("lock events: a record of type %u, which the lock interposer does not write", e->type);
	if (e->kind > LOCK_KIND_COND)
		return pe_error("lock events: an unknown lock kind %u", e->kind);
	if (e->size > (1ull << 50))
		return pe_error("lock events: a time of %llu ns, longer than a run can be", (unsigned long long)e->size);
	i = locks__find(c, e->pid, e->ptr, e->kind);
	if (e->type == LOCK_EV_STAT) {	/* the exact counts; the events below are the stacks' samples */
		struct lock_info *l = &c->v[i];

		switch (e->field) {
		case LOCK_STAT_HELD: l->acquisitions += e->count; l->hold_ns += e->size; break;
		case LOCK_STAT_WAITED: l->contended += e->count; l->wait_ns += e->size; break;
		case LOCK_STAT_MAX_WAIT: l->max_wait_ns = e->size > l->max_wait_ns ? e->size : l->max_wait_ns; break;
		case LOCK_STAT_HELD_WAITED: l->hold_waited_ns += e->size; break;
		default: return pe_error("lock events: an unknown count %u", e->field);
		}
		return 0;
	}
	if (stack != UINT32_MAX) {
		if (c->nrecs == c->arecs) {
			c->arecs = c->arecs ? 2 * c->arecs : 1024;
			c->recs = xrealloc(c->recs, c->arecs * sizeof(*c->recs));
		}
		c->recs[c->nrecs++] = (struct lrec){ i, stack, e->size, e->type == LOCK_EV_HOLD };
	}
	return 0;
}

static int locks__by_wait(const void *a, const void *b)
{
	const struct lock_info *x = a, *y = b;

	if (x->wait_ns != y->wait_ns)
		return x->wait_ns > y->wait_ns ? -1 : 1;
	return x->acquisitions > y->acquisitions ? -1 : x->acquisitions < y->acquisitions;
}

int locks_analyze(const char *path, const char *debug_dir, struct locks_result *r)
{
	struct trace t;
	struct lctx c = { .r = r };
	size_t nl = 0, nc = 0;

	memset(r, 0, sizeof(*r));
	profile_init(&r->wait, "nanoseconds");
	r->wait.event = "lock-wait";
	if (trace_read(&t, path, "lock", debug_dir, locks__record, &c) < 0) {
		for (size_t i = 0; i < c.n; i++) {
			profile_release(c.v[i].waiters);
			profile_release(c.v[i].holders);
			free(c.v[i].waiters);
			free(c.v[i].holders);
		}
		free(c.v);
		free(c.recs);
		trace_release(&t);
		profile_release(&r->wait);
		return -1;
	}
	r->processes = t.processes;
	r->lost = t.lost;
	r->images_without_maps = trace_images_without_maps(&t);
	for (size_t k = 0; k < c.nrecs; k++) {
		struct lock_info *l = &c.v[c.recs[k].lock];

		trace_add_stack(&t, c.recs[k].stack, c.recs[k].hold ? l->holders : l->waiters, c.recs[k].ns);
		if (!c.recs[k].hold && l->kind != LOCK_KIND_COND)
			trace_add_stack(&t, c.recs[k].stack, &r->wait, c.recs[k].ns);
	}
	for (size_t i = 0; i < c.n; i++) {
		if (c.v[i].kind == LOCK_KIND_COND)
			nc++;
		else
			nl++;
	}
	r->locks = xcalloc(nl ? nl : 1, sizeof(*r->locks));
	r->conds = xcalloc(nc ? nc : 1, sizeof(*r->conds));
	for (size_t i = 0; i < c.n; i++) {
		if (c.v[i].kind == LOCK_KIND_COND) {
			r->conds[r->nconds++] = c.v[i];
			continue;
		}
		r->locks[r->n++] = c.v[i];
		r->acquisitions += c.v[i].acquisitions;
		r->contended += c.v[i].contended;
		r->wait_ns += c.v[i].wait_ns;
	}
	qsort(r->locks, r->n, sizeof(*r->locks), locks__by_wait);
	qsort(r->conds, r->nconds, sizeof(*r->conds), locks__by_wait);
	r->wait.samples = r->contended;
	free(c.v);
	free(c.recs);
	trace_release(&t);
	return 0;
}

void locks_release(struct locks_result *r)
{
	for (size_t i = 0; i < r->n + r->nconds; i++) {
		struct lock_info *l = i < r->n ? &r->locks[i] : &r->conds[i - r->n];

		profile_release(l->waiters);
		profile_release(l->holders);
		free(l->waiters);
		free(l->holders);
	}
	free(r->locks);
	free(r->conds);
	profile_release(&r->wait);
	memset(r, 0, sizeof(*r));
}
