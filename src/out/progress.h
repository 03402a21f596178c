/*
 * A one-line progress display on stderr: label, bar, runs done of expected,
 * ETA and the running mean. Drawn only when enabled (stderr is a terminal and
 * not --quiet), at most ten times a second; colour unless NO_COLOR.
 */
#ifndef PE_PROGRESS_H
#define PE_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

#include "util/units.h"

struct progress {
	int enabled;
	int color;
	uint64_t last_ns;
	int drawn;
};

void progress_init(struct progress *p, int enabled, int color);
/* mean in seconds (of the runs so far), eta in seconds (< 0: unknown). */
void progress_update(struct progress *p, const char *label, size_t done, size_t total,
		     double mean, double eta, enum time_unit u);
/* Erases the line, so results print on a clean terminal. */
void progress_clear(struct progress *p);

#endif
