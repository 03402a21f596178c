/*
 * libFuzzer target for the --requests-file parser (reqfile_parse): any bytes
 * either give at least one entry whose fields are non-empty, free of spaces,
 * tabs, newlines and NULs, with a method in capitals and line numbers that
 * rise and stay within the text's lines; or fail with a message. Each URL is
 * then given to http_url_parse as perfeng load does, which must not crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/reqfile.h"
#include "http/url.h"
#include "util/error.h"

static void check_field(const char *f)
{
	if (!f[0] || strpbrk(f, " \t\n"))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reqfile rf;
	unsigned lines = 1, last = 0;

	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	pe_error_clear();
	if (reqfile_parse((const char *)data, size, "fuzz.txt", &rf) < 0) {
		if (!pe_errmsg()[0] || rf.n || rf.v)
			abort();
		return 0;
	}
	if (!rf.n)
		abort();
	for (size_t i = 0; i < rf.n; i++) {
		const struct reqfile_entry *e = &rf.v[i];
		struct http_url u;

		check_field(e->method);
		check_field(e->url);
		if (e->body)
			check_field(e->body);
		for (const char *m = e->method; *m; m++)
			if (*m < 'A' || *m > 'Z')
				abort();
		if (e->line <= last || e->line > lines)
			abort();
		last = e->line;
		pe_error_clear();
		if (http_url_parse(e->url, &u) < 0 && !pe_errmsg()[0])
			abort();
	}
	reqfile_release(&rf);
	return 0;
}
