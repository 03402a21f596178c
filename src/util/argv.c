#include "util/argv.h"

#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

void argv_free(char **argv)
{
	if (!argv)
		return;
	for (char **p = argv; *p; p++)
		free(*p);
	free(argv);
}

static int argv__needs_shell(int c)
{
	return c && strchr("|&;<>()$`*?", c) != NULL;
}

int argv_split(const char *cmd, char ***argvp, int *argcp)
{
	struct strbuf word = STRBUF_INIT;
	char **argv = NULL;
	size_t argc = 0, alloc = 0;
	int in_word = 0;
	const char *p = cmd;

	for (;;) {
		int c = (unsigned char)*p;

		if (!c || c == ' ' || c == '\t' || c == '\n') {
			if (in_word) {
				ALLOC_GROW(argv, argc + 2, alloc);
				argv[argc++] = strbuf_detach(&word);
				in_word = 0;
			}
			if (!c)
				break;
			p++;
			continue;
		}
		if (c == '\'') {
			const char *end = strchr(p + 1, '\'');
			if (!end) {
				pe_error("unterminated ' in command '%s'", cmd);
				goto fail;
			}
			strbuf_add(&word, p + 1, (size_t)(end - p - 1));
			in_word = 1;
			p = end + 1;
		} else if (c == '"') {
			p++;
			while (*p && *p != '"') {
				if (*p == '\\' && p[1] && strchr("\\\"$`\n", p[1])) {
					if (p[1] != '\n')
						strbuf_addch(&word, p[1]);
					p += 2;
				} else if (*p == '$' || *p == '`') {
					/* a shell expands these even inside double quotes */
					pe_error("command '%s' uses '%c' inside double quotes, which "
						 "needs a shell; escape it, or leave out -N / --shell=none", cmd, *p);
					goto fail;
				} else {
					strbuf_addch(&word, *p++);
				}
			}
			if (!*p) {
				pe_error("unterminated \" in command '%s'", cmd);
				goto fail;
			}
			in_word = 1;
			p++;
		} else if (c == '\\') {
			if (!p[1]) {
				pe_error("command '%s' ends with a lone backslash", cmd);
				goto fail;
			}
			if (p[1] != '\n') {
				strbuf_addch(&word, p[1]);
				in_word = 1;
			}
			p += 2;
		} else if (argv__needs_shell(c) || (c == '~' && !in_word)) {
			pe_error("command '%s' uses '%c', which needs a shell; "
				 "quote it, or leave out -N / --shell=none", cmd, c);
			goto fail;
		} else {
			strbuf_addch(&word, c);
			in_word = 1;
			p++;
		}
	}
	strbuf_release(&word);
	if (!argc) {
		free(argv);
		return pe_error("empty command");
	}
	argv[argc] = NULL;
	*argvp = argv;
	if (argcp)
		*argcp = (int)argc;
	return 0;
fail:
	strbuf_release(&word);
	if (argv) {
		argv[argc] = NULL;
		argv_free(argv);
	}
	return -1;
}

static int argv__plain(const char *w)
{
	if (!*w)
		return 0;
	for (const char *p = w; *p; p++)
		if (strchr(" \t\n'\"\\|&;<>()$`*?~#", *p))
			return 0;
	return 1;
}

char *argv_join(char *const *argv)
{
	struct strbuf sb = STRBUF_INIT;

	for (char *const *a = argv; *a; a++) {
		if (a != argv)
			strbuf_addch(&sb, ' ');
		if (argv__plain(*a)) {
			strbuf_addstr(&sb, *a);
			continue;
		}
		strbuf_addch(&sb, '\'');
		for (const char *p = *a; *p; p++) {
			if (*p == '\'')
				strbuf_addstr(&sb, "'\\''");
			else
				strbuf_addch(&sb, *p);
		}
		strbuf_addch(&sb, '\'');
	}
	return strbuf_detach(&sb);
}
