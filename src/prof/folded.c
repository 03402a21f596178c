/*
 * Reader and writer of folded stacks (see folded.h). The reader scans the
 * buffer with memchr and interns each frame: nothing is allocated per line
 * once the profile has seen the names. Bad lines fail the read with their
 * line number, or are skipped and counted when the caller asks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "prof/folded.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

enum frame_kind folded_kind_suffix(const char *s, size_t *len)
{
	size_t n = *len;

	if (n > 4 && s[n - 4] == '_' && s[n - 3] == '[' && s[n - 1] == ']') {
		enum frame_kind k;

		switch (s[n - 2]) {
		case 'k': k = FRAME_KERNEL; break;
		case 'i': k = FRAME_INLINE; break;
		case 'j': k = FRAME_JIT; break;
		default: return FRAME_USER;
		}
		*len = n - 4;
		return k;
	}
	return FRAME_USER;
}

/* Parses a decimal weight; returns 0 on success (no sign, no overflow). */
static int parse_weight(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (!len)
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned char)s[i] - '0';

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int bad_line(struct prof_read_stats *st, int skip_bad, const char *why)
{
	if (!skip_bad)
		return pe_error("line %llu: %s", (unsigned long long)st->lines, why);
	if (!st->skipped++)
		st->first_bad_line = st->lines;
	return 0;
}

int folded_read(struct profile *p, const char *buf, size_t len, int skip_bad,
		struct prof_read_stats *st)
{
	struct frame *frames = xmalloc(PROFILE_MAX_DEPTH * sizeof(*frames));
	const char *end = buf + len, *line = buf;
	int rc = 0;

	while (line < end) {
		const char *nl = memchr(line, '\n', end - line);
		const char *eol = nl ? nl : end, *sp, *s;
		uint64_t w, sum;
		size_t n = 0;

		st->lines++;
		if (eol > line && eol[-1] == '\r')
			eol--;
		while (eol > line && (eol[-1] == ' ' || eol[-1] == '\t'))
			eol--;
		while (line < eol && (*line == ' ' || *line == '\t'))
			line++;
		if (eol == line)
			goto next;
		if (memchr(line, '\0', eol - line)) {
			if ((rc = bad_line(st, skip_bad, "a NUL byte: this is not text")))
				break;
			goto next;
		}
		for (sp = eol; sp > line && sp[-1] != ' ' && sp[-1] != '\t'; sp--)
			;
		if (sp == line || parse_weight(sp, eol - sp, &w)) {
			if ((rc = bad_line(st, skip_bad, sp == line ?
					   "expected 'frame;frame;... COUNT'" :
					   "the count is not a non-negative integer")))
				break;
			goto next;
		}
		while (sp > line && (sp[-1] == ' ' || sp[-1] == '\t'))
			sp--;
		for (s = line; s < sp;) {
			const char *semi = memchr(s, ';', sp - s);
			const char *fe = semi ? semi : sp, *fs = s;
			size_t flen;

			/* blanks around a frame are not part of its name */
			while (fs < fe && (*fs == ' ' || *fs == '\t'))
				fs++;
			while (fe > fs && (fe[-1] == ' ' || fe[-1] == '\t'))
				fe--;
			flen = fe - fs;
			if (flen) {
				if (n == PROFILE_MAX_DEPTH) {
					st->truncated++;
					break;
				}
				frames[n].kind = folded_kind_suffix(fs, &flen);
				frames[n].name = profile_intern(p, fs, flen);
				frames[n].module = NULL;
				frames[n].file = NULL;
				frames[n].line = 0;
				n++;
			}
			s = semi ? semi + 1 : sp;
		}
		/* the root's total is the largest sum: if it holds, every node's does */
		if (__builtin_add_overflow(p->root.total, w, &sum)) {
			rc = pe_error("line %llu: the counts add up to more than %llu (2^64-1), "
				      "which cannot be shown; is the count column garbage?",
				      (unsigned long long)st->lines, (unsigned long long)UINT64_MAX);
			break;
		}
		/* a stack of empty frames (";;") counts to the root, as empty names do */
		profile_add(p, frames, n, w);
		st->stacks++;
next:
		line = nl ? nl + 1 : end;
	}
	free(frames);
	return rc;
}

static const char *kind_suffix(enum frame_kind k)
{
	switch (k) {
	case FRAME_KERNEL: return "_[k]";
	case FRAME_INLINE: return "_[i]";
	case FRAME_JIT: return "_[j]";
	default: return "";
	}
}

/*
 * Folded paths of a flattened profile, built in one buffer: at[d] is the
 * length of the path down to depth d - 1, set by the last node seen there
 * (preorder meets a node's parent just before it).
 */
struct path_walk {
	struct strbuf sb;
	size_t *at;
};

static void path_init(struct path_walk *w, size_t n)
{
	strbuf_init(&w->sb);
	strbuf_grow(&w->sb, 256);
	w->at = xmalloc((n + 2) * sizeof(*w->at));
	w->at[1] = 0;
}

static const char *path_of(struct path_walk *w, const struct profile_flat *e)
{
	unsigned d = e->depth;

	w->sb.len = w->at[d];
	if (d > 1)
		strbuf_addch(&w->sb, ';');
	strbuf_addstr(&w->sb, e->node->frame.name);
	strbuf_addstr(&w->sb, kind_suffix(e->node->frame.kind));
	w->at[d + 1] = w->sb.len;
	return w->sb.buf;
}

static void path_release(struct path_walk *w)
{
	strbuf_release(&w->sb);
	free(w->at);
}

static int write_end(FILE *f)
{
	return ferror(f) ? pe_error("write error: %s", strerror(errno)) : 0;
}

/* 1 when two siblings differ only in module, file or line: they would print alike. */
static int names_collide(const struct profile_flat *v, size_t n)
{
	size_t *last = xmalloc(n * sizeof(*last));	/* last child seen, per parent; 0: none */
	int hit = 0;

	memset(last, 0, n * sizeof(*last));
	for (size_t i = 1; i < n && !hit; i++) {
		const struct frame *a = &v[i].node->frame, *b;

		if (last[v[i].parent]) {
			b = &v[last[v[i].parent]].node->frame;
			hit = a->name == b->name && a->kind == b->kind;
		}
		last[v[i].parent] = i;
	}
	free(last);
	return hit;
}

int folded_write(FILE *f, const struct profile *p)
{
	struct profile_flat *v;
	size_t n = profile_flatten(p, &v);
	struct path_walk w;

	if (names_collide(v, n)) {
		struct profile q;
		int rc;

		profile_init(&q, p->unit);
		profile_merge_names(&q, p);
		rc = folded_write(f, &q);
		profile_release(&q);
		free(v);
		return rc;
	}
	/* weight on no function (read from a stack of empty frames) is written as one */
	if (n && v[0].node->self)
		fprintf(f, "; %llu\n", (unsigned long long)v[0].node->self);
	path_init(&w, n);
	for (size_t i = 1; i < n; i++) {
		const char *path = path_of(&w, &v[i]);

		if (v[i].node->self)
			fprintf(f, "%s %llu\n", path, (unsigned long long)v[i].node->self);
	}
	path_release(&w);
	free(v);
	return write_end(f);
}

/* Lines of a for the stacks with self weight, with b's weight of the same stack (0 if none). */
static void diff_lines(FILE *f, const struct profile *a, const struct profile *b, int a_first,
		       int only_missing)
{
	struct profile_flat *v;
	size_t n = profile_flatten(a, &v);
	const struct profile_node **m = xmalloc(n * sizeof(*m));
	struct path_walk w;

	profile_match(b, v, n, m);
	path_init(&w, n);
	for (size_t i = 1; i < n; i++) {
		const char *path = path_of(&w, &v[i]);
		unsigned long long x = v[i].node->self, y = m[i] ? m[i]->self : 0;

		if (!x || (only_missing && y))
			continue;
		fprintf(f, "%s %llu %llu\n", path, a_first ? x : y, a_first ? y : x);
	}
	path_release(&w);
	free(m);
	free(v);
}

int folded_write_diff(FILE *f, const struct profile *before, const struct profile *after)
{
	diff_lines(f, after, before, 0, 0);
	diff_lines(f, before, after, 1, 1);
	return write_end(f);
}
