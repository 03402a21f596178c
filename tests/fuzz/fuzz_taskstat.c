/*
 * libFuzzer target for the per-thread /proc parsers of sys/taskstat:
 * /proc/PID/task/TID/stat, .../schedstat and the wait-channel classes. The
 * input is not NUL-terminated (a parser that reads past len is caught by
 * ASan), and what a successful parse returns must hold together.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sys/taskstat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1), *z;
	struct task_stat st;
	uint64_t run, delay;

	memcpy(text, data, size);
	if (taskstat_parse_stat(text, size, &st) == 0) {
		if (!memchr(st.comm, '\0', sizeof(st.comm)) || st.state == ' ' || st.state == '\n')
			abort();
		if (st.have_blkio != 0 && st.have_blkio != 1)
			abort();
	}
	(void)taskstat_parse_schedstat(text, size, &run, &delay);
	z = malloc(size + 1);
	memcpy(z, data, size);
	z[size] = '\0';
	if (taskstat_wait_class(size ? z[0] : 'S', z) >= WAIT_NR)
		abort();
	free(z);
	free(text);
	return 0;
}
