/*
 * Per-process executable mappings and JIT maps. A process has tens of
 * executable mappings, so a sorted array with binary search is enough; the
 * pids hash into a table that grows with them (a target that forks hundreds
 * of children).
 */
#include "prof/maps.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/error.h"
#include "util/xalloc.h"

/* Interned paths: mappings of the same file in many processes share one string. */
struct strpool {
	char **v;
	size_t n, alloc;	/* open addressing, alloc a power of two */
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static const char *strpool_intern(struct strpool *p, const char *s)
{
	size_t i;

	if (2 * (p->n + 1) > p->alloc) {
		size_t na = p->alloc ? 2 * p->alloc : 64;
		char **nv = xcalloc(na, sizeof(*nv));

		for (size_t k = 0; k < p->alloc; k++) {
			if (!p->v[k])
				continue;
			for (i = hash_str(p->v[k]) & (na - 1); nv[i]; i = (i + 1) & (na - 1))
				;
			nv[i] = p->v[k];
		}
		free(p->v);
		p->v = nv;
		p->alloc = na;
	}
	for (i = hash_str(s) & (p->alloc - 1); p->v[i]; i = (i + 1) & (p->alloc - 1))
		if (!strcmp(p->v[i], s))
			return p->v[i];
	p->v[i] = xstrdup(s);
	p->n++;
	return p->v[i];
}

void maps_init(struct maps *m)
{
	memset(m, 0, sizeof(*m));
	m->nbucket = 256;
	m->bucket = xcalloc(m->nbucket, sizeof(*m->bucket));
	m->paths = xcalloc(1, sizeof(*m->paths));
	m->jit_dir = "/tmp";
}

static void proc_maps_free_jit(struct proc_maps *pm)
{
	for (size_t i = 0; i < pm->njit; i++)
		free(pm->jit[i].name);
	free(pm->jit);
	pm->jit = NULL;
	pm->njit = 0;
}

void maps_release(struct maps *m)
{
	for (size_t b = 0; b < m->nbucket; b++) {
		struct proc_maps *pm = m->bucket[b], *next;

		for (; pm; pm = next) {
			next = pm->next;
			if (pm->unwind && m->unwind_free)
				m->unwind_free(pm->unwind);
			proc_maps_free_jit(pm);
			free(pm->v);
			free(pm);
		}
	}
	free(m->bucket);
	if (m->paths) {
		for (size_t i = 0; i < m->paths->alloc; i++)
			free(m->paths->v[i]);
		free(m->paths->v);
		free(m->paths);
	}
	memset(m, 0, sizeof(*m));
}

struct proc_maps *maps_find(struct maps *m, pid_t pid)
{
	struct proc_maps *pm = m->bucket[(size_t)pid & (m->nbucket - 1)];

	while (pm && pm->pid != pid)
		pm = pm->next;
	return pm;
}

static void maps_grow(struct maps *m)
{
	size_t nb = m->nbucket * 2;
	struct proc_maps **nbk = xcalloc(nb, sizeof(*nbk));

	for (size_t b = 0; b < m->nbucket; b++) {
		struct proc_maps *pm = m->bucket[b], *next;

		for (; pm; pm = next) {
			next = pm->next;
			pm->next = nbk[(size_t)pm->pid & (nb - 1)];
			nbk[(size_t)pm->pid & (nb - 1)] = pm;
		}
	}
	free(m->bucket);
	m->bucket = nbk;
	m->nbucket = nb;
}

struct proc_maps *maps_proc(struct maps *m, pid_t pid)
{
	struct proc_maps *pm = maps_find(m, pid);

	if (pm)
		return pm;
	if (m->nproc >= m->nbucket)
		maps_grow(m);
	pm = xcalloc(1, sizeof(*pm));
	pm->pid = pid;
	pm->next = m->bucket[(size_t)pid & (m->nbucket - 1)];
	m->bucket[(size_t)pid & (m->nbucket - 1)] = pm;
	m->nproc++;
	return pm;
}

static void proc_maps_reserve(struct proc_maps *pm, size_t extra)
{
	if (pm->n + extra <= pm->alloc)
		return;
	pm->alloc = pm->alloc * 2 > pm->n + extra ? pm->alloc * 2 : pm->n + extra + 16;
	pm->v = xrealloc(pm->v, pm->alloc * sizeof(*pm->v));
}

void maps_insert(struct maps *m, struct proc_maps *pm, uint64_t start, uint64_t len,
		 uint64_t pgoff, const char *path)
{
	uint64_t end = start + len;
	size_t i, w = 0;
	struct map *old;
	size_t nold;

	if (!len || end < start)
		return;
	pm->gen++;
	/* cut [start, end) out of every mapping that overlaps it */
	proc_maps_reserve(pm, 2);
	old = xmalloc((pm->n + 2) * sizeof(*old));
	nold = 0;
	for (i = 0; i < pm->n; i++) {
		struct map mp = pm->v[i];

		if (mp.end <= start || mp.start >= end) {
			old[nold++] = mp;
			continue;
		}
		if (mp.start < start) {
			struct map left = mp;

			left.end = start;
			old[nold++] = left;
		}
		if (mp.end > end) {
			struct map right = mp;

			right.pgoff += end - mp.start;
			right.start = end;
			old[nold++] = right;
		}
	}
	proc_maps_reserve(pm, nold + 1 > pm->n ? nold + 1 - pm->n : 0);
	for (i = 0; i < nold && old[i].start < start; i++)
		pm->v[w++] = old[i];
	pm->v[w].start = start;
	pm->v[w].end = end;
	pm->v[w].pgoff = pgoff;
	pm->v[w].path = strpool_intern(m->paths, path ? path : "");
	pm->v[w].dso = NULL;
	w++;
	for (; i < nold; i++)
		pm->v[w++] = old[i];
	pm->n = w;
	free(old);
}

struct map *maps_lookup(struct proc_maps *pm, uint64_t addr)
{
	size_t lo = 0, hi = pm->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < pm->v[mid].start)
			hi = mid;
		else if (addr >= pm->v[mid].end)
			lo = mid + 1;
		else
			return &pm->v[mid];
	}
	return NULL;
}

void maps_clear(struct proc_maps *pm)
{
	pm->n = 0;
	pm->gen++;
	proc_maps_free_jit(pm);
	pm->jit_loaded = 0;
}

void maps_fork(struct maps *m, pid_t parent, pid_t child)
{
	struct proc_maps *pp = maps_find(m, parent), *pc;

	if (!pp || parent == child)
		return;
	pc = maps_proc(m, child);
	pp = maps_find(m, parent);	/* maps_proc may have rehashed; the node itself did not move */
	proc_maps_reserve(pc, pp->n);
	memcpy(pc->v, pp->v, pp->n * sizeof(*pp->v));
	pc->n = pp->n;
	pc->gen++;
	memcpy(pc->comm, pp->comm, sizeof(pc->comm));
	pc->exited = 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex digits at *p (at most 16), advancing *p. Returns the digit count. */
static int parse_hex(const char **p, const char *end, uint64_t *v)
{
	int n = 0;

	*v = 0;
	if (end - *p > 2 && (*p)[0] == '0' && ((*p)[1] == 'x' || (*p)[1] == 'X'))
		*p += 2;
	while (*p < end && hexval(**p) >= 0) {
		if (++n > 16)
			return -1;
		*v = (*v << 4) | (uint64_t)hexval(**p);
		(*p)++;
	}
	return n;
}

static const char *skip_spaces(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static const char *skip_field(const char *p, const char *end)
{
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	return p;
}

int maps_parse_line(const char *line, size_t len, struct maps_line *out)
{
	const char *p = line, *end = line + len;

	while (end > p && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	memset(out, 0, sizeof(*out));
	if (parse_hex(&p, end, &out->start) <= 0 || p >= end || *p++ != '-')
		return -1;
	if (parse_hex(&p, end, &out->end) <= 0 || out->end < out->start)
		return -1;
	p = skip_spaces(p, end);
	if (end - p < 4)
		return -1;
	out->exec = p[2] == 'x';
	p = skip_spaces(skip_field(p, end), end);
	if (parse_hex(&p, end, &out->pgoff) <= 0)
		return -1;
	p = skip_spaces(p, end);
	p = skip_spaces(skip_field(p, end), end);	/* dev */
	if (p >= end)
		return -1;
	p = skip_spaces(skip_field(p, end), end);	/* inode */
	out->path = p;
	out->path_len = (size_t)(end - p);
	return 0;
}

/* Reads a whole small file (a /proc file: st_size is 0) into a NUL-terminated buffer. */
static char *read_all(const char *path, size_t *lenp, int *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0, alloc = 8192;
	char *buf;

	if (fd < 0) {
		*err = errno;
		return NULL;
	}
	buf = xmalloc(alloc);
	for (;;) {
		ssize_t n;

		if (alloc - len < 4096)
			buf = xrealloc(buf, alloc *= 2);
		n = read(fd, buf + len, alloc - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*err = errno;
			close(fd);
			free(buf);
			return NULL;
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	*lenp = len;
	return buf;
}

int maps_read_proc(struct maps *m, struct proc_maps *pm)
{
	char path[64];
	size_t len;
	int err = 0;
	char *text, *line, *nl;

	pm->proc_read_ns = clock_now_ns();
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pm->pid);
	text = read_all(path, &len, &err);
	if (text) {
		if (len && text[len - 1] == '\n')
			text[--len] = '\0';
		snprintf(pm->comm, sizeof(pm->comm), "%s", text);
		free(text);
	}
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pm->pid);
	text = read_all(path, &len, &err);
	if (!text)
		return pe_error("cannot read '%s': %s", path, strerror(err)), -err;
	for (line = text; line < text + len; line = nl + 1) {
		struct maps_line ml;
		char name[4096];

		nl = memchr(line, '\n', (size_t)(text + len - line));
		if (!nl)
			nl = text + len;
		if (maps_parse_line(line, (size_t)(nl - line), &ml) < 0 || !ml.exec)
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)ml.path_len, ml.path);
		maps_insert(m, pm, ml.start, ml.end - ml.start, ml.pgoff, name);
	}
	free(text);
	return 0;
}

int maps_parse_jit_line(const char *line, size_t len, uint64_t *start, uint64_t *size,
			const char **name, size_t *name_len)
{
	const char *p = line, *end = line + len;

	while (end > p && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	if (parse_hex(&p, end, start) <= 0 || p >= end || (*p != ' ' && *p != '\t'))
		return -1;
	p = skip_spaces(p, end);
	if (parse_hex(&p, end, size) <= 0 || p >= end || (*p != ' ' && *p != '\t'))
		return -1;
	p = skip_spaces(p, end);
	if (p >= end)
		return -1;
	*name = p;
	*name_len = (size_t)(end - p);
	return 0;
}

static int jit_cmp(const void *a, const void *b)
{
	const struct jit_sym *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

void maps_load_jit_text(struct proc_maps *pm, const char *text, size_t len)
{
	const char *line = text, *nl;
	size_t alloc = 0;

	proc_maps_free_jit(pm);
	for (; line < text + len; line = nl + 1) {
		uint64_t s, sz;
		const char *name;
		size_t nlen;

		nl = memchr(line, '\n', (size_t)(text + len - line));
		if (!nl)
			nl = text + len;
		if (maps_parse_jit_line(line, (size_t)(nl - line), &s, &sz, &name, &nlen) < 0 || !sz)
			continue;
		if (pm->njit == alloc) {
			alloc = alloc ? 2 * alloc : 64;
			pm->jit = xrealloc(pm->jit, alloc * sizeof(*pm->jit));
		}
		pm->jit[pm->njit].start = s;
		pm->jit[pm->njit].size = sz;
		pm->jit[pm->njit].name = xstrndup(name, nlen);
		pm->njit++;
	}
	/* a later line for the same code wins: sort stable by start, keep order of equal starts */
	if (pm->njit)
		qsort(pm->jit, pm->njit, sizeof(*pm->jit), jit_cmp);
}

static const struct jit_sym *jit_find(const struct proc_maps *pm, uint64_t addr)
{
	size_t lo = 0, hi = pm->njit;
	const struct jit_sym *best = NULL;

	/* the last symbol starting at or below addr, then back while they overlap */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pm->jit[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i-- > 0 && i + 64 >= lo;) {
		if (addr - pm->jit[i].start < pm->jit[i].size) {
			best = &pm->jit[i];
			break;
		}
	}
	return best;
}

const struct jit_sym *maps_jit_lookup(struct maps *m, struct proc_maps *pm, uint64_t addr)
{
	char path[4200];
	struct stat st;

	snprintf(path, sizeof(path), "%s/perf-%d.map", m->jit_dir, (int)pm->pid);
	if (!pm->jit_loaded || (!jit_find(pm, addr) && stat(path, &st) == 0 && st.st_size != pm->jit_size)) {
		size_t len;
		int err;
		char *text = read_all(path, &len, &err);

		pm->jit_loaded = 1;
		if (text) {
			maps_load_jit_text(pm, text, len);
			pm->jit_size = (long long)len;
			free(text);
		}
	}
	return jit_find(pm, addr);
}

int maps_is_file(const struct map *m)
{
	return m && m->path[0] == '/' && strncmp(m->path, "//anon", 6) != 0;
}
