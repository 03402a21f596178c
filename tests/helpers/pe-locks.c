/*
 * pe-locks THREADS ROUNDS [mutex|rwlock|spin|cond]: contention known by
 * construction, for perfeng locks' tests (tests/e2e/t4300-locks.sh).
 * main takes the lock, starts THREADS threads, sleeps 50 ms while they
 * block on it and lets it go; each thread then takes it ROUNDS times,
 * holding it in hold_lock() for 1 ms of sleep (a spinlock: 200 us of
 * spinning). So: THREADS * ROUNDS + 1 acquisitions (main's one among them),
 * at least THREADS contended (each thread's first) and at most
 * THREADS * ROUNDS. With "solo", main does not take the lock first and
 * one thread runs: ROUNDS acquisitions, none contended. "cond": the
 * threads wait for a condition that main signals THREADS * ROUNDS times,
 * 5 ms apart. The count goes to standard error at the end.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static pthread_spinlock_t spin;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int rounds, mode, signals;
static volatile unsigned long sink;

enum { MUTEX, RWLOCK, SPIN, COND };

static void take(void)
{
	if (mode == RWLOCK)
		pthread_rwlock_wrlock(&rw);
	else if (mode == SPIN)
		pthread_spin_lock(&spin);
	else
		pthread_mutex_lock(&mtx);
}

static void give(void)
{
	if (mode == RWLOCK)
		pthread_rwlock_unlock(&rw);
	else if (mode == SPIN)
		pthread_spin_unlock(&spin);
	else
		pthread_mutex_unlock(&mtx);
}

__attribute__((noinline)) static void hold_lock(void)
{
	if (mode == SPIN) {
		struct timespec a, b;

		clock_gettime(CLOCK_MONOTONIC, &a);
		do {
			for (int i = 0; i < 1000; i++)
				sink += (unsigned long)i;
			clock_gettime(CLOCK_MONOTONIC, &b);
		} while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < 200000);
		return;
	}
	usleep(1000);
}

__attribute__((noinline)) static void *worker(void *arg)
{
	(void)arg;
	for (int r = 0; r < rounds; r++) {
		if (mode != COND) {
			take();
			hold_lock();
			give();
		} else {
			pthread_mutex_lock(&mtx);
			while (signals == 0)
				pthread_cond_wait(&cond, &mtx);
			signals--;
			pthread_mutex_unlock(&mtx);
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 4, solo = argc > 3 && !strcmp(argv[3], "solo");
	pthread_t *t;

	rounds = argc > 2 ? atoi(argv[2]) : 10;
	mode = argc > 3 && !strcmp(argv[3], "rwlock") ? RWLOCK : argc > 3 && !strcmp(argv[3], "spin") ? SPIN :
	       argc > 3 && !strcmp(argv[3], "cond") ? COND : MUTEX;
	if (n < 1 || n > 64 || rounds < 1)
		return 2;
	pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE);
	t = calloc((size_t)n, sizeof(*t));
	if (mode != COND && !solo)
		take();
	for (int i = 0; i < n; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	if (mode != COND && !solo) {
		usleep(50000);	/* every thread blocks on the lock main holds */
		give();
	}
	if (mode == COND)
		for (int i = 0; i < n * rounds; i++) {
			usleep(5000);
			pthread_mutex_lock(&mtx);
			signals++;
			pthread_cond_signal(&cond);
			pthread_mutex_unlock(&mtx);
		}
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	fprintf(stderr, "acquisitions %d\n", n * rounds + (mode != COND && !solo));
	return 0;
}
