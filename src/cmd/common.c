#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "store/store.h"

int cmd_color_stderr(void)
{
	const char *nc = getenv("NO_COLOR");

	return isatty(STDERR_FILENO) && !(nc && *nc);
}

int cmd_fail(int code, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs(cmd_color_stderr() ? "perfeng: \033[1;31merror:\033[0m " : "perfeng: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

void cmd_say_saved(const struct store *st, long long id, const char *name)
{
	fprintf(stderr, "perfeng: saved as run %lld (%s) in %s\n", id, name, store_location(st));
}

void cmd_warn(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs(cmd_color_stderr() ? "perfeng: \033[1;33mwarning:\033[0m " : "perfeng: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
