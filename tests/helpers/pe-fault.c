/*
 * pe-fault FILE MB MS: maps MB MiB of FILE (created and synced first) and,
 * for MS milliseconds, reads one byte of every page in a random order, then
 * drops the pages from memory (MADV_PAGEOUT, else MADV_DONTNEED with
 * POSIX_FADV_DONTNEED) so that the next pass faults them in from the disk
 * again: major page faults, the memory-bound workload of diagnose's tests.
 * MADV_RANDOM turns read-ahead off, so every page is a fault of its own.
 * Prints "majflt N evict METHOD"; removes FILE.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	size_t len, page = (size_t)sysconf(_SC_PAGESIZE), npages;
	const char *how = "pageout";
	volatile unsigned char sum = 0;
	struct rusage ru;
	uint64_t end;
	char block[65536];
	size_t *order;
	unsigned char *p;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: pe-fault FILE MB MS\n");
		return 2;
	}
	len = (size_t)atol(argv[2]) << 20;
	npages = len / page;
	fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || !npages) {
		perror(argv[1]);
		return 1;
	}
	memset(block, 'x', sizeof(block));
	for (size_t off = 0; off < len; off += sizeof(block))
		if (write(fd, block, sizeof(block)) != (ssize_t)sizeof(block)) {
			perror(argv[1]);
			return 1;
		}
	fsync(fd);	/* clean pages: they can be dropped without writeback */
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	madvise(p, len, MADV_RANDOM);
	order = malloc(npages * sizeof(*order));
	for (size_t i = 0; i < npages; i++)
		order[i] = i;
	srand(1);
	for (size_t i = npages - 1; i > 0; i--) {
		size_t j = (size_t)rand() % (i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	end = now_ns() + (uint64_t)atol(argv[3]) * 1000000u;
	while (now_ns() < end) {
		if (madvise(p, len, MADV_PAGEOUT) < 0) {
			how = "dontneed";
			madvise(p, len, MADV_DONTNEED);
			posix_fadvise(fd, 0, (off_t)len, POSIX_FADV_DONTNEED);
		}
		for (size_t i = 0; i < npages && now_ns() < end; i++)
			sum += p[order[i] * page];
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("majflt %ld evict %s sum %u\n", ru.ru_majflt, how, (unsigned)sum);
	munmap(p, len);
	close(fd);
	unlink(argv[1]);
	free(order);
	return 0;
}
