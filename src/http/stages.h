/*
 * --stages DUR:RATE,...: the open model's changing rate, as the load
 * engine follows it (struct load_stage, load.h): from 0, the target rate
 * moves linearly to each stage's RATE over its DUR. Parsed here from the
 * command line, and averaged for the summary's target.
 */
#ifndef PE_HTTP_STAGES_H
#define PE_HTTP_STAGES_H

#include <stddef.h>
#include <stdint.h>

#include "http/load.h"

/*
 * Parses "10s:100,1m:2000,30s:0" into *out (the caller's to free), *n
 * stages whose durations add up to *total ns. Each duration is above 0
 * and each rate 0 or more. Returns 0, or -1 with pe_error() (nothing to
 * free then).
 */
int stages_parse(const char *arg, struct load_stage **out, size_t *n, uint64_t *total);

/* The average rate: the area under the stages over their length (req/s). */
double stages_average(const struct load_stage *st, size_t n);

#endif
