#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char errbuf[1024];

int pe_error(const char *fmt, ...)
{
	char tmp[sizeof(errbuf)];
	va_list ap;

	/*
	 * Through a copy, so that wrapping the previous message is safe:
	 * pe_error("cannot use '%s': %s", x, pe_errmsg()).
	 */
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	memcpy(errbuf, tmp, sizeof(errbuf));
	return -1;
}

const char *pe_errmsg(void)
{
	return errbuf;
}

void pe_error_clear(void)
{
	errbuf[0] = '\0';
}
