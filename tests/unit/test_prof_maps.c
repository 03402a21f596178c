/*
 * Tests of the profiler's address maps, JIT maps, symbols and record
 * session. Expected values are written by hand from the formats in proc(5)
 * and perf_event_open(2), or taken from this very test binary (a function's
 * own address must symbolize to its own name).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prof/maps.h"
#include "prof/profile.h"
#include "prof/sampler.h"
#include "prof/session.h"
#include "util/error.h"
#include "prof/symbols.h"

static void test_parse_line(void **state)
{
	static const char l1[] = "55d4c8a0e000-55d4c8a10000 r-xp 00002000 fd:01 1234567    /usr/bin/cat\n";
	static const char l2[] = "7ffd1c9f5000-7ffd1c9f7000 r-xp 00000000 00:00 0                          [vdso]";
	static const char l3[] = "7f0000000000-7f0000001000 rw-p 00000000 00:00 0 ";
	static const char l4[] = "7f0000000000-7f0000001000 r-xp 00001000 08:01 42 /tmp/x (deleted)";
	struct maps_line ml;

	(void)state;
	assert_int_equal(maps_parse_line(l1, strlen(l1), &ml), 0);
	assert_true(ml.start == 0x55d4c8a0e000ULL && ml.end == 0x55d4c8a10000ULL && ml.pgoff == 0x2000);
	assert_int_equal(ml.exec, 1);
	assert_int_equal((int)ml.path_len, 12);
	assert_memory_equal(ml.path, "/usr/bin/cat", 12);
	assert_int_equal(maps_parse_line(l2, strlen(l2), &ml), 0);
	assert_memory_equal(ml.path, "[vdso]", 6);
	assert_int_equal(maps_parse_line(l3, strlen(l3), &ml), 0);
	assert_int_equal(ml.exec, 0);
	assert_int_equal((int)ml.path_len, 0);
	assert_int_equal(maps_parse_line(l4, strlen(l4), &ml), 0);
	assert_int_equal((int)ml.path_len, (int)strlen("/tmp/x (deleted)"));
	/* not that shape */
	assert_int_equal(maps_parse_line("", 0, &ml), -1);
	assert_int_equal(maps_parse_line("zz-10 r-xp 0 0 0", 16, &ml), -1);
	assert_int_equal(maps_parse_line("20-10 r-xp 0 0:0 0 x", 20, &ml), -1);	/* end < start */
	assert_int_equal(maps_parse_line("10-20 r", 7, &ml), -1);
	assert_int_equal(maps_parse_line("11111111111111111-2 r-xp 0 0:0 0", 32, &ml), -1);	/* 17 digits */
}

static void test_insert_split(void **state)
{
	struct maps m;
	struct proc_maps *pm;
	struct map *mp;

	(void)state;
	maps_init(&m);
	pm = maps_proc(&m, 100);
	maps_insert(&m, pm, 0x1000, 0x4000, 0, "/a");
	/* mmap over the middle: /a keeps [1000,2000) and [3000,5000) at offset 0x2000 */
	maps_insert(&m, pm, 0x2000, 0x1000, 0x7000, "/b");
	assert_int_equal((int)pm->n, 3);
	mp = maps_lookup(pm, 0x1fff);
	assert_string_equal(mp->path, "/a");
	assert_true(mp->start == 0x1000 && mp->end == 0x2000 && mp->pgoff == 0);
	mp = maps_lookup(pm, 0x2000);
	assert_string_equal(mp->path, "/b");
	assert_true(mp->pgoff == 0x7000);
	mp = maps_lookup(pm, 0x4fff);
	assert_string_equal(mp->path, "/a");
	assert_true(mp->start == 0x3000 && mp->pgoff == 0x2000);
	assert_null(maps_lookup(pm, 0x5000));
	assert_null(maps_lookup(pm, 0xfff));
	/* fork copies, exec clears */
	snprintf(pm->comm, sizeof(pm->comm), "parent");
	maps_fork(&m, 100, 101);
	assert_int_equal((int)maps_find(&m, 101)->n, 3);
	assert_string_equal(maps_find(&m, 101)->comm, "parent");
	maps_clear(maps_find(&m, 101));
	assert_int_equal((int)maps_find(&m, 101)->n, 0);
	assert_int_equal((int)maps_find(&m, 100)->n, 3);
	/* hundreds of processes: the table grows */
	for (int i = 0; i < 1000; i++)
		maps_fork(&m, 100, 1000 + i);
	assert_int_equal((int)maps_find(&m, 1999)->n, 3);
	maps_release(&m);
}

static void test_jit(void **state)
{
	static const char text[] =
		"7f0000001000 40 jit_a\n"
		"garbage line\n"
		"7f0000001040 20 LazyCompile:*foo bar.js:12\n"
		"0x7f0000002000 0 zero_size_skipped\n";
	struct proc_maps pm = { 0 };
	uint64_t s, z;
	const char *name;
	size_t nl;

	(void)state;
	assert_int_equal(maps_parse_jit_line("10 20 a b", 9, &s, &z, &name, &nl), 0);
	assert_true(s == 0x10 && z == 0x20 && nl == 3);
	assert_int_equal(maps_parse_jit_line("10 20", 5, &s, &z, &name, &nl), -1);
	assert_int_equal(maps_parse_jit_line("x 20 a", 6, &s, &z, &name, &nl), -1);
	maps_load_jit_text(&pm, text, sizeof(text) - 1);
	assert_int_equal((int)pm.njit, 2);
	assert_string_equal(pm.jit[1].name, "LazyCompile:*foo bar.js:12");
	free(pm.jit[0].name);
	free(pm.jit[1].name);
	free(pm.jit);
}

__attribute__((noinline)) int prof_target_fn(int x);
__attribute__((noinline)) int prof_target_fn(int x)
{
	return x * 3 + 1;
}

static void test_symbols_self(void **state)
{
	struct maps m;
	struct profile p;
	struct symbols s;
	struct proc_maps *pm;
	struct map *mp;
	struct frame f[SYMBOLS_MAX_INLINE + 1];
	uint64_t addr = (uint64_t)(uintptr_t)&prof_target_fn + 2;
	struct dso *d;
	size_t n;

	(void)state;
	maps_init(&m);
	profile_init(&p, "samples");
	symbols_init(&s, &p, NULL, 0, 0);
	pm = maps_proc(&m, getpid());
	assert_int_equal(maps_read_proc(&m, pm), 0);
	assert_string_equal(pm->comm, "test_prof_maps");
	mp = maps_lookup(pm, addr);
	assert_non_null(mp);
	d = symbols_dso(&s, getpid(), mp);
	n = symbols_resolve(&s, d, symbols_vaddr(d, mp, addr), f, SYMBOLS_MAX_INLINE + 1);
	assert_int_equal((int)n, 1);
	assert_string_equal(f[0].name, "prof_target_fn");
	assert_string_equal(f[0].module, "test_prof_maps");
	/* the second time from the cache: the same interned name */
	assert_int_equal((int)symbols_resolve(&s, d, symbols_vaddr(d, mp, addr), f + 1, 1), 1);
	assert_ptr_equal(f[1].name, f[0].name);
	assert_ptr_equal(symbols_dso(&s, getpid(), mp), d);
	/* a function of a shared library: libc's getpid */
	addr = (uint64_t)(uintptr_t)&getpid;
	mp = maps_lookup(pm, addr);
	assert_non_null(mp);
	assert_non_null(strstr(mp->path, "libc"));
	d = symbols_dso(&s, getpid(), mp);
	n = symbols_resolve(&s, d, symbols_vaddr(d, mp, addr), f, 2);
	assert_non_null(strstr(f[0].name, "getpid"));
	/* an address with no symbol: module+0xOFFSET */
	{
		struct map fake = { .start = 0x1000, .end = 0x2000, .pgoff = 0, .path = "/nonexistent/libfoo.so" };
		d = symbols_dso(&s, getpid(), &fake);
		n = symbols_resolve(&s, d, symbols_vaddr(d, &fake, 0x1234), f, 2);
		assert_int_equal((int)n, 1);
		assert_string_equal(f[0].name, "libfoo.so+0x234");
		assert_int_equal(f[0].kind, FRAME_UNKNOWN);
	}
	symbols_release(&s);
	profile_release(&p);
	maps_release(&m);
}

/* A record: header, then the u64 words given. */
static size_t make_record(uint8_t *buf, uint32_t type, uint16_t misc, const uint64_t *w, size_t nw)
{
	struct perf_event_header h = { .type = type, .misc = misc, .size = (uint16_t)(sizeof(h) + nw * 8) };

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), w, nw * 8);
	return h.size;
}

/*
 * The records at buf + at: at 0 they are 8-byte aligned as the kernel's ring
 * keeps them; at an odd offset every field is misaligned, which the session
 * must read alike (a typed load there is undefined behaviour, and the ASan
 * build of this test stops on it).
 */
static void session_records_at(size_t at)
{
	struct profile p;
	struct session s;
	struct session_opts o = { .sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID |
					  PERF_SAMPLE_TIME | PERF_SAMPLE_PERIOD | PERF_SAMPLE_CALLCHAIN,
				  .nregs = 3 };
	_Alignas(8) uint8_t space[512 + 8];
	uint8_t *buf = space + at;
	uint64_t w[64];
	size_t len;
	const uint64_t pid = 4000000;	/* no such process: nothing is read from /proc */
	uint64_t addr = (uint64_t)(uintptr_t)&prof_target_fn + 1;
	char exe[4096];
	ssize_t el = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct map *self;
	struct maps tmp;
	struct proc_maps *pm;

	assert_true(el > 0);
	exe[el] = '\0';
	maps_init(&tmp);
	pm = maps_proc(&tmp, getpid());
	maps_read_proc(&tmp, pm);
	self = maps_lookup(pm, addr);
	assert_non_null(self);
	profile_init(&p, "samples");
	session_init(&s, &p, &o);
	/* COMM exec: pid, tid, "work"; then sample_id (tid, time, id) */
	memset(w, 0, sizeof(w));
	w[0] = pid | (pid << 32);
	memcpy(&w[1], "work\0\0\0\0", 8);
	w[2] = pid | (pid << 32);
	w[3] = 10;
	len = make_record(buf, PERF_RECORD_COMM, PERF_RECORD_MISC_COMM_EXEC, w, 5);
	session_record(&s, buf, len);
	/* MMAP2 of this binary's text at the same address as here */
	memset(w, 0, sizeof(w));
	w[0] = pid | (pid << 32);
	w[1] = self->start;
	w[2] = self->end - self->start;
	w[3] = self->pgoff;
	/* maj/min, ino, ino_generation, prot/flags: w[4..7] zero; filename from w[8] */
	assert_true(strlen(exe) < 8 * 40);
	memcpy(&w[8], exe, strlen(exe) + 1);
	len = make_record(buf, PERF_RECORD_MMAP2, 0, w, 8 + 40 + 3);
	session_record(&s, buf, len);
	/* a sample: id, ip, pid/tid, time, period, callchain [USER, addr] */
	memset(w, 0, sizeof(w));
	w[0] = 1;
	w[1] = addr;
	w[2] = pid | (pid << 32);
	w[3] = 20;
	w[4] = 1;
	w[5] = 2;
	w[6] = (uint64_t)PERF_CONTEXT_USER;
	w[7] = addr;
	len = make_record(buf, PERF_RECORD_SAMPLE, PERF_RECORD_MISC_USER, w, 8);
	assert_true(session_record_time(&s, buf, len) == 20);
	session_record(&s, buf, len);
	assert_int_equal((int)s.samples, 1);
	assert_int_equal((int)p.root.total, 1);
	assert_string_equal(p.root.child->frame.name, "work");
	assert_string_equal(p.root.child->child->frame.name, "prof_target_fn");
	/* LOST: id, count */
	w[0] = 1;
	w[1] = 7;
	len = make_record(buf, PERF_RECORD_LOST, 0, w, 2 + 3);
	session_record(&s, buf, len);
	assert_int_equal((int)s.lost, 7);
	/* a truncated sample is counted as bad, not read past its end */
	len = make_record(buf, PERF_RECORD_SAMPLE, 0, w, 3);
	session_record(&s, buf, len);
	assert_int_equal((int)s.bad, 1);
	session_finish(&s, 100);
	assert_int_equal((int)p.lost, 7);
	session_release(&s);
	profile_release(&p);
	maps_release(&tmp);
}

static void test_session_records(void **state)
{
	(void)state;
	session_records_at(0);
}

static void test_session_records_misaligned(void **state)
{
	(void)state;
	session_records_at(1);
	session_records_at(5);
}

/* The refusals of perf_event_open, as docs/profile.md promises them. */
static void test_open_errors(void **state)
{
	struct sampler_opts o = { .freq = 499 };

	(void)state;
	assert_int_equal(sampler_open_error(&o, EACCES, 42, 3, 100000, 0), -EACCES);
	assert_string_equal(pe_errmsg(), "perf_event_open: permission denied (kernel.perf_event_paranoid=3); "
			    "set it to 2 or lower (sysctl -w kernel.perf_event_paranoid=2) or run as root");
	assert_int_equal(sampler_open_error(&o, EPERM, 42, 2, 100000, 0), -EACCES);
	assert_non_null(strstr(pe_errmsg(), "pid 42: permission denied (kernel.perf_event_paranoid=2)"));
	o.offcpu = 1;
	assert_int_equal(sampler_open_error(&o, EACCES, 42, 2, 100000, 0), -EACCES);
	assert_non_null(strstr(pe_errmsg(), "--off-cpu needs kernel.perf_event_paranoid=1 or lower"));
	o.offcpu = 0;
	o.event = SAMPLER_CYCLES;
	assert_int_equal(sampler_open_error(&o, ENOENT, 42, 2, 100000, 0), -EOPNOTSUPP);
	assert_non_null(strstr(pe_errmsg(), "no hardware performance counters"));
	o.event = SAMPLER_CPU_CLOCK;
	o.freq = 50000;
	assert_int_equal(sampler_open_error(&o, EINVAL, 42, 2, 25000, 0), -EINVAL);
	assert_string_equal(pe_errmsg(), "-F 50000 is above kernel.perf_event_max_sample_rate=25000; "
			    "lower -F or raise the sysctl (as root)");
	assert_int_equal(sampler_open_error(&o, EMFILE, 42, 2, 100000, 1021), -EMFILE);
	assert_non_null(strstr(pe_errmsg(), "too many open files (1021 events so far)"));
	assert_int_equal(sampler_open_error(&o, ESRCH, 42, 2, 100000, 0), -ESRCH);
	assert_string_equal(pe_errmsg(), "no process with pid 42");
	/* pid 0: perfeng itself, for a command it starts (sampler_new) */
	assert_int_equal(sampler_open_error(&o, EACCES, 0, 3, 100000, 0), -EACCES);
	assert_non_null(strstr(pe_errmsg(), "kernel.perf_event_paranoid=3); set it to 2 or lower"));
	assert_int_equal(sampler_open_error(&o, EPERM, 0, 2, 100000, 0), -EACCES);
	assert_non_null(strstr(pe_errmsg(), "though it allows a user's own processes: a container's seccomp"));
	assert_int_equal(sampler_open_error(&o, ENODEV, 0, 2, 100000, 0), -ENODEV);
	assert_string_equal(pe_errmsg(), "perf_event_open: No such device");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_line),
		cmocka_unit_test(test_insert_split),
		cmocka_unit_test(test_jit),
		cmocka_unit_test(test_symbols_self),
		cmocka_unit_test(test_session_records),
		cmocka_unit_test(test_session_records_misaligned),
		cmocka_unit_test(test_open_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
