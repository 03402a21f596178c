/*
 * Profiles in the results store: `profile --save` keeps a profile's top
 * functions as metrics (so `compare` and `history` follow a function's
 * share across runs) and the whole profile as folded stacks in a blob (so
 * `diff` can draw a differential flame graph against a stored run).
 */
#ifndef PE_PROF_PERSIST_H
#define PE_PROF_PERSIST_H

#include <stddef.h>

#include "prof/profile.h"
#include "store/store.h"

/* The metric whose blob holds the profile; its one sample is the total weight. */
#define PROFILE_STORE_METRIC "profile"
/* Function metrics are named "self:" and the function's name. */
/* How many functions `--save` keeps as metrics, by default. */
#define PROFILE_STORE_TOP 20
#define PROFILE_STORE_SELF_PREFIX "self:"

/*
 * Adds p to run, which the caller has filled (kind "profile", name, host,
 * tags, ...), and saves it with store_save() (setting run->id):
 *   "self:NAME" for the top functions (profile_top: at most top, all when
 *   0; none without self weight): the self share in percent (unit "%", lower is better), one sample;
 *   functions of the same name in several modules are summed;
 *   "profile": the total weight in p's unit, with the folded stacks, the
 *   unit, event and period as its blob (zlib-compressed).
 * Returns 0, or -1 with pe_error() set.
 */
int profile_store_save(struct store *st, struct store_run *run, const struct profile *p, size_t top);

/*
 * Adds the profile of the run ref (an id, NAME, NAME@latest~N, NAME@TAG)
 * to p, which the caller has initialised. Returns 0, or -1 with pe_error()
 * set ("run 'x' has no saved profile" when the run is not a profile).
 */
int profile_store_load(struct store *st, const char *ref, struct profile *p);

/* The blob format alone, for tests: encode appends to *out (caller frees), decode adds to p. */
int profile_blob_encode(const struct profile *p, void **out, size_t *len);
int profile_blob_decode(struct profile *p, const void *blob, size_t len);

#endif
