#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cmd/cmd.h"

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
