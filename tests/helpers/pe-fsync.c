/*
 * pe-fsync DIR MS: appends 4 KiB blocks to a file in DIR, each followed by
 * fsync, for MS milliseconds; prints "fsyncs N" and removes the file. The
 * I/O-bound workload of diagnose's tests (on tmpfs fsync returns at once,
 * and it is not I/O-bound).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	char path[4096], block[4096];
	uint64_t end, n = 0;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: pe-fsync DIR MS\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/pe-fsync.%d", argv[1], (int)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	memset(block, 'x', sizeof(block));
	end = now_ns() + (uint64_t)atol(argv[2]) * 1000000u;
	while (now_ns() < end) {
		if (write(fd, block, sizeof(block)) != (ssize_t)sizeof(block) || fsync(fd) < 0) {
			perror(path);
			break;
		}
		n++;
	}
	close(fd);
	unlink(path);
	printf("fsyncs %llu\n", (unsigned long long)n);
	return 0;
}
