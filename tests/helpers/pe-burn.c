/*
 * pe-burn [-p] N MS: keeps N threads (or, with -p, N forked child
 * processes) busy in user space for MS milliseconds of wall time, then exits
 * 0. N = 0 means one per online CPU. Prints "cpu_ms N", the CPU time all of
 * it used by its own getrusage, for tests to hold diagnose's figure against.
 * The CPU-bound workload of diagnose's tests; pe-spin counts CPU time
 * instead, for bench.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t end_ns;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static long ru_ms(int who)
{
	struct rusage ru;

	getrusage(who, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
}

static void *burn(void *arg)
{
	volatile uint64_t x = 1;

	(void)arg;
	while (now_ns() < end_ns)
		for (int i = 0; i < 10000; i++)
			x = x * 6364136223846793005u + 1442695040888963407u;
	return NULL;
}

int main(int argc, char **argv)
{
	int procs = argc > 1 && !strcmp(argv[1], "-p");
	long n, ms;

	if (argc != 3 + procs) {
		fprintf(stderr, "usage: pe-burn [-p] N MS\n");
		return 2;
	}
	n = atol(argv[1 + procs]);
	ms = atol(argv[2 + procs]);
	if (n <= 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	end_ns = now_ns() + (uint64_t)ms * 1000000u;
	if (procs) {
		for (long i = 0; i < n; i++)
			if (fork() == 0) {
				burn(NULL);
				_exit(0);
			}
		while (wait(NULL) > 0)
			;
		printf("cpu_ms %ld\n", ru_ms(RUSAGE_SELF) + ru_ms(RUSAGE_CHILDREN));
		return 0;
	}
	pthread_t *t = calloc((size_t)n, sizeof(*t));

	for (long i = 1; i < n; i++)
		pthread_create(&t[i], NULL, burn, NULL);
	burn(NULL);
	for (long i = 1; i < n; i++)
		pthread_join(t[i], NULL);
	free(t);
	printf("cpu_ms %ld\n", ru_ms(RUSAGE_SELF));
	return 0;
}
