/*
 * libFuzzer target for util/options: the input is split at NUL bytes into an
 * argv and parsed against a table with every option type, bundling, "--"
 * and callbacks taking several values. Parsing must either succeed with the
 * positional arguments in order, or fail with a message; never crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/options.h"

static int fuzz_cb(const struct option *opt, const char **args)
{
	int *count = opt->value;

	for (int i = 0; i < opt->nargs; i++)
		if (!args[i])
			abort();
	(*count)++;
	return args[0][0] == '!' ? pe_error("bad value '%s'", args[0]) : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int flag = 0, cb2 = 0, cb3 = 0, npos = 0, rc;
	uint64_t u = 0, dur = 0;
	double pct = 0;
	const char *str = NULL;
	struct option opts[] = {
		OPT_GROUP("g"),
		OPT_FLAG('i', "ignore", &flag, "f"),
		OPT_FLAG('q', "quiet", &flag, "f"),
		OPT_UINT('r', "runs", &u, "<N>", "u"),
		OPT_STRING('s', "shell", &str, "<S>", "s"),
		OPT_DURATION(0, "timeout", &dur, "<D>", "d"),
		OPT_PERCENT(0, "noise", &pct, "<P>", "p"),
		OPT_CALLBACK('L', "list", &cb2, "<A> <B>", "c", fuzz_cb, 2),
		OPT_CALLBACK('P', "scan", &cb3, "<A> <B> <C>", "c", fuzz_cb, 3),
		OPT_END(),
	};
	char *buf = malloc(size + 1);
	char **argv = calloc(size + 3, sizeof(*argv));
	int argc = 0;

	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = "fuzz";
	for (size_t i = 0; i <= size;) {
		argv[argc++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	argv[argc] = NULL;

	pe_error_clear();
	rc = options_parse(argc, argv, opts, &npos);
	if (rc < 0 && !pe_errmsg()[0])
		abort();
	if (rc == 0) {
		if (npos < 0 || npos >= argc || argv[npos] != NULL)
			abort();
		for (int i = 0; i < npos; i++)
			if (!argv[i])
				abort();
	}
	free(argv);
	free(buf);
	return 0;
}
