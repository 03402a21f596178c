/*
 * TLS for the load generator, through OpenSSL loaded with dlopen the first
 * time an https:// URL asks for it: perfeng is compiled against OpenSSL's
 * headers only, so that a perfeng that never speaks TLS does not map libssl
 * and libcrypto (its resident set is the floor under bench's max-RSS figures).
 * A tls_client holds the settings of a run (SNI, verification, trust store)
 * and is shared by all threads; a tls_conn is one connection's session,
 * driven nonblocking by its thread's event loop. Not a TLS library: only what
 * a client that measures needs.
 */
#ifndef PE_HTTP_TLS_H
#define PE_HTTP_TLS_H

#include <stddef.h>
#include <sys/types.h>

struct tls_client;
struct tls_conn;

/* A thread's last session ticket, offered by its next connection (resumption). */
struct tls_sessions {
	void *session;		/* SSL_SESSION *, owned; NULL: none yet */
};

/* What a handshake or an I/O call needs next. */
enum tls_status { TLS_OK = 0, TLS_WANT_READ, TLS_WANT_WRITE, TLS_ERROR };

/*
 * Loads OpenSSL and makes the client context for a server named host (a
 * name, sent as SNI and checked against the certificate, or an IP literal,
 * checked against its IP addresses). insecure skips verification; cafile
 * (may be NULL) is a PEM bundle trusted instead of the system's store.
 * Returns 0 and *out (tls_client_free it), or -1 with pe_error() set.
 */
int tls_client_new(const char *host, int insecure, const char *cafile, struct tls_client **out);
void tls_client_free(struct tls_client *tc);
/* The host name or address given to tls_client_new, for messages. */
const char *tls_client_host(const struct tls_client *tc);

/*
 * A TLS session over the connected socket fd, offering sessions' ticket and
 * keeping the tickets it receives there. NULL with pe_error() set on failure.
 * tls_conn_free does not close fd.
 */
struct tls_conn *tls_conn_new(struct tls_client *tc, int fd, struct tls_sessions *s);
void tls_conn_free(struct tls_conn *t);
void tls_sessions_release(struct tls_sessions *s);

/*
 * One step of the handshake of t, made by tc. On TLS_ERROR, err (errlen
 * bytes) says why, naming the host ("tls: certificate verify failed for ...").
 */
enum tls_status tls_handshake(const struct tls_client *tc, struct tls_conn *t, char *err,
			      size_t errlen);

/*
 * As read(2) and write(2) on a nonblocking socket: bytes, 0 at the end of
 * the stream (read), or -1 with errno (EAGAIN: *want says whether to wait for
 * readable or writable; EIO: a TLS error). Writes may be partial; a write
 * that returned EAGAIN must be repeated with the same bytes.
 */
ssize_t tls_read(struct tls_conn *t, void *buf, size_t n, enum tls_status *want);
ssize_t tls_write(struct tls_conn *t, const void *buf, size_t n, enum tls_status *want);

/* Whether t holds received bytes not yet returned by tls_read (epoll cannot see them). */
int tls_pending(const struct tls_conn *t);

/* After a handshake: "TLSv1.3", the cipher's name, whether the session was resumed. */
const char *tls_conn_version(const struct tls_conn *t);
const char *tls_conn_cipher(const struct tls_conn *t);
int tls_conn_resumed(const struct tls_conn *t);

#endif
