/*
 * XML text escaping with UTF-8 validation (see xml.h).
 */
#include <math.h>
#include <stdint.h>

#include "out/xml.h"
#include "util/utf8.h"

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

double svg_tick_step(double span)
{
	double raw = span / 5, mag = pow(10, floor(log10(raw))), r = raw / mag;

	return (r < 1.5 ? 1 : r < 3.5 ? 2 : r < 7.5 ? 5 : 10) * mag;
}
