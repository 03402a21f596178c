/*
 * Address space of the profiled processes: for each pid, which file is
 * mapped executable at which address and file offset, kept right as the
 * sampler's MMAP2/COMM(exec)/FORK records arrive, or read from
 * /proc/PID/maps on attach. Also the JIT symbol maps (/tmp/perf-PID.map)
 * that runtimes write. Symbolization is not here: see symbols.h.
 */
#ifndef PE_PROF_MAPS_H
#define PE_PROF_MAPS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct dso;

struct map {
	uint64_t start, end;	/* [start, end) in the process */
	uint64_t pgoff;		/* file offset of start */
	const char *path;	/* owned by struct maps; "" for anonymous memory */
	struct dso *dso;	/* resolved by the caller (symbols_dso), cached here */
};

struct jit_sym {
	uint64_t start, size;
	char *name;
};

struct proc_maps {
	pid_t pid;
	char comm[32];
	int exited;
	struct map *v;		/* sorted by start, never overlapping */
	size_t n, alloc;
	/* /tmp/perf-PID.map, loaded at the first address no file explains */
	struct jit_sym *jit;
	size_t njit;
	int jit_loaded;
	long long jit_size;	/* size of the file when loaded; reloaded when it grows */
	unsigned gen;		/* changes with every change of the mappings */
	void *unwind;		/* the unwinder's per-process state, freed by maps->unwind_free */
	uint64_t proc_read_ns;	/* when /proc/PID/maps was last read (CLOCK_MONOTONIC), or 0 */
	struct proc_maps *next;	/* hash chain */
};

struct maps {
	struct proc_maps **bucket;
	size_t nbucket, nproc;
	struct strpool *paths;
	const char *jit_dir;	/* where perf-PID.map files are; default "/tmp" */
	void (*unwind_free)(void *);	/* frees proc_maps.unwind */
};

void maps_init(struct maps *m);
void maps_release(struct maps *m);

/* The maps of pid, created empty when absent. Owned by m. */
struct proc_maps *maps_proc(struct maps *m, pid_t pid);
/* The maps of pid, or NULL. */
struct proc_maps *maps_find(struct maps *m, pid_t pid);

/*
 * Maps [start, start+len) of path at file offset pgoff into pm, cutting away
 * whatever part of older mappings it covers (as mmap does).
 */
void maps_insert(struct maps *m, struct proc_maps *pm, uint64_t start, uint64_t len,
		 uint64_t pgoff, const char *path);
/* Whether m maps a file (not anonymous memory, [vdso], [stack]): one symbols can read. */
int maps_is_file(const struct map *m);

/* The mapping holding addr, or NULL. */
struct map *maps_lookup(struct proc_maps *pm, uint64_t addr);
/* exec: the old image is gone. */
void maps_clear(struct proc_maps *pm);
/* fork: child starts with a copy of parent's mappings and name. */
void maps_fork(struct maps *m, pid_t parent, pid_t child);

/*
 * Reads /proc/PID/maps (executable mappings only) and /proc/PID/comm into
 * pm. Returns 0, or a negative errno with pe_error() set.
 */
int maps_read_proc(struct maps *m, struct proc_maps *pm);

/*
 * One line of /proc/PID/maps: "start-end perms offset dev inode path".
 * Returns 0 and fills the fields (path points into line, len in *path_len,
 * may be 0), or -1 when the line does not have that shape.
 */
struct maps_line {
	uint64_t start, end, pgoff;
	int exec;
	const char *path;
	size_t path_len;
};
int maps_parse_line(const char *line, size_t len, struct maps_line *out);

/*
 * One line of a perf-PID.map JIT map: "START SIZE name" (hex, no 0x needed).
 * Returns 0 (name points into line), or -1.
 */
int maps_parse_jit_line(const char *line, size_t len, uint64_t *start, uint64_t *size,
			const char **name, size_t *name_len);

/* Parses a whole JIT map text into pm (replacing what it had). */
void maps_load_jit_text(struct proc_maps *pm, const char *text, size_t len);

/* The JIT symbol holding addr in pm, loading or reloading the map file as needed. */
const struct jit_sym *maps_jit_lookup(struct maps *m, struct proc_maps *pm, uint64_t addr);

#endif
