/*
 * Allocation that never returns NULL: on exhaustion the process aborts with a
 * message, so call sites carry no NULL checks. Everything returned is owned by
 * the caller and released with free().
 */
#ifndef PE_XALLOC_H
#define PE_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Grow array x (of element type *x) so that it holds at least nr elements;
 * alloc is its capacity, updated in place. Amortised doubling, as git's
 * ALLOC_GROW.
 */
#define ALLOC_GROW(x, nr, alloc)                                             \
	do {                                                                 \
		if ((size_t)(nr) > (size_t)(alloc)) {                        \
			size_t alloc__ = (alloc) ? (size_t)(alloc) * 2 : 16; \
			if (alloc__ < (size_t)(nr))                          \
				alloc__ = (size_t)(nr);                      \
			(x) = xrealloc((x), alloc__ * sizeof(*(x)));         \
			(alloc) = alloc__;                                   \
		}                                                            \
	} while (0)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
