#include "http/shard.h"

#include "http/load.h"

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

int shard_apply(const char *arg, int find_max, struct shard *sh, uint64_t *connections, uint64_t *requests,
		double *rate, struct load_stage *stages, size_t nstages)
{
	if (shard_parse(arg, sh) < 0)
		return -1;
	if (find_max)
		return pe_error("--shard goes without --find-max: search from one node");
	if (*connections < sh->n)
		return pe_error("--shard %s: -c %llu cannot be split over %u shards (one connection each at least)",
				arg, (unsigned long long)*connections, sh->n);
	if (*requests && *requests < sh->n)
		return pe_error("--shard %s: -n %llu cannot be split over %u shards (one request each at least)",
				arg, (unsigned long long)*requests, sh->n);
	*connections = shard_share(sh, *connections);
	*requests = *requests ? shard_share(sh, *requests) : 0;
	*rate /= sh->n;
	for (size_t i = 0; i < nstages; i++)
		stages[i].rate /= sh->n;
	return 0;
}
