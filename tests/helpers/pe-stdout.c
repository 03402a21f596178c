/*
 * pe-stdout BYTES: writes BYTES bytes to stdout, the letters 'a' to 'z'
 * repeated (byte i is 'a' + i % 26), then exits 0; exits 1 when a write
 * fails (ignoring SIGPIPE is up to the caller).
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long long total = argc > 1 ? atoll(argv[1]) : 0;
	static char buf[26 * 2521];	/* a multiple of 26, about 64 KiB */
	long long done = 0;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)('a' + i % 26);
	while (done < total) {
		size_t off = (size_t)(done % (long long)sizeof(buf));
		size_t want = sizeof(buf) - off;
		ssize_t n;

		if ((long long)want > total - done)
			want = (size_t)(total - done);
		n = write(1, buf + off, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return 1;
		done += n;
	}
	return 0;
}
