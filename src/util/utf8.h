/*
 * UTF-8 checks for text that goes into formats that require it (XML, JSON,
 * protobuf strings): profiles carry symbol names as raw bytes.
 */
#ifndef PE_UTF8_H
#define PE_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decodes the sequence at s (NUL-terminated): returns its length in bytes
 * and sets *cp, or returns 1 with *cp = 0xFFFD for an invalid or overlong
 * sequence, a surrogate or a code point past U+10FFFF.
 */
size_t utf8_next(const unsigned char *s, uint32_t *cp);

/* NULL when s is valid UTF-8; else a copy with each bad byte as U+FFFD (caller frees). */
char *utf8_sanitize(const char *s);

#endif
