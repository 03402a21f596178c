/*
 * pe-count FILE [TEXT]: appends one line, TEXT or "x", to FILE (created when
 * absent) and exits 0; exits 1 when it cannot. Lets a test count exactly how
 * often, and in what order, perfeng ran something: a hook, a command.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char line[4096];
	const char *text = argc > 2 ? argv[2] : "x";
	size_t len;
	ssize_t n;
	int fd;

	if (argc < 2) {
		fputs("usage: pe-count FILE [TEXT]\n", stderr);
		return 2;
	}
	len = (size_t)snprintf(line, sizeof(line), "%s\n", text);
	if (len >= sizeof(line)) {
		fputs("pe-count: TEXT too long\n", stderr);
		return 2;
	}
	/* O_APPEND: one write of the whole line, so lines never interleave */
	fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "pe-count: cannot open '%s': %s\n", argv[1], strerror(errno));
		return 1;
	}
	do
		n = write(fd, line, len);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)len || close(fd) < 0) {
		fprintf(stderr, "pe-count: cannot write '%s'\n", argv[1]);
		return 1;
	}
	return 0;
}
