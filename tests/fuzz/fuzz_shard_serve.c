/*
 * libFuzzer target for what --shard and --metrics parse: "K/N"
 * (shard_parse) and "HOST:PORT" (serve_check_address, which resolves
 * nothing) from the command line, and the request line a scraper sends to
 * the metrics server (serve_parse_request), its Accept header
 * (serve_header) and the format chosen from it (om_negotiate). Each either
 * succeeds with values in range or fails (with a message where it leaves
 * one); a shard's shares of any total add up to it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/serve.h"
#include "http/shard.h"
#include "out/openmetrics.h"
#include "util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct shard sh;

	memcpy(s, data, size);
	s[size] = '\0';
	pe_error_clear();
	if (shard_parse(s, &sh) == 0) {
		uint64_t total = size * 7919u, sum = 0;
		struct shard k = sh;

		if (!sh.k || sh.k > sh.n)
			abort();
		for (k.k = 1; k.k <= sh.n && sh.n <= 64; k.k++)
			sum += shard_share(&k, total);
		if (sh.n <= 64 && sum != total)
			abort();
	} else if (!pe_errmsg()[0]) {
		abort();
	}
	pe_error_clear();
	if (serve_check_address(s) < 0 && !pe_errmsg()[0])
		abort();
	{
		char method[16], path[64];

		if (serve_parse_request(s, method, sizeof(method), path, sizeof(path)) == 0 &&
		    (path[0] != '/' || !method[0] || strchr(path, '?') || strchr(path, ' ')))
			abort();
	}
	{
		char accept[32] = "";
		enum om_format f = om_negotiate(s);

		if (f != OM_TEXT && f != OM_OPENMETRICS)
			abort();
		if (serve_header(s, "Accept", accept, sizeof(accept)) == 0 &&
		    (strlen(accept) >= sizeof(accept) || strchr(accept, '\n') ||
		     (accept[0] && (accept[0] == ' ' || accept[strlen(accept) - 1] == ' '))))
			abort();
		(void)om_negotiate(accept[0] ? accept : NULL);
	}
	free(s);
	return 0;
}
