/*
 * --call-graph dwarf through libdwfl's own unwinder: one Dwfl per process
 * with its binaries reported at the addresses the process maps them at
 * (rebuilt when its maps change), attached with thread callbacks that hand
 * libdwfl the registers and the stack copy of the sample at hand instead of
 * a ptrace'd thread. dwfl_getthread_frames then walks the CFI of every
 * frame with elfutils' x86-64 backend.
 */
#include "prof/unwind.h"

#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prof/symbols.h"
#include "util/xalloc.h"

struct unwind_proc {
	Dwfl *dwfl;
	unsigned gen;		/* the maps generation it was built from */
	int ok;			/* attached */
	Dwfl_Callbacks cb;
	char *debuginfo_path;
	/* the sample being unwound */
	const struct unwind_state *st;
	struct proc_maps *pm;
	uint64_t *ips;
	size_t n, max;
};

static bool cb_next_thread_get(Dwfl *dwfl, pid_t tid, void *dwfl_arg, void **thread_argp)
{
	(void)dwfl;
	(void)tid;
	*thread_argp = dwfl_arg;
	return true;
}

static pid_t cb_next_thread(Dwfl *dwfl, void *dwfl_arg, void **thread_argp)
{
	(void)dwfl;
	if (*thread_argp)
		return 0;
	*thread_argp = dwfl_arg;
	return 1;
}

static bool cb_memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *dwfl_arg)
{
	struct unwind_proc *u = dwfl_arg;
	const struct unwind_state *st = u->st;

	const struct map *m;
	ssize_t n;
	int fd;

	(void)dwfl;
	if (!st)
		return false;
	if (addr >= st->stack_base && addr - st->stack_base <= st->stack_len &&
	    st->stack_len - (addr - st->stack_base) >= sizeof(*result)) {
		memcpy(result, st->stack + (addr - st->stack_base), sizeof(*result));
		return true;
	}
	/*
	 * Not on the copied stack: read-only data of a mapped file (a CFI
	 * expression that dereferences a table) is the same in the file.
	 * Rare, so no descriptor is kept open.
	 */
	m = u->pm ? maps_lookup(u->pm, addr) : NULL;
	if (!m || m->path[0] != '/' || m->end - addr < sizeof(*result))
		return false;
	fd = open(m->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = pread(fd, result, sizeof(*result), (off_t)(addr - m->start + m->pgoff));
	close(fd);
	return n == (ssize_t)sizeof(*result);
}

static bool cb_set_initial_registers(Dwfl_Thread *thread, void *thread_arg)
{
	struct unwind_proc *u = thread_arg;
	Dwarf_Word regs[2] = { u->st->bp, u->st->sp };	/* DWARF 6 rbp, 7 rsp */

	if (!dwfl_thread_state_registers(thread, 6, 2, regs))
		return false;
	dwfl_thread_state_register_pc(thread, u->st->ip);
	return true;
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = cb_next_thread,
	.get_thread = cb_next_thread_get,
	.memory_read = cb_memory_read,
	.set_initial_registers = cb_set_initial_registers,
};

void unwind_proc_free(void *p)
{
	struct unwind_proc *u = p;

	if (!u)
		return;
	if (u->dwfl)
		dwfl_end(u->dwfl);
	free(u->debuginfo_path);
	free(u);
}

/* Reports each file mapping of pm once, at its load bias; then attaches. */
static void unwind_proc_build(struct unwind_proc *u, struct proc_maps *pm, unwind_lookup_fn lookup, void *ctx)
{
	const char **seen = xcalloc(pm->n + 1, sizeof(*seen));
	size_t nseen = 0;

	if (u->dwfl)
		dwfl_end(u->dwfl);
	u->ok = 0;
	u->dwfl = dwfl_begin(&u->cb);
	if (!u->dwfl) {
		free(seen);
		return;
	}
	dwfl_report_begin(u->dwfl);
	for (size_t i = 0; i < pm->n; i++) {
		struct map *m = &pm->v[i];
		uint64_t vaddr;
		size_t k;

		for (k = 0; k < nseen && seen[k] != m->path; k++)
			;
		if (k < nseen || !lookup(ctx, m->start, &vaddr))
			continue;	/* reported already, or not a file */
		seen[nseen++] = m->path;
		dwfl_report_elf(u->dwfl, m->path, m->path, -1, m->start - vaddr, false);
	}
	dwfl_report_end(u->dwfl, NULL, NULL);
	free(seen);
	u->ok = dwfl_attach_state(u->dwfl, NULL, pm->pid, &thread_callbacks, u);
	u->gen = pm->gen;
}

static int frame_cb(Dwfl_Frame *frame, void *arg)
{
	struct unwind_proc *u = arg;
	Dwarf_Addr pc;
	bool activation;

	if (!dwfl_frame_pc(frame, &pc, &activation) || u->n >= u->max)
		return DWARF_CB_ABORT;
	/* return addresses are left as they are: the caller looks up pc - 1 */
	u->ips[u->n++] = pc;
	return DWARF_CB_OK;
}

size_t unwind_dwfl(void **slot, struct proc_maps *pm, const struct unwind_state *st,
		   unwind_lookup_fn lookup, void *ctx, uint64_t *ips, size_t max)
{
	struct unwind_proc *u = *slot;

	if (!u) {
		u = xcalloc(1, sizeof(*u));
		u->debuginfo_path = xstrdup("+:.debug:/usr/lib/debug");
		u->cb.find_elf = dwfl_build_id_find_elf;
		u->cb.find_debuginfo = dwfl_standard_find_debuginfo;
		u->cb.debuginfo_path = &u->debuginfo_path;
		u->gen = pm->gen + 1;
		*slot = u;
	}
	if (u->gen != pm->gen)
		unwind_proc_build(u, pm, lookup, ctx);
	if (!u->ok)
		return 0;
	u->st = st;
	u->pm = pm;
	u->ips = ips;
	u->n = 0;
	u->max = max;
	dwfl_getthread_frames(u->dwfl, 1, frame_cb, u);
	u->st = NULL;
	u->pm = NULL;
	return u->n;
}
