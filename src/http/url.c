#include "http/url.h"

#include <netdb.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

static int url__copy(char *dst, size_t n, const char *src, size_t len)
{
	if (len >= n)
		return -1;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}

int http_url_parse(const char *url, struct http_url *u)
{
	const char *p, *host, *host_end, *port = NULL, *path;
	size_t port_len = 0;

	memset(u, 0, sizeof(*u));
	if (!strncmp(url, "http://", 7)) {
		strcpy(u->scheme, "http");
		p = url + 7;
	} else if (!strncmp(url, "https://", 8)) {
		strcpy(u->scheme, "https");
		p = url + 8;
	} else {
		return pe_error("'%s' is not an http:// or https:// URL", url);
	}
	host = p;
	if (*p == '[') {	/* [::1]:8080 */
		host_end = strchr(p, ']');
		if (!host_end)
			return pe_error("'%s': unterminated [ in the host", url);
		host++;
		p = host_end + 1;
	} else {
		p += strcspn(p, ":/?#");
		host_end = p;
	}
	if (host_end == host)
		return pe_error("'%s' has no host", url);
	if (url__copy(u->host, sizeof(u->host), host, (size_t)(host_end - host)) < 0)
		return pe_error("'%s': host name too long", url);
	if (strpbrk(u->host, "@ \t"))
		return pe_error("'%s': user info and spaces are not allowed in the host", url);
	if (*p == ':') {
		port = ++p;
		port_len = strspn(p, "0123456789");
		p += port_len;
		if (!port_len || port_len > 5 || atoi(port) < 1 || atoi(port) > 65535)
			return pe_error("'%s' has a bad port", url);
	}
	if (*p && *p != '/' && *p != '?' && *p != '#')
		return pe_error("'%s': unexpected '%c' after the host", url, *p);
	if (port)
		url__copy(u->port, sizeof(u->port), port, port_len);
	else
		strcpy(u->port, u->scheme[4] ? "443" : "80");
	path = p;
	p = path + strcspn(path, "#");	/* the fragment is not sent */
	if (*path != '/') {
		u->path[0] = '/';
		if (url__copy(u->path + 1, sizeof(u->path) - 1, path, (size_t)(p - path)) < 0)
			return pe_error("'%s': path too long", url);
	} else if (url__copy(u->path, sizeof(u->path), path, (size_t)(p - path)) < 0) {
		return pe_error("'%s': path too long", url);
	}
	for (const char *c = u->path; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f)
			return pe_error("'%s': the path has a space or control character; percent-encode it", url);
	snprintf(u->host_header, sizeof(u->host_header), "%s%s%s%s%s",
		 strchr(u->host, ':') ? "[" : "", u->host, strchr(u->host, ':') ? "]" : "",
		 port ? ":" : "", port ? u->port : "");
	return 0;
}

int http_url_resolve(const struct http_url *u, struct sockaddr_storage *addr, socklen_t *len)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res;
	int rc = getaddrinfo(u->host, u->port, &hints, &res);

	if (rc)
		return pe_error("cannot resolve '%s': %s", u->host, gai_strerror(rc));
	memcpy(addr, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}
