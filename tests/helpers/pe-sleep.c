/*
 * pe-sleep MS: sleeps MS milliseconds of wall time (nanosleep, resumed after
 * signals that do not kill it), then exits 0.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
	long ms = argc > 1 ? atol(argv[1]) : 0;
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	return 0;
}
