/*
 * A growable, always NUL-terminated string, as git's strbuf. The buffer is
 * owned by the strbuf until strbuf_detach() hands it to the caller.
 */
#ifndef PE_STRBUF_H
#define PE_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *buf;
	size_t len;
	size_t alloc;
};

#define STRBUF_INIT { NULL, 0, 0 }

void strbuf_init(struct strbuf *sb);
void strbuf_release(struct strbuf *sb);
char *strbuf_detach(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_add(struct strbuf *sb, const void *data, size_t n);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);

/*
 * Appends the whole of file path ("-": standard input), up to max bytes.
 * Returns 0, or -1 with pe_error() naming the file (cannot open or read,
 * larger than max) and sb as it was.
 */
int strbuf_read_file(struct strbuf *sb, const char *path, size_t max);

/* The contents; "" for an unused strbuf (never NULL). */
static inline const char *strbuf_str(const struct strbuf *sb)
{
	return sb->buf ? sb->buf : "";
}

#endif
