/*
 * Writer and reader of the observe record file (format in record.h and
 * docs/observe.md). Field lists are offsetof tables shared by both
 * directions, so a counter added to struct sys_sample is recorded and
 * replayed by adding one table entry.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sys/record.h"
#include "util/error.h"
#include "util/xalloc.h"

#define S(f) { #f, offsetof(struct sys_sample, f) }
static const struct rec_field {
	const char *key;
	size_t off;
} rec_fields[] = {
	S(ncpu), S(ctxt), S(procs_running), S(procs_blocked),
	S(mem_total), S(mem_available), S(mem_free), S(swap_total), S(swap_free),
	S(pgscan), S(pgsteal), S(pswpin), S(pswpout), S(pgmajfault), S(oom_kill),
	S(psi_cpu_some), S(psi_mem_some), S(psi_mem_full), S(psi_io_some), S(psi_io_full),
	S(tcp_out_segs), S(tcp_retrans_segs), S(tcp_in_errs), S(fd_alloc), S(fd_max),
	S(sched_run_ns), S(sched_wait_ns), S(sched_slices),
	S(cg_usage_usec), S(cg_nr_periods), S(cg_nr_throttled), S(cg_throttled_usec),
	S(cg_mem_current), S(cg_mem_max), S(cg_mem_high_events), S(cg_mem_max_events),
	S(cg_oom), S(cg_oom_kill),
};
#undef S

#define O(type, f) offsetof(struct type, f)
static const size_t cpu_offs[] = {
	O(sys_cpu, user), O(sys_cpu, nice), O(sys_cpu, system), O(sys_cpu, idle),
	O(sys_cpu, iowait), O(sys_cpu, irq), O(sys_cpu, softirq), O(sys_cpu, steal),
};
static const size_t disk_offs[] = {
	O(sys_disk, rd_ios), O(sys_disk, rd_sectors), O(sys_disk, rd_ms), O(sys_disk, wr_ios),
	O(sys_disk, wr_sectors), O(sys_disk, wr_ms), O(sys_disk, in_flight),
	O(sys_disk, io_ticks_ms), O(sys_disk, queue_ms),
};
static const size_t net_offs[] = {
	O(sys_net, rx_bytes), O(sys_net, rx_packets), O(sys_net, rx_errs), O(sys_net, rx_drop),
	O(sys_net, tx_bytes), O(sys_net, tx_packets), O(sys_net, tx_errs), O(sys_net, tx_drop),
	O(sys_net, speed_mbps),
};
static const size_t fs_offs[] = {
	O(sys_fs, size), O(sys_fs, avail), O(sys_fs, used), O(sys_fs, files), O(sys_fs, ffree),
};
static const size_t gpu_offs[] = {
	O(sys_gpu, util_gpu), O(sys_gpu, util_mem), O(sys_gpu, mem_used), O(sys_gpu, mem_total),
	O(sys_gpu, power_mw), O(sys_gpu, power_limit_mw), O(sys_gpu, sm_clock_mhz),
	O(sys_gpu, sm_clock_max_mhz), O(sys_gpu, throttle), O(sys_gpu, ecc_uncorrected),
};
static const size_t proc_offs[] = {
	O(sys_proc, utime), O(sys_proc, stime), O(sys_proc, run_delay_ns), O(sys_proc, rss_kib),
	O(sys_proc, minflt), O(sys_proc, majflt), O(sys_proc, read_bytes), O(sys_proc, write_bytes),
	O(sys_proc, vol_ctxt), O(sys_proc, invol_ctxt), O(sys_proc, threads), O(sys_proc, fds),
};
#undef O

static uint64_t *u64_at(void *base, size_t off)
{
	return (uint64_t *)((char *)base + off);
}

static void put_fields(FILE *f, const void *base, const size_t *offs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, " %" PRIu64, *u64_at((void *)base, offs[i]));
}

int rec_write_header(FILE *f, long hz, const char *note)
{
	fprintf(f, "%s %d\nhz %ld\n", REC_MAGIC, REC_VERSION, hz);
	if (note && *note)
		fprintf(f, "note %s\n", note);
	if (fflush(f) || ferror(f))
		return pe_error("cannot write the record file: %s", strerror(errno));
	return 0;
}

int rec_write(FILE *f, const struct sys_sample *s)
{
	fprintf(f, "sample %" PRIu64 " %" PRIu32 "\n", s->t_ns, s->have);
	for (size_t i = 0; i < ARRAY_SIZE(rec_fields); i++) {
		const void *p = (const char *)s + rec_fields[i].off;
		uint64_t v = rec_fields[i].off == offsetof(struct sys_sample, ncpu) ?
			     *(const uint32_t *)p : *(const uint64_t *)p;

		fprintf(f, "%s %" PRIu64 "\n", rec_fields[i].key, v);
	}
	fputs("cpu all", f);
	put_fields(f, &s->cpu_all, cpu_offs, ARRAY_SIZE(cpu_offs));
	fputc('\n', f);
	for (uint32_t i = 0; i < s->ncpu; i++) {
		fprintf(f, "cpu %" PRIu32, i);
		put_fields(f, &s->cpu[i], cpu_offs, ARRAY_SIZE(cpu_offs));
		fputc('\n', f);
	}
	for (uint32_t i = 0; i < s->ndisk; i++) {
		fprintf(f, "disk %s", s->disk[i].name);
		put_fields(f, &s->disk[i], disk_offs, ARRAY_SIZE(disk_offs));
		fputc('\n', f);
	}
	for (uint32_t i = 0; i < s->nnet; i++) {
		fprintf(f, "net %s", s->net[i].name);
		put_fields(f, &s->net[i], net_offs, ARRAY_SIZE(net_offs));
		fputc('\n', f);
	}
	for (uint32_t i = 0; i < s->nfs; i++) {
		fputs("fs", f);
		put_fields(f, &s->fs[i], fs_offs, ARRAY_SIZE(fs_offs));
		fprintf(f, " %s\n", s->fs[i].mount);
	}
	for (uint32_t i = 0; i < s->ngpu; i++) {
		fputs("gpu", f);
		put_fields(f, &s->gpu[i], gpu_offs, ARRAY_SIZE(gpu_offs));
		fprintf(f, " %s\n", s->gpu[i].name);
	}
	if (s->proc.pid) {
		fprintf(f, "proc %" PRId32 " %" PRIu32, s->proc.pid, s->proc.alive);
		put_fields(f, &s->proc, proc_offs, ARRAY_SIZE(proc_offs));
		fputc('\n', f);
	}
	fputs("end\n", f);
	if (fflush(f) || ferror(f))
		return pe_error("cannot write the record file: %s", strerror(errno));
	return 0;
}

/* Reads the next line into r->line without its newline; 0 at EOF, -1 when too long. */
static int rec__line(struct rec_reader *r)
{
	if (r->pending) {
		r->pending = 0;
		return 1;
	}
	if (!fgets(r->line, sizeof(r->line), r->f))
		return 0;
	r->lineno++;
	size_t n = strlen(r->line);

	if (n && r->line[n - 1] == '\n')
		r->line[--n] = 0;
	else if (!feof(r->f))
		return pe_error("'%s' line %u: line too long", r->name, r->lineno);
	return 1;
}

/* One decimal unsigned from *p, advancing it. 0 or -1. */
static int rec__u64(char **p, uint64_t *out)
{
	char *end;

	while (**p == ' ')
		(*p)++;
	if (**p < '0' || **p > '9')
		return -1;
	errno = 0;
	*out = strtoull(*p, &end, 10);
	if (errno)
		return -1;
	*p = end;
	return 0;
}

static int get_fields(char **p, void *base, const size_t *offs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (rec__u64(p, u64_at(base, offs[i])) < 0)
			return -1;
	return 0;
}

/* The rest of the line after one space, copied into out (cut to fit). */
static int rec__name(char **p, char *out, size_t n)
{
	while (**p == ' ')
		(*p)++;
	size_t len = strlen(*p);

	if (!len)
		return -1;
	if (len >= n)
		len = n - 1;
	memcpy(out, *p, len);
	out[len] = 0;
	return 0;
}

/* A word (disk or interface name) up to the next space. */
static int rec__word(char **p, char *out, size_t n)
{
	while (**p == ' ')
		(*p)++;
	size_t len = strcspn(*p, " ");

	if (!len || len >= n)
		return -1;
	memcpy(out, *p, len);
	out[len] = 0;
	*p += len;
	return 0;
}

int rec_reader_init(struct rec_reader *r, FILE *f, const char *name)
{
	int rc;

	memset(r, 0, sizeof(*r));
	r->f = f;
	r->name = name;
	r->hz = 100;
	rc = rec__line(r);
	if (rc <= 0)
		return rc < 0 ? -1 : pe_error("'%s' is empty, not an observe record", name);
	size_t ml = strlen(REC_MAGIC);

	if (strncmp(r->line, REC_MAGIC, ml) || r->line[ml] != ' ')
		return pe_error("'%s' is not an observe record (no '%s' line)", name, REC_MAGIC);
	long v = strtol(r->line + ml + 1, NULL, 10);

	if (v != REC_VERSION)
		return pe_error("'%s': record version %ld is not supported (this perfeng reads %d)",
				name, v, REC_VERSION);
	while ((rc = rec__line(r)) > 0) {
		if (!strncmp(r->line, "hz ", 3)) {
			r->hz = strtol(r->line + 3, NULL, 10);
			if (r->hz <= 0 || r->hz > 100000)
				return pe_error("'%s' line %u: bad hz", name, r->lineno);
		} else if (!strncmp(r->line, "note ", 5)) {
			snprintf(r->note, sizeof(r->note), "%s", r->line + 5);
		} else if (!strncmp(r->line, "sample ", 7)) {
			r->pending = 1;
			return 0;
		}
	}
	return rc;
}

static int rec__scalar(struct sys_sample *s, const char *key, char *p)
{
	for (size_t i = 0; i < ARRAY_SIZE(rec_fields); i++) {
		if (strcmp(key, rec_fields[i].key))
			continue;
		uint64_t v;

		if (rec__u64(&p, &v) < 0)
			return -1;
		void *dst = (char *)s + rec_fields[i].off;

		if (rec_fields[i].off == offsetof(struct sys_sample, ncpu))
			*(uint32_t *)dst = v > SYS_MAX_CPUS ? SYS_MAX_CPUS : (uint32_t)v;
		else
			*(uint64_t *)dst = v;
		return 0;
	}
	return 0;	/* a key of a later version */
}

static int rec__array_line(struct sys_sample *s, const char *key, char *p)
{
	uint64_t idx;

	if (!strcmp(key, "cpu")) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, "all", 3)) {
			p += 3;
			return get_fields(&p, &s->cpu_all, cpu_offs, ARRAY_SIZE(cpu_offs));
		}
		if (rec__u64(&p, &idx) < 0 || idx >= SYS_MAX_CPUS)
			return -1;
		return get_fields(&p, &s->cpu[idx], cpu_offs, ARRAY_SIZE(cpu_offs));
	}
	if (!strcmp(key, "disk")) {
		if (s->ndisk >= SYS_MAX_DISKS)
			return 0;
		struct sys_disk *d = &s->disk[s->ndisk];

		if (rec__word(&p, d->name, sizeof(d->name)) < 0 ||
		    get_fields(&p, d, disk_offs, ARRAY_SIZE(disk_offs)) < 0)
			return -1;
		s->ndisk++;
	} else if (!strcmp(key, "net")) {
		if (s->nnet >= SYS_MAX_NETS)
			return 0;
		struct sys_net *n = &s->net[s->nnet];

		if (rec__word(&p, n->name, sizeof(n->name)) < 0 ||
		    get_fields(&p, n, net_offs, ARRAY_SIZE(net_offs)) < 0)
			return -1;
		s->nnet++;
	} else if (!strcmp(key, "fs")) {
		if (s->nfs >= SYS_MAX_FS)
			return 0;
		struct sys_fs *f = &s->fs[s->nfs];

		if (get_fields(&p, f, fs_offs, ARRAY_SIZE(fs_offs)) < 0 ||
		    rec__name(&p, f->mount, sizeof(f->mount)) < 0)
			return -1;
		s->nfs++;
	} else if (!strcmp(key, "gpu")) {
		if (s->ngpu >= SYS_MAX_GPUS)
			return 0;
		struct sys_gpu *g = &s->gpu[s->ngpu];

		if (get_fields(&p, g, gpu_offs, ARRAY_SIZE(gpu_offs)) < 0 ||
		    rec__name(&p, g->name, sizeof(g->name)) < 0)
			return -1;
		s->ngpu++;
	} else if (!strcmp(key, "proc")) {
		uint64_t pid, alive;

		if (rec__u64(&p, &pid) < 0 || !pid || pid > INT32_MAX || rec__u64(&p, &alive) < 0 ||
		    get_fields(&p, &s->proc, proc_offs, ARRAY_SIZE(proc_offs)) < 0)
			return -1;
		s->proc.pid = (int32_t)pid;
		s->proc.alive = alive != 0;
	} else {
		return rec__scalar(s, key, p);
	}
	return 0;
}

int rec_read(struct rec_reader *r, struct sys_sample *s)
{
	int rc;
	uint64_t t, have;
	char *p;

	rc = rec__line(r);
	if (rc <= 0)
		return rc;
	p = r->line + 7;
	if (strncmp(r->line, "sample ", 7) || rec__u64(&p, &t) < 0 || rec__u64(&p, &have) < 0)
		return pe_error("'%s' line %u: expected 'sample <t_ns> <have>'", r->name, r->lineno);
	memset(s, 0, offsetof(struct sys_sample, cpu));
	memset(&s->ctxt, 0, offsetof(struct sys_sample, ndisk) - offsetof(struct sys_sample, ctxt));
	s->ndisk = s->nnet = s->nfs = s->ngpu = 0;
	memset(&s->proc, 0, sizeof(s->proc));
	s->t_ns = t;
	s->have = (uint32_t)have;
	s->cg_mem_max = UINT64_MAX;
	while ((rc = rec__line(r)) > 0) {
		char key[32];

		if (!strcmp(r->line, "end"))
			return 1;
		p = r->line;
		if (rec__word(&p, key, sizeof(key)) < 0 || rec__array_line(s, key, p) < 0)
			return pe_error("'%s' line %u: malformed '%.40s'", r->name, r->lineno, r->line);
	}
	if (rc < 0)
		return -1;
	return pe_error("'%s' line %u: the last sample has no 'end' (file cut short?)", r->name,
			r->lineno);
}
