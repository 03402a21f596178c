/*
 * Counts the primes below N (default 300000) by trial division: the slow
 * half of `make demo`. Prints the count so the work cannot be optimised away.
 */
#include <stdio.h>
#include <stdlib.h>

static int is_prime(unsigned n)
{
	if (n < 2)
		return 0;
	for (unsigned d = 2; d * d <= n; d++)
		if (n % d == 0)
			return 0;
	return 1;
}

int main(int argc, char **argv)
{
	unsigned n = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 300000;
	unsigned count = 0;

	for (unsigned i = 0; i < n; i++)
		count += is_prime(i);
	printf("%u\n", count);
	return 0;
}
