/*
 * The parts of pe-httpd (tests/helpers/pe-httpd.c) shared between its
 * three files: the types of connections, workers and the server, the request
 * parser (request.c: each request routed to its path), and the response
 * writer (respond.c: each path's response into a connection's output, and
 * the JSON of the counts). pe-httpd.c keeps the event loop and the timers.
 * Built into pe-httpd only (a per-target link rule in the Makefile), not as
 * a program of its own.
 */
#ifndef PE_HTTPD_H
#define PE_HTTPD_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define NS_PER_S 1000000000ull
#define NS_PER_MS 1000000ull
#define MAX_THREADS 64
#define IN_CAP (64 * 1024)
#define MAX_HEAD (32 * 1024)	/* request line and headers; more is 431 */
#define OUT_CAP (64 * 1024)
#define OUT_RESERVE 4096	/* room for any small response, a stats body included */
#define ENDS_MAX 256		/* responses waiting in a connection's output */
#define CHUNK 1000
#define LINGER_NS (2 * NS_PER_S)	/* a closing connection waits this long for the client's FIN */
#define FREE_MAX 256		/* closed connections a worker keeps for reuse */
#define MAX_DELAY_MS (86400 * 1000ull)
#define SLOTS_MAX 256		/* /slots/K/MS: K at most */

enum path {
	P_DEFAULT, P_SIZE, P_CHUNKED, P_STATUS, P_DELAY, P_STALL, P_CLOSE_MID,
	P_BAD_STATUS, P_BAD_HEADER, P_BIG_HEADER, P_BAD_CHUNK, P_NEVER, P_RESET,
	P_CLOSE, P_HEAD_OK, P_CAPACITY, P_SLOTS, NPATHS,
	P_STATS = NPATHS
};


extern const char *const path_names[NPATHS];

/*
 * One worker's counts. Only the worker writes them, with relaxed atomic
 * stores; /stats and the summary read every worker's.
 */
struct counters {
	uint64_t requests[NPATHS], responses[NPATHS], body_bytes[NPATHS];
	uint64_t connections, bytes_in, bytes_out, bad_requests;
};

struct req {
	unsigned char path, head, keep, ka10;	/* ka10: HTTP/1.0 keep-alive, said in the response */
	uint64_t a, b;				/* the numbers in the path */
};

/* A response too long for the output buffer, appended as the buffer drains. */
struct gen {
	uint64_t left;		/* pattern bytes still to append */
	uint64_t pos;		/* offset in the pattern */
	const char *tail;	/* static text after the pattern bytes */
	size_t tail_len;
	int path;		/* counted as this path's response once out; -1: never */
	unsigned char active, chunked, first;
};

enum { MODE_NORMAL, MODE_NEVER, MODE_LINGER };
enum { WAIT_NONE, WAIT_TIMER, WAIT_DRAIN };	/* c->pend waits for a time, or for the output to drain */
enum { AFTER_NONE, AFTER_CLOSE, AFTER_RESET };	/* what to do once the output has drained */

/*
 * A connection, owned by one worker. Requests are parsed from in[] in a
 * loop and their responses appended to out[], in order: a response that must
 * wait (a delay, a long body) stops the parsing until it is out. Absolute
 * byte offsets in ends[] say where each well-formed response ends, so that it
 * is counted when that byte is written.
 */
struct conn {
	int fd;
	unsigned char mode, wait, after, counted, body_uncounted, body_path;
	struct req pend;
	struct gen gen;
	uint64_t body_left;		/* request body bytes still to drop */
	uint64_t deadline;
	long heap_idx;			/* in the worker's timer heap; -1: not there */
	uint64_t out_total;		/* bytes ever appended to out */
	size_t out_uncounted;		/* bytes at out[out_off] not in bytes_out (a stats response) */
	size_t in_off, in_len, in_scan, out_off, out_len;
	unsigned ends_head, ends_n;
	struct { uint64_t at; int path; } ends[ENDS_MAX];
	struct conn *prev, *next;	/* the worker's open connections, or its free list */
	/* everything above is reset for each connection */
	char in[IN_CAP];
	char out[OUT_CAP];
};

struct server;

struct worker {
	struct server *srv;
	pthread_t tid;
	int ep, lfd, shared;	/* shared: lfd is every worker's (EPOLLEXCLUSIVE) */
	uint64_t accept_paused_until;
	struct conn *conns, *free;
	int nfree;
	struct conn **heap;	/* the connections waiting for a time, earliest first */
	size_t heap_n, heap_cap;
	struct counters n;
} __attribute__((aligned(64)));	/* no two workers' counters on one cache line */

struct server {
	struct worker w[MAX_THREADS];
	int nw, stop_fd;
	uint64_t start;
	uint64_t cap_next;		/* /capacity/N: when the next request may be served */
	pthread_mutex_t slots_lock;	/* /slots/K/MS: when each of the K servers is free */
	uint64_t slot_free[SLOTS_MAX];
	char pattern[OUT_CAP + 32];	/* "abc...z" repeated: body bytes at any offset */
};

static inline void count(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

static inline void uncount(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) - n, __ATOMIC_RELAXED);
}

static inline char *put_u64(char *p, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static inline uint64_t clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* pe-httpd.c: c waits until deadline (CLOCK_MONOTONIC ns) in w's timer heap. */
void httpd_timer_set(struct worker *w, struct conn *c, uint64_t deadline);

/*
 * request.c: parses and answers one request of c's input: 1, or 0 when it
 * needs more bytes, -1 when it answered a bad request (c closes then).
 */
int httpd_parse(struct worker *w, struct conn *c);

/* respond.c */
size_t httpd_stats_json(const struct server *s, char *buf, size_t cap);
void httpd_out_put(struct conn *c, const char *s, size_t n);
#define out_str(c, s) httpd_out_put((c), (s), sizeof(s) - 1)
void httpd_out_head(struct conn *c, const struct req *r, uint64_t status, int64_t clen);
void httpd_gen_fill(const struct server *s, struct conn *c);
void httpd_respond(struct worker *w, struct conn *c, const struct req *r);

#endif
