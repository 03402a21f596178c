/*
 * The stack tree behind every profile: interned strings, nodes from a pool,
 * and one open-addressing table that finds a node's child by (parent, frame)
 * in O(1), so that adding a stack costs one hash probe per frame and no
 * allocation once the tree has seen the stack's shape. The readers
 * (folded, perf script) and the sampler fill it; the renderers walk it
 * through profile_flatten() and profile_functions().
 */
#include <stdlib.h>
#include <string.h>

#include "prof/profile.h"

#include <math.h>
#include "util/xalloc.h"

#define STR_CHUNK (64 * 1024)
#define NODE_CHUNK 1024

struct intern_slot {
	uint64_t hash;
	const char *s;		/* NULL: empty slot */
	size_t len;
};

struct child_slot {
	uint64_t hash;
	struct profile_node *node;	/* NULL: empty slot */
};

struct profile_table {
	/* Strings: bump-allocated in chunks; chunks[] owns them. */
	char **chunks;
	size_t nchunks, chunks_alloc;
	char *cur;
	size_t cur_left;

	struct intern_slot *strs;
	size_t nstrs, strs_mask;

	/* Nodes: pool of fixed-size blocks, so pointers stay put. */
	struct profile_node **pools;
	size_t npools, pools_alloc;
	size_t pool_used;	/* nodes used in the last block */

	struct child_slot *kids;
	size_t nkids, kids_mask;

	/*
	 * The path of the last stack added: consecutive stacks share long
	 * prefixes (one thread's samples), which then cost a compare per frame
	 * instead of a probe of the child table.
	 */
	struct profile_node **last;
	size_t nlast, last_alloc;
};

/* A 64-bit hash of a byte string, eight bytes at a time (multiply-xorshift). */
static uint64_t hash_bytes(const char *s, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ (len * 0xff51afd7ed558ccdull);
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, s + i, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
		h ^= h >> 31;
	}
	if (i < len) {
		uint64_t w = 0;

		memcpy(&w, s + i, len - i);
		h = (h ^ w) * 0x94d049bb133111ebull;
		h ^= h >> 29;
	}
	h ^= h >> 32;
	h *= 0xd6e8feb86659fd93ull;
	h ^= h >> 32;
	return h;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	h = (h ^ v) * 0x9fb21c651e98df25ull;
	return h ^ (h >> 28);
}

static uint64_t frame_hash(const struct profile_node *parent, const struct frame *f)
{
	uint64_t h = mix(0x2545f4914f6cdd1dull, (uintptr_t)parent);

	h = mix(h, (uintptr_t)f->name);
	h = mix(h, (uintptr_t)f->module);
	h = mix(h, (uintptr_t)f->file);
	h = mix(h, ((uint64_t)f->line << 8) | (unsigned)f->kind);
	return h ^ (h >> 33);
}

static int frame_eq(const struct frame *a, const struct frame *b)
{
	return a->name == b->name && a->module == b->module && a->file == b->file &&
	       a->line == b->line && a->kind == b->kind;
}

void profile_init(struct profile *p, const char *unit)
{
	struct profile_table *t = xcalloc(1, sizeof(*t));

	memset(p, 0, sizeof(*p));
	p->unit = unit ? unit : "samples";
	p->table = t;
	t->strs_mask = 1023;
	t->strs = xcalloc(t->strs_mask + 1, sizeof(*t->strs));
	t->kids_mask = 4095;
	t->kids = xcalloc(t->kids_mask + 1, sizeof(*t->kids));
	p->root.frame.name = profile_intern(p, "all", 3);
	p->root.frame.kind = FRAME_PROCESS;
}

void profile_release(struct profile *p)
{
	struct profile_table *t = p->table;

	if (!t)
		return;
	for (size_t i = 0; i < t->nchunks; i++)
		free(t->chunks[i]);
	free(t->chunks);
	free(t->strs);
	for (size_t i = 0; i < t->npools; i++)
		free(t->pools[i]);
	free(t->pools);
	free(t->kids);
	free(t->last);
	free(t);
	memset(p, 0, sizeof(*p));
}

static char *str_alloc(struct profile_table *t, size_t n)
{
	char *r;

	if (n > STR_CHUNK / 4) {
		/* A long string gets its own block, so it wastes no chunk. */
		ALLOC_GROW(t->chunks, t->nchunks + 1, t->chunks_alloc);
		r = xmalloc(n);
		/* Keep the current chunk current: insert the block before it. */
		if (t->nchunks) {
			t->chunks[t->nchunks] = t->chunks[t->nchunks - 1];
			t->chunks[t->nchunks - 1] = r;
		} else {
			t->chunks[0] = r;
		}
		t->nchunks++;
		return r;
	}
	if (t->cur_left < n) {
		ALLOC_GROW(t->chunks, t->nchunks + 1, t->chunks_alloc);
		t->cur = xmalloc(STR_CHUNK);
		t->chunks[t->nchunks++] = t->cur;
		t->cur_left = STR_CHUNK;
	}
	r = t->cur;
	t->cur += n;
	t->cur_left -= n;
	return r;
}

static void strs_grow(struct profile_table *t)
{
	size_t mask = t->strs_mask * 2 + 1;
	struct intern_slot *n = xcalloc(mask + 1, sizeof(*n));

	for (size_t i = 0; i <= t->strs_mask; i++) {
		size_t j;

		if (!t->strs[i].s)
			continue;
		for (j = t->strs[i].hash & mask; n[j].s; j = (j + 1) & mask)
			;
		n[j] = t->strs[i];
	}
	free(t->strs);
	t->strs = n;
	t->strs_mask = mask;
}

const char *profile_intern(struct profile *p, const char *s, size_t len)
{
	struct profile_table *t = p->table;
	const char *nul = memchr(s, '\0', len);
	uint64_t h;
	size_t i;
	char *copy;

	if (nul)
		len = (size_t)(nul - s);	/* names are C strings: a NUL byte ends one */
	h = hash_bytes(s, len);

	for (i = h & t->strs_mask; t->strs[i].s; i = (i + 1) & t->strs_mask) {
		const struct intern_slot *e = &t->strs[i];

		if (e->hash == h && e->len == len && !memcmp(e->s, s, len))
			return e->s;
	}
	copy = str_alloc(t, len + 1);
	memcpy(copy, s, len);
	copy[len] = '\0';
	t->strs[i].hash = h;
	t->strs[i].s = copy;
	t->strs[i].len = len;
	if (++t->nstrs * 2 > t->strs_mask)
		strs_grow(t);
	return copy;
}

static struct profile_node *node_alloc(struct profile *p)
{
	struct profile_table *t = p->table;
	struct profile_node *n;

	if (!t->npools || t->pool_used == NODE_CHUNK) {
		ALLOC_GROW(t->pools, t->npools + 1, t->pools_alloc);
		t->pools[t->npools++] = xmalloc(NODE_CHUNK * sizeof(struct profile_node));
		t->pool_used = 0;
	}
	n = &t->pools[t->npools - 1][t->pool_used++];
	memset(n, 0, sizeof(*n));
	p->nodes++;
	return n;
}

static void kids_grow(struct profile_table *t)
{
	size_t mask = t->kids_mask * 2 + 1;
	struct child_slot *n = xcalloc(mask + 1, sizeof(*n));

	for (size_t i = 0; i <= t->kids_mask; i++) {
		size_t j;

		if (!t->kids[i].node)
			continue;
		for (j = t->kids[i].hash & mask; n[j].node; j = (j + 1) & mask)
			;
		n[j] = t->kids[i];
	}
	free(t->kids);
	t->kids = n;
	t->kids_mask = mask;
}

/* The child of parent with frame f, created (with zero weights) when missing. */
static struct profile_node *child_get(struct profile *p, struct profile_node *parent,
				      const struct frame *f)
{
	struct profile_table *t = p->table;
	uint64_t h = frame_hash(parent, f);
	struct profile_node *n;
	size_t i;

	for (i = h & t->kids_mask; t->kids[i].node; i = (i + 1) & t->kids_mask) {
		n = t->kids[i].node;
		if (t->kids[i].hash == h && n->parent == parent && frame_eq(&n->frame, f))
			return n;
	}
	n = node_alloc(p);
	n->frame = *f;
	n->parent = parent;
	n->next = parent->child;
	parent->child = n;
	t->kids[i].hash = h;
	t->kids[i].node = n;
	if (++t->nkids * 2 > t->kids_mask)
		kids_grow(t);
	return n;
}

/* Weights saturate rather than wrap: a garbage count must not make sums small. */
static inline void sat_add(uint64_t *x, uint64_t w)
{
	if (__builtin_add_overflow(*x, w, x))
		*x = UINT64_MAX;
}

void profile_add(struct profile *p, const struct frame *frames, size_t n, uint64_t weight)
{
	struct profile_node *node = &p->root;

	struct profile_table *t = p->table;
	size_t i = 0;

	p->samples++;
	sat_add(&p->root.total, weight);
	for (; i < n && i < t->nlast && frame_eq(&t->last[i]->frame, &frames[i]); i++) {
		node = t->last[i];
		sat_add(&node->total, weight);
	}
	ALLOC_GROW(t->last, n, t->last_alloc);
	for (; i < n; i++) {
		node = child_get(p, node, &frames[i]);
		sat_add(&node->total, weight);
		t->last[i] = node;
	}
	t->nlast = n;
	sat_add(&node->self, weight);
}

static const char *intern_or_null(struct profile *p, const char *s)
{
	return s ? profile_intern(p, s, strlen(s)) : NULL;
}

/* Pointer-to-pointer map, used by merge to find the dst node of a src parent. */
struct ptrmap {
	const void **keys;
	void **vals;
	size_t mask;
};

static uint64_t ptr_hash(const void *k)
{
	return mix(0x6a09e667f3bcc909ull, (uintptr_t)k);
}

static void ptrmap_put(struct ptrmap *m, const void *k, void *v)
{
	size_t i;

	for (i = ptr_hash(k) & m->mask; m->keys[i] && m->keys[i] != k; i = (i + 1) & m->mask)
		;
	m->keys[i] = k;
	m->vals[i] = v;
}

static void *ptrmap_get(const struct ptrmap *m, const void *k)
{
	for (size_t i = ptr_hash(k) & m->mask; m->keys[i]; i = (i + 1) & m->mask)
		if (m->keys[i] == k)
			return m->vals[i];
	return NULL;
}

/*
 * A node is allocated after its parent, so walking src's pool in order
 * meets every parent before its children: each src node maps to one dst
 * node, and adding totals node by node keeps dst's sums right.
 */
static void merge(struct profile *dst, const struct profile *src, int names_only);

void profile_merge(struct profile *dst, const struct profile *src)
{
	merge(dst, src, 0);
}

void profile_merge_names(struct profile *dst, const struct profile *src)
{
	merge(dst, src, 1);
}

static void merge(struct profile *dst, const struct profile *src, int names_only)
{
	const struct profile_table *st = src->table;
	struct ptrmap m;
	size_t cap = 16;

	while (cap < src->nodes * 2 + 2)
		cap *= 2;
	m.mask = cap - 1;
	m.keys = xcalloc(cap, sizeof(*m.keys));
	m.vals = xcalloc(cap, sizeof(*m.vals));
	ptrmap_put(&m, &src->root, &dst->root);

	for (size_t b = 0; b < st->npools; b++) {
		size_t used = b + 1 == st->npools ? st->pool_used : NODE_CHUNK;

		for (size_t i = 0; i < used; i++) {
			const struct profile_node *s = &st->pools[b][i];
			struct profile_node *parent = ptrmap_get(&m, s->parent);
			struct profile_node *d;
			struct frame f = s->frame;

			f.name = intern_or_null(dst, f.name);
			f.module = names_only ? NULL : intern_or_null(dst, f.module);
			f.file = names_only ? NULL : intern_or_null(dst, f.file);
			if (names_only)
				f.line = 0;
			d = child_get(dst, parent, &f);
			sat_add(&d->self, s->self);
			sat_add(&d->total, s->total);
			ptrmap_put(&m, s, d);
		}
	}
	sat_add(&dst->root.self, src->root.self);
	sat_add(&dst->root.total, src->root.total);
	dst->samples += src->samples;
	dst->lost += src->lost;
	if (!dst->event && src->event)
		dst->event = intern_or_null(dst, src->event);
	if (!dst->period_ns)
		dst->period_ns = src->period_ns;
	free(m.keys);
	free(m.vals);
}

/*
 * Names compare as strcmp would if each ended in ';': the order in which
 * whole folded lines sort ("a;foo;x" before "a;foo.1"), so that a walk in
 * this order writes the same file as `sort` of FlameGraph's tools.
 */
static int name_cmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;

	while (*x && *x == *y)
		x++, y++;
	return (int)(*x ? *x : ';') - (int)(*y ? *y : ';');
}

int profile_frame_cmp(const struct frame *a, const struct frame *b)
{
	int c = name_cmp(a->name, b->name);

	if (c)
		return c;
	if (a->module != b->module) {
		if (!a->module || !b->module)
			return a->module ? 1 : -1;
		if ((c = strcmp(a->module, b->module)))
			return c;
	}
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->file != b->file) {
		if (!a->file || !b->file)
			return a->file ? 1 : -1;
		if ((c = strcmp(a->file, b->file)))
			return c;
	}
	return a->line < b->line ? -1 : a->line > b->line;
}

static int node_ptr_cmp(const void *x, const void *y)
{
	const struct profile_node *a = *(const struct profile_node *const *)x;
	const struct profile_node *b = *(const struct profile_node *const *)y;

	return profile_frame_cmp(&a->frame, &b->frame);
}

/*
 * Preorder with an explicit stack (stacks from fuzzed input can be deep):
 * pop a node, append it, push its children sorted in reverse so that the
 * smallest name comes out first.
 */
size_t profile_flatten(const struct profile *p, struct profile_flat **out)
{
	size_t cap = p->nodes + 1, n = 0, sp = 0;
	struct profile_flat *v = xmalloc(cap * sizeof(*v));
	struct profile_flat *stack = xmalloc(cap * sizeof(*stack));
	const struct profile_node **kids = NULL;
	size_t kids_alloc = 0;

	stack[sp++] = (struct profile_flat){ &p->root, 0, 0 };
	while (sp) {
		struct profile_flat e = stack[--sp];
		size_t self = n, k = 0;

		v[n++] = e;
		for (const struct profile_node *c = e.node->child; c; c = c->next) {
			ALLOC_GROW(kids, k + 1, kids_alloc);
			kids[k++] = c;
		}
		if (k > 1)
			qsort(kids, k, sizeof(*kids), node_ptr_cmp);
		while (k--)
			stack[sp++] = (struct profile_flat){ kids[k], self, e.depth + 1 };
	}
	free(kids);
	free(stack);
	*out = v;
	return n;
}

/* Functions keyed by (name, module) pointers: both interned, so equal keys are equal pointers. */
struct fmap {
	size_t *idx;		/* index + 1 into the function array; 0: empty */
	size_t mask;
};

static size_t fmap_find(struct fmap *m, struct profile_func *fs, size_t *nfs,
			const struct frame *f)
{
	uint64_t h = mix(mix(0x510e527fade682d1ull, (uintptr_t)f->name), (uintptr_t)f->module);
	size_t i;

	for (i = h & m->mask; m->idx[i]; i = (i + 1) & m->mask) {
		struct profile_func *e = &fs[m->idx[i] - 1];

		if (e->name == f->name && e->module == f->module)
			return m->idx[i] - 1;
	}
	fs[*nfs] = (struct profile_func){ .name = f->name, .module = f->module, .kind = f->kind };
	m->idx[i] = ++*nfs;
	return *nfs - 1;
}

static int func_cmp(const void *x, const void *y)
{
	const struct profile_func *a = x, *b = y;
	int c;

	if (a->self != b->self)
		return a->self > b->self ? -1 : 1;
	if (a->total != b->total)
		return a->total > b->total ? -1 : 1;
	if ((c = strcmp(a->name, b->name)))
		return c;
	if (a->module == b->module)
		return 0;
	if (!a->module || !b->module)
		return a->module ? 1 : -1;
	return strcmp(a->module, b->module);
}

/*
 * A function's total counts each stack once, however often the function
 * recurses in it: walking in preorder, a node adds its total only when no
 * ancestor on the path is the same function (on_path counts them).
 */
size_t profile_functions(const struct profile *p, struct profile_func **out)
{
	struct profile_flat *v;
	size_t n = profile_flatten(p, &v), nfs = 0, cap = 16, sp = 0;
	struct profile_func *fs = xcalloc(n, sizeof(*fs));
	size_t *fidx = xmalloc(n * sizeof(*fidx));
	size_t *path = xmalloc(n * sizeof(*path));
	unsigned *on_path;
	struct fmap m;

	while (cap < n * 2 + 2)
		cap *= 2;
	m.mask = cap - 1;
	m.idx = xcalloc(cap, sizeof(*m.idx));
	for (size_t i = 1; i < n; i++)
		fidx[i] = fmap_find(&m, fs, &nfs, &v[i].node->frame);
	on_path = xcalloc(nfs + 1, sizeof(*on_path));
	for (size_t i = 1; i < n; i++) {
		struct profile_func *f = &fs[fidx[i]];

		/* path holds the nodes at depths 1..sp; leave the ones not above i. */
		while (sp >= v[i].depth)
			on_path[fidx[path[--sp]]]--;
		if (!on_path[fidx[i]])
			f->total += v[i].node->total;
		f->self += v[i].node->self;
		on_path[fidx[i]]++;
		path[sp++] = i;
	}
	qsort(fs, nfs, sizeof(*fs), func_cmp);
	free(on_path);
	free(m.idx);
	free(path);
	free(fidx);
	free(v);
	*out = fs;
	return nfs;
}

size_t profile_top(const struct profile *p, size_t n, struct profile_func **out)
{
	struct profile_func *fs;
	size_t nfs = profile_functions(p, &fs), k = 0;

	for (size_t i = 0; i < nfs && (!n || k < n); i++)
		if (fs[i].kind != FRAME_PROCESS)
			fs[k++] = fs[i];
	*out = fs;
	return k;
}

const char *profile_find_string(const struct profile *p, const char *s, size_t len)
{
	const struct profile_table *t = p->table;
	uint64_t h = hash_bytes(s, len);

	for (size_t i = h & t->strs_mask; t->strs[i].s; i = (i + 1) & t->strs_mask) {
		const struct intern_slot *e = &t->strs[i];

		if (e->hash == h && e->len == len && !memcmp(e->s, s, len))
			return e->s;
	}
	return NULL;
}

static int find_foreign(const struct profile *p, const char *s, const char **out)
{
	*out = s ? profile_find_string(p, s, strlen(s)) : NULL;
	return !s || *out;
}

const struct profile_node *profile_find_child(const struct profile *p,
					      const struct profile_node *parent,
					      const struct frame *f)
{
	const struct profile_table *t = p->table;
	struct frame g = *f;
	uint64_t h;

	if (!find_foreign(p, f->name, &g.name) || !find_foreign(p, f->module, &g.module) ||
	    !find_foreign(p, f->file, &g.file))
		return NULL;
	h = frame_hash(parent, &g);
	for (size_t i = h & t->kids_mask; t->kids[i].node; i = (i + 1) & t->kids_mask) {
		const struct profile_node *n = t->kids[i].node;

		if (t->kids[i].hash == h && n->parent == parent && frame_eq(&n->frame, &g))
			return n;
	}
	return NULL;
}

void frame_ids_init(struct frame_ids *t, size_t expect)
{
	size_t cap = 64;

	while (cap < expect * 2)
		cap *= 2;
	t->mask = cap - 1;
	t->n = 0;
	t->keys = xcalloc(cap, sizeof(*t->keys));
	t->ids = xcalloc(cap, sizeof(*t->ids));
}

void frame_ids_release(struct frame_ids *t)
{
	free(t->keys);
	free(t->ids);
}

/* The id of k; *is_new says whether it was just given one. */
uint64_t frame_ids_get(struct frame_ids *t, const struct frame *k, int *is_new)
{
	size_t i;

	if ((t->n + 1) * 2 > t->mask) {
		struct frame_ids g;

		frame_ids_init(&g, (t->mask + 1));
		for (size_t j = 0; j <= t->mask; j++) {
			size_t m;

			if (!t->ids[j])
				continue;
			for (m = frame_hash(NULL, &t->keys[j]) & g.mask; g.ids[m]; m = (m + 1) & g.mask)
				;
			g.keys[m] = t->keys[j];
			g.ids[m] = t->ids[j];
		}
		g.n = t->n;
		frame_ids_release(t);
		*t = g;
	}
	for (i = frame_hash(NULL, k) & t->mask; t->ids[i]; i = (i + 1) & t->mask) {
		const struct frame *e = &t->keys[i];

		if (frame_eq(e, k)) {
			*is_new = 0;
			return t->ids[i];
		}
	}
	t->keys[i] = *k;
	t->ids[i] = ++t->n;
	*is_new = 1;
	return t->n;
}

void profile_match(const struct profile *other, const struct profile_flat *v, size_t n,
		   const struct profile_node **out)
{
	if (!n)
		return;
	out[0] = &other->root;
	for (size_t i = 1; i < n; i++) {
		const struct profile_node *par = out[v[i].parent];

		out[i] = par ? profile_find_child(other, par, &v[i].node->frame) : NULL;
	}
}

static uint64_t profile__weight_matching(const struct profile_node *n,
					 int (*match)(const char *name, void *arg), void *arg)
{
	uint64_t w = 0;

	for (const struct profile_node *c = n->child; c; c = c->next)
		w += match(c->frame.name, arg) ? c->total : profile__weight_matching(c, match, arg);
	return w;
}

double profile_share_matching(const struct profile *p, int (*match)(const char *name, void *arg),
			      void *arg)
{
	if (!p->root.total)
		return NAN;
	return (double)profile__weight_matching(&p->root, match, arg) / (double)p->root.total;
}
