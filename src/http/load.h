/*
 * The load generator's engine: up to N threads, each with its own epoll loop
 * and its share of the connections (fewer threads run the shares while fewer
 * keep up: see struct loop_thread in load_impl.h), sending HTTP/1.1 requests closed-loop (each
 * connection sends when it can) or open-loop at a target rate (each request
 * has an intended time, and latency counts from it: coordinated omission
 * corrected, the uncorrected figure kept beside it). Latency goes into
 * per-thread HdrHistograms, one a second, which a reporter thread merges
 * (interval.c); nothing is allocated per request. It does not parse
 * options nor print.
 */
#ifndef PE_HTTP_LOAD_H
#define PE_HTTP_LOAD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "stats/hdr.h"

struct tls_client;

/* Latencies are recorded in microseconds, from 1 us to an hour, 3 digits. */
#define LOAD_HDR_LOWEST 1
#define LOAD_HDR_HIGHEST 3600000000LL
#define LOAD_HDR_DIGITS 3
#define LOAD_MAX_PIPELINE 64

struct load_request {
	char *buf;		/* the whole request, ready to write */
	size_t len;
	int head;		/* a HEAD request: responses have no body */
};

enum load_err {
	LOAD_ERR_CONNECT = 0,
	LOAD_ERR_TIMEOUT,
	LOAD_ERR_READ,
	LOAD_ERR_WRITE,
	LOAD_ERR_PARSE,
	LOAD_ERR_TLS,		/* a TLS handshake failed or timed out */
	LOAD_ERR_NR
};

/* What the run has counted, over all threads: for live views of a run. */
struct load_counts {
	uint64_t sent, responses, bytes_in, bytes_out;
	uint64_t errors[LOAD_ERR_NR];
	uint64_t status[6];		/* by class: [1] 1xx .. [5] 5xx, [0] other */
};

/* A stage of the open model: the rate moves linearly to `rate` over `duration_ns`. */
struct load_stage {
	uint64_t duration_ns;
	double rate;
};

struct load_opts {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	struct tls_client *tls;		/* https: the TLS settings (tls.h); NULL: plain http */
	const struct load_request *reqs;	/* used round robin */
	size_t nreqs;
	unsigned threads;
	unsigned connections;
	unsigned pipeline;		/* requests in flight per connection, >= 1 */
	uint64_t duration_ns;		/* 0: bounded by requests */
	uint64_t requests;		/* 0: bounded by duration */
	double rate;			/* requests per second over all connections; 0: closed model */
	/*
	 * With stages (rate must then be > 0, any value): the target rate starts
	 * at 0 and follows them; duration_ns should be their sum.
	 */
	const struct load_stage *stages;
	size_t nstages;
	uint64_t timeout_ns;		/* per request */
	uint64_t connect_timeout_ns;
	/*
	 * Called once a second, in order, with the merged interval: its
	 * number, its length in seconds (1, or less for the last one),
	 * latencies, responses and errors. May be NULL. It runs on the run's
	 * reporter thread, never on a load thread: it may take its time (write
	 * a file, draw a line), which holds back no request; all calls are
	 * over when load_run returns.
	 */
	void (*interval)(void *ctx, unsigned second, double length, const struct hdr *h,
			 uint64_t responses, uint64_t errors);
	/*
	 * Called right after interval (same thread) with the counts of all
	 * threads up to the end of that second, from the start of the run.
	 * May be NULL.
	 */
	void (*counts)(void *ctx, unsigned second, const struct load_counts *total);
	void *interval_ctx;		/* for interval and counts */
	/* Set to stop early (Ctrl-C); polled by every thread. */
	volatile int *stop;
};

struct load_result {
	uint64_t sent, responses, bytes_in, bytes_out;
	uint64_t errors[LOAD_ERR_NR];
	uint64_t status[6];		/* by class: [1] 1xx .. [5] 5xx, [0] other */
	uint64_t connects;		/* connections established (reconnects included; failed attempts are errors) */
	unsigned established;		/* connections open at the same time, at most */
	uint64_t unfinished;		/* in flight when the run ended */
	struct hdr latency;		/* from the intended time (corrected), us */
	struct hdr latency_raw;		/* from the actual send, us */
	uint64_t elapsed_ns;
	double threads_active;		/* threads running connections, on average over the run */
	int interrupted;
	/* https */
	uint64_t tls_handshakes, tls_resumed;	/* completed, and of them resumed */
	char tls_version[16], tls_cipher[64];	/* of the first connection; "" for http */
	char tls_error[256];		/* the first TLS failure, a sentence; "" when none */
};

/*
 * Runs the load. Returns 0 (res filled; hdr_release its histograms), or -1
 * with pe_error() set when it could not start (threads, sockets).
 */
int load_run(const struct load_opts *o, struct load_result *res);

const char *load_err_name(enum load_err e);

#endif
