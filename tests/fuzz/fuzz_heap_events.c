/*
 * libFuzzer target for the readers of the interposers' event streams
 * (src/prof/trace.c, and on it heap.c and locks.c): the input is the event
 * file. Each reader either refuses it with a message of its own, or
 * analyses it into totals that hold together: for the heap no more frees
 * than allocations, nothing leaked beyond what was allocated, a peak no
 * larger than the bytes allocated; for locks no more contended
 * acquisitions counted in all than the locks' own counts add up to.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prof/heap.h"
#include "prof/locks.h"
#include "util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/fuzz-heap.XXXXXX";
	int fd = mkstemp(path);
	struct heap_result r;
	struct locks_result l;

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	pe_error_clear();
	if (heap_analyze(path, NULL, &r) < 0) {
		if (!pe_errmsg()[0])
			abort();
	} else {
		if (r.t.frees > r.t.allocations || r.t.leaked_bytes > r.t.bytes || r.t.peak_bytes > r.t.bytes ||
		    r.t.leaked_count > r.t.allocations)
			abort();
		heap_release(&r);
	}
	pe_error_clear();
	if (locks_analyze(path, NULL, &l) < 0) {
		if (!pe_errmsg()[0])
			abort();
	} else {
		uint64_t c = 0;

		for (size_t i = 0; i < l.n; i++)
			c += l.locks[i].contended;
		if (c != l.contended)
			abort();
		locks_release(&l);
	}
	unlink(path);
	return 0;
}
