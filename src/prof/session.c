/*
 * Record parsing follows the layout perf_event_open(2) documents for the
 * sample_type the sampler asks for (IDENTIFIER | IP | TID | TIME | PERIOD |
 * CALLCHAIN, plus REGS_USER | STACK_USER); side-band records carry the same
 * sample_id fields at their end (TID, TIME, IDENTIFIER).
 *
 * Every field is copied out with memcpy, the header included: the kernel's
 * records are 8-byte aligned, but a record handed over from elsewhere (a
 * buffer of back-to-back records, a test) need not be, and a typed load
 * from a misaligned address is undefined behaviour.
 */
#include "prof/session.h"

#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prof/offcpu.h"
#include "prof/unwind.h"
#include "util/clock.h"
#include "util/xalloc.h"

#ifndef PERF_RECORD_MISC_SWITCH_OUT
#define PERF_RECORD_MISC_SWITCH_OUT (1 << 13)
#endif

#define SESSION_REREAD_NS (200 * NS_PER_MS)

/* The most frames one stack becomes, inlined frames and the process included. */
#define MAX_FRAMES (SESSION_MAX_DEPTH * 4 + 2)

void session_init(struct session *s, struct profile *p, const struct session_opts *o)
{
	memset(s, 0, sizeof(*s));
	s->prof = p;
	s->sample_type = o->sample_type;
	s->nregs = o->nregs;
	s->dwarf = o->dwarf;
	s->offcpu = o->offcpu;
	s->offcpu_nostack = o->offcpu_nostack;
	maps_init(&s->maps);
	s->maps.unwind_free = unwind_proc_free;
	if (o->jit_dir)
		s->maps.jit_dir = o->jit_dir;
	symbols_init(&s->syms, p, o->debug_dir, o->inline_frames, o->lines);
	if (o->offcpu)
		s->off = offcpu_new();
	s->ips = xmalloc((SESSION_MAX_DEPTH + 1) * sizeof(*s->ips));
	s->ip_maps = xmalloc((SESSION_MAX_DEPTH + 1) * sizeof(*s->ip_maps));
	s->frames = xmalloc(MAX_FRAMES * sizeof(*s->frames));
}

void session_release(struct session *s)
{
	symbols_release(&s->syms);
	maps_release(&s->maps);
	offcpu_free(s->off);
	free(s->ips);
	free(s->ip_maps);
	free(s->frames);
}

int session_attach_proc(struct session *s, pid_t pid)
{
	return maps_read_proc(&s->maps, maps_proc(&s->maps, pid));
}

struct sample {
	uint64_t id, ip, time, period;
	uint32_t pid, tid;
	uint64_t nr;
	const uint8_t *chain;	/* nr u64s, in place: read them with rd_u64 */
	uint64_t abi;
	const uint8_t *regs;	/* nregs u64s, in place */
	uint64_t stack_size, dyn_size;
	const uint8_t *stack;
};

/* The i-th u64 of an array in a record, whatever its alignment. */
static uint64_t rd_u64(const uint8_t *a, size_t i)
{
	uint64_t v;

	memcpy(&v, a + 8 * i, 8);
	return v;
}

/* Bounds-checked reader over one record's body. */
struct cursor {
	const uint8_t *p, *end;
	int bad;
};

static uint64_t cur_u64(struct cursor *c)
{
	uint64_t v = 0;

	if (c->end - c->p < 8) {
		c->bad = 1;
		return 0;
	}
	memcpy(&v, c->p, 8);
	c->p += 8;
	return v;
}

static const void *cur_skip(struct cursor *c, uint64_t n)
{
	const void *at = c->p;

	if ((uint64_t)(c->end - c->p) < n) {
		c->bad = 1;
		return NULL;
	}
	c->p += n;
	return at;
}

static int parse_sample(const struct session *s, const uint8_t *body, size_t len, struct sample *out)
{
	struct cursor c = { body, body + len, 0 };
	uint64_t t = s->sample_type, v;

	memset(out, 0, sizeof(*out));
	if (t & PERF_SAMPLE_IDENTIFIER)
		out->id = cur_u64(&c);
	if (t & PERF_SAMPLE_IP)
		out->ip = cur_u64(&c);
	if (t & PERF_SAMPLE_TID) {
		v = cur_u64(&c);
		out->pid = (uint32_t)v;
		out->tid = (uint32_t)(v >> 32);
	}
	if (t & PERF_SAMPLE_TIME)
		out->time = cur_u64(&c);
	if (t & PERF_SAMPLE_PERIOD)
		out->period = cur_u64(&c);
	if (t & PERF_SAMPLE_CALLCHAIN) {
		out->nr = cur_u64(&c);
		if (out->nr > 4096 || !(out->chain = cur_skip(&c, out->nr * 8)))
			return -1;
	}
	if (t & PERF_SAMPLE_REGS_USER) {
		out->abi = cur_u64(&c);
		if (out->abi && !(out->regs = cur_skip(&c, (uint64_t)s->nregs * 8)))
			return -1;
	}
	if (t & PERF_SAMPLE_STACK_USER) {
		out->stack_size = cur_u64(&c);
		if (out->stack_size) {
			out->stack = cur_skip(&c, out->stack_size);
			out->dyn_size = cur_u64(&c);
			if (out->dyn_size > out->stack_size)
				out->dyn_size = out->stack_size;
		}
	}
	return c.bad ? -1 : 0;
}

/* TID, TIME, IDENTIFIER at the end of a side-band record, as sample_id_all puts them. */
static uint64_t sideband_time(const uint8_t *rec, size_t len)
{
	uint64_t t;

	if (len < sizeof(struct perf_event_header) + 24)
		return 0;
	memcpy(&t, rec + len - 16, 8);
	return t;
}

uint64_t session_record_time(const struct session *s, const void *rec, size_t rec_len)
{
	struct perf_event_header h;

	if (rec_len < sizeof(h))
		return 0;
	memcpy(&h, rec, sizeof(h));
	if (h.type == PERF_RECORD_SAMPLE) {
		/* IDENTIFIER, IP, TID come before TIME */
		size_t off = sizeof(h) + 8 * (!!(s->sample_type & PERF_SAMPLE_IDENTIFIER) +
					       !!(s->sample_type & PERF_SAMPLE_IP) +
					       !!(s->sample_type & PERF_SAMPLE_TID));
		uint64_t t;

		if (rec_len < off + 8)
			return 0;
		memcpy(&t, (const uint8_t *)rec + off, 8);
		return t;
	}
	return sideband_time(rec, rec_len);
}

/* A mapping of a file we can open, not anonymous memory ("//anon", "[heap]", "[vdso]"). */
struct lookup_ctx {
	struct session *s;
	struct proc_maps *pm;
	pid_t pid;
};

static struct dso *lookup_dso(void *ctx, uint64_t addr, uint64_t *vaddr)
{
	struct lookup_ctx *lc = ctx;
	struct map *m = lc->pm ? maps_lookup(lc->pm, addr) : NULL;

	if (!maps_is_file(m))
		return NULL;
	if (!m->dso)
		m->dso = symbols_dso(&lc->s->syms, lc->pid, m);
	*vaddr = symbols_vaddr(m->dso, m, addr);
	return m->dso;
}

/*
 * The mapping of an address. One no record explains may have had its MMAP2
 * record lost with a full ring: /proc is asked again while the process
 * lives, at most every SESSION_REREAD_NS.
 */
static struct map *addr_map(struct lookup_ctx *lc, uint64_t look)
{
	struct map *m = lc->pm ? maps_lookup(lc->pm, look) : NULL;

	if (!m && lc->pm && !lc->pm->exited && clock_now_ns() - lc->pm->proc_read_ns > SESSION_REREAD_NS &&
	    maps_read_proc(&lc->s->maps, lc->pm) == 0)
		m = maps_lookup(lc->pm, look);
	return m;
}

/*
 * The frames of one address (in mapping m, from addr_map), outermost first,
 * appended at out; returns how many.
 */
static size_t addr_frames(struct lookup_ctx *lc, uint64_t addr, int is_return, struct map *m,
			  struct frame *out, size_t max)
{
	return symbols_addr_frames(&lc->s->syms, &lc->s->maps, lc->pm, lc->pid, addr, is_return, m, out, max);
}

/* The user addresses of the sample, leaf first. */
static size_t sample_ips(struct session *s, struct lookup_ctx *lc, const struct sample *sm, uint64_t *ips)
{
	struct unwind_state st = { 0 };
	size_t n = 0;
	int user = 0;

	if (sm->abi && sm->regs && s->nregs == 3) {
		/* registers come in mask bit order: bp (6), sp (7), ip (8) */
		st.bp = rd_u64(sm->regs, 0);
		st.have_bp = 1;
		st.sp = rd_u64(sm->regs, 1);
		st.ip = rd_u64(sm->regs, 2);
		st.stack = sm->stack;
		st.stack_base = st.sp;
		st.stack_len = sm->stack ? sm->dyn_size : 0;
	}
	if (s->dwarf && st.ip && st.stack_len) {
		/* libdwfl's unwinder, and ours on the same CFI when it cannot start */
		n = lc->pm ? unwind_dwfl(&lc->pm->unwind, lc->pm, &st, lookup_dso, lc, ips, SESSION_MAX_DEPTH) : 0;
		if (n < 2)
			n = unwind_dwarf(&st, lookup_dso, lc, ips, SESSION_MAX_DEPTH);
		if (n > 1)
			return n;
		n = 0;
	}
	for (uint64_t i = 0; i < sm->nr && n < SESSION_MAX_DEPTH; i++) {
		uint64_t a = rd_u64(sm->chain, i);

		if (a >= (uint64_t)PERF_CONTEXT_MAX) {
			user = a == (uint64_t)PERF_CONTEXT_USER;
			continue;
		}
		if (user && a)
			ips[n++] = a;
	}
	if (!n && st.ip)
		ips[n++] = st.ip;
	/* the caller a frame-pointer walk skips when the leaf has no frame yet */
	if (n && st.ip == ips[0] && st.stack_len) {
		uint64_t vaddr, ra;
		struct dso *d = lookup_dso(lc, ips[0], &vaddr);

		if (d && unwind_leaf_caller(d, vaddr, &st, &ra) == 0 && (n < 2 || ips[1] != ra) &&
		    n < SESSION_MAX_DEPTH) {
			memmove(ips + 2, ips + 1, (n - 1) * sizeof(*ips));
			ips[1] = ra;
			n++;
		}
	}
	return n;
}

static size_t build_stack(struct session *s, uint16_t misc, const struct sample *sm)
{
	struct lookup_ctx lc = { s, maps_find(&s->maps, (pid_t)sm->pid), (pid_t)sm->pid };
	struct frame *out = s->frames;
	size_t n = 0, nips, k;
	struct frame tmp[SYMBOLS_MAX_INLINE + 1];

	if (!lc.pm || (!lc.pm->n && !lc.pm->exited)) {
		/* a process we have no records for (yet): ask /proc while it lives */
		lc.pm = maps_proc(&s->maps, (pid_t)sm->pid);
		maps_read_proc(&s->maps, lc.pm);
	}
	nips = sample_ips(s, &lc, sm, s->ips);
	/*
	 * A frame-pointer walk that leaves code built without frame pointers
	 * (libc's __libc_start_call_main under main) reads one more "return
	 * address" from whatever the register held: an address in no mapping,
	 * or in the heap or the stack, where no code is. The stack ends before
	 * it; else each sample would end in a frame of its own.
	 */
	for (k = 0; k < nips; k++) {
		struct map *m = addr_map(&lc, k && s->ips[k] ? s->ips[k] - 1 : s->ips[k]);

		if (k && (!m || !strcmp(m->path, "[heap]") || !strncmp(m->path, "[stack", 6))) {
			nips = k;
			break;
		}
		s->ip_maps[k] = m;
	}
	out[n++] = (struct frame){ .name = profile_intern(s->prof, lc.pm->comm[0] ? lc.pm->comm : "[unknown process]",
							   strlen(lc.pm->comm[0] ? lc.pm->comm : "[unknown process]")),
				   .kind = FRAME_PROCESS };
	for (k = nips; k-- > 0 && n < MAX_FRAMES - 1;) {
		size_t m = addr_frames(&lc, s->ips[k], k > 0, s->ip_maps[k], tmp, SYMBOLS_MAX_INLINE + 1);

		if (m > MAX_FRAMES - 1 - n)
			m = MAX_FRAMES - 1 - n;
		memcpy(out + n, tmp, m * sizeof(*tmp));
		n += m;
	}
	if ((misc & PERF_RECORD_MISC_CPUMODE_MASK) == PERF_RECORD_MISC_KERNEL)
		out[n++] = (struct frame){ .name = profile_intern(s->prof, "[kernel]", 8),
					   .module = profile_intern(s->prof, "[kernel]", 8), .kind = FRAME_KERNEL };
	return n;
}

static int is_cs_event(const struct session *s, uint64_t id)
{
	for (size_t i = 0; i < s->ncs_id; i++)
		if (s->cs_id[i] == id)
			return 1;
	return 0;
}

static void on_sample(struct session *s, uint16_t misc, const uint8_t *body, size_t len)
{
	struct sample sm;
	size_t n;

	if (parse_sample(s, body, len, &sm) < 0) {
		s->bad++;
		return;
	}
	if (s->offcpu != is_cs_event(s, sm.id))
		return;	/* only the event this profile is about */
	n = build_stack(s, misc, &sm);
	s->samples++;
	if (s->offcpu)
		offcpu_switch_out(s->off, (pid_t)sm.tid, sm.time, s->frames, n);
	else
		profile_add(s->prof, s->frames, n, 1);
}

/*
 * Without switch samples (the kernel excludes them from a user-only event)
 * the time is still known from the SWITCH records: it goes to the process,
 * under one frame that says why there is no stack.
 */
static void switch_out_nostack(struct session *s, pid_t pid, pid_t tid, uint64_t t)
{
	struct proc_maps *pm = maps_proc(&s->maps, pid);
	static const char why[] = "[blocked: stack needs perf_event_paranoid<=1]";
	struct frame f[2] = {
		{ .name = profile_intern(s->prof, pm->comm[0] ? pm->comm : "[unknown process]",
					 strlen(pm->comm[0] ? pm->comm : "[unknown process]")), .kind = FRAME_PROCESS },
		{ .name = profile_intern(s->prof, why, sizeof(why) - 1), .kind = FRAME_KERNEL },
	};

	s->samples++;
	offcpu_switch_out(s->off, tid, t, f, 2);
}

void session_record(struct session *s, const void *rec, size_t rec_len)
{
	struct perf_event_header h;
	const uint8_t *body = (const uint8_t *)rec + sizeof(h);
	size_t len;
	uint32_t u[4];
	uint64_t t;

	if (rec_len < sizeof(h)) {
		s->bad++;
		return;
	}
	memcpy(&h, rec, sizeof(h));
	len = rec_len - sizeof(h);
	t = session_record_time(s, rec, rec_len);
	if (t > s->last_time)
		s->last_time = t;
	switch (h.type) {
	case PERF_RECORD_SAMPLE:
		on_sample(s, h.misc, body, len);
		break;
	case PERF_RECORD_MMAP2: {
		/* pid, tid, addr, len, pgoff, maj, min, ino, ino_gen, prot, flags, filename */
		uint64_t a[3];
		const size_t fixed = 8 + 24 + 24 + 8;

		if (len <= fixed)
			break;
		memcpy(u, body, 8);
		memcpy(a, body + 8, 24);
		{
			char name[4096];
			size_t flen = strnlen((const char *)body + fixed, len - fixed);

			snprintf(name, sizeof(name), "%.*s", (int)flen, (const char *)body + fixed);
			maps_insert(&s->maps, maps_proc(&s->maps, (pid_t)u[0]), a[0], a[1], a[2], name);
		}
		break;
	}
	case PERF_RECORD_COMM: {
		struct proc_maps *pm;

		if (len <= 8)
			break;
		memcpy(u, body, 8);
		pm = maps_proc(&s->maps, (pid_t)u[0]);
		if (h.misc & PERF_RECORD_MISC_COMM_EXEC)
			maps_clear(pm);	/* the MMAP2 records of the new image follow */
		if (u[0] == u[1] || (h.misc & PERF_RECORD_MISC_COMM_EXEC))
			snprintf(pm->comm, sizeof(pm->comm), "%.*s", (int)strnlen((const char *)body + 8, len - 8),
				 (const char *)body + 8);
		break;
	}
	case PERF_RECORD_FORK:
		if (len < 16)
			break;
		memcpy(u, body, 16);	/* pid, ppid, tid, ptid */
		if (u[0] != u[1])
			maps_fork(&s->maps, (pid_t)u[1], (pid_t)u[0]);
		break;
	case PERF_RECORD_EXIT:
		if (len < 16)
			break;
		memcpy(u, body, 16);
		if (u[0] == u[2]) {
			struct proc_maps *pm = maps_find(&s->maps, (pid_t)u[0]);

			if (pm)
				pm->exited = 1;
		}
		break;
	case PERF_RECORD_LOST: {
		uint64_t lost[2];

		if (len >= 16) {
			memcpy(lost, body, 16);
			s->lost += lost[1];
		}
		break;
	}
	case PERF_RECORD_LOST_SAMPLES: {
		uint64_t lost;

		if (len >= 8) {
			memcpy(&lost, body, 8);
			s->lost += lost;
		}
		break;
	}
	case PERF_RECORD_SWITCH:
		if (!s->offcpu || len < 24)
			break;
		memcpy(u, body + len - 24, 8);	/* sample_id: pid, tid */
		if (!(h.misc & PERF_RECORD_MISC_SWITCH_OUT))
			offcpu_switch_in(s->off, (pid_t)u[1], t, s->prof);
		else if (s->offcpu_nostack)
			switch_out_nostack(s, (pid_t)u[0], (pid_t)u[1], t);
		break;
	default:
		break;
	}
}

void session_finish(struct session *s, uint64_t end_ns)
{
	if (s->off)
		offcpu_finish(s->off, end_ns, s->prof);
	s->prof->lost += s->lost;
}
