/*
 * --shard K/N: one node's slice of a planned load that N nodes run together
 * (a Kubernetes Indexed Job, N processes on one host). Rates divide by N;
 * counts (connections, requests) split exactly, the remainder going one
 * each to the first shards, so the N slices add up to the plan.
 */
#ifndef PE_HTTP_SHARD_H
#define PE_HTTP_SHARD_H

#include <stdint.h>

struct shard {
	unsigned k, n;		/* 1 <= k <= n */
};

/* Parses "K/N" (1 <= K <= N <= 100000); 0, or -1 with pe_error(). */
int shard_parse(const char *s, struct shard *out);

/* Shard k's part of total: total / n, plus one for the first total % n shards. */
uint64_t shard_share(const struct shard *s, uint64_t total);

#endif
