/*
 * cgroup CPU throttling (see cgthrottle.h). v1 hierarchies mount the cpu
 * controller as "cpu", "cpu,cpuacct" or "cpuacct,cpu"; the first of those
 * under the root that exists is used.
 */
#include "sys/cgthrottle.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const v1_mounts[] = { "cpu,cpuacct", "cpu", "cpuacct,cpu" };

/* Whether the comma-separated controller list [s, e) holds "cpu". */
static int has_cpu(const char *s, const char *e)
{
	while (s < e) {
		const char *c = memchr(s, ',', (size_t)(e - s));

		if (!c)
			c = e;
		if (c - s == 3 && !memcmp(s, "cpu", 3))
			return 1;
		s = c + 1;
	}
	return 0;
}

int cgthrottle_path_from(const char *text, const char *root, char *out, size_t n)
{
	const char *v2 = NULL, *v1 = NULL;
	size_t v2len = 0, v1len = 0;

	for (const char *line = text; *line;) {
		const char *eol = strchrnul(line, '\n');
		const char *c1 = memchr(line, ':', (size_t)(eol - line));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(eol - c1 - 1)) : NULL;

		if (c2 && c2 + 1 < eol && c2[1] == '/') {
			if (c2 == c1 + 1 && !strncmp(line, "0:", 2)) {
				v2 = c2 + 1;
				v2len = (size_t)(eol - v2);
			} else if (has_cpu(c1 + 1, c2)) {
				v1 = c2 + 1;
				v1len = (size_t)(eol - v1);
			}
		}
		line = *eol ? eol + 1 : eol;
	}
	/* the root cgroup "/" adds nothing to the mount point */
	if (v1len == 1)
		v1len = 0;
	if (v2len == 1)
		v2len = 0;
	if (v1) {
		for (size_t i = 0; i < sizeof(v1_mounts) / sizeof(v1_mounts[0]); i++) {
			if ((size_t)snprintf(out, n, "%s/%s%.*s/cpu.stat", root, v1_mounts[i], (int)v1len, v1) >= n)
				return -1;
			if (access(out, R_OK) == 0)
				return 0;
		}
	}
	if (!v2)
		return -1;
	if ((size_t)snprintf(out, n, "%s%.*s/cpu.stat", root, (int)v2len, v2) >= n)
		return -1;
	return 0;
}

int cgthrottle_parse_stat(const char *text, uint64_t *ns)
{
	for (const char *line = text; *line;) {
		const char *eol = strchrnul(line, '\n');
		int usec = !strncmp(line, "throttled_usec ", 15);

		if (usec || !strncmp(line, "throttled_time ", 15)) {
			char *end;
			unsigned long long v;

			errno = 0;
			if (line[15] < '0' || line[15] > '9')
				return -1;
			v = strtoull(line + 15, &end, 10);
			if (errno || (end != eol && *end != ' '))
				return -1;
			if (usec && v > UINT64_MAX / 1000)
				return -1;
			*ns = usec ? (uint64_t)v * 1000 : (uint64_t)v;
			return 0;
		}
		line = *eol ? eol + 1 : eol;
	}
	return -1;
}

static int read_text(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got;

	if (fd < 0)
		return -1;
	got = read(fd, buf, n - 1);
	close(fd);
	if (got < 0)
		return -1;
	buf[got] = '\0';
	return 0;
}

int cgthrottle_path(pid_t pid, char *out, size_t n)
{
	char path[64], text[4096];

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	if (read_text(path, text, sizeof(text)) < 0)
		return -1;
	return cgthrottle_path_from(text, "/sys/fs/cgroup", out, n);
}

int cgthrottle_read(const char *path, uint64_t *ns)
{
	char text[4096];

	if (read_text(path, text, sizeof(text)) < 0)
		return -1;
	return cgthrottle_parse_stat(text, ns);
}
