#include "http/serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/error.h"
#include "util/xalloc.h"

#define SERVE_READ_MS 2000	/* a client gets this long to send its request */

struct serve {
	int lfd, wake[2];	/* wake: a pipe that ends the thread's poll */
	pthread_t tid;
	serve_fn fn;
	void *ctx;
	char host[64];
	int port;
};

static void serve__write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;	/* the client went away: nothing to tell anyone */
		p += w;
		n -= (size_t)w;
	}
}

static void serve__reply(int fd, int status, const char *type, const struct strbuf *body, int head)
{
	const char *reason = status == 200 ? "OK" : status == 404 ? "Not Found" :
			     status == 405 ? "Method Not Allowed" : status == 431 ?
			     "Request Header Fields Too Large" : "Bad Request";
	char hdr[512];
	size_t blen = body && status == 200 ? body->len : strlen(reason) + 1;
	int n = snprintf(hdr, sizeof(hdr), "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n", status, reason,
			 status == 200 ? type : "text/plain; charset=utf-8", blen);

	serve__write_all(fd, hdr, (size_t)n);
	if (head)
		return;
	if (status == 200)
		serve__write_all(fd, body->buf ? body->buf : "", body->len);
	else {
		serve__write_all(fd, reason, strlen(reason));
		serve__write_all(fd, "\n", 1);
	}
}

/* Reads the request head (to the blank line) into buf; its length, or -1 (timeout, close), -2 (too long). */
static int serve__read_head(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	uint64_t deadline = clock_now_ns() + SERVE_READ_MS * NS_PER_MS;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t now = clock_now_ns();
		ssize_t r;

		if (now >= deadline || poll(&p, 1, (int)((deadline - now) / NS_PER_MS) + 1) <= 0)
			return -1;
		r = recv(fd, buf + len, cap - 1 - len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		len += (size_t)r;
		buf[len] = '\0';
		if (strstr(buf, "\r\n\r\n") || strstr(buf, "\n\n"))
			return (int)len;
		if (len >= cap - 1)
			return -2;
	}
}

int serve_parse_request(const char *head, char *method, size_t mn, char *path, size_t pn)
{
	const char *sp1 = strchr(head, ' '), *sp2, *q;
	size_t ml, pl;

	if (!sp1 || sp1 == head)
		return -1;
	sp2 = strchr(sp1 + 1, ' ');
	if (!sp2 || sp2 == sp1 + 1 || strncmp(sp2 + 1, "HTTP/1.", 7))
		return -1;
	ml = (size_t)(sp1 - head);
	q = memchr(sp1 + 1, '?', (size_t)(sp2 - sp1 - 1));
	pl = (size_t)((q ? q : sp2) - sp1 - 1);
	if (ml >= mn || pl >= pn || sp1[1] != '/')
		return -1;
	for (size_t i = 0; i < ml; i++)
		if (head[i] < 'A' || head[i] > 'Z')
			return -1;
	memcpy(method, head, ml);
	method[ml] = '\0';
	memcpy(path, sp1 + 1, pl);
	path[pl] = '\0';
	return 0;
}

int serve_header(const char *head, const char *name, char *buf, size_t n)
{
	size_t nl = strlen(name);
	const char *line = strchr(head, '\n');

	while (line) {
		const char *p = line + 1, *end = strchr(p, '\n'), *v;

		if (!end)
			end = p + strlen(p);
		if (end == p || (end == p + 1 && *p == '\r'))
			break;	/* the blank line ends the head */
		if ((size_t)(end - p) > nl && p[nl] == ':' && !strncasecmp(p, name, nl)) {
			v = p + nl + 1;
			while (v < end && (*v == ' ' || *v == '\t'))
				v++;
			while (end > v && (end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
				end--;
			if ((size_t)(end - v) >= n)
				return -1;
			memcpy(buf, v, (size_t)(end - v));
			buf[end - v] = '\0';
			return 0;
		}
		line = *end ? end : NULL;
	}
	return -1;
}

static void serve__one(struct serve *s, int fd)
{
	char buf[SERVE_MAX_HEAD + 1], method[16], path[1024], accept[1024];
	struct serve_req req = { .path = path };
	struct strbuf body = STRBUF_INIT;
	const char *type = "text/plain; charset=utf-8";
	int n = serve__read_head(fd, buf, sizeof(buf)), status, head;

	if (n == -2) {
		serve__reply(fd, 431, NULL, NULL, 0);
		return;
	}
	if (n < 0)
		return;
	if (serve_parse_request(buf, method, sizeof(method), path, sizeof(path)) < 0) {
		serve__reply(fd, 400, NULL, NULL, 0);
		return;
	}
	head = !strcmp(method, "HEAD");
	if (!head && strcmp(method, "GET")) {
		serve__reply(fd, 405, NULL, NULL, 0);
		return;
	}
	if (serve_header(buf, "Accept", accept, sizeof(accept)) == 0)
		req.accept = accept;
	status = s->fn(s->ctx, &req, &body, &type);
	serve__reply(fd, status, type, &body, head);
	strbuf_release(&body);
}

static void *serve__main(void *arg)
{
	struct serve *s = arg;

	for (;;) {
		struct pollfd p[2] = { { .fd = s->lfd, .events = POLLIN }, { .fd = s->wake[0], .events = POLLIN } };
		int fd;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		serve__one(s, fd);
		shutdown(fd, SHUT_WR);
		close(fd);
	}
	return NULL;
}

/* Splits "HOST:PORT", "[V6]:PORT" or ":PORT" into host (empty: any) and port. */
static int serve__split(const char *addr, char *host, size_t hn, char *port, size_t pn)
{
	const char *colon;
	size_t hl;

	if (addr[0] == '[') {
		const char *close = strchr(addr, ']');

		if (!close || close[1] != ':')
			return -1;
		hl = (size_t)(close - addr - 1);
		colon = close + 1;
		if (hl >= hn)
			return -1;
		memcpy(host, addr + 1, hl);
	} else {
		colon = strrchr(addr, ':');
		if (!colon)
			return -1;
		hl = (size_t)(colon - addr);
		if (hl >= hn || memchr(addr, ':', hl))
			return -1;
		memcpy(host, addr, hl);
	}
	host[hl] = '\0';
	if (!colon[1] || strlen(colon + 1) >= pn || strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return -1;
	strcpy(port, colon + 1);
	return 0;
}

int serve_check_address(const char *addr)
{
	char host[64], port[8];

	if (serve__split(addr, host, sizeof(host), port, sizeof(port)) < 0 || atoi(port) > 65535)
		return pe_error("--metrics: '%s' is not HOST:PORT (e.g. 127.0.0.1:9464, :9464, [::1]:9464)", addr);
	return 0;
}

int serve_start(struct serve **out, const char *addr, serve_fn fn, void *ctx)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE },
			*res;
	char host[64], port[8];
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct serve *s;
	int one = 1, rc, fd;

	if (serve_check_address(addr) < 0)
		return -1;
	serve__split(addr, host, sizeof(host), port, sizeof(port));
	rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
	if (rc)
		return pe_error("--metrics: cannot resolve '%s': %s", host, gai_strerror(rc));
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 16) < 0) {
		int e = errno;

		freeaddrinfo(res);
		if (fd >= 0)
			close(fd);
		return pe_error("--metrics: cannot listen on '%s': %s", addr, strerror(e));
	}
	freeaddrinfo(res);
	s = xcalloc(1, sizeof(*s));
	s->lfd = fd;
	s->fn = fn;
	s->ctx = ctx;
	snprintf(s->host, sizeof(s->host), "%s", host[0] ? host : "0.0.0.0");
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		s->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
							  : ((struct sockaddr_in *)&ss)->sin_port);
	s->wake[0] = s->wake[1] = -1;
	if (pipe2(s->wake, O_CLOEXEC) < 0 || pthread_create(&s->tid, NULL, serve__main, s)) {
		close(fd);
		if (s->wake[0] >= 0) {
			close(s->wake[0]);
			close(s->wake[1]);
		}
		free(s);
		return pe_error("--metrics: cannot start the server thread");
	}
	*out = s;
	return 0;
}

const char *serve_address(const struct serve *s, char *buf, size_t n)
{
	snprintf(buf, n, strchr(s->host, ':') ? "[%s]:%d" : "%s:%d", s->host, s->port);
	return buf;
}

void serve_stop(struct serve *s)
{
	if (!s)
		return;
	if (write(s->wake[1], "x", 1) < 0)
		pthread_cancel(s->tid);	/* cannot happen with a fresh pipe; never hang here */
	pthread_join(s->tid, NULL);
	close(s->wake[0]);
	close(s->wake[1]);
	close(s->lfd);
	free(s);
}
