/*
 * libFuzzer target for the observe record reader (src/sys/record.c): any
 * bytes as a record file; every sample read is derived against the previous
 * one and rendered as JSON, and no figure may be negative.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "out/use_table.h"
#include "sys/record.h"
#include "sys/use.h"

static struct sys_sample a, b;
static struct use_row row;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rec_reader rd;
	FILE *f;

	if (!size)
		return 0;
	f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	if (rec_reader_init(&rd, f, "fuzz") == 0 && rec_read(&rd, &a) == 1) {
		for (int n = 0; n < 64 && rec_read(&rd, &b) == 1; n++) {
			if (b.ncpu > SYS_MAX_CPUS || b.ndisk > SYS_MAX_DISKS || b.nfs > SYS_MAX_FS ||
			    b.ngpu > SYS_MAX_GPUS || b.nnet > SYS_MAX_NETS)
				abort();
			use_derive(&a, &b, rd.hz, &row);
			for (int r = 0; r < USE_NRES; r++)
				if (row.r[r].u < 0 || row.r[r].s < 0 || row.r[r].e < 0)
					abort();
			json_decref(use_row_json(&row, a.t_ns, 1));
			a = b;
		}
	}
	fclose(f);
	return 0;
}
