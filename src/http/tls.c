/*
 * OpenSSL for the load generator's https:// connections, loaded with dlopen
 * (see tls.h for why). The SSL_CTX is made once per run and shared by the
 * threads, which only call SSL_new on it; each thread keeps the last session
 * ticket it received and offers it on its next connection, so reconnects
 * (Connection: close, errors) resume instead of doing a full handshake.
 * OpenSSL's error queue is kept empty between calls: every failure path
 * reads what it needs and clears it, as SSL_get_error requires.
 */
#include "http/tls.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "util/error.h"
#include "util/xalloc.h"

/* The OpenSSL functions this file calls, resolved by tls__load. */
#define TLS_SSL_FUNCS(X) X(TLS_client_method) X(SSL_CTX_new) X(SSL_CTX_free) \
	X(SSL_CTX_set_verify) X(SSL_CTX_set_default_verify_paths) \
	X(SSL_CTX_load_verify_locations) X(SSL_CTX_ctrl) X(SSL_CTX_sess_set_new_cb) \
	X(SSL_new) X(SSL_free) X(SSL_set_fd) X(SSL_set_connect_state) X(SSL_do_handshake) \
	X(SSL_read) X(SSL_write) X(SSL_get_error) X(SSL_ctrl) X(SSL_set1_host) \
	X(SSL_get0_param) X(SSL_get_verify_result) X(SSL_get_version) \
	X(SSL_get_current_cipher) X(SSL_CIPHER_get_name) X(SSL_set_session) \
	X(SSL_session_reused) X(SSL_SESSION_free) X(SSL_set_ex_data) X(SSL_get_ex_data) X(SSL_has_pending) X(SSL_set_quiet_shutdown) X(SSL_shutdown)
#define TLS_CRYPTO_FUNCS(X) X(ERR_peek_last_error) X(ERR_reason_error_string) \
	X(ERR_clear_error) X(X509_verify_cert_error_string) X(X509_VERIFY_PARAM_set1_ip_asc)
#define TLS_DECLARE(f) static __typeof__(f) *tls_##f;
TLS_SSL_FUNCS(TLS_DECLARE)
TLS_CRYPTO_FUNCS(TLS_DECLARE)

#define TLS_LIBSSL "libssl.so.3"
#define TLS_LIBCRYPTO "libcrypto.so.3"

/* Loads libssl and libcrypto once; returns 0, or -1 with a message naming what is missing. */
static int tls__load(void)
{
	static void *ssl, *crypto;

	if (ssl)
		return 0;
	/* libssl first: it brings the libcrypto it was built with */
	ssl = dlopen(TLS_LIBSSL, RTLD_NOW | RTLD_LOCAL);
	if (!ssl)
		return pe_error("https needs OpenSSL (%s): %s; install the libssl3 package",
				TLS_LIBSSL, dlerror());
	crypto = dlopen(TLS_LIBCRYPTO, RTLD_NOW | RTLD_LOCAL);
	if (!crypto) {
		pe_error("https needs OpenSSL (%s): %s; install the libssl3 package", TLS_LIBCRYPTO, dlerror());
		dlclose(ssl);
		ssl = NULL;
		return -1;
	}
#define TLS_RESOLVE(lib, name, f)						\
	if (!(tls_##f = (__typeof__(f) *)dlsym(lib, #f))) {			\
		dlclose(ssl);							\
		dlclose(crypto);						\
		ssl = crypto = NULL;						\
		return pe_error("%s lacks %s; it is too old for perfeng", name, #f);	\
	}
#define TLS_RESOLVE_SSL(f) TLS_RESOLVE(ssl, TLS_LIBSSL, f)
#define TLS_RESOLVE_CRYPTO(f) TLS_RESOLVE(crypto, TLS_LIBCRYPTO, f)
	TLS_SSL_FUNCS(TLS_RESOLVE_SSL)
	TLS_CRYPTO_FUNCS(TLS_RESOLVE_CRYPTO)
#undef TLS_RESOLVE_CRYPTO
#undef TLS_RESOLVE_SSL
#undef TLS_RESOLVE
	return 0;
}

/* From here on the OpenSSL names (and the header's macros) call through the table. */
#define TLS_client_method tls_TLS_client_method
#define SSL_CTX_new tls_SSL_CTX_new
#define SSL_CTX_free tls_SSL_CTX_free
#define SSL_CTX_set_verify tls_SSL_CTX_set_verify
#define SSL_CTX_set_default_verify_paths tls_SSL_CTX_set_default_verify_paths
#define SSL_CTX_load_verify_locations tls_SSL_CTX_load_verify_locations
#define SSL_CTX_ctrl tls_SSL_CTX_ctrl
#define SSL_CTX_sess_set_new_cb tls_SSL_CTX_sess_set_new_cb
#define SSL_new tls_SSL_new
#define SSL_free tls_SSL_free
#define SSL_set_fd tls_SSL_set_fd
#define SSL_set_connect_state tls_SSL_set_connect_state
#define SSL_do_handshake tls_SSL_do_handshake
#define SSL_read tls_SSL_read
#define SSL_write tls_SSL_write
#define SSL_get_error tls_SSL_get_error
#define SSL_ctrl tls_SSL_ctrl
#define SSL_set1_host tls_SSL_set1_host
#define SSL_get0_param tls_SSL_get0_param
#define SSL_get_verify_result tls_SSL_get_verify_result
#define SSL_get_version tls_SSL_get_version
#define SSL_get_current_cipher tls_SSL_get_current_cipher
#define SSL_CIPHER_get_name tls_SSL_CIPHER_get_name
#define SSL_set_session tls_SSL_set_session
#define SSL_session_reused tls_SSL_session_reused
#define SSL_SESSION_free tls_SSL_SESSION_free
#define SSL_set_ex_data tls_SSL_set_ex_data
#define SSL_get_ex_data tls_SSL_get_ex_data
#define SSL_has_pending tls_SSL_has_pending
#define SSL_set_quiet_shutdown tls_SSL_set_quiet_shutdown
#define SSL_shutdown tls_SSL_shutdown
#define ERR_peek_last_error tls_ERR_peek_last_error
#define ERR_reason_error_string tls_ERR_reason_error_string
#define ERR_clear_error tls_ERR_clear_error
#define X509_verify_cert_error_string tls_X509_verify_cert_error_string
#define X509_VERIFY_PARAM_set1_ip_asc tls_X509_VERIFY_PARAM_set1_ip_asc

struct tls_client {
	SSL_CTX *ctx;
	char host[256];
	int ip;			/* host is an IP literal: no SNI, checked as an address */
	int verify;
};

/* The SSL's app data (index 0) is its thread's tls_sessions. */
static int tls__new_session(SSL *ssl, SSL_SESSION *sess)
{
	struct tls_sessions *s = SSL_get_ex_data(ssl, 0);

	if (!s)
		return 0;
	if (s->session)
		SSL_SESSION_free(s->session);
	s->session = sess;
	return 1;	/* the reference is ours now */
}

/* The reason of the error at the end of OpenSSL's queue, then an empty queue. */
static const char *tls__reason(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	ERR_clear_error();
	return r;
}

int tls_client_new(const char *host, int insecure, const char *cafile, struct tls_client **out)
{
	struct tls_client *tc;
	unsigned char addr[16];
	const char *r;

	*out = NULL;
	if (tls__load() < 0)
		return -1;
	tc = xcalloc(1, sizeof(*tc));
	snprintf(tc->host, sizeof(tc->host), "%s", host);
	tc->ip = inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
	tc->verify = !insecure;
	tc->ctx = SSL_CTX_new(TLS_client_method());
	if (!tc->ctx) {
		r = tls__reason();
		free(tc);
		return pe_error("tls: cannot make a context: %s", r ? r : "unknown error");
	}
	SSL_CTX_set_verify(tc->ctx, insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
	if (cafile && access(cafile, R_OK) < 0) {	/* OpenSSL would only say "system lib" */
		int e = errno;

		tls_client_free(tc);
		return pe_error("--cacert: cannot read '%s': %s", cafile, strerror(e));
	}
	if (cafile && SSL_CTX_load_verify_locations(tc->ctx, cafile, NULL) != 1) {
		r = tls__reason();
		tls_client_free(tc);
		return pe_error("--cacert: cannot load '%s': %s", cafile, r ? r : "no certificate in it");
	}
	if (!cafile && !insecure && SSL_CTX_set_default_verify_paths(tc->ctx) != 1) {
		r = tls__reason();
		tls_client_free(tc);
		return pe_error("tls: cannot load the system's trust store: %s; use --cacert FILE",
				r ? r : "unknown error");
	}
	/* tickets kept by tls__new_session only, none in OpenSSL's own cache */
	SSL_CTX_set_session_cache_mode(tc->ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(tc->ctx, tls__new_session);
	/* read what the socket has, several records at once; tls_pending tells what is left */
	SSL_CTX_set_read_ahead(tc->ctx, 1);
	*out = tc;
	return 0;
}

const char *tls_client_host(const struct tls_client *tc)
{
	return tc->host;
}

void tls_client_free(struct tls_client *tc)
{
	if (!tc)
		return;
	if (tc->ctx)
		SSL_CTX_free(tc->ctx);
	free(tc);
}

struct tls_conn *tls_conn_new(struct tls_client *tc, int fd, struct tls_sessions *s)
{
	SSL *ssl = SSL_new(tc->ctx);
	int ok;

	if (!ssl) {
		const char *r = tls__reason();

		pe_error("tls: SSL_new: %s", r ? r : "out of memory");
		return NULL;
	}
	ok = SSL_set_fd(ssl, fd) == 1 && SSL_set_ex_data(ssl, 0, s) == 1;
	/*
	 * Partial writes, as write(2) makes them, for requests larger than a
	 * record; a write retried after WANT_WRITE passes the same bytes.
	 */
	SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (ok && !tc->ip)
		ok = SSL_set_tlsext_host_name(ssl, tc->host) == 1;
	if (ok && tc->verify)
		ok = tc->ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), tc->host) == 1
			    : SSL_set1_host(ssl, tc->host) == 1;
	if (ok && s->session)
		SSL_set_session(ssl, s->session);	/* a stale ticket only costs a full handshake */
	if (!ok) {
		const char *r = tls__reason();

		SSL_free(ssl);
		pe_error("tls: cannot set up a session for %s: %s", tc->host, r ? r : "unknown error");
		return NULL;
	}
	SSL_set_connect_state(ssl);
	return (struct tls_conn *)ssl;
}

void tls_conn_free(struct tls_conn *t)
{
	if (!t)
		return;
	/*
	 * Marked shut down, quietly (no close_notify, no syscall): OpenSSL makes
	 * the session of a connection freed without it not resumable, and the
	 * thread's ticket is that session.
	 */
	SSL_set_quiet_shutdown((SSL *)t, 1);
	SSL_shutdown((SSL *)t);
	ERR_clear_error();
	SSL_free((SSL *)t);
}

void tls_sessions_release(struct tls_sessions *s)
{
	if (s->session)
		SSL_SESSION_free(s->session);
	s->session = NULL;
}

enum tls_status tls_handshake(const struct tls_client *tc, struct tls_conn *t, char *err,
			      size_t errlen)
{
	SSL *ssl = (SSL *)t;
	int rc, e, saved;
	long vr;
	const char *r;

	errno = 0;
	rc = SSL_do_handshake(ssl);
	saved = errno;
	if (rc == 1)
		return TLS_OK;
	e = SSL_get_error(ssl, rc);
	if (e == SSL_ERROR_WANT_READ)
		return TLS_WANT_READ;
	if (e == SSL_ERROR_WANT_WRITE)
		return TLS_WANT_WRITE;
	vr = SSL_get_verify_result(ssl);
	r = tls__reason();
	if (vr != X509_V_OK) {
		int name = vr == X509_V_ERR_HOSTNAME_MISMATCH || vr == X509_V_ERR_IP_ADDRESS_MISMATCH;

		snprintf(err, errlen, "tls: certificate verify failed for %s: %s; %s", tc->host,
			 X509_verify_cert_error_string(vr),
			 name ? "connect by a name the certificate is for, or use --insecure"
			      : "use --cacert FILE or --insecure");
	} else if (r) {
		snprintf(err, errlen, "tls: handshake with %s failed: %s%s", tc->host, r,
			 strstr(r, "wrong version number") || strstr(r, "packet length too long")
				 ? " (is the server speaking TLS on that port?)" : "");
	} else if (e == SSL_ERROR_SYSCALL && saved) {
		snprintf(err, errlen, "tls: handshake with %s failed: %s", tc->host, strerror(saved));
	} else {
		snprintf(err, errlen, "tls: handshake with %s failed: the server closed the connection",
			 tc->host);
	}
	return TLS_ERROR;
}

/* The outcome of a failed SSL_read or SSL_write, as read(2) would give it. */
static ssize_t tls__io_error(SSL *ssl, int rc, enum tls_status *want)
{
	int e = SSL_get_error(ssl, rc);

	switch (e) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		*want = e == SSL_ERROR_WANT_READ ? TLS_WANT_READ : TLS_WANT_WRITE;
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_ZERO_RETURN:	/* close_notify */
		return 0;
	case SSL_ERROR_SYSCALL:
		ERR_clear_error();
		if (!errno)	/* EOF without close_notify: as a plain close */
			return 0;
		return -1;
	default:
		ERR_clear_error();
		errno = EIO;
		return -1;
	}
}

ssize_t tls_read(struct tls_conn *t, void *buf, size_t n, enum tls_status *want)
{
	int rc;

	errno = 0;
	rc = SSL_read((SSL *)t, buf, n > INT_MAX ? INT_MAX : (int)n);
	return rc > 0 ? rc : tls__io_error((SSL *)t, rc, want);
}

ssize_t tls_write(struct tls_conn *t, const void *buf, size_t n, enum tls_status *want)
{
	int rc;

	errno = 0;
	rc = SSL_write((SSL *)t, buf, n > INT_MAX ? INT_MAX : (int)n);
	if (rc > 0)
		return rc;
	rc = (int)tls__io_error((SSL *)t, rc, want);
	if (!rc)	/* no write can end a stream */
		errno = EPIPE;
	return -1;
}

const char *tls_conn_version(const struct tls_conn *t)
{
	return SSL_get_version((const SSL *)t);
}

const char *tls_conn_cipher(const struct tls_conn *t)
{
	const char *c = SSL_CIPHER_get_name(SSL_get_current_cipher((const SSL *)t));

	return c ? c : "unknown";
}

int tls_conn_resumed(const struct tls_conn *t)
{
	return SSL_session_reused((const SSL *)t) == 1;
}

int tls_pending(const struct tls_conn *t)
{
	return SSL_has_pending((const SSL *)t);
}
