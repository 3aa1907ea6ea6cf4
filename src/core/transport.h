/*
 * transport.h - one connection: connect by name or address over IPv4/IPv6
 * (getaddrinfo, each address in turn, each attempt with a deadline, from a
 * chosen source address if asked) or to a local socket ("unix:/path"), then
 * bounded reads and complete writes, each bounded by an absolute deadline
 * (CLOCK_MONOTONIC milliseconds, clock_now_ms() in clock.h) and a cancel fd watched
 * in the same poll() (Ctrl-C abandons a wait).  The cancel fd is also
 * checked before every read and write, so a cancel is honoured while data
 * is flowing, not only when the socket is idle.  TLS (tls.c) plugs in
 * behind the same read/write interface by replacing `ops`.
 *
 * A deadline is a point in time, never an idle timer: a peer dripping one
 * byte a second cannot stretch it.  TRANSPORT_NO_DEADLINE waits forever;
 * a deadline already past means "what is there now, without waiting".
 *
 * Writes loop until every byte is written; short writes are not errors.
 * SIGPIPE is never raised (MSG_NOSIGNAL); EPIPE comes back as SMTP_ERR_CLOSED.
 * Every byte read or written is passed to the wire hook, if set, before
 * anything else sees it (transcripts).
 */
#ifndef SMTPSH_TRANSPORT_H
#define SMTPSH_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* "unix:" and a sun_path (108 bytes), or a numeric address. */
#define TRANSPORT_PEER_MAX 120

enum wire_dir { WIRE_IN, WIRE_OUT };

struct transport;

/* Raw I/O of one layer (plain socket, or TLS).  read/write return bytes
 * moved (>0), 0 for EOF on read, -1 with errno set; EAGAIN means "poll for
 * *want_write ? POLLOUT : POLLIN and try again". */
struct transport_ops {
	const char *name;       /* "tcp", "tls" */
	ssize_t (*read)(struct transport *t, void *buf, size_t len, bool *want_write);
	ssize_t (*write)(struct transport *t, const void *buf, size_t len, bool *want_write);
	/* Bytes already decrypted and waiting (so poll() would not show them). */
	size_t (*pending)(struct transport *t);
	void (*close)(struct transport *t);
};

typedef void (*wire_hook_fn)(void *ctx, enum wire_dir dir, const char *buf, size_t len);

struct transport {
	int fd;                        /* -1 when closed; non-blocking */
	const struct transport_ops *ops;
	void *tls;                     /* owned by tls.c when ops is TLS */
	void *ctx;                     /* for other ops (replay.c's feed) */
	int cancel_fd;                 /* -1 or a fd that becomes readable on cancel */
	wire_hook_fn wire_hook;        /* may be NULL */
	void *wire_ctx;
	int family;                    /* AF_INET / AF_INET6 / AF_UNIX of the peer */
	char peer_addr[TRANSPORT_PEER_MAX]; /* numeric address (or unix:/path) that answered */
	char peer_port[8];
	long long cancel_seen_ms;      /* when the cancel fd was last looked at */
};

#define TRANSPORT_NO_DEADLINE (-1LL)

/* A host written "unix:/path/to/socket" is a local stream socket (a local
 * MTA, an LMTP server); the port is then ignored. */
#define TRANSPORT_UNIX_PREFIX "unix:"
bool transport_is_unix(const char *host);

/* Where to connect. */
struct transport_target {
	const char *host;              /* a name, a numeric address, or unix:/path */
	const char *port;
	int family;                    /* AF_UNSPEC, AF_INET or AF_INET6 */
	unsigned timeout_ms;           /* each connect attempt */
	const char *bind;              /* numeric source address, or NULL: the
	                                * system chooses (an address of the other
	                                * family is skipped) */
};

/* fd = -1, plain ops, no hook. */
void transport_init(struct transport *t);
/* Tries every address getaddrinfo returns for to->host, each with
 * to->timeout_ms, bound first to to->bind when given; the error names the
 * last failure ("connect to 192.0.2.1 port 25: Connection refused").
 * A bind address that is no address, or a unix: host with a bind
 * address, is SMTP_ERR_USAGE; a unix: path too long for sun_path too. */
enum smtp_errkind transport_connect(struct transport *t, const struct transport_target *to,
    struct smtp_error *err);
/* Take an already connected socket (server side, TURN, tests). */
void transport_adopt(struct transport *t, int fd);
/* Write all len bytes before the deadline; *written (may be NULL) says how
 * many went, also on failure. */
enum smtp_errkind transport_write_all(struct transport *t, const void *buf,
    size_t len, long long deadline_ms, size_t *written, struct smtp_error *err);
/* The same, but stop early (SMTP_ERR_AGAIN, *written says how far it got)
 * when the peer has something to say: a server that answers in the middle
 * of a DATA body has stopped reading it. */
enum smtp_errkind transport_write_watching(struct transport *t, const void *buf,
    size_t len, long long deadline_ms, size_t *written, struct smtp_error *err);
/* Read what is available (at least one byte, at most cap) before the
 * deadline.  *got = 0 with SMTP_OK means EOF. */
enum smtp_errkind transport_read_some(struct transport *t, void *buf, size_t cap,
    size_t *got, long long deadline_ms, struct smtp_error *err);
/* True if a read would not block (data or EOF waiting). */
bool transport_readable_now(struct transport *t);
/* True if the cancel fd has fired (it is not drained). */
bool transport_cancelled(const struct transport *t);
/* ACK what was read at once (TCP_QUICKACK): the session asks for it while
 * more of a reply, or more replies, are awaited (transport.c says why). */
void transport_ack_now(const struct transport *t);
void transport_close(struct transport *t);
bool transport_is_open(const struct transport *t);

#endif
