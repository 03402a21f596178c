/*
 * XML text escaping with UTF-8 validation (see xml.h).
 */
#include <stdint.h>

#include "out/xml.h"

/*
 * Decodes one UTF-8 sequence at s: returns its length in bytes and sets *cp,
 * or returns 1 with *cp = 0xFFFD for an invalid or overlong sequence, a
 * surrogate or a code point past U+10FFFF.
 */
static size_t utf8_next(const unsigned char *s, uint32_t *cp)
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

size_t xml_strlen(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;
	uint32_t cp;

	while (*p) {
		p += utf8_next(p, &cp);
		n++;
	}
	return n;
}

size_t xml_escape(FILE *f, const char *s, size_t max_chars)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

	while (*p && (!max_chars || n < max_chars)) {
		uint32_t cp;
		size_t len = utf8_next(p, &cp);

		/* XML 1.0 Char: tab, LF, CR, U+0020..U+D7FF, U+E000..U+FFFD, U+10000.. */
		if ((cp < 0x20 && cp != '\t') || cp == 0xfffe || cp == 0xffff)
			cp = 0xfffd;
		switch (cp) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		case '\t': fputs("&#9;", f); break;
		case 0xfffd:
			fputs("\xef\xbf\xbd", f);
			break;
		default:
			fwrite(p, 1, len, f);
		}
		p += len;
		n++;
	}
	return n;
}
