/*
 * Symbols for sampled addresses through libdw/libdwfl: one cached "dso" per
 * binary (executable, shared library), its symbol table, DWARF for inlined
 * frames and source lines, and its call-frame information for the unwinder.
 * Debug files are found by build-id under the debug directories and by
 * .gnu_debuglink, as gdb and perf look for them. Frames come out interned in
 * the caller's profile.
 */
#ifndef PE_PROF_SYMBOLS_H
#define PE_PROF_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "prof/maps.h"
#include "prof/profile.h"

/* The most frames one address can stand for (a function and what is inlined into it). */
#define SYMBOLS_MAX_INLINE 16

struct dso;
struct symbols {
	struct dso **bucket;
	size_t nbucket, ndso;
	struct profile *prof;	/* where names are interned; not owned */
	char *debuginfo_path;	/* for libdwfl: "+:.debug:<dirs>:/usr/lib/debug" */
	void *callbacks;	/* Dwfl_Callbacks, which must outlive every Dwfl */
	int inline_frames;	/* --inline */
	int lines;		/* --lines */
};

/*
 * debug_dir: a directory searched before /usr/lib/debug for
 * .build-id/xx/yyyy.debug and debuglink files, or NULL.
 */
void symbols_init(struct symbols *s, struct profile *p, const char *debug_dir,
		  int inline_frames, int lines);
void symbols_release(struct symbols *s);

/*
 * The dso of a mapping, opened at first use and cached by path. When the
 * file is gone (deleted after the process started) it is opened through
 * /proc/PID/map_files while the process lives. Never NULL: a binary that
 * cannot be read still names its frames "name+0xOFFSET".
 */
struct dso *symbols_dso(struct symbols *s, pid_t pid, const struct map *m);

/* The address in the binary's own terms (ELF p_vaddr) of process address addr in m. */
uint64_t symbols_vaddr(struct dso *d, const struct map *m, uint64_t addr);

/*
 * Fills out[] with the frames of vaddr in d, outermost first (the function,
 * then with --inline what is inlined into it). Returns the count (>= 1).
 * The frames stay valid as long as s's profile does.
 */
size_t symbols_resolve(struct symbols *s, struct dso *d, uint64_t vaddr,
		       struct frame *out, size_t max);

/*
 * The frames of process address addr (in mapping m of pm, NULL when none
 * holds it), outermost first, into out; returns the count (>= 1). A return
 * address (is_return) is looked up one byte back, in its call instruction.
 * Addresses outside files are named by JIT maps (pm's perf-PID.map), by
 * their mapping ("[vdso]+0x10"), or "[anon]+0xADDR". The profiler and heap
 * both name frames here.
 */
size_t symbols_addr_frames(struct symbols *s, struct maps *maps, struct proc_maps *pm, pid_t pid, uint64_t addr,
			   int is_return, struct map *m, struct frame *out, size_t max);

/*
 * The call-frame information of d for the unwinder: *cfi and *bias are set
 * (cfi_vaddr = vaddr + bias). Returns 0, or -1 when d has none.
 */
struct Dwarf_CFI_s;
int symbols_cfi(struct dso *d, struct Dwarf_CFI_s **cfi, uint64_t *bias);

#endif
