/*
 * One Dwfl session per binary, reported at load bias 0 so that addresses are
 * the binary's own p_vaddr whatever the process mapped it at. Results are
 * cached per (binary, address): a profile hits the same few thousand
 * addresses over and over, and DWARF scope lookups cost microseconds.
 */
#include "prof/symbols.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prof/demangle.h"
#include "util/xalloc.h"

#define DSO_MAX_LOADS 16

/* A resolved address: frames[first .. first+n) of its dso. */
struct sym_slot {
	uint64_t vaddr;
	uint32_t first, n;	/* n == 0: empty slot */
};

struct dso {
	char *path;
	const char *name;	/* interned basename */
	Dwfl *dwfl;
	Dwfl_Module *mod;
	Dwarf_Addr bias;	/* module address = p_vaddr + bias */
	struct { uint64_t off, filesz, vaddr; } load[DSO_MAX_LOADS];
	int nload;
	Dwarf_CFI *cfi;
	Dwarf_Addr cfi_bias;
	int cfi_tried;
	struct sym_slot *slot;	/* open addressing on vaddr */
	size_t nslot, used;
	struct frame *frames;
	size_t nframes, alloc_frames;
	struct dso *next;
};

static uint64_t hash_u64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static uint64_t hash_path(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

void symbols_init(struct symbols *s, struct profile *p, const char *debug_dir,
		  int inline_frames, int lines)
{
	Dwfl_Callbacks *cb = xcalloc(1, sizeof(*cb));

	memset(s, 0, sizeof(*s));
	s->prof = p;
	s->inline_frames = inline_frames;
	s->lines = lines;
	s->nbucket = 64;
	s->bucket = xcalloc(s->nbucket, sizeof(*s->bucket));
	/*
	 * "+" also checks CRCs of debuglink files; ".debug" is the
	 * subdirectory next to the binary; absolute entries are searched for
	 * .build-id/xx/yyyy.debug and for the debuglink name under the
	 * binary's own directory.
	 */
	s->debuginfo_path = debug_dir ? xasprintf("+:.debug:%s:/usr/lib/debug", debug_dir)
				      : xstrdup("+:.debug:/usr/lib/debug");
	cb->find_elf = dwfl_build_id_find_elf;
	cb->find_debuginfo = dwfl_standard_find_debuginfo;
	cb->debuginfo_path = &s->debuginfo_path;
	s->callbacks = cb;
}

static void dso_free(struct dso *d)
{
	if (d->dwfl)
		dwfl_end(d->dwfl);
	free(d->path);
	free(d->slot);
	free(d->frames);
	free(d);
}

void symbols_release(struct symbols *s)
{
	for (size_t b = 0; b < s->nbucket; b++) {
		struct dso *d = s->bucket[b], *next;

		for (; d; d = next) {
			next = d->next;
			dso_free(d);
		}
	}
	free(s->bucket);
	free(s->debuginfo_path);
	free(s->callbacks);
	memset(s, 0, sizeof(*s));
}

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

/* Opens path, or the mapping through /proc/PID/map_files when the file is gone. */
static int dso_open_fd(const char *path, pid_t pid, const struct map *m)
{
	char alt[96];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0 || !m)
		return fd;
	snprintf(alt, sizeof(alt), "/proc/%d/map_files/%llx-%llx", (int)pid,
		 (unsigned long long)m->start, (unsigned long long)m->end);
	fd = open(alt, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {	/* the main executable: /proc/PID/exe outlives its path */
		snprintf(alt, sizeof(alt), "/proc/%d/exe", (int)pid);
		fd = open(alt, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			char link[4096];
			ssize_t n;

			snprintf(alt, sizeof(alt), "/proc/%d/exe", (int)pid);
			n = readlink(alt, link, sizeof(link) - 1);
			link[n > 0 ? n : 0] = '\0';
			if (n <= 0 || strncmp(link, path, strlen(path))) {
				close(fd);
				fd = -1;
			}
		}
	}
	return fd;
}

static void dso_load(struct symbols *s, struct dso *d, pid_t pid, const struct map *m)
{
	char clean[4096];
	const char *p = d->path;
	size_t n = strlen(p);
	GElf_Ehdr ehdr;
	size_t phnum;
	Elf *elf;
	int fd;

	/* /proc/PID/maps says "/x/y (deleted)" for a file removed since */
	if (n > 10 && !strcmp(p + n - 10, " (deleted)") && n - 10 < sizeof(clean)) {
		memcpy(clean, p, n - 10);
		clean[n - 10] = '\0';
		p = clean;
	}
	if (p[0] != '/')
		return;	/* [vdso], [anon], ... */
	fd = dso_open_fd(p, pid, m);
	if (fd < 0)
		return;
	d->dwfl = dwfl_begin(s->callbacks);
	if (!d->dwfl) {
		close(fd);
		return;
	}
	dwfl_report_begin(d->dwfl);
	/* dwfl owns fd from here */
	d->mod = dwfl_report_elf(d->dwfl, d->name, p, fd, 0, false);
	dwfl_report_end(d->dwfl, NULL, NULL);
	if (!d->mod) {
		dwfl_end(d->dwfl);
		d->dwfl = NULL;
		return;
	}
	elf = dwfl_module_getelf(d->mod, &d->bias);
	if (!elf || !gelf_getehdr(elf, &ehdr) || elf_getphdrnum(elf, &phnum) < 0)
		return;
	for (size_t i = 0; i < phnum && d->nload < DSO_MAX_LOADS; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		d->load[d->nload].off = ph.p_offset;
		d->load[d->nload].filesz = ph.p_filesz;
		d->load[d->nload].vaddr = ph.p_vaddr;
		d->nload++;
	}
}

struct dso *symbols_dso(struct symbols *s, pid_t pid, const struct map *m)
{
	const char *path = m->path;
	size_t b = hash_path(path) & (s->nbucket - 1);
	struct dso *d;

	for (d = s->bucket[b]; d; d = d->next)
		if (!strcmp(d->path, path))
			return d;
	d = xcalloc(1, sizeof(*d));
	d->path = xstrdup(path);
	{
		const char *bn = base_name(path);
		size_t len = strlen(bn);

		if (len > 10 && !strcmp(bn + len - 10, " (deleted)"))
			len -= 10;
		d->name = profile_intern(s->prof, len ? bn : "[anon]", len ? len : 6);
	}
	dso_load(s, d, pid, m);
	d->next = s->bucket[b];
	s->bucket[b] = d;
	s->ndso++;
	return d;
}

uint64_t symbols_vaddr(struct dso *d, const struct map *m, uint64_t addr)
{
	uint64_t off = addr - m->start + m->pgoff;

	for (int i = 0; i < d->nload; i++)
		if (off >= d->load[i].off && off - d->load[i].off < d->load[i].filesz)
			return off - d->load[i].off + d->load[i].vaddr;
	return off;
}

int symbols_cfi(struct dso *d, struct Dwarf_CFI_s **cfi, uint64_t *bias)
{
	if (!d->cfi_tried) {
		d->cfi_tried = 1;
		if (d->mod) {
			d->cfi = dwfl_module_eh_cfi(d->mod, &d->cfi_bias);
			if (!d->cfi)
				d->cfi = dwfl_module_dwarf_cfi(d->mod, &d->cfi_bias);
		}
	}
	if (!d->cfi)
		return -1;
	*cfi = d->cfi;
	/* cfi addresses are file addresses: vaddr + bias(module) - cfi_bias */
	*bias = d->bias - d->cfi_bias;
	return 0;
}

static const char *intern(struct symbols *s, const char *str)
{
	return str ? profile_intern(s->prof, str, strlen(str)) : NULL;
}

static struct frame frame_unknown(struct symbols *s, struct dso *d, uint64_t vaddr)
{
	char buf[300];
	struct frame f = { 0 };
	int n = snprintf(buf, sizeof(buf), "%s+0x%llx", d->name, (unsigned long long)vaddr);

	f.name = profile_intern(s->prof, buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	f.module = d->name;
	f.kind = FRAME_UNKNOWN;
	return f;
}

static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *n = dwarf_diename(die);

	if (n)
		return n;
	if (dwarf_attr_integrate(die, DW_AT_name, &attr))
		return dwarf_formstring(&attr);
	if (dwarf_attr_integrate(die, DW_AT_linkage_name, &attr))
		return dwarf_formstring(&attr);
	return NULL;
}

/* The source file named by a DW_AT_call_file index in die's CU. */
static const char *call_file(Dwarf_Die *cu, Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	Dwarf_Word idx;
	Dwarf_Files *files;
	size_t nfiles;

	if (!dwarf_attr(die, DW_AT_call_file, &attr) || dwarf_formudata(&attr, &idx) != 0)
		return NULL;
	if (dwarf_getsrcfiles(cu, &files, &nfiles) != 0 || idx >= nfiles)
		return NULL;
	return dwarf_filesrc(files, idx, NULL, NULL);
}

static unsigned call_line(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	Dwarf_Word line;

	if (!dwarf_attr(die, DW_AT_call_line, &attr) || dwarf_formudata(&attr, &line) != 0)
		return 0;
	return (unsigned)line;
}

/*
 * The function of addr and (with --inline) its inlined callees, outermost
 * first; with --lines each frame's line is where it is in its source: the
 * innermost from the line table, the others at the call of the inlined one.
 */
static size_t resolve_uncached(struct symbols *s, struct dso *d, uint64_t vaddr,
			       struct frame *out, size_t max)
{
	Dwarf_Addr addr = vaddr + d->bias, bias = 0, off;
	GElf_Sym sym;
	const char *name;
	Dwarf_Die *cu = NULL, *scopes = NULL;
	int nscopes = 0;
	size_t n = 0;
	const char *leaf_file = NULL;
	unsigned leaf_line = 0;

	if (!d->mod || !(name = dwfl_module_addrinfo(d->mod, addr, &off, &sym, NULL, NULL, NULL)))
		goto nosym;
	{
		char *readable = demangle(name);	/* C++: "ns::f(int)", not "_ZN2ns1fEi" */

		out[n] = (struct frame){ .name = intern(s, readable ? readable : name), .module = d->name,
					 .kind = FRAME_USER };
		free(readable);
	}
	n++;
	if (s->lines) {
		Dwfl_Line *l = dwfl_module_getsrc(d->mod, addr);
		int ln = 0;

		if (l && (leaf_file = dwfl_lineinfo(l, NULL, &ln, NULL, NULL, NULL)))
			leaf_line = (unsigned)ln;
	}
	if (s->inline_frames && (cu = dwfl_module_addrdie(d->mod, addr, &bias)))
		nscopes = dwarf_getscopes(cu, addr - bias, &scopes);
	if (nscopes > 0) {
		/* scopes[0] is innermost; collect the inlined ones outermost first */
		int idx[SYMBOLS_MAX_INLINE], k = 0;

		for (int i = 0; i < nscopes; i++)
			if (dwarf_tag(&scopes[i]) == DW_TAG_inlined_subroutine && k < SYMBOLS_MAX_INLINE)
				idx[k++] = i;
		for (int j = k - 1; j >= 0 && n < max; j--) {
			Dwarf_Die *in = &scopes[idx[j]];
			const char *iname = die_name(in);

			if (s->lines) {	/* the previous frame's line is where this one is called */
				const char *cf = call_file(cu, in);

				out[n - 1].file = cf ? intern(s, cf) : NULL;
				out[n - 1].line = cf ? call_line(in) : 0;
			}
			out[n] = (struct frame){ .name = intern(s, iname ? iname : "[inlined]"),
						 .module = d->name, .kind = FRAME_INLINE };
			n++;
		}
	}
	free(scopes);
	if (leaf_file) {
		out[n - 1].file = intern(s, leaf_file);
		out[n - 1].line = leaf_line;
	}
	/*
	 * The writers show names only: with --lines a frame is a line of a
	 * function, "name (file.c:42)", so flame graphs split by line.
	 */
	for (size_t i = 0; i < n; i++) {
		char buf[1024];
		int len;

		if (!out[i].file)
			continue;
		len = snprintf(buf, sizeof(buf), "%s (%s:%u)", out[i].name, base_name(out[i].file), out[i].line);
		if (len > 0 && (size_t)len < sizeof(buf))
			out[i].name = profile_intern(s->prof, buf, (size_t)len);
	}
	return n;
nosym:
	out[0] = frame_unknown(s, d, vaddr);
	return 1;
}

static void cache_grow(struct dso *d)
{
	size_t ns = d->nslot ? 2 * d->nslot : 256;
	struct sym_slot *nv = xcalloc(ns, sizeof(*nv));

	for (size_t i = 0; i < d->nslot; i++) {
		size_t j;

		if (!d->slot[i].n)
			continue;
		for (j = hash_u64(d->slot[i].vaddr) & (ns - 1); nv[j].n; j = (j + 1) & (ns - 1))
			;
		nv[j] = d->slot[i];
	}
	free(d->slot);
	d->slot = nv;
	d->nslot = ns;
}

size_t symbols_resolve(struct symbols *s, struct dso *d, uint64_t vaddr,
		       struct frame *out, size_t max)
{
	struct frame tmp[SYMBOLS_MAX_INLINE + 1];
	size_t j, n;

	if (2 * (d->used + 1) > d->nslot)
		cache_grow(d);
	for (j = hash_u64(vaddr) & (d->nslot - 1); d->slot[j].n; j = (j + 1) & (d->nslot - 1)) {
		if (d->slot[j].vaddr == vaddr) {
			n = d->slot[j].n < max ? d->slot[j].n : max;
			memcpy(out, d->frames + d->slot[j].first, n * sizeof(*out));
			return n;
		}
	}
	n = resolve_uncached(s, d, vaddr, tmp, SYMBOLS_MAX_INLINE + 1);
	if (d->nframes + n > d->alloc_frames) {
		d->alloc_frames = d->alloc_frames ? 2 * d->alloc_frames + n : 1024;
		d->frames = xrealloc(d->frames, d->alloc_frames * sizeof(*d->frames));
	}
	memcpy(d->frames + d->nframes, tmp, n * sizeof(*tmp));
	d->slot[j].vaddr = vaddr;
	d->slot[j].first = (uint32_t)d->nframes;
	d->slot[j].n = (uint32_t)n;
	d->nframes += n;
	d->used++;
	n = n < max ? n : max;
	memcpy(out, tmp, n * sizeof(*out));
	return n;
}

size_t symbols_addr_frames(struct symbols *s, struct maps *maps, struct proc_maps *pm, pid_t pid, uint64_t addr,
			   int is_return, struct map *m, struct frame *out, size_t max)
{
	uint64_t look = is_return && addr ? addr - 1 : addr;
	char buf[320];
	int n;

	if (maps_is_file(m)) {
		if (!m->dso)
			m->dso = symbols_dso(s, pid, m);
		return symbols_resolve(s, m->dso, symbols_vaddr(m->dso, m, look), out, max);
	}
	if (pm) {
		const struct jit_sym *j = maps_jit_lookup(maps, pm, look);

		if (j) {
			out[0] = (struct frame){ .name = profile_intern(s->prof, j->name, strlen(j->name)),
						 .module = profile_intern(s->prof, "[jit]", 5), .kind = FRAME_JIT };
			return 1;
		}
	}
	/* [vdso], anonymous memory, or nothing mapped that we know of */
	if (m && m->path[0] == '[')
		n = snprintf(buf, sizeof(buf), "%s+0x%llx", m->path, (unsigned long long)(look - m->start));
	else
		n = snprintf(buf, sizeof(buf), "[anon]+0x%llx", (unsigned long long)look);
	out[0] = (struct frame){ .name = profile_intern(s->prof, buf, (size_t)n), .module = NULL,
				 .kind = FRAME_UNKNOWN };
	if (m && m->path[0] == '[')
		out[0].module = profile_intern(s->prof, m->path, strlen(m->path));
	return 1;
}
