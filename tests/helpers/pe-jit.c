/*
 * pe-jit DIR MS: a stand-in for a JIT runtime. Copies a spin loop into
 * anonymous executable memory, describes it in DIR/perf-PID.map as
 * "jit_spin" (the format perf and perfeng read), and calls it until MS
 * milliseconds have passed. x86-64 only; exits 2 elsewhere.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
#if defined(__x86_64__)
	/* mov rax, 1000000; 1: dec rax; jnz 1b; ret */
	static const unsigned char code[] = {
		0x48, 0xb8, 0x40, 0x42, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x48, 0xff, 0xc8, 0x75, 0xfb, 0xc3,
	};
	char path[4096];
	struct timespec t0, t;
	long ms = argc > 2 ? atol(argv[2]) : 1000;
	void *mem;
	FILE *f;

	if (argc < 2)
		return 2;
	mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return 3;
	memcpy(mem, code, sizeof(code));
	snprintf(path, sizeof(path), "%s/perf-%d.map", argv[1], (int)getpid());
	f = fopen(path, "w");
	if (!f)
		return 3;
	fprintf(f, "%llx %zx jit_spin\n", (unsigned long long)(uintptr_t)mem, sizeof(code));
	fclose(f);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		((void (*)(void))mem)();
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
	return 0;
#else
	(void)argc;
	(void)argv;
	return 2;
#endif
}
