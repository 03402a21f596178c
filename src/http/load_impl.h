/*
 * Inside the load engine: the connection, worker and shared state that
 * load.c (threads, schedule, timers), interval.c (the per-second results,
 * published by the workers, reported by one thread) and conn.c (one
 * connection's states and I/O, plain or TLS) work on. Not for use outside
 * those files (and the engine's unit test).
 */
#ifndef PE_HTTP_LOAD_IMPL_H
#define PE_HTTP_LOAD_IMPL_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include "http/load.h"
#include "http/parser.h"
#include "http/tls.h"
#include "stats/hdr.h"
#include "util/clock.h"

#define LOAD_READ_BUF 65536
#define LOAD_EVENTS 256			/* epoll events taken per wait */
#define LOAD_RECONNECT_NS (10 * NS_PER_MS)	/* after a failed connect: no busy loop */
#define NEVER UINT64_MAX

enum conn_state { C_IDLE_CLOSED = 0, C_CONNECTING, C_HANDSHAKE, C_OPEN, C_DONE };

struct conn;
struct epoll_event;

/*
 * How a connection moves bytes: plain socket calls, or TLS. As read(2) and
 * write(2) on a nonblocking socket. pending: bytes already received and
 * buffered above the socket, which epoll cannot announce.
 */
struct conn_io {
	ssize_t (*read)(struct conn *c, void *buf, size_t n);
	ssize_t (*write)(struct conn *c, const void *buf, size_t n);
	int (*pending)(const struct conn *c);
};

struct conn {
	int fd;
	enum conn_state state;
	struct tls_conn *tls;		/* https: its TLS session, else NULL */
	unsigned char read_wants_out;	/* a TLS read waits for the socket to be writable */
	unsigned char write_wants_in;	/* a TLS write waits for it to be readable */
	unsigned char out;		/* EPOLLOUT is in its epoll mask (open connections) */
	struct http_parser parser;
	int parsing;			/* a response has started arriving */
	/* requests in flight, oldest first: actual and intended send times */
	uint64_t sent[LOAD_MAX_PIPELINE], intended[LOAD_MAX_PIPELINE];
	unsigned char head_req[LOAD_MAX_PIPELINE];	/* that request was HEAD */
	unsigned head, inflight;
	size_t next_req;		/* round-robin index into the requests */
	const struct load_request *wreq;	/* a request partly written */
	size_t wpos;
	uint64_t next_send;		/* open model: intended time of the next request */
	double next_k;			/* open model: its number in the whole schedule */
	uint64_t connect_deadline;
	uint64_t reconnect_at;
	int64_t remaining;		/* -n: requests this connection still sends; -1: unbounded */
	size_t heap_pos;
	uint64_t key;			/* its time in the heap */
};

struct shared;

/*
 * A share of the connections with its own epoll set, timers and results.
 * Worker i belongs to thread i, but while fewer threads are active (see
 * struct loop_thread) one thread runs several workers, one at a time, each
 * under its run lock.
 */
struct worker {
	struct shared *sh;
	unsigned id;
	pthread_mutex_t run;		/* held by the thread in this worker's pass */
	int done;			/* ended: flushed, its connections closed */
	int epfd;
	int tfd;			/* timerfd in epfd: wakes for the coarse deadlines */
	uint64_t armed;			/* when tfd fires next; 0: not armed */
	struct conn *conns;
	unsigned nconns;
	struct conn **heap;		/* min-heap by conn->key */
	size_t nheap;
	char *rbuf;
	uint64_t end;			/* stop sending at this time (duration) */
	const struct conn_io *io;
	struct tls_sessions tls_sessions;	/* https: the last ticket, for resumption */
	/* results: the counts in r (its histograms: latency_raw only), the latencies in slots */
	struct load_result r;
	/*
	 * This second's interval and the last ones not yet reported: second s
	 * is slots[s % LOAD_SLOTS]. The worker records into the current one
	 * (iv), publishes it when the second ends (published), and the
	 * reporter thread reads it and frees it (shared.reported); no lock.
	 */
	struct slot *slots;
	struct hdr *iv;			/* &slots[iv_second % LOAD_SLOTS].h */
	uint64_t iv_responses, iv_errors;
	struct load_counts iv_flushed;	/* r's counts when last published */
	unsigned iv_second;
	unsigned published;		/* seconds published (atomic) */
	int exited;			/* publishes no more (atomic) */
	uint64_t retry_at;		/* the next slot was still being read: publish at this time; 0: none */
	int error;
	char errmsg[256];
};

/* A second of one worker's results, as it publishes them. */
#define LOAD_SLOTS 4
struct slot {
	struct hdr h;
	uint64_t responses, errors;
	struct load_counts counts;	/* what the worker counted in that second */
	uint64_t published_at;		/* when (ns): the end of a last, shorter second */
};

/*
 * An OS thread of the run. Each runs its own worker while all are active;
 * in the closed model, when the threads' CPU time shows the load would fit
 * in fewer, only the
 * first k run, thread t taking workers t, t + k, t + 2k, ..., and the rest
 * sleep on their eventfd. A client whose threads each idle between responses
 * makes the server wake one of them for nearly every response (a few
 * microseconds of the server's CPU each, on a VM): running the same
 * connections in fewer threads leaves fewer sleepers to wake.
 */
struct loop_thread {
	struct shared *sh;
	unsigned id;
	pthread_t tid;
	clockid_t cpu;			/* its CPU-time clock, read by the thread that decides */
	int efd;			/* eventfd, in its own worker's epoll set: written to wake it */
	unsigned k;			/* the active count its worker's set was built for; 0: none yet */
	unsigned char *due;		/* per worker, in a pass: it has events or a timer due */
	/* time it waited for events or slept (atomic), and since when it waits now (0: it runs) */
	uint64_t idle_ns, idle_since;
	uint64_t idle_then;		/* idle_ns at the last look (the deciding thread's) */
};

struct shared {
	const struct load_opts *o;
	struct worker *ws;
	struct loop_thread *ts;
	unsigned active;		/* threads running workers: the first 'active' (atomic) */
	unsigned live;			/* workers not yet done (atomic) */
	/* active is looked at again at next_decision (atomic), by one thread under decide */
	pthread_mutex_t decide;
	uint64_t next_decision;
	uint64_t decided_at, cpu_then;	/* the last look: its time, the threads' CPU time then */
	uint64_t active_ns;		/* the integral of active over time, to the last look */
	uint64_t start;
	unsigned nthreads;
	/*
	 * The reporter thread (interval.c): it merges each second the workers
	 * have published and hands it to o->interval and o->counts, off the
	 * load threads. Its fields are its own but for those marked atomic.
	 */
	pthread_t reporter;
	int report_efd;			/* eventfd: a worker published or exited */
	unsigned reported;		/* seconds reported (atomic): their slots are free again */
	struct hdr merged;		/* the second being reported */
	struct hdr latency;		/* every second reported, added: the run's */
	struct load_counts total;	/* the counts of the seconds reported */
	unsigned established;		/* open connections now, all workers */
	unsigned established_max;
};


/* load.c */
uint64_t load__schedule_time(const struct shared *sh, double k);
void load__heap_fix(struct worker *w, size_t i);
unsigned load__threads_next(unsigned k, double busy, unsigned max);
/*
 * One pass of thread t while k threads run: its workers' events and
 * timers (evs: LOAD_EVENTS entries); 0 when it has none left to run.
 */
int load__thread_pass(struct loop_thread *t, unsigned k, struct epoll_event *evs);

/*
 * interval.c: a worker's slots (0, or -1 with pe_error()); the second
 * ended: publish it (0), or -1 when the next slot is still being read (a
 * retry is due at w->retry_at); the worker ended: its last second
 * published, no more to come. The reporter thread: started (0, or -1 with
 * pe_error()), and joined once every worker has exited.
 */
int interval_init(struct worker *w);
void interval_release(struct worker *w);
int interval_publish(struct worker *w, uint64_t now);
void interval_exit(struct worker *w, uint64_t now);
int reporter_start(struct shared *sh);
void reporter_join(struct shared *sh);

/* conn.c: the I/O table for this run; a connection's timer came due, or its socket has events. */
const struct conn_io *conn_io_for(const struct load_opts *o);
void conn_connect(struct worker *w, struct conn *c, uint64_t now);
void conn_timer(struct worker *w, struct conn *c, uint64_t now);
void conn_event(struct worker *w, struct conn *c, uint32_t ev, uint64_t now);
/* Frees c's TLS session and closes its socket, where it has them. */
void conn_release(struct conn *c);

#endif
