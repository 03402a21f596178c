/*
 * The shared-library half of pe-prof-work: lib_hot spins the same loop as
 * the executable's exe_hot, so CPU time divides as the iteration counts do.
 */
#include <stdint.h>

uint64_t lib_hot(uint64_t n, uint64_t x);

uint64_t lib_hot(uint64_t n, uint64_t x)
{
	for (uint64_t i = 0; i < n; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		__asm__ volatile("" : "+r"(x));
	}
	return x;
}
