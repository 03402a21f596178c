/*
 * Turning the sampler's perf records into a profile: the side-band records
 * (MMAP2, COMM, FORK, EXIT) keep the per-process maps right, samples are
 * unwound (frame pointers with the leaf's caller recovered from CFI, or
 * DWARF), symbolized and added to the profile, and with --off-cpu the
 * context-switch samples are weighted by how long each thread stayed off
 * the CPU. It reads records; it opens nothing (see sampler.h).
 */
#ifndef PE_PROF_SESSION_H
#define PE_PROF_SESSION_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "prof/maps.h"
#include "prof/profile.h"
#include "prof/symbols.h"

#define SESSION_MAX_DEPTH 256
#define SESSION_MAX_IDS 8

struct offcpu;

struct session {
	struct profile *prof;	/* not owned */
	struct maps maps;
	struct symbols syms;
	uint64_t sample_type;	/* the attr's, to parse samples */
	int nregs;		/* registers in a REGS_USER block */
	int dwarf;		/* --call-graph dwarf */
	int offcpu;		/* weight context-switch samples by time off the CPU */
	int offcpu_nostack;	/* no switch samples (exclude_kernel): time from SWITCH records alone */
	/* PERF_SAMPLE_IDENTIFIER ids of the context-switch events */
	uint64_t cs_id[SESSION_MAX_IDS];
	size_t ncs_id;
	struct offcpu *off;
	uint64_t samples;	/* stacks taken */
	uint64_t lost;		/* samples the kernel dropped */
	uint64_t bad;		/* records too short to parse */
	uint64_t last_time;	/* newest record time (CLOCK_MONOTONIC ns) */
	/* scratch for one sample, allocated once */
	uint64_t *ips;
	struct map **ip_maps;	/* the mapping of each of ips */
	struct frame *frames;
};

struct session_opts {
	uint64_t sample_type;
	int nregs;
	int dwarf;
	int offcpu;
	int offcpu_nostack;
	const char *debug_dir;
	int inline_frames, lines;
	const char *jit_dir;	/* NULL: /tmp */
};

void session_init(struct session *s, struct profile *p, const struct session_opts *o);
void session_release(struct session *s);

/* Handles one record (header included; rec_len bytes). */
void session_record(struct session *s, const void *rec, size_t rec_len);

/* The record's time (from the sample or its sample_id), or 0. */
uint64_t session_record_time(const struct session *s, const void *rec, size_t rec_len);

/* Reads /proc/PID/maps for an attached process. */
int session_attach_proc(struct session *s, pid_t pid);

/* With --off-cpu: threads still off the CPU at end_ns count up to it. */
void session_finish(struct session *s, uint64_t end_ns);

#endif
