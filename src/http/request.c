/*
 * The requests that perfeng load sends, built once before the run: the
 * request line, the -H headers, Host, User-Agent and Content-Length, and the
 * body, in one buffer ready to write. With --requests-file, one for each
 * line of the file, all to one server.
 */
#include "http/request.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "http/reqfile.h"
#include "util/error.h"
#include "util/xalloc.h"

int request_read_file(const char *what, const char *path, struct strbuf *sb)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return pe_error("%s: cannot read '%s': %s", what, path, strerror(errno));
	for (;;) {
		char buf[8192];
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			return pe_error("%s: cannot read '%s': %s", what, path, strerror(errno));
		}
		if (!n)
			break;
		strbuf_add(sb, buf, (size_t)n);
	}
	close(fd);
	return 0;
}

int request_build(const struct http_url *u, const char *method, const struct string_list *headers,
		  const struct strbuf *body, struct load_request *r)
{
	struct strbuf sb = STRBUF_INIT;
	int has_host = 0, has_ua = 0;

	for (const char *m = method; *m; m++)
		if (*m < 'A' || *m > 'Z')
			return pe_error("-m: '%s' is not an HTTP method (GET, POST, HEAD, ...)", method);
	strbuf_addf(&sb, "%s %s HTTP/1.1\r\n", method, u->path);
	for (size_t i = 0; i < headers->n; i++) {
		const char *h = headers->v[i], *colon = strchr(h, ':');

		if (!colon || colon == h || strpbrk(h, "\r\n")) {
			strbuf_release(&sb);
			return pe_error("-H: '%s' is not 'Name: value'", h);
		}
		has_host |= !strncasecmp(h, "host:", 5);
		has_ua |= !strncasecmp(h, "user-agent:", 11);
		strbuf_addf(&sb, "%s\r\n", h);
	}
	if (!has_host)
		strbuf_addf(&sb, "Host: %s\r\n", u->host_header);
	if (!has_ua)
		strbuf_addstr(&sb, "User-Agent: perfeng\r\n");
	if (body->len || !strcmp(method, "POST") || !strcmp(method, "PUT"))
		strbuf_addf(&sb, "Content-Length: %zu\r\n", body->len);
	strbuf_addstr(&sb, "\r\n");
	strbuf_add(&sb, body->buf ? body->buf : "", body->len);
	r->len = sb.len;
	r->buf = strbuf_detach(&sb);
	r->head = !strcmp(method, "HEAD");
	return 0;
}

/* Whether a and b name the same server: scheme, host and port. */
static int request__same_server(const struct http_url *a, const struct http_url *b)
{
	return !strcmp(a->scheme, b->scheme) && !strcasecmp(a->host, b->host) && !strcmp(a->port, b->port);
}

int request_file_build(const char *path, const struct http_url *base,
		       const struct string_list *headers, struct http_url *u,
		       struct load_request **reqs, size_t *n)
{
	struct strbuf text = STRBUF_INIT, body = STRBUF_INIT, name = STRBUF_INIT;
	const char *slash = strrchr(path, '/');
	char where[4200];
	struct reqfile rf;
	size_t i;
	int rc = 0;

	*reqs = NULL;
	*n = 0;
	if (request_read_file("--requests-file", path, &text) < 0)
		return -1;
	rc = reqfile_parse(text.buf ? text.buf : "", text.len, path, &rf);
	strbuf_release(&text);
	if (rc < 0)
		return -1;
	*reqs = xcalloc(rf.n, sizeof(**reqs));
	for (i = 0; !rc && i < rf.n; i++) {
		const struct reqfile_entry *e = &rf.v[i];
		const struct http_url *ref = base ? base : i ? u : NULL;
		struct http_url ui;

		snprintf(where, sizeof(where), "%s:%u", path, e->line);
		strbuf_reset(&name);
		if (e->url[0] == '/' && !base) {
			rc = pe_error("%s: '%s' is a path: give the server's URL on the command line, "
				      "or write whole URLs", where, e->url);
			break;
		}
		if (e->url[0] == '/')
			strbuf_addf(&name, "%s://%s", base->scheme, base->host_header);
		strbuf_addstr(&name, e->url);
		if (http_url_parse(name.buf, &ui) < 0) {
			rc = pe_error("%s: %s", where, pe_errmsg());
			break;
		}
		if (ref && !request__same_server(&ui, ref)) {
			rc = pe_error("%s: '%s' is not on %s://%s:%s like the %s: every request goes to "
				      "one server (scheme, host and port)", where, e->url, ref->scheme,
				      ref->host, ref->port, base ? "URL given" : "first request");
			break;
		}
		if (!ref)
			*u = ui;
		strbuf_reset(&body);
		if (e->body) {
			strbuf_reset(&name);
			if (e->body[0] != '/' && slash)
				strbuf_add(&name, path, (size_t)(slash - path + 1));
			strbuf_addstr(&name, e->body);
			if (request_read_file(where, name.buf, &body) < 0) {
				rc = -1;
				break;
			}
		}
		rc = request_build(&ui, e->method, headers, &body, &(*reqs)[i]);
		*n = i + 1;
	}
	if (!rc && base)
		*u = *base;
	reqfile_release(&rf);
	strbuf_release(&body);
	strbuf_release(&name);
	return rc;
}

int request_body_arg(const char *arg, struct strbuf *body)
{
	if (arg[0] != '@') {
		strbuf_addstr(body, arg);
		return 0;
	}
	return request_read_file("-b", arg + 1, body);
}
