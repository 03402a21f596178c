/*
 * A profile: call stacks aggregated into a tree of frames with weights
 * (samples, or nanoseconds for off-CPU time). The sampler and the readers of
 * folded stacks and `perf script` text fill it; the renderers (top table,
 * folded, SVG flame graph, pprof, speedscope) walk it. It is not a sample
 * log: two identical stacks become one path with the summed weight.
 *
 * Strings (frame names, modules, files) are interned in the profile and live
 * as long as it does, so frames compare by pointer.
 */
#ifndef PE_PROF_PROFILE_H
#define PE_PROF_PROFILE_H

#include <stddef.h>
#include <stdint.h>

enum frame_kind {
	FRAME_USER,	/* a function in an executable or shared library */
	FRAME_KERNEL,	/* a kernel function ([k] or _[k] in folded stacks) */
	FRAME_INLINE,	/* inlined into its parent frame (--inline; _[i]) */
	FRAME_JIT,	/* from a /tmp/perf-PID.map JIT map (_[j]) */
	FRAME_PROCESS,	/* the process (comm) or thread name at the root */
	FRAME_UNKNOWN,	/* no symbol: the name reads "module+0xOFFSET" */
};

struct frame {
	const char *name;	/* interned; never NULL */
	const char *module;	/* interned basename of the binary, or NULL */
	const char *file;	/* interned source file (--lines), or NULL */
	unsigned line;		/* source line when file is set */
	enum frame_kind kind;
};

struct profile_node {
	struct frame frame;
	uint64_t self;		/* weight of stacks that end here */
	uint64_t total;		/* self plus the totals of the children */
	struct profile_node *parent;
	struct profile_node *child;	/* first child */
	struct profile_node *next;	/* next sibling */
	void *data;		/* free for a renderer walking the tree */
};

struct profile_table;	/* interning and child lookup; private to profile.c */

struct profile {
	struct profile_node root;	/* synthetic root named "all"; its total is the sum */
	const char *unit;		/* "samples" or "nanoseconds" (static string) */
	uint64_t period_ns;		/* nanoseconds one sample stands for; 0 if unknown */
	const char *event;		/* e.g. "cpu-clock", "cycles", "off-cpu"; static or interned */
	uint64_t samples;		/* stacks added (count, not weight) */
	uint64_t lost;			/* samples the kernel dropped (PERF_RECORD_LOST) */
	size_t nodes;			/* nodes in the tree, root excluded */
	struct profile_table *table;
};

void profile_init(struct profile *p, const char *unit);
void profile_release(struct profile *p);

/* Returns the interned copy of s[0..len) (up to a NUL byte in it), owned by p. */
const char *profile_intern(struct profile *p, const char *s, size_t len);

/*
 * Adds one stack with its weight. frames[0] is the outermost frame (process
 * name or _start/main), frames[n-1] the leaf. The strings in frames must be
 * interned in p. n == 0 adds the weight to the root's self.
 */
void profile_add(struct profile *p, const struct frame *frames, size_t n, uint64_t weight);

/* Adds every stack of src into dst (interning src's strings into dst). */
void profile_merge(struct profile *dst, const struct profile *src);

/*
 * The weight of the stacks that pass through a frame for which match(name,
 * arg) is true (each stack counted once, however many such frames it has),
 * over the profile's total; NAN for an empty profile. diagnose uses it for
 * the share of on-CPU samples in lock code.
 */
double profile_share_matching(const struct profile *p, int (*match)(const char *name, void *arg),
			      void *arg);

/*
 * As profile_merge, keeping only names and kinds (module, file and line
 * dropped): stacks that differ only in those become one, as in folded text.
 */
void profile_merge_names(struct profile *dst, const struct profile *src);

/*
 * Orders frames by name (byte order, as if each name ended in ';', which is
 * how whole folded lines sort), then module, kind, file, line (NULL first).
 */
int profile_frame_cmp(const struct frame *a, const struct frame *b);

/*
 * The tree in preorder, children sorted by profile_frame_cmp, so that every
 * renderer walks it in the same order without recursion: v[0] is the root
 * (depth 0), v[i].parent the index of i's parent. Returns the count
 * (p->nodes + 1); *out is the caller's to free().
 */
struct profile_flat {
	const struct profile_node *node;
	size_t parent;
	unsigned depth;
};
size_t profile_flatten(const struct profile *p, struct profile_flat **out);

/*
 * Per function (name and module): self weight, and total weight counting
 * each stack once even when the function recurses in it. Sorted by self,
 * then total, descending; the root is left out. Returns the count; *out is
 * the caller's to free() (the strings stay p's).
 */
struct profile_func {
	const char *name;
	const char *module;
	enum frame_kind kind;
	uint64_t self;
	uint64_t total;
};
size_t profile_functions(const struct profile *p, struct profile_func **out);

/*
 * The top functions, the one definition that profile, diagnose, flamegraph
 * and --save share: profile_functions() without the process and thread
 * names at the root (FRAME_PROCESS: no function, their total is everyone's),
 * the first n by self weight (all when n is 0). Returns the count; *out is
 * the caller's to free() (the strings stay p's).
 */
size_t profile_top(const struct profile *p, size_t n, struct profile_func **out);

/* The interned copy of s[0..len) when p holds one, else NULL; interns nothing. */
const char *profile_find_string(const struct profile *p, const char *s, size_t len);

/*
 * The child of parent (a node of p) whose frame equals f by content; f's
 * strings may belong to another profile. NULL when there is none.
 */
const struct profile_node *profile_find_child(const struct profile *p,
					      const struct profile_node *parent,
					      const struct frame *f);

/*
 * Numbers distinct frames (1, 2, ... in order of first use), for renderers
 * that need tables of frames, functions or strings: a key is a struct frame
 * whose unused fields are zero. Keys compare field by field, strings by
 * pointer (so they must be interned in one profile).
 */
struct frame_ids {
	struct frame *keys;
	uint64_t *ids;
	size_t mask, n;
};
void frame_ids_init(struct frame_ids *t, size_t expect);
/* The id of k; *is_new is 1 when k got it just now. */
uint64_t frame_ids_get(struct frame_ids *t, const struct frame *k, int *is_new);
void frame_ids_release(struct frame_ids *t);

/*
 * For each node v[i] of a flattened profile, the node of other at the same
 * path (frames equal by content), or NULL: out[i], an array of n.
 */
void profile_match(const struct profile *other, const struct profile_flat *v, size_t n,
		   const struct profile_node **out);

#endif
