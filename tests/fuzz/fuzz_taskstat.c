/*
 * libFuzzer target for the /proc parsers behind diagnose: sys/taskstat's
 * /proc/PID/task/TID/stat, .../schedstat and wait-channel classes (on input
 * that is not NUL-terminated: a parser that reads past len is caught by
 * ASan), and sys/cgthrottle's /proc/PID/cgroup and cpu.stat readers. What a
 * successful parse returns must hold together.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sys/cgthrottle.h"
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
	char path[64];
	uint64_t ns;

	/* the path must fit the buffer and end in cpu.stat */
	if (cgthrottle_path_from(z, "/r", path, sizeof(path)) == 0 &&
	    (strlen(path) < 10 || strcmp(path + strlen(path) - 9, "/cpu.stat")))
		abort();
	(void)cgthrottle_parse_stat(z, &ns);
	free(z);
	free(text);
	return 0;
}
