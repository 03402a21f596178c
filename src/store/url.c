/*
 * Keeping a PostgreSQL password out of what perfeng shows: the URL without
 * it for store_location() and messages, and libpq's messages scrubbed of
 * it. Pure string work, apart from libpq, so that it can be tested alone.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_impl.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

static int url__hex(int c)
{
	return isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
}

static char *url__percent_decode(const char *s)
{
	char *out = xmalloc(strlen(s) + 1), *o = out;

	for (; *s; s++) {
		if (s[0] == '%' && isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2])) {
			*o++ = (char)(url__hex((unsigned char)s[1]) * 16 +
				      url__hex((unsigned char)s[2]));
			s += 2;
		} else
			*o++ = *s;
	}
	*o = '\0';
	return out;
}

char *store__url_elide(const char *url, char *password[2])
{
	const char *auth = strstr(url, "://"), *end, *at = NULL, *colon = NULL, *query;
	struct strbuf sb = STRBUF_INIT;
	int first = 1;

	password[0] = password[1] = NULL;
	auth = auth ? auth + 3 : url;
	end = auth + strcspn(auth, "/?#");
	for (const char *p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	if (at)
		colon = memchr(auth, ':', (size_t)(at - auth));
	if (colon) {
		password[0] = xstrndup(colon + 1, (size_t)(at - colon - 1));
		strbuf_add(&sb, url, (size_t)(colon - url));
		url = at;
	}
	query = strchr(url, '?');
	strbuf_add(&sb, url, query ? (size_t)(query - url) : strlen(url));
	for (const char *p = query ? query + 1 : "", *next; *p; p = next) {
		size_t len = strcspn(p, "&#");

		next = p[len] == '&' ? p + len + 1 : p + len;
		if (!strncmp(p, "password=", 9)) {
			free(password[0]);
			password[0] = xstrndup(p + 9, len - 9);
		} else if (len) {
			strbuf_addch(&sb, first ? '?' : '&');
			strbuf_add(&sb, p, len);
			first = 0;
		}
		if (p[len] == '#') {
			strbuf_addstr(&sb, p + len);
			break;
		}
	}
	if (password[0])
		password[1] = url__percent_decode(password[0]);
	return strbuf_detach(&sb);
}

char *store__scrub(char *const password[2], const char *msg)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = msg;

	while (*p) {
		size_t skip = 0;

		for (int k = 0; k < 2 && !skip; k++)
			if (password[k] && *password[k] &&
			    !strncmp(p, password[k], strlen(password[k])))
				skip = strlen(password[k]);
		if (skip) {
			strbuf_addstr(&sb, "***");
			p += skip;
		} else if (*p == '\n') {
			while (isspace((unsigned char)*p))
				p++;
			if (*p)
				strbuf_addstr(&sb, "; ");
		} else
			strbuf_addch(&sb, *p++);
	}
	return strbuf_detach(&sb);
}
