/*
 * pe-stderr TEXT CODE: writes TEXT to stderr exactly (no newline added),
 * then exits with status CODE (0 when absent).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *s = argc > 1 ? argv[1] : "";
	size_t len = strlen(s);

	while (len) {
		ssize_t n = write(2, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return 1;
		s += n;
		len -= (size_t)n;
	}
	return argc > 2 ? atoi(argv[2]) : 0;
}
