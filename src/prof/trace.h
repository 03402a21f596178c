/*
 * The reader of the event files perfeng's interposers write
 * (src/preload/heap_events.h, by src/preload/stream.h): the records in
 * file order, the stacks interned per process image, the memory map each
 * image wrote at its end, and the frames of a stack named with the
 * profiler's symbols (symbols_addr_frames). `perfeng heap` (prof/heap.c)
 * and `perfeng locks` (prof/locks.c) build on it.
 */
#ifndef PE_PROF_TRACE_H
#define PE_PROF_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "preload/heap_events.h"
#include "prof/maps.h"
#include "prof/profile.h"
#include "prof/symbols.h"
#include "util/strbuf.h"

struct trace_stack {
	uint32_t pid, image, nframes;
	const uint64_t *frames;	/* return addresses, leaf first; into the file's buffer */
	uint64_t hash;
};

struct trace {
	struct strbuf buf;			/* the whole file */
	struct trace_stack *stacks;
	size_t nstacks, astacks;
	uint32_t *slots;
	size_t nslots;
	struct trace_maps_text {
		uint32_t pid, image;
		const char *text;
		size_t len;
	} *maps;
	size_t nmaps;
	struct trace_image {
		uint32_t pid, image;	/* images of pid whose map came so far */
		int mapped;
	} *imgs;
	size_t nimgs;
	size_t processes;			/* START records */
	uint64_t lost;				/* LOST records' counts */
	/* for naming frames */
	struct maps m;
	struct symbols syms;
	struct profile names;
	int syms_ready;
	const char *debug_dir;
};

/*
 * Called for each record that is not START, MAPS or LOST, in file order:
 * e, and the index of its stack in t->stacks (UINT32_MAX without one).
 * Returns 0, or -1 with pe_error() to stop.
 */
typedef int (*trace_fn)(void *ctx, struct trace *t, const struct heap_event *e, uint32_t stack);

/*
 * Reads the file at path and calls fn for its records. Returns 0, or -1 with
 * pe_error(): the file cannot be read, a record is cut short or unknown,
 * no process started recording (what noun names the interposer's purpose
 * in the message: "heap", "lock").
 */
int trace_read(struct trace *t, const char *path, const char *what, const char *debug_dir, trace_fn fn,
	       void *ctx);

/* Process images that ended without writing their memory map (killed). */
size_t trace_images_without_maps(const struct trace *t);

/*
 * Adds stack s of t to p with weight w, its frames named (outermost first)
 * and interned in p.
 */
void trace_add_stack(struct trace *t, uint32_t s, struct profile *p, uint64_t w);

void trace_release(struct trace *t);

/* A 64-bit mix (murmur3's finalizer), for the readers' hash tables. */
uint64_t trace_hash(uint64_t h);

#endif
