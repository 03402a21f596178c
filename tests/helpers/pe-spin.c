/*
 * pe-spin MS: busy-loops in user space until the process has used MS
 * milliseconds of CPU time (CLOCK_PROCESS_CPUTIME_ID), then exits 0.
 */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	uint64_t end = cpu_ns() + (uint64_t)(argc > 1 ? atol(argv[1]) : 0) * 1000000u;
	volatile uint64_t x = 1;

	while (cpu_ns() < end)
		for (int i = 0; i < 10000; i++)
			x = x * 6364136223846793005u + 1442695040888963407u;
	return 0;
}
