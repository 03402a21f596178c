/*
 * libFuzzer target for the /proc and cgroup parsers of src/sys/procfs.c: the
 * first byte picks the parser, the rest is the file's text in a buffer of
 * exactly its size (no NUL), so ASan sees any read past it. Two parses feed
 * use_derive, whose figures must never be negative whatever the counters.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sys/procfs.h"
#include "sys/use.h"

static struct sys_sample a, b;
static struct use_row row;

static void parse(unsigned which, const char *t, size_t n, struct sys_sample *s)
{
	char path[64];

	switch (which % 19) {
	case 0: procfs_parse_stat(t, n, s); break;
	case 1: procfs_parse_meminfo(t, n, s); break;
	case 2: procfs_parse_vmstat(t, n, s); break;
	case 3: procfs_parse_pressure(t, n, SYS_HAVE_PSI_CPU, s); break;
	case 4: procfs_parse_pressure(t, n, SYS_HAVE_PSI_IO, s); break;
	case 5: procfs_parse_diskstats(t, n, s); break;
	case 6: procfs_parse_netdev(t, n, s); break;
	case 7: procfs_parse_snmp(t, n, s); break;
	case 8: procfs_parse_filenr(t, n, s); break;
	case 9: procfs_parse_schedstat(t, n, s); break;
	case 10: procfs_parse_cg_cpu(t, n, s); break;
	case 11: procfs_parse_cg_memcur(t, n, s); break;
	case 12: procfs_parse_cg_memmax(t, n, s); break;
	case 13: procfs_parse_cg_events(t, n, s); break;
	case 14: procfs_parse_pid_stat(t, n, &s->proc); break;
	case 15: procfs_parse_pid_status(t, n, &s->proc); break;
	case 16: procfs_parse_pid_io(t, n, &s->proc); break;
	case 17: procfs_parse_pid_schedstat(t, n, &s->proc); break;
	case 18:
		if (procfs_parse_cgroup_path(t, n, path, sizeof(path)) == 0 && !memchr(path, 0, sizeof(path)))
			abort();
		break;
	}
}

static void check(double v)
{
	if (v < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned which = data[0];
	size_t n = size - 1;
	char *text = malloc(n ? n : 1);

	memcpy(text, data + 1, n);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	parse(which, text, n, &a);
	/* the second sample: the same text cut in half, as a counter reset would look */
	b.t_ns = 1000000000;
	parse(which, text, n / 2, &b);
	a.proc.pid = b.proc.pid = 1;
	a.proc.alive = b.proc.alive = 1;
	a.have |= SYS_HAVE_PROC;
	b.have |= SYS_HAVE_PROC;
	if (a.ncpu > SYS_MAX_CPUS || a.ndisk > SYS_MAX_DISKS || a.nnet > SYS_MAX_NETS)
		abort();
	for (uint32_t i = 0; i < a.ndisk; i++)
		if (!memchr(a.disk[i].name, 0, sizeof(a.disk[i].name)))
			abort();
	use_derive(&a, &b, 100, &row);
	use_derive(&b, &a, 100, &row);
	for (int r = 0; r < USE_NRES; r++) {
		check(row.r[r].u);
		check(row.r[r].s);
		check(row.r[r].e);
	}
	check(row.proc.cpu);
	check(row.mem_scan_s);
	for (uint32_t i = 0; i < row.ndisk; i++)
		check(row.disk[i].await_ms);
	free(text);
	return 0;
}
