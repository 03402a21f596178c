/*
 * Counts the primes below N (default 300000) by trial division with a 2-3
 * wheel (divisors 2, 3, then 6k-1 and 6k+1 only): the fast half of
 * `make demo`, about three times fewer divisions than primes-trial and the
 * same output.
 */
#include <stdio.h>
#include <stdlib.h>

static int is_prime(unsigned n)
{
	if (n < 2)
		return 0;
	if (n < 4)
		return 1;
	if (n % 2 == 0 || n % 3 == 0)
		return 0;
	for (unsigned d = 5; d * d <= n; d += 6)
		if (n % d == 0 || n % (d + 2) == 0)
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
