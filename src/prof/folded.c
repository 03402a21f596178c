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
		uint64_t w;
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
			const char *fe = semi ? semi : sp;
			size_t flen = fe - s;

			if (flen) {
				if (n == PROFILE_MAX_DEPTH) {
					st->truncated++;
					break;
				}
				frames[n].kind = folded_kind_suffix(s, &flen);
				frames[n].name = profile_intern(p, s, flen);
				frames[n].module = NULL;
				frames[n].file = NULL;
				frames[n].line = 0;
				n++;
			}
			s = fe + 1;
		}
		if (!n) {
			if ((rc = bad_line(st, skip_bad, "the stack has no frames")))
				break;
			goto next;
		}
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

int folded_write(FILE *f, const struct profile *p)
{
	struct profile_flat *v;
	size_t n = profile_flatten(p, &v);
	/* at[d]: length of the path down to depth d - 1, set by the last node there. */
	size_t *at = xmalloc((n + 2) * sizeof(*at));
	struct strbuf sb = STRBUF_INIT;

	strbuf_grow(&sb, 256);
	at[1] = 0;
	for (size_t i = 1; i < n; i++) {
		const struct profile_node *node = v[i].node;
		unsigned d = v[i].depth;

		sb.len = at[d];
		if (d > 1)
			strbuf_addch(&sb, ';');
		strbuf_addstr(&sb, node->frame.name);
		strbuf_addstr(&sb, kind_suffix(node->frame.kind));
		at[d + 1] = sb.len;
		if (node->self)
			fprintf(f, "%s %llu\n", sb.buf, (unsigned long long)node->self);
	}
	strbuf_release(&sb);
	free(at);
	free(v);
	if (ferror(f))
		return pe_error("write error: %s", strerror(errno));
	return 0;
}
