/*
 * Unwinding a sampled user stack with the call-frame information (.eh_frame
 * or .debug_frame) of each function, from the registers and the copy of the
 * stack the kernel took at the sample (PERF_SAMPLE_REGS_USER and
 * STACK_USER). x86-64 only: the registers are ip, sp and bp, which are all
 * the CFA rules of compiled C code refer to. No ptrace, no reading of the
 * live process: what is not in the copy ends the walk.
 */
#ifndef PE_PROF_UNWIND_H
#define PE_PROF_UNWIND_H

#include <stddef.h>
#include <stdint.h>

struct dso;

struct unwind_state {
	uint64_t ip, sp, bp;
	int have_bp;
	const uint8_t *stack;	/* copy of [stack_base, stack_base + stack_len) */
	uint64_t stack_base, stack_len;
};

/* Finds the binary of a process address: returns its dso and sets *vaddr, or NULL. */
typedef struct dso *(*unwind_lookup_fn)(void *ctx, uint64_t addr, uint64_t *vaddr);

/*
 * The return address of the function executing at st->ip when the CFI says
 * its frame is still addressed from sp (a leaf that set up no frame, or a
 * function in its prologue or epilogue): frame-pointer walks skip exactly
 * that caller. Returns 0 and sets *ra, or -1 when the frame is bp-based or
 * the CFI or the stack copy cannot tell.
 */
int unwind_leaf_caller(struct dso *d, uint64_t vaddr, const struct unwind_state *st, uint64_t *ra);

/*
 * Walks the whole stack from st: ips[0] = st->ip, then each return address.
 * Returns the number of addresses stored (at most max, at least 1).
 */
size_t unwind_dwarf(const struct unwind_state *st, unwind_lookup_fn lookup, void *ctx,
		    uint64_t *ips, size_t max);

/*
 * The same walk by libdwfl's unwinder (dwfl_attach_state with callbacks
 * that serve the sample's registers and stack copy, dwfl_getthread_frames),
 * with a Dwfl per process kept in *slot (free with unwind_proc_free) and
 * rebuilt when pm's mappings change. Returns the addresses stored, or 0
 * when libdwfl could not start (the caller falls back to unwind_dwarf).
 */
struct proc_maps;
size_t unwind_dwfl(void **slot, struct proc_maps *pm, const struct unwind_state *st,
		   unwind_lookup_fn lookup, void *ctx, uint64_t *ips, size_t max);
void unwind_proc_free(void *p);

#endif
