/*
 * libFuzzer target for the reader of libperfeng-heap.so's event stream
 * (src/prof/heap.c): the input is the event file. It is either refused
 * with a message of its own, or analysed into totals that hold together:
 * no more frees than allocations, nothing leaked beyond what was allocated,
 * a peak no larger than the bytes allocated.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prof/heap.h"
#include "util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/fuzz-heap.XXXXXX";
	int fd = mkstemp(path);
	struct heap_result r;

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
	unlink(path);
	return 0;
}
