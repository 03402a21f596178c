/*
 * Off-CPU time: the stack each thread had when it was switched out, held
 * until it runs again, then added to the profile weighted by the
 * nanoseconds in between. Fed by session.c from context-switch samples
 * (switch-out, with the stack) and PERF_RECORD_SWITCH (switch-in, the time).
 */
#ifndef PE_PROF_OFFCPU_H
#define PE_PROF_OFFCPU_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "prof/profile.h"

struct offcpu;

struct offcpu *offcpu_new(void);
void offcpu_free(struct offcpu *o);

/* tid left the CPU at time with this stack (frames interned in the profile). */
void offcpu_switch_out(struct offcpu *o, pid_t tid, uint64_t time, const struct frame *frames, size_t n);

/* tid runs again at time: its held stack goes into p with the time off the CPU. */
void offcpu_switch_in(struct offcpu *o, pid_t tid, uint64_t time, struct profile *p);

/* Every thread still off the CPU counts up to end. */
void offcpu_finish(struct offcpu *o, uint64_t end, struct profile *p);

#endif
