/*
 * Building the requests of perfeng load (request.c): one from a URL, a
 * method, -H headers and a body, or one per line of a --requests-file. The
 * load engine (load.h) sends them round robin.
 */
#ifndef PE_HTTP_REQUEST_H
#define PE_HTTP_REQUEST_H

#include <stddef.h>

#include "http/load.h"
#include "http/url.h"
#include "util/options.h"
#include "util/strbuf.h"

/*
 * Builds the request METHOD u->path with headers ("Name: value"; Host and
 * User-Agent added unless given) and body into r; r->buf is the caller's to
 * free. Returns 0, or -1 with pe_error() naming a bad method or header.
 */
int request_build(const struct http_url *u, const char *method, const struct string_list *headers,
		  const struct strbuf *body, struct load_request *r);

/* Appends the file at path to sb; what names it in messages ("-b", "reqs.txt:3"). 0 or -1. */
int request_read_file(const char *what, const char *path, struct strbuf *sb);

/* -b's argument into body: the text itself, or "@FILE" the file's bytes. 0, or -1 with pe_error(). */
int request_body_arg(const char *arg, struct strbuf *body);

/*
 * --requests-file: builds the file's requests, each with headers, into
 * *reqs (*n of them; the caller frees each buf and the array, also after a
 * failure). base (may be NULL) is the URL given on the command line: paths
 * in the file go to its server, and whole URLs must name that server;
 * without it, every URL must name the first one's. *u is set to the
 * server's URL. A body file is read relative to the requests file's
 * directory. Returns 0, or -1 with pe_error() naming the file and line.
 */
int request_file_build(const char *path, const struct http_url *base,
		       const struct string_list *headers, struct http_url *u,
		       struct load_request **reqs, size_t *n);

#endif
