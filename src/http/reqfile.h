/*
 * The --requests-file format of perfeng load: one request a line,
 * "METHOD URL [BODY_FILE]", fields separated by spaces or tabs, blank lines
 * and lines starting with '#' skipped. This module only splits and checks
 * the lines; URLs are read by url.c and body files by the command.
 */
#ifndef PE_HTTP_REQFILE_H
#define PE_HTTP_REQFILE_H

#include <stddef.h>

struct reqfile_entry {
	char *method;		/* uppercase letters */
	char *url;		/* as written: an absolute URL or a path starting with '/' */
	char *body;		/* the body file as written, or NULL */
	unsigned line;		/* 1-based */
};

struct reqfile {
	struct reqfile_entry *v;	/* owned; reqfile_release frees them */
	size_t n;
};

/*
 * Parses len bytes of text read from the file called name (for messages).
 * Returns 0 with at least one entry, or -1 with pe_error() quoting the line
 * number and its text ("reqs.txt:3: 'GET': expected METHOD URL [BODY_FILE]").
 */
int reqfile_parse(const char *text, size_t len, const char *name, struct reqfile *rf);
void reqfile_release(struct reqfile *rf);

#endif
