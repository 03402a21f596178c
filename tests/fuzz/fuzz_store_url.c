/*
 * libFuzzer target for the store's URL handling: eliding the password of a
 * postgres:// URL and scrubbing it from a server message. Whatever the
 * input, the password found must not appear in the elided URL nor in the
 * scrubbed message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_impl.h"

static int fuzz__alnum(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
			return 0;
	return 1;
}

static size_t fuzz__count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *url = malloc(size + 1), *pw[2] = { NULL, NULL }, *loc, *msg;
	char *sep;

	memcpy(url, data, size);
	url[size] = '\0';
	/* the part after a newline is the "server message" to scrub */
	sep = strchr(url, '\n');
	if (sep)
		*sep = '\0';
	loc = store__url_elide(url, pw);
	msg = store__scrub(pw, sep ? sep + 1 : url);
	for (int i = 0; i < 2; i++) {
		if (!pw[i] || !*pw[i] || !fuzz__alnum(pw[i]))
			continue;
		/*
		 * The password as written ([0]) stays in the elided URL only where
		 * the same text also stands elsewhere in it (the decoded form may
		 * match a user name by chance, so it is checked in messages only).
		 */
		if (i == 0 && strstr(loc, pw[i]) && fuzz__count(url, pw[i]) < 2)
			abort();
		if (strstr(msg, pw[i]))
			abort();
	}
	free(loc);
	free(msg);
	free(pw[0]);
	free(pw[1]);
	free(url);
	return 0;
}
