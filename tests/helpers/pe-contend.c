/*
 * pe-contend N MS: N threads fight over one mutex for MS milliseconds; each
 * holds it for a short critical section (about 2 us of work) in a loop and
 * does a little work of its own between acquisitions, so the lock is
 * always wanted by another thread while it is held. The waiting shows as
 * futex sleeps and as system time in futex calls. Prints "acquisitions N".
 * The lock-contention workload of diagnose's tests and the calibration.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t end_ns, acquisitions;
static volatile uint64_t sink;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void spin(unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		sink += i;
}

static void *worker(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&lock);
		if (now_ns() >= end_ns) {
			pthread_mutex_unlock(&lock);
			return NULL;
		}
		acquisitions++;
		spin(2000);	/* the critical section */
		pthread_mutex_unlock(&lock);
		spin(200);	/* a little work outside it */
	}
}

int main(int argc, char **argv)
{
	long n;
	pthread_t *t;

	if (argc != 3 || (n = atol(argv[1])) < 1 || atol(argv[2]) < 1) {
		fprintf(stderr, "usage: pe-contend THREADS MS\n");
		return 2;
	}
	end_ns = now_ns() + (uint64_t)atol(argv[2]) * 1000000u;
	t = calloc((size_t)n, sizeof(*t));
	for (long i = 0; i < n; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (long i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	printf("acquisitions %llu\n", (unsigned long long)acquisitions);
	return 0;
}
