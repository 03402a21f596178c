/*
 * --shard K/N: one node's slice of a planned load that N nodes run together
 * (a Kubernetes Indexed Job, N processes on one host). Rates divide by N;
 * counts (connections, requests) split exactly, the remainder going one
 * each to the first shards, so the N slices add up to the plan.
 */
#ifndef PE_HTTP_SHARD_H
#define PE_HTTP_SHARD_H

#include <stddef.h>
#include <stdint.h>

struct shard {
	unsigned k, n;		/* 1 <= k <= n */
};

/* Parses "K/N" (1 <= K <= N <= 100000); 0, or -1 with pe_error(). */
int shard_parse(const char *s, struct shard *out);

/* Shard k's part of total: total / n, plus one for the first total % n shards. */
uint64_t shard_share(const struct shard *s, uint64_t total);

struct load_stage;

/*
 * This node's slice of the plan for --shard arg (parsed into sh): -c and -n
 * split exactly, the rate and the stages' rates divided by N. 0, or -1 with
 * pe_error(): a bad K/N, with --find-max, fewer connections or requests than
 * shards.
 */
int shard_apply(const char *arg, int find_max, struct shard *sh, uint64_t *connections, uint64_t *requests,
		double *rate, struct load_stage *stages, size_t nstages);

#endif
