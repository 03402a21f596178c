/*
 * What `perfeng heap` makes of the event stream libperfeng-heap.so wrote
 * (src/preload/heap_events.h): allocations paired with their frees in time
 * order, the totals (allocations, frees, bytes, temporary allocations,
 * the peak of live bytes and when, what was still live at exit), and four
 * profiles by allocation stack, symbolized with the profiler's symbols
 * (src/prof/symbols.c): bytes allocated, allocation count, bytes leaked,
 * bytes live at the peak. The renderers of src/out/profile_out.h draw them.
 */
#ifndef PE_PROF_HEAP_H
#define PE_PROF_HEAP_H

#include <stddef.h>
#include <stdint.h>

#include "prof/profile.h"

enum heap_measure { HEAP_ALLOCATED, HEAP_COUNT, HEAP_LEAKED, HEAP_PEAK, HEAP_NMEASURES };

struct heap_totals {
	uint64_t allocations, frees, bytes;	/* malloc's family and operator new */
	uint64_t temporary;		/* freed before the thread's next allocation */
	uint64_t peak_bytes;		/* the most bytes live at once */
	double peak_s;			/* when, in seconds from the first event */
	uint64_t leaked_bytes, leaked_count;	/* live when the process ended */
	uint64_t mmap_count, mmap_bytes;	/* anonymous mmap, kept apart from the heap */
	uint64_t unknown_frees;		/* frees of memory not allocated while recording */
	uint64_t lost;			/* events the interposer could not write */
	double duration_s;		/* first to last event */
	size_t processes;		/* that recorded */
	size_t images_without_maps;	/* process images that ended before writing their map (a signal) */
};

struct heap_result {
	struct heap_totals t;
	struct profile prof[HEAP_NMEASURES];	/* units: bytes, allocations, bytes, bytes */
};

/*
 * Reads the event file at path and fills r (profiles initialised here;
 * heap_release() them). debug_dir: as symbols_init's. Returns 0, or -1 with
 * pe_error() when the file cannot be read or is not such a stream.
 */
int heap_analyze(const char *path, const char *debug_dir, struct heap_result *r);
void heap_release(struct heap_result *r);

const char *heap_measure_name(enum heap_measure m);	/* "allocated", "count", "leaked", "peak" */

#endif
