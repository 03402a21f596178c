#include "http/reqfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/xalloc.h"

#define REQFILE_QUOTE 80	/* characters of a bad line quoted in its message */
#define REQFILE_FIELDS 3

static int reqfile__fail(const char *name, unsigned line, const char *text, size_t len,
			 const char *why)
{
	char q[REQFILE_QUOTE + 4];
	size_t n = len > REQFILE_QUOTE ? REQFILE_QUOTE : len;

	/* the quote shows control characters as '?', and says when it is cut */
	for (size_t i = 0; i < n; i++)
		q[i] = (unsigned char)text[i] < ' ' || text[i] == 0x7f ? '?' : text[i];
	strcpy(q + n, len > n ? "..." : "");
	return pe_error("%s:%u: '%s': %s", name, line, q, why);
}

static char *reqfile__dup(const char *s, size_t n)
{
	char *d = xmalloc(n + 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

int reqfile_parse(const char *text, size_t len, const char *name, struct reqfile *rf)
{
	const char *p = text, *end = text + len;
	unsigned line = 0;
	size_t alloc = 0;

	rf->v = NULL;
	rf->n = 0;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *q;
		const char *f[REQFILE_FIELDS];
		size_t flen[REQFILE_FIELDS], nf = 0, ll;
		struct reqfile_entry *e;

		if (!eol)
			eol = end;
		line++;
		ll = (size_t)(eol - p);
		if (ll && p[ll - 1] == '\r')	/* CRLF files */
			ll--;
		if (memchr(p, '\0', ll)) {
			reqfile_release(rf);
			return reqfile__fail(name, line, p, ll, "a NUL byte in the line");
		}
		for (q = p; q < p + ll;) {
			const char *s;

			while (q < p + ll && (*q == ' ' || *q == '\t'))
				q++;
			if (q == p + ll)
				break;
			if (!nf && *q == '#')
				break;	/* a comment */
			s = q;
			while (q < p + ll && *q != ' ' && *q != '\t')
				q++;
			if (nf == REQFILE_FIELDS) {
				reqfile_release(rf);
				return reqfile__fail(name, line, p, ll,
						     "more than METHOD URL [BODY_FILE]");
			}
			f[nf] = s;
			flen[nf++] = (size_t)(q - s);
		}
		if (nf == 1) {
			reqfile_release(rf);
			return reqfile__fail(name, line, p, ll, "expected METHOD URL [BODY_FILE]");
		}
		if (nf) {
			for (size_t i = 0; i < flen[0]; i++)
				if (f[0][i] < 'A' || f[0][i] > 'Z') {
					reqfile_release(rf);
					return reqfile__fail(name, line, p, ll,
							     "the method is not an HTTP method in capitals (GET, POST, HEAD, ...)");
				}
			if (rf->n == alloc) {
				alloc = alloc ? 2 * alloc : 16;
				rf->v = xrealloc(rf->v, alloc * sizeof(*rf->v));
			}
			e = &rf->v[rf->n++];
			e->method = reqfile__dup(f[0], flen[0]);
			e->url = reqfile__dup(f[1], flen[1]);
			e->body = nf > 2 ? reqfile__dup(f[2], flen[2]) : NULL;
			e->line = line;
		}
		p = eol + 1;
	}
	if (!rf->n)
		return pe_error("%s: no request in it (one a line: METHOD URL [BODY_FILE])", name);
	return 0;
}

void reqfile_release(struct reqfile *rf)
{
	for (size_t i = 0; i < rf->n; i++) {
		free(rf->v[i].method);
		free(rf->v[i].url);
		free(rf->v[i].body);
	}
	free(rf->v);
	rf->v = NULL;
	rf->n = 0;
}
