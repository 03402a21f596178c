#include "http/shard.h"

#include <string.h>

#include "util/error.h"
#include "util/units.h"

#define SHARD_MAX 100000

int shard_parse(const char *s, struct shard *out)
{
	const char *slash = strchr(s, '/');
	char k[24];
	uint64_t kv, nv;

	if (!slash || (size_t)(slash - s) >= sizeof(k))
		goto bad;
	memcpy(k, s, (size_t)(slash - s));
	k[slash - s] = '\0';
	if (parse_uint(k, &kv) < 0 || parse_uint(slash + 1, &nv) < 0)
		goto bad;
	if (!kv || !nv || kv > nv || nv > SHARD_MAX)
		goto bad;
	out->k = (unsigned)kv;
	out->n = (unsigned)nv;
	return 0;
bad:
	return pe_error("--shard: '%s' is not K/N with 1 <= K <= N <= %d (e.g. 2/3)", s, SHARD_MAX);
}

uint64_t shard_share(const struct shard *s, uint64_t total)
{
	return total / s->n + (s->k - 1 < total % s->n);
}
