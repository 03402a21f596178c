/*
 * A program whose heap use is known by construction, for perfeng heap's
 * tests (tests/e2e/t4200-heap.sh), with no stdio (whose buffers would be
 * allocations of their own):
 *   make_small:  1000 x malloc(32), all freed at the end
 *   temporary:   100 x malloc(64), each freed at once
 *   peak_phase:  10 x malloc(1 MiB) held together, then freed
 *   leaky:       3 x malloc(1000) never freed (3000 bytes leaked)
 *   grow:        one calloc(10, 10) realloc'd to 400, then freed
 * In all: 1115 allocations (realloc counts one), 1112 frees,
 * 32000 + 6400 + 10485760 + 3000 + 100 + 400 = 10527660 bytes allocated.
 * The peak is while peak_phase holds its 10 MiB: 10485760 + 32000 (the
 * small ones) + 0 leaked yet = 10517760 bytes live.
 * Temporary (freed before the thread's next allocation): the 100, and in
 * grow both the calloc (freed by the realloc) and the realloc's block: 102.
 * With an argument "fork", a child does one malloc(5555) and exits with
 * _exit, leaking it; "term" ends by SIGTERM, "kill" by SIGKILL, at the end;
 * "noleak" frees the 3 before it returns (1115 frees, nothing leaked).
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void *volatile keep[1000];
static void *volatile big[10];
static void *volatile leaked[3];

__attribute__((noinline)) static void make_small(void)
{
	for (int i = 0; i < 1000; i++)
		keep[i] = malloc(32);
}

__attribute__((noinline)) static void temporary(void)
{
	for (int i = 0; i < 100; i++) {
		char *volatile p = malloc(64);

		p[0] = 1;
		free(p);
	}
}

__attribute__((noinline)) static void peak_phase(void)
{
	for (int i = 0; i < 10; i++) {
		big[i] = malloc(1 << 20);
		memset(big[i], 1, 1 << 20);
	}
	for (int i = 0; i < 10; i++)
		free(big[i]);
}

__attribute__((noinline)) static void leaky(void)
{
	for (int i = 0; i < 3; i++)
		leaked[i] = malloc(1000);
}

__attribute__((noinline)) static void grow(void)
{
	char *p = calloc(10, 10);

	p = realloc(p, 400);
	free(p);
}

int main(int argc, char **argv)
{
	make_small();
	temporary();
	peak_phase();
	leaky();
	grow();
	for (int i = 0; i < 1000; i++)
		free(keep[i]);
	if (argc > 1 && !strcmp(argv[1], "fork")) {
		pid_t pid = fork();

		if (pid == 0) {
			void *volatile p = malloc(5555);

			(void)p;
			_exit(0);
		}
		waitpid(pid, NULL, 0);
	}
	if (argc > 1 && !strcmp(argv[1], "noleak"))
		for (int i = 0; i < 3; i++)
			free(leaked[i]);
	if (argc > 1 && !strcmp(argv[1], "term"))
		kill(getpid(), SIGTERM);
	if (argc > 1 && !strcmp(argv[1], "kill"))
		kill(getpid(), SIGKILL);
	return 0;
}
