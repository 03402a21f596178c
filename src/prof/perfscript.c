/*
 * `perf script` text to stacks (see perfscript.h for the folding rules,
 * which follow stackcollapse-perf.pl's defaults). Built for speed: lines
 * are found with memchr, names are sliced in place and interned, and the
 * only buffers (frames, the scratch for tidied names) are allocated once
 * per read, so a sample costs a few hash probes and no allocation.
 */
#include <stdlib.h>
#include <string.h>

#include "prof/perfscript.h"
#include "util/error.h"
#include "util/xalloc.h"

struct ps_state {
	struct profile *p;
	const struct perfscript_opts *o;
	struct prof_read_stats *st;
	struct frame *frames;	/* leaf first, while a sample is read */
	size_t n;
	int in_sample;		/* a header of the kept event was read */
	int truncated;
	uint64_t weight;
	uint64_t header_line;	/* line number of the current sample's header */
	/* why the read stops: 0, or the line whose weight did not fit the sums */
	uint64_t overflow_line;
	int period_too_big;	/* the period at overflow_line has more than 64 bits */
	const char *comm;	/* interned */
	const char *event;	/* interned, the event kept; NULL until the first header */
	int period_seen;
	uint64_t first_period;
	/* the comm and event of the last header, raw, and what they became */
	struct raw_name {
		const char *raw;
		size_t len;
		const char *s;
	} last_comm, last_event;
	char *scratch;		/* for tidied names */
	size_t scratch_len;
	/*
	 * The frame line seen last at each depth and the frame it gave: the
	 * samples of a loop repeat their lines byte for byte, and a repeat
	 * costs one memcmp instead of a parse and an intern.
	 */
	struct line_cache {
		const char *line;
		size_t len;
		const char *comm;	/* tidying depends on it (java) */
		struct frame frame;
	} *cache;
};

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_word(char c)
{
	return is_digit(c) || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * Adds the sample read so far, if any. A weight that would take the sums
 * past 2^64-1 is not added: the read stops there (overflow_line) and
 * fails, since a saturated total would make two such stacks each 100%.
 */
static void flush_sample(struct ps_state *s)
{
	uint64_t sum;

	if (s->in_sample && s->n &&
	    (s->period_too_big || __builtin_add_overflow(s->p->root.total, s->weight, &sum))) {
		if (!s->overflow_line)
			s->overflow_line = s->header_line;
	} else if (s->in_sample && s->n) {
		struct frame *f = s->frames;
		size_t n = s->n + 1;

		/* frames[] is leaf first, with room for the comm at the end: reverse. */
		f[s->n] = (struct frame){ .name = s->comm, .kind = FRAME_PROCESS };
		for (size_t i = 0, j = n - 1; i < j; i++, j--) {
			struct frame t = f[i];

			f[i] = f[j];
			f[j] = t;
		}
		profile_add(s->p, f, n, s->weight);
		s->st->stacks++;
		if (s->truncated)
			s->st->truncated++;
	}
	s->in_sample = 0;
	s->n = 0;
	s->truncated = 0;
	s->period_too_big = 0;
}

/* Interns raw[0..len), skipping the hash when it repeats the last one (*c). */
static const char *intern_cached(struct profile *p, struct raw_name *c, const char *raw, size_t len)
{
	if (!c->s || c->len != len || memcmp(c->raw, raw, len)) {
		c->raw = raw;
		c->len = len;
		c->s = profile_intern(p, raw, len);
	}
	return c->s;
}

/*
 * The header: COMM PID[/TID] ... [PERIOD] EVENT: — comm is the shortest
 * prefix followed by blanks, digits (or digits/digits) and a blank, as
 * stackcollapse-perf.pl's header pattern takes it.
 * Returns 0 when the line is not a header.
 */
static int parse_header(struct ps_state *s, const char *l, const char *e)
{
	const char *c = NULL, *q, *ev, *ee;
	char comm[256];
	size_t clen;
	uint64_t period = 0;
	int has_period = 0, period_too_big = 0;

	for (const char *x = l + 1; x < e; x++) {
		if (!is_space(*x) || is_space(x[-1]))
			continue;
		q = x;
		while (q < e && is_space(*q))
			q++;
		if (q == e || !is_digit(*q))
			continue;
		while (q < e && is_digit(*q))
			q++;
		while (q < e && *q == '/')
			q++;
		while (q < e && is_digit(*q))
			q++;
		if (q == e || is_space(*q)) {	/* the end too: "comm 123" alone (-F comm,tid) */
			c = x;
			break;
		}
	}
	if (!c)
		return 0;
	flush_sample(s);

	/* The event: the last word, ending in ':', after "TIME:" and an optional period. */
	ee = e;
	while (ee > c && is_space(ee[-1]))
		ee--;
	if (ee > c && ee[-1] == ':') {
		ev = --ee;
		while (ev > c && !is_space(ev[-1]))
			ev--;
		q = ev;
		if (ev < ee && q > c && is_space(q[-1])) {
			const char *d;

			while (q > c && is_space(q[-1]))
				q--;
			d = q;
			while (d > c && is_digit(d[-1]))
				d--;
			if (d < q) {
				const char *b = d;

				while (b > c && is_space(b[-1]))
					b--;
				if (b > c && b[-1] == ':') {
					has_period = 1;
					for (const char *x = d; x < q; x++)
						if (__builtin_mul_overflow(period, 10, &period) ||
						    __builtin_add_overflow(period, (uint64_t)(*x - '0'), &period))
							period_too_big = 1;
					q = b;
				}
			}
			while (q > c && is_space(q[-1]))
				q--;
			if (has_period || (q > c && q[-1] == ':')) {
				const char *name = intern_cached(s->p, &s->last_event, ev, ee - ev);

				if (!s->event) {
					s->event = name;
					s->p->event = name;
				} else if (name != s->event) {
					s->st->filtered++;
					if (!s->st->other_event)
						s->st->other_event = name;
					return 1;
				}
			}
		}
	}
	if (has_period) {
		if (!s->period_seen)
			s->first_period = period;
		s->period_seen = 1;
		s->weight = period;
	} else {
		s->weight = 1;
	}
	clen = c - l < (long)sizeof(comm) ? (size_t)(c - l) : sizeof(comm) - 1;
	if (s->last_comm.s && s->last_comm.len == clen && !memcmp(s->last_comm.raw, l, clen)) {
		s->comm = s->last_comm.s;
	} else {
		memcpy(comm, l, clen);
		for (size_t i = 0; i < clen; i++)
			if (comm[i] == ' ')
				comm[i] = '_';
		s->comm = profile_intern(s->p, comm, clen);
		s->last_comm = (struct raw_name){ l, clen, s->comm };
	}
	s->in_sample = 1;
	s->period_too_big = period_too_big;
	s->header_line = s->st->lines;
	return 1;
}

/* Module basename, "[kernel.kallsyms]" as it is; NULL for "[unknown]" or "". */
static const char *module_of(struct ps_state *s, const char *m, size_t len)
{
	const char *b = m + len;

	if (!len || (len == 9 && !memcmp(m, "[unknown]", 9)))
		return NULL;
	if (*m != '[')
		while (b > m && b[-1] != '/')
			b--;
	else
		b = m;
	return profile_intern(s->p, b, m + len - b);
}

static enum frame_kind kind_of(const char *m, size_t len)
{
	if (len && (m[0] == '[' || (len >= 7 && !memcmp(m + len - 7, "vmlinux", 7))) &&
	    !memmem(m, len, "unknown", 7))
		return FRAME_KERNEL;
	if (memmem(m, len, "/tmp/perf-", 10) && len > 4 && !memcmp(m + len - 4, ".map", 4))
		return FRAME_JIT;
	if (memmem(m, len, "/jitted-", 8) && len > 3 && !memcmp(m + len - 3, ".so", 3))
		return FRAME_JIT;
	return FRAME_USER;
}

/* Go methods ("pkg.(*T).M") keep their parentheses; see tidy(). */
static int go_method(const char *f, size_t len)
{
	const char *a = memmem(f, len, ".(", 2);

	if (!a)
		return 0;
	for (const char *x = f + len - 2; x > a; x--)
		if (x[0] == ')' && x[1] == '.')
			return 1;
	return 0;
}

/*
 * stackcollapse-perf.pl's default tidying of a name: ';' becomes ':',
 * everything from the first '(' that does not open "(anonymous namespace)"
 * is dropped (arguments, clone suffixes) unless the name is a Go method,
 * quotes are deleted, and with comm "java" a leading 'L' goes from names
 * with a '/'. Returns the tidied length; the name is in s->scratch.
 */
static size_t tidy(struct ps_state *s, const char *f, size_t len)
{
	static const char anon[] = "(anonymous namespace)";
	int keep_parens = go_method(f, len);
	size_t n = 0;

	if (s->scratch_len < len + 1) {
		s->scratch_len = len + 64;
		s->scratch = xrealloc(s->scratch, s->scratch_len);
	}
	for (size_t i = 0; i < len; i++) {
		char ch = f[i];

		if (ch == '(' && !keep_parens) {
			if (len - i >= sizeof(anon) - 1 && !memcmp(f + i, anon, sizeof(anon) - 1)) {
				memcpy(s->scratch + n, anon, sizeof(anon) - 1);
				n += sizeof(anon) - 1;
				i += sizeof(anon) - 2;
				continue;
			}
			break;
		}
		if (ch == '"' || ch == '\'')
			continue;
		s->scratch[n++] = ch == ';' ? ':' : ch;
	}
	if (!strcmp(s->comm, "java") && n && s->scratch[0] == 'L' && memchr(s->scratch, '/', n)) {
		memmove(s->scratch, s->scratch + 1, n - 1);
		n--;
	}
	return n;
}

static void push_frame(struct ps_state *s, const char *name, size_t len, const char *mod,
		       enum frame_kind kind)
{
	struct frame *f;

	if (s->n == PROFILE_MAX_DEPTH - 1) {
		/* Keep the leaf end (read first); the outermost frames are lost. */
		s->truncated = 1;
		return;
	}
	f = &s->frames[s->n++];
	f->name = profile_intern(s->p, name, len);
	f->module = mod;
	f->file = NULL;
	f->line = 0;
	f->kind = kind;
}

/* One function in a frame line: [unknown] handling, then tidying. */
static void add_func(struct ps_state *s, const char *f, size_t len, const char *m, size_t mlen,
		     const char *mod, enum frame_kind kind)
{
	char buf[300];

	if (len == 9 && !memcmp(f, "[unknown]", 9)) {
		const char *b = m + mlen;
		size_t bl;

		if (mlen == 9 && !memcmp(m, "[unknown]", 9)) {
			b = "unknown";
			bl = 7;
		} else {
			while (b > m && b[-1] != '/')
				b--;
			bl = m + mlen - b;
			if (bl > sizeof(buf) - 2)
				bl = sizeof(buf) - 2;
		}
		buf[0] = '[';
		memcpy(buf + 1, b, bl);
		buf[bl + 1] = ']';
		f = buf;
		len = bl + 2;
		kind = FRAME_UNKNOWN;
	}
	if (memchr(f, '(', len) || memchr(f, ';', len) || memchr(f, '"', len) ||
	    memchr(f, '\'', len) || (len && f[0] == 'L' && !strcmp(s->comm, "java"))) {
		len = tidy(s, f, len);
		f = s->scratch;
	}
	push_frame(s, f, len, mod, kind);
}

static void parse_func(struct ps_state *s, const char *fs, const char *ms, const char *me);

/* A frame line: "\tADDR SYMBOL+0xOFF (MODULE)". Returns 0 when it is not one. */
static int parse_frame(struct ps_state *s, const char *l, const char *e)
{
	const char *x = l, *pc, *fs, *ms = NULL, *me = NULL;

	if (!s->in_sample)
		return 1;	/* a frame of a filtered sample (or before any header) */
	while (x < e && is_space(*x))
		x++;
	pc = x;
	while (x < e && is_word(*x))
		x++;
	if (x == pc)
		return 0;
	while (x < e && is_space(*x))
		x++;
	fs = x;
	/* The module: the last " (NONBLANK)" in the line, with a name before it. */
	for (const char *r = e; r > fs + 2; r--) {
		const char *o;

		if (r[-1] != ')')
			continue;
		o = r - 1;
		while (o > fs && !is_space(o[-1]))
			o--;
		if (*o == '(' && o - 1 > fs && o[-1] == ' ' && o < r - 1) {
			ms = o + 1;
			me = r - 1;
			break;
		}
	}
	if (!ms)
		return 0;
	if (s->n < PROFILE_MAX_DEPTH - 1) {
		struct line_cache *c = &s->cache[s->n];
		size_t base = s->n;

		if (c->len == (size_t)(e - l) && c->comm == s->comm && !memcmp(c->line, l, c->len)) {
			s->frames[s->n++] = c->frame;
			return 1;
		}
		parse_func(s, fs, ms, me);
		if (s->n == base + 1) {
			c->line = l;
			c->len = e - l;
			c->comm = s->comm;
			c->frame = s->frames[base];
		}
		return 1;
	}
	parse_func(s, fs, ms, me);
	return 1;
}

/* The function part fs..ms-2 of a frame line whose module is ms..me. */
static void parse_func(struct ps_state *s, const char *fs, const char *ms, const char *me)
{
	const char *fe, *mod;
	enum frame_kind kind;

	fe = ms - 2;
	/* Drop "+0x<hex>" at the end. */
	for (const char *y = fe; y > fs; y--) {
		if (is_digit(y[-1]) || (y[-1] >= 'a' && y[-1] <= 'f'))
			continue;
		if (y < fe && y - fs >= 3 && y[-1] == 'x' && y[-2] == '0' && y[-3] == '+')
			fe = y - 3;
		break;
	}
	if (fe > fs && *fs == '(')
		return;	/* a process name, as perf prints for some frames */
	mod = module_of(s, ms, me - ms);
	kind = s->o->annotate ? kind_of(ms, me - ms) : FRAME_USER;
	{
		/* "a->b->c": inlined chain, caller first; later ones are inline frames. */
		const char *start = fs;
		struct frame tmp[64];
		size_t k = 0, base = s->n;

		for (;;) {
			const char *arrow = NULL;

			for (const char *y = start; y + 1 < fe; y++)
				if (y[0] == '-' && y[1] == '>') {
					arrow = y;
					break;
				}
			add_func(s, start, (arrow ? arrow : fe) - start, ms, me - ms, mod,
				 s->n > base ? FRAME_INLINE : kind);
			if (!arrow || s->n - base >= 64)
				break;
			start = arrow + 2;
		}
		/* frames[] is leaf first: the chain's last (innermost) goes first. */
		k = s->n - base;
		if (k > 1 && s->n >= k) {
			memcpy(tmp, s->frames + s->n - k, k * sizeof(*tmp));
			for (size_t i = 0; i < k; i++)
				s->frames[s->n - k + i] = tmp[k - 1 - i];
		}
	}
}

int perfscript_read(struct profile *p, const char *buf, size_t len,
		    const struct perfscript_opts *o, struct prof_read_stats *st)
{
	static const struct perfscript_opts defaults = { 0 };
	struct ps_state s = { .p = p, .o = o ? o : &defaults, .st = st };
	const char *end = buf + len, *line = buf;
	int last_ok = 1;	/* the last line that was not blank was understood */

	s.frames = xmalloc(PROFILE_MAX_DEPTH * sizeof(*s.frames));
	s.cache = xcalloc(PROFILE_MAX_DEPTH, sizeof(*s.cache));
	if (s.o->event)
		s.event = p->event = profile_intern(p, s.o->event, strlen(s.o->event));
	while (line < end && !s.overflow_line) {
		const char *nl = memchr(line, '\n', end - line);
		const char *eol = nl ? nl : end, *t = eol;

		st->lines++;
		while (t > line && is_space(t[-1]))
			t--;
		if (t == line) {
			flush_sample(&s);
		} else if (*line != '#') {
			last_ok = is_space(*line) ? parse_frame(&s, line, eol) : parse_header(&s, line, eol);
			if (!last_ok && !st->skipped++)
				st->first_bad_line = st->lines;
		}
		line = nl ? nl + 1 : end;
	}
	/*
	 * The last sample needs no blank line after it (a file trimmed by an
	 * editor or a script is whole), but one whose last line is incomplete
	 * and not understood was cut off mid-line: its outer frames may be
	 * missing, so it is left out and counted.
	 */
	if (s.in_sample && s.n && !s.overflow_line) {
		if (!last_ok && len && buf[len - 1] != '\n')
			st->cut_off++;
		else
			flush_sample(&s);
	}
	if (s.period_seen && p->event)
		p->unit = !strcmp(p->event, "cpu-clock") || !strcmp(p->event, "task-clock") ||
			  !strncmp(p->event, "cpu-clock:", 10) || !strncmp(p->event, "task-clock:", 11)
			  ? "nanoseconds" : "events";
	if (s.period_seen && !strcmp(p->unit, "nanoseconds") && !p->period_ns)
		p->period_ns = s.first_period;
	free(s.scratch);
	free(s.cache);
	free(s.frames);
	if (s.overflow_line)
		return pe_error("line %llu: the sample weights add up to more than %llu (2^64-1), "
				"which cannot be shown; are the periods garbage?",
				(unsigned long long)s.overflow_line, (unsigned long long)UINT64_MAX);
	return 0;
}

int perfscript_detect(const char *buf, size_t len)
{
	const char *end = buf + len, *line = buf;

	while (line < end) {
		const char *nl = memchr(line, '\n', end - line);
		const char *eol = nl ? nl : end, *t = eol;

		while (t > line && is_space(t[-1]))
			t--;
		if (t > line && *line != '#') {
			if (!is_digit(t[-1]))
				return 1;
			/* "comm 123" (perf script -F comm,tid,ip,sym): a frame line follows */
			return nl && nl + 1 < end && nl[1] == '\t';
		}
		line = nl ? nl + 1 : end;
	}
	return 0;
}
