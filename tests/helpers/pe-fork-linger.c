/*
 * pe-fork-linger MS: forks a child that sleeps 60 s in the same process group
 * (it keeps stdout and stderr open), prints "PID CHILDPID\n" to stdout (PID is
 * also the group id when run by perfeng), sleeps MS milliseconds, and exits 0
 * without waiting for the child. Proves that a timeout kills the whole group,
 * and that the runner does not wait for a lingering holder of its pipes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int main(int argc, char **argv)
{
	long ms = argc > 1 ? atol(argv[1]) : 0;
	pid_t child;

	fflush(stdout);
	child = fork();
	if (child < 0) {
		perror("pe-fork-linger: fork");
		return 1;
	}
	if (child == 0) {
		sleep_ms(60000);
		_exit(0);
	}
	printf("%d %d\n", (int)getpid(), (int)child);
	fflush(stdout);
	sleep_ms(ms);
	return 0;
}
