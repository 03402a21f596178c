/*
 * libFuzzer target for what the profiler reads from outside: lines of
 * /proc/PID/maps, JIT maps (/tmp/perf-PID.map, written by any runtime), and
 * perf records as the kernel's ring buffer hands them over (the first byte
 * picks which). Each must parse or refuse without reading past the input,
 * and perf records must read alike 8-byte aligned (as the kernel hands them
 * over) and misaligned.
 */
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "prof/maps.h"
#include "prof/profile.h"
#include "prof/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	uint8_t which = data[0] % 3;
	const char *text = (const char *)data + 1;
	size_t len = size - 1;

	if (which == 0) {
		struct maps_line ml;
		struct maps m;

		if (maps_parse_line(text, len, &ml) == 0) {
			if (ml.end < ml.start || ml.path + ml.path_len > text + len)
				abort();
			maps_init(&m);
			maps_insert(&m, maps_proc(&m, 1), ml.start, ml.end - ml.start, ml.pgoff, "x");
			if (ml.end > ml.start && !maps_lookup(maps_proc(&m, 1), ml.start))
				abort();
			maps_release(&m);
		}
	} else if (which == 1) {
		struct proc_maps pm = { 0 };

		maps_load_jit_text(&pm, text, len);
		for (size_t i = 0; i < pm.njit; i++) {
			if (!pm.jit[i].size)
				abort();
			free(pm.jit[i].name);
		}
		free(pm.jit);
	} else {
		struct profile p;
		struct session s;
		struct session_opts o = {
			.sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
				       PERF_SAMPLE_PERIOD | PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_REGS_USER |
				       PERF_SAMPLE_STACK_USER,
			.nregs = 3, .dwarf = data[0] & 4 ? 1 : 0, .offcpu = data[0] & 8 ? 1 : 0,
		};
		/*
		 * The records, each sized by its header. Bit 4 of the first byte
		 * picks their alignment: 8 bytes, as the kernel's ring keeps them,
		 * or back to back from an odd address, which the session must read
		 * as well (with memcpy, never a misaligned typed load). Padding is
		 * at most 7 bytes a record of at least 8: twice the input holds all.
		 */
		int odd = data[0] & 16;
		uint8_t *copy = malloc(2 * len + 8);
		size_t off = 0, at = odd ? 1 : 0;

		profile_init(&p, "samples");
		session_init(&s, &p, &o);
		while (len - off >= sizeof(struct perf_event_header)) {
			struct perf_event_header h;
			uint8_t *rec;

			memcpy(&h, text + off, sizeof(h));
			if (h.size < sizeof(h) || h.size > len - off)
				break;
			if (!odd)
				at = (at + 7) & ~(size_t)7;
			rec = copy + at;
			if (!odd && ((uintptr_t)rec & 7))
				abort();
			memcpy(rec, text + off, h.size);
			/* the TID fields name a process that does not exist: no /proc reads */
			if (h.type == PERF_RECORD_SAMPLE && h.size >= sizeof(h) + 24)
				memcpy(rec + sizeof(h) + 16, "\x00\x09\x3d\x00\x00\x09\x3d\x00", 8);
			(void)session_record_time(&s, rec, h.size);
			session_record(&s, rec, h.size);
			off += h.size;
			at += h.size;
		}
		session_finish(&s, 1);
		session_release(&s);
		profile_release(&p);
		free(copy);
	}
	return 0;
}
