/*
 * A workload with known CPU shares for `perfeng profile` tests:
 *   pe-prof-work THREADS ROUNDS [UNIT [MARKER]]
 * Each of THREADS threads runs ROUNDS rounds of lib_hot (libpeprof.so) for
 * 7*UNIT iterations and exe_hot (this PIE executable) for 3*UNIT, the same
 * loop in both, so lib_hot has 70% of the CPU time and exe_hot 30%.
 * UNIT defaults to 100000; MARKER is ignored (tests find the process by it).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

uint64_t lib_hot(uint64_t n, uint64_t x);

static uint64_t rounds, unit = 100000;

/* inlined into exe_hot: `profile --inline` shows it as a frame of its own */
static inline __attribute__((always_inline)) uint64_t exe_step(uint64_t x)
{
	x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	__asm__ volatile("" : "+r"(x));
	return x;
}

__attribute__((noinline)) uint64_t exe_hot(uint64_t n, uint64_t x);
__attribute__((noinline)) uint64_t exe_hot(uint64_t n, uint64_t x)
{
	for (uint64_t i = 0; i < n; i++)
		x = exe_step(x);
	return x;
}

__attribute__((noinline)) static void *worker(void *arg)
{
	uint64_t x = (uint64_t)(uintptr_t)arg;

	for (uint64_t r = 0; r < rounds; r++) {
		x = lib_hot(7 * unit, x);
		x = exe_hot(3 * unit, x);
	}
	return (void *)(uintptr_t)x;
}

int main(int argc, char **argv)
{
	int threads = argc > 1 ? atoi(argv[1]) : 4;
	pthread_t *t;
	uint64_t sum = 0;

	rounds = argc > 2 ? strtoull(argv[2], NULL, 10) : 100;
	if (argc > 3)
		unit = strtoull(argv[3], NULL, 10);
	if (threads < 1 || threads > 256)
		return 2;
	t = calloc((size_t)threads, sizeof(*t));
	for (int i = 0; i < threads; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)(i + 1)))
			return 3;
	for (int i = 0; i < threads; i++) {
		void *rv;

		pthread_join(t[i], &rv);
		sum += (uint64_t)(uintptr_t)rv;
	}
	printf("%llu\n", (unsigned long long)(sum & 1));
	free(t);
	return 0;
}
