/*
 * pe-mangled MS: a C program whose functions carry C++ mangled names (asm
 * labels), so that profile's demangling is tested without a C++ compiler.
 * demo::spin::run(long) (_ZN4demo4spin3runEl) calls demo::leaf(int)
 * (_ZN4demo4leafEi), which does the work, until the process has used MS
 * milliseconds of CPU time.
 */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

void demo_leaf(int n) __asm__("_ZN4demo4leafEi");
void demo_run(long ms) __asm__("_ZN4demo4spin3runEl");

static volatile uint64_t sink = 1;

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

__attribute__((noinline)) void demo_leaf(int n)
{
	for (int i = 0; i < n; i++)
		sink = sink * 6364136223846793005u + 1442695040888963407u;
}

__attribute__((noinline)) void demo_run(long ms)
{
	uint64_t end = cpu_ns() + (uint64_t)ms * 1000000u;

	while (cpu_ns() < end)
		demo_leaf(100000);
}

int main(int argc, char **argv)
{
	demo_run(argc > 1 ? atol(argv[1]) : 0);
	return 0;
}
