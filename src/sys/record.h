/*
 * The `observe --record` file: raw samples (struct sys_sample), as text, so
 * that `--replay` derives and renders exactly what the live run did. The
 * format is versioned and documented in docs/observe.md ("Record file"):
 *
 *   perfeng-observe-record 1        first line: magic and version
 *   hz 100                          header lines, before the first sample
 *   note <text>                     (the GPU note of the live run)
 *   sample <t_ns> <have>            starts a sample; then its lines:
 *   <key> <value>                   one scalar counter (see rec_fields)
 *   cpu all|N <8 counters>          disk NAME <9>   net NAME <9>
 *   fs <5> MOUNT    gpu <10> NAME   proc <15>
 *   end                             ends the sample
 *
 * Unknown keys are skipped, so later versions may add counters.
 */
#ifndef PE_SYS_RECORD_H
#define PE_SYS_RECORD_H

#include <stdio.h>

#include "sys/use.h"

#define REC_MAGIC "perfeng-observe-record"
#define REC_VERSION 1

/* Writes the header. Returns 0, or -1 with pe_error() on a write error. */
int rec_write_header(FILE *f, long hz, const char *note);
int rec_write(FILE *f, const struct sys_sample *s);

struct rec_reader {
	FILE *f;
	const char *name;	/* for messages */
	unsigned lineno;
	long hz;
	char note[160];
	char line[1024];
	int pending;		/* line[] holds the next sample's first line */
};

/* Reads the header from f (which the caller owns). 0, or -1 with pe_error(). */
int rec_reader_init(struct rec_reader *r, FILE *f, const char *name);
/* Reads the next sample: 1, 0 at the end of the file, -1 with pe_error() when malformed. */
int rec_read(struct rec_reader *r, struct sys_sample *s);

#endif
