/*
 * A `load --find-max` search as a run of kind "find-max": its highest
 * passing rate (max_rate, the primary metric) and the lowest failing one,
 * the SLOs as tags ("slo:p99<200ms").
 */
#ifndef PE_STORE_FINDMAX_SAVE_H
#define PE_STORE_FINDMAX_SAVE_H

#include <stddef.h>
#include <stdint.h>

#include "http/findmax.h"
#include "store/store.h"

/* Saves it; the run's id in *id. 0, or -1 with pe_error(). */
int findmax_save(struct store *st, const char *name, const char *invocation, const char *version,
		 const char *const *tags, size_t ntags, const struct findmax_opts *fo,
		 const struct findmax_result *res, int64_t started, int64_t ended, int64_t *id);

#endif
