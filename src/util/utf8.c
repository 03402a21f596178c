/*
 * UTF-8 decoding and repair (see utf8.h).
 */
#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"
#include "util/xalloc.h"

size_t utf8_next(const unsigned char *s, uint32_t *cp)
{
	uint32_t c = s[0], min;
	size_t n;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0) {
		n = 2; c &= 0x1f; min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3; c &= 0x0f; min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4; c &= 0x07; min = 0x10000;
	} else {
		*cp = 0xfffd;
		return 1;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*cp = 0xfffd;
			return 1;
		}
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
		*cp = 0xfffd;
		return 1;
	}
	*cp = c;
	return n;
}

char *utf8_sanitize(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t bad = 0, n = 0;
	char *out;
	uint32_t cp;

	for (const unsigned char *q = p; *q;) {
		size_t len = utf8_next(q, &cp);

		bad += len == 1 && cp == 0xfffd;
		q += len;
	}
	if (!bad)
		return NULL;
	out = xmalloc(strlen(s) + 2 * bad + 1);
	while (*p) {
		size_t len = utf8_next(p, &cp);

		if (len == 1 && cp == 0xfffd) {
			memcpy(out + n, "\xef\xbf\xbd", 3);
			n += 3;
		} else {
			memcpy(out + n, p, len);
			n += len;
		}
		p += len;
	}
	out[n] = '\0';
	return out;
}
