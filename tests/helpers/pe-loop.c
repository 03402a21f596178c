/*
 * pe-loop N: runs N iterations of one fixed arithmetic loop (a dependent
 * multiply-add, about a nanosecond each) and exits 0. N against 1.05 N or
 * 1.1 N iterations is a CPU-bound program made exactly 5% or 10% slower,
 * the known change of the regression gate's calibration (bench/calibrate.sh).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	char *end;
	unsigned long long n = argc == 2 ? strtoull(argv[1], &end, 10) : 0;
	volatile uint64_t out;
	uint64_t x = 1;

	if (argc != 2 || *end || !n) {
		fprintf(stderr, "usage: pe-loop ITERATIONS\n");
		return 2;
	}
	for (unsigned long long i = 0; i < n; i++)
		x = x * 6364136223846793005u + 1442695040888963407u;
	out = x;
	(void)out;
	return 0;
}
