/*
 * Reading a profile from a file or standard input: the whole input is read
 * into memory, told apart (folded stacks or `perf script` text) and handed
 * to the matching reader. Shared by `flamegraph`, `diff` and the fuzzers'
 * callers; the readers themselves never touch files.
 */
#ifndef PE_PROF_INPUT_H
#define PE_PROF_INPUT_H

#include "prof/folded.h"
#include "prof/perfscript.h"
#include "prof/profile.h"

enum profile_input_format {
	PROFILE_IN_AUTO,
	PROFILE_IN_FOLDED,
	PROFILE_IN_PERFSCRIPT,
};

struct profile_input_opts {
	enum profile_input_format format;
	int skip_bad;			/* folded: skip and count bad lines instead of failing */
	struct perfscript_opts perf;
};

/*
 * Adds the stacks of path ("-": standard input) to p. Returns 0, or -1
 * with pe_error() naming the file: cannot open or read it, a bad folded
 * line (with its number), or no stacks at all in it. *fmt_out (may be NULL)
 * says which reader read it.
 */
int profile_read_file(struct profile *p, const char *path, const struct profile_input_opts *o,
		      struct prof_read_stats *st, enum profile_input_format *fmt_out);

/* As profile_read_file, from memory; name is for messages. */
int profile_read_buf(struct profile *p, const char *buf, size_t len, const char *name,
		     const struct profile_input_opts *o, struct prof_read_stats *st,
		     enum profile_input_format *fmt_out);

/*
 * What the user should hear about a read that succeeded: lines skipped,
 * stacks cut, samples of other events left out. Appends one sentence per
 * line to sb (nothing when all is well).
 */
struct strbuf;
void profile_input_notes(const struct profile *p, const struct prof_read_stats *st,
			 const char *name, struct strbuf *sb);

#endif
