/*
 * The parts of an http:// or https:// URL that a load generator needs: where to connect
 * and what to put in the request line and Host header. Parsing is strict:
 * a URL we cannot read is an error naming it, never a guess.
 */
#ifndef PE_HTTP_URL_H
#define PE_HTTP_URL_H

struct http_url {
	char scheme[8];		/* "http" or "https" */
	char host[256];		/* name or address, without brackets */
	char port[8];		/* "80" or "443" when not given */
	char path[2048];	/* "/..." with the query, never empty */
	char host_header[280];	/* host[:port] as the Host header wants it */
};

/* Returns 0, or -1 with pe_error() set. */
int http_url_parse(const char *url, struct http_url *u);

#include <sys/socket.h>

/* The address of u's host and port (the first getaddrinfo gives). 0, or -1 with pe_error(). */
int http_url_resolve(const struct http_url *u, struct sockaddr_storage *addr, socklen_t *len);

#endif
