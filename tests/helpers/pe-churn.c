/*
 * An allocation workload for bench/heap-overhead.sh: "small N" makes N
 * allocations of 16 to 256 bytes, keeping a window of 1000 live and freeing
 * the oldest, as a parser or a server's request path does; "large N" makes
 * N allocations of 1 to 8 MiB, touches each page and frees it.
 */
#include <stdlib.h>
#include <string.h>

static void *volatile win[1000];

__attribute__((noinline)) static void *alloc_small(size_t i)
{
	return malloc(16 + (i * 7919) % 241);
}

int main(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[2]) : 100000;

	if (argc > 1 && !strcmp(argv[1], "large")) {
		for (long i = 0; i < n; i++) {
			size_t sz = (size_t)(1 + i % 8) << 20;
			/* volatile: or the compiler drops the stores, then malloc and free */
			volatile char *volatile p = malloc(sz);

			for (size_t k = 0; k < sz; k += 4096)
				p[k] = (char)k;
			free((void *)p);
		}
		return 0;
	}
	for (long i = 0; i < n; i++) {
		size_t k = (size_t)i % 1000;

		free(win[k]);
		win[k] = alloc_small((size_t)i);
	}
	for (int k = 0; k < 1000; k++)
		free(win[k]);
	return 0;
}
