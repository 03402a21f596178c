/*
 * pe-alloc MIB: maps MIB MiB of anonymous memory with transparent huge pages
 * turned off for it, writes one byte in every page (so about MIB*256 minor
 * page faults with 4 KiB pages, and a resident set of at least MIB MiB), and
 * exits 0; exits 1 when the memory cannot be had.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	size_t len = (size_t)(argc > 1 ? atol(argv[1]) : 0) << 20;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	volatile char *p;

	if (!len)
		return 0;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("pe-alloc: mmap");
		return 1;
	}
	madvise((void *)p, len, MADV_NOHUGEPAGE);
	for (size_t i = 0; i < len; i += page)
		p[i] = (char)i;
	return 0;
}
