/*
 * libFuzzer target for argv_split: any text either splits into a well-formed
 * vector or fails with a message, without reading past the NUL or leaking;
 * and a vector it gives survives argv_join() and a second split unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/argv.h"
#include "util/error.h"

/* argv_join() quotes so that argv_split() gives the same words back. */
static void check_join(char **argv, int argc)
{
	char *joined = argv_join(argv);
	char **again = NULL;
	int n = -1;

	if (argv_split(joined, &again, &n) != 0 || n != argc)
		abort();
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], again[i]))
			abort();
	argv_free(again);
	free(joined);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *cmd = malloc(size + 1);
	char **argv = NULL;
	int argc = -1;

	memcpy(cmd, data, size);
	cmd[size] = '\0';
	pe_error_clear();
	if (argv_split(cmd, &argv, &argc) == 0) {
		size_t total = 0;

		if (argc < 1 || !argv || argv[argc])
			abort();
		for (int i = 0; i < argc; i++) {
			if (!argv[i])
				abort();
			total += strlen(argv[i]);
		}
		/* Quoting only removes characters, never adds them. */
		if (total > strlen(cmd))
			abort();
		check_join(argv, argc);
		argv_free(argv);
	} else if (!pe_errmsg()[0]) {
		abort();
	}
	free(cmd);
	return 0;
}
