/*
 * pe-mutex N MS: N threads take turns on one mutex for MS milliseconds;
 * each holds it for 1 ms of sleep and a few microseconds of work, so at any
 * time one thread sleeps holding the lock and the others wait on its futex.
 * Prints "acquisitions N". The lock-bound workload of diagnose's tests.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t end_ns, acquisitions;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *worker(void *arg)
{
	(void)arg;
	for (;;) {
		struct timespec ms = { 0, 1000000 };
		uint64_t t;

		pthread_mutex_lock(&lock);
		t = now_ns();
		if (t >= end_ns) {
			pthread_mutex_unlock(&lock);
			return NULL;
		}
		acquisitions++;
		nanosleep(&ms, NULL);
		while (now_ns() < t + 1020000)	/* 20 us of work past the sleep */
			;
		pthread_mutex_unlock(&lock);
	}
}

int main(int argc, char **argv)
{
	long n;
	pthread_t *t;

	if (argc != 3) {
		fprintf(stderr, "usage: pe-mutex N MS\n");
		return 2;
	}
	n = atol(argv[1]);
	if (n < 1)
		n = 1;
	end_ns = now_ns() + (uint64_t)atol(argv[2]) * 1000000u;
	t = calloc((size_t)n, sizeof(*t));
	for (long i = 0; i < n; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (long i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	free(t);
	printf("acquisitions %llu\n", (unsigned long long)acquisitions);
	return 0;
}
