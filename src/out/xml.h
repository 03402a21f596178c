/*
 * Text for XML (SVG) documents: escaping that also keeps the document
 * well-formed when the text is not (invalid UTF-8, control characters,
 * code points XML forbids all become U+FFFD), as names from profiles of
 * arbitrary programs can be.
 */
#ifndef PE_XML_H
#define PE_XML_H

#include <stddef.h>
#include <stdio.h>

/*
 * Writes at most max_chars characters of s (all when max_chars is 0),
 * escaped for text or an attribute value; returns the characters written.
 */
size_t xml_escape(FILE *f, const char *s, size_t max_chars);

/* A "nice" tick step for an axis: 1, 2 or 5 times a power of ten, for about 5 ticks over span. */
double svg_tick_step(double span);

/* The number of characters (code points; an invalid byte counts one) in s. */
size_t xml_strlen(const char *s);

#endif
