/*
 * libFuzzer target for perfeng mcp's message handling (src/mcp/server.c,
 * src/mcp/tools.c): each line of the input is one message to the server,
 * as from a client. Nothing is run (no_exec: a tool call stops once its
 * arguments are checked and its command line built), the option tables
 * are a fixed one, and what the server answers goes to /dev/null; any
 * crash, leak or undefined behaviour is the finding. The URL check runs
 * on the input too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mcp/server.h"
#include "mcp/tools.h"

static const char table[] =
	"{\"usage\": \"perfeng x [options]\", \"options\": ["
	"{\"long\": \"runs\", \"short\": \"r\", \"type\": \"callback\", \"arg\": \"<N>\", \"nargs\": 1, \"help\": \"h\", \"group\": \"\"},"
	"{\"long\": \"parameter-list\", \"short\": \"L\", \"type\": \"callback\", \"arg\": \"<V> <L>\", \"nargs\": 2, \"help\": \"h\", \"group\": \"\"},"
	"{\"long\": \"warmup\", \"short\": \"w\", \"type\": \"uint\", \"arg\": \"<N>\", \"nargs\": 1, \"help\": \"h\", \"group\": \"\"},"
	"{\"long\": \"shell\", \"short\": \"S\", \"type\": \"string\", \"arg\": \"<S>\", \"nargs\": 1, \"help\": \"h\", \"group\": \"\"},"
	"{\"long\": \"duration\", \"short\": \"d\", \"type\": \"duration\", \"arg\": \"<D>\", \"nargs\": 1, \"help\": \"h\", \"group\": \"\"},"
	"{\"long\": \"tag\", \"short\": \"\", \"type\": \"list\", \"arg\": \"<T>\", \"nargs\": 1, \"help\": \"h\", \"group\": \"\"},"
	"{\"long\": \"output\", \"short\": \"o\", \"type\": \"list\", \"arg\": \"<F>\", \"nargs\": 1, \"help\": \"h\", \"group\": \"\"},"
	"{\"long\": \"latency\", \"short\": \"\", \"type\": \"flag\", \"arg\": \"\", \"nargs\": 0, \"help\": \"h\", \"group\": \"\"},"
	"{\"long\": \"json\", \"short\": \"\", \"type\": \"flag\", \"arg\": \"\", \"nargs\": 0, \"help\": \"h\", \"group\": \"\"}]}";

static json_t *fixed_help(const char *command)
{
	(void)command;
	return json_loads(table, 0, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	struct mcp_server_opts o = { .self = "perfeng", .version = "fuzz", .in_fd = -1, .help = fixed_help,
				     .no_exec = 1 };
	struct mcp_server *s;
	const char *p = (const char *)data, *end = p + size;
	char *url;

	if (!null)
		null = fopen("/dev/null", "w");
	o.out = null;
	s = mcp_server_new(&o);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);

		mcp_server_handle(s, p, len);
		p += len + 1;
	}
	mcp_server_free(s);
	url = malloc(size + 1);
	memcpy(url, data, size);
	url[size] = '\0';
	(void)mcp_url_allowed(url, NULL, 0);
	free(url);
	return 0;
}
