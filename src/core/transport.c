/*
 * transport.c - one stream connection (transport.h): getaddrinfo over IPv4
 * and IPv6, each address tried in turn with its own connect deadline and
 * the source address bound first when asked, or a unix: socket; then
 * reads and complete writes through t->ops (plain TCP here, TLS when tls.c
 * has swapped the ops), every wait a clock_wait() on the socket and the
 * cancel fd.
 *
 * Writes use send(MSG_NOSIGNAL): a dead peer is SMTP_ERR_CLOSED, never a
 * SIGPIPE.  Every byte moved is shown to the wire hook first (transcripts).
 * transport_close() calls ops->close only (TLS's close frees its state and
 * then closes the socket through the plain ops).
 */
#include "transport.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"

/* A deadline here is a clock.h deadline, "none" included. */
_Static_assert(TRANSPORT_NO_DEADLINE == CLOCK_FOREVER, "one meaning of no deadline");

static int bind_addr(int fd, const struct addrinfo *ai)
{
	return bind(fd, ai->ai_addr, ai->ai_addrlen);
}

/* ACK what was just read at once.  A server answering a pipelined group
 * (RFC 2920) often writes its replies in more than one write, and its
 * Nagle algorithm holds the second until the first is ACKed; we send
 * nothing until the whole group is answered, so our delayed ACK cost
 * 40 ms a group (1,000 RCPTs to Postfix: 1.0 s pipelined, 0.3 s with
 * this).  Linux clears the flag as it pleases: the session sets it before
 * every read that waits for more of a reply or for more replies, and not
 * in lockstep (one command, one reply: our next command carries the ACK),
 * where it was a system call per reply for nothing. */
void transport_ack_now(const struct transport *t)
{
#ifdef TCP_QUICKACK
	if (t->family == AF_INET || t->family == AF_INET6) {
		int one = 1;
		(void)setsockopt(t->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
	}
#else
	(void)t;
#endif
}

static ssize_t tcp_read(struct transport *t, void *buf, size_t len, bool *want_write)
{
	*want_write = false;
	return recv(t->fd, buf, len, 0);
}

static ssize_t tcp_write(struct transport *t, const void *buf, size_t len, bool *want_write)
{
	*want_write = true;
	return send(t->fd, buf, len, MSG_NOSIGNAL);
}

static size_t tcp_pending(struct transport *t)
{
	(void)t;
	return 0;
}

static void tcp_close(struct transport *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

static const struct transport_ops tcp_ops = {
	"tcp", tcp_read, tcp_write, tcp_pending, tcp_close,
};

void transport_init(struct transport *t)
{
	memset(t, 0, sizeof *t);
	t->fd = -1;
	t->cancel_fd = -1;
	t->ops = &tcp_ops;
}

static bool transport_fd_ready(int fd)
{
	if (fd < 0)
		return false;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP)) != 0;
}

bool transport_cancelled(const struct transport *t)
{
	return transport_fd_ready(t->cancel_fd);
}

/* Wait until fd is ready for `events` (or, with `also_in`, readable), the
 * deadline passes or cancel_fd fires.  *readable (may be NULL) says the
 * wait ended because the peer has something to read. */
static enum smtp_errkind transport_wait(int fd, short events, bool also_in, int cancel_fd,
    long long deadline, bool *readable, struct smtp_error *err)
{
	if (readable != NULL)
		*readable = false;
	struct pollfd p = { .fd = fd, .events = (short)(events | (also_in ? POLLIN : 0)) };
	switch (clock_wait(&p, 1, deadline, cancel_fd)) {
	case CLOCK_TIMEOUT:
		return smtp_error_set(err, SMTP_ERR_TIMEOUT, 0, "timeout");
	case CLOCK_CANCELLED:
		return smtp_error_set(err, SMTP_ERR_CANCELLED, 0, "cancelled");
	case CLOCK_ERROR:
		return smtp_error_set(err, SMTP_ERR_IO, errno, "poll: %s", smtp_strerror(errno));
	case CLOCK_READY:
		break;
	}
	if (also_in && (p.revents & (POLLIN | POLLHUP)) && readable != NULL)
		*readable = true;
	return SMTP_OK;
}

static void transport_name(const struct sockaddr *sa, socklen_t len, char *host,
    size_t hcap, char *port, size_t pcap)
{
	if (getnameinfo(sa, len, host, (socklen_t)hcap, port, (socklen_t)pcap,
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(host, hcap, "?");
		snprintf(port, pcap, "?");
	}
}

/* Bind fd to the source address asked for; SMTP_ERR_AGAIN when it is of
 * another family than the peer (that address is skipped). */
static enum smtp_errkind transport_bind(int fd, int family, const char *bind,
    struct smtp_error *err)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
	    .ai_flags = AI_NUMERICHOST | AI_PASSIVE };
	struct addrinfo *res = NULL;
	if (getaddrinfo(bind, NULL, &hints, &res) != 0 || res == NULL)
		return smtp_error_set(err, SMTP_ERR_USAGE, 0,
		    "--bind %.60s: not an IPv4 or IPv6 address", bind);
	enum smtp_errkind k = SMTP_OK;
	if (res->ai_family != family)
		k = smtp_error_set(err, SMTP_ERR_AGAIN, 0, "source address %.60s is IPv%c, the "
		    "server's is not", bind, res->ai_family == AF_INET ? '4' : '6');
	else if (bind_addr(fd, res) != 0)
		k = smtp_error_set(err, SMTP_ERR_CONNECT, errno, "cannot use %.60s as the source "
		    "address: %s", bind, smtp_strerror(errno));
	freeaddrinfo(res);
	return k;
}

static enum smtp_errkind transport_try(struct transport *t, const struct addrinfo *ai,
    const struct transport_target *to, struct smtp_error *err)
{
	char host[TRANSPORT_PEER_MAX], port[8];
	if (ai->ai_family == AF_UNIX) {
		const struct sockaddr_un *un = (const struct sockaddr_un *)ai->ai_addr;
		snprintf(host, sizeof host, "%s%s", TRANSPORT_UNIX_PREFIX, un->sun_path);
		port[0] = '\0';
	} else {
		transport_name(ai->ai_addr, ai->ai_addrlen, host, sizeof host, port, sizeof port);
	}
	const char *where = host, *portword = port[0] != '\0' ? " port " : "";
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    ai->ai_protocol);
	if (fd < 0)
		return smtp_error_set(err, SMTP_ERR_CONNECT, errno, "socket for %s: %s",
		    where, smtp_strerror(errno));
	if (to->bind != NULL && ai->ai_family != AF_UNIX) {
		enum smtp_errkind k = transport_bind(fd, ai->ai_family, to->bind, err);
		if (k != SMTP_OK) {
			close(fd);
			return k;
		}
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
		int e = errno;
		close(fd);
		return smtp_error_set(err, SMTP_ERR_CONNECT, e, "connect to %s%s%s: %s",
		    where, portword, port, smtp_strerror(e));
	}
	enum smtp_errkind k = transport_wait(fd, POLLOUT, false, t->cancel_fd,
	    clock_now_ms() + to->timeout_ms, NULL, err);
	if (k != SMTP_OK) {
		close(fd);
		if (k == SMTP_ERR_TIMEOUT)
			return smtp_error_set(err, SMTP_ERR_TIMEOUT, 0,
			    "connect to %s%s%s: no answer within %u s", where, portword, port,
			    (to->timeout_ms + 999) / 1000);
		return k;
	}
	int soerr = 0;
	socklen_t sl = sizeof soerr;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
		soerr = errno;
	if (soerr != 0) {
		close(fd);
		return smtp_error_set(err, SMTP_ERR_CONNECT, soerr, "connect to %s%s%s: %s",
		    where, portword, port, smtp_strerror(soerr));
	}
	t->fd = fd;
	t->family = ai->ai_family;
	snprintf(t->peer_addr, sizeof t->peer_addr, "%s", host);
	snprintf(t->peer_port, sizeof t->peer_port, "%s", port);
	return SMTP_OK;
}

bool transport_is_unix(const char *host)
{
	return strncmp(host, TRANSPORT_UNIX_PREFIX, strlen(TRANSPORT_UNIX_PREFIX)) == 0;
}

/* "unix:/path": one address of family AF_UNIX. */
static enum smtp_errkind transport_connect_unix(struct transport *t,
    const struct transport_target *to, struct smtp_error *err)
{
	const char *path = to->host + strlen(TRANSPORT_UNIX_PREFIX);
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	if (to->bind != NULL)
		return smtp_error_set(err, SMTP_ERR_USAGE, 0,
		    "--bind names an IP source address; a unix: socket has none");
	if (path[0] == '\0' || strlen(path) >= sizeof un.sun_path)
		return smtp_error_set(err, SMTP_ERR_USAGE, 0, "unix: wants a socket path of 1 to "
		    "%zu bytes", sizeof un.sun_path - 1);
	memcpy(un.sun_path, path, strlen(path) + 1);
	struct addrinfo ai = { .ai_family = AF_UNIX, .ai_socktype = SOCK_STREAM,
	    .ai_addr = (struct sockaddr *)&un, .ai_addrlen = sizeof un };
	return transport_try(t, &ai, to, err);
}

enum smtp_errkind transport_connect(struct transport *t, const struct transport_target *to,
    struct smtp_error *err)
{
	if (t->fd >= 0)
		return smtp_error_set(err, SMTP_ERR_STATE, 0, "already connected");
	if (transport_is_unix(to->host))
		return transport_connect_unix(t, to, err);
	/* An address as given needs no resolver: no nsswitch, hosts file or
	 * interface dump (AI_ADDRCONFIG), which a session to 127.0.0.1 paid for
	 * at every start.  A name goes to the resolver as before. */
	struct addrinfo hints = { .ai_family = to->family, .ai_socktype = SOCK_STREAM,
	    .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(to->host, to->port, &hints, &res);
	if (rc != 0) {
		hints.ai_flags = AI_ADDRCONFIG;
		rc = getaddrinfo(to->host, to->port, &hints, &res);
	}
	if (rc == EAI_ADDRFAMILY || rc == EAI_NONAME) {
		/* AI_ADDRCONFIG hides ::1 on hosts with only loopback IPv6. */
		hints.ai_flags = 0;
		rc = getaddrinfo(to->host, to->port, &hints, &res);
	}
	if (rc != 0)
		return smtp_error_set(err, SMTP_ERR_RESOLVE, 0, "cannot resolve %s port %s: %s",
		    to->host, to->port, rc == EAI_SYSTEM ? smtp_strerror(errno) : gai_strerror(rc));
	enum smtp_errkind k = SMTP_ERR_AGAIN, tried = SMTP_ERR_AGAIN;
	struct smtp_error last;
	smtp_error_clear(&last);
	for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
		k = transport_try(t, ai, to, err);
		if (k == SMTP_OK || k == SMTP_ERR_CANCELLED || k == SMTP_ERR_USAGE)
			break;
		if (k != SMTP_ERR_AGAIN && err != NULL) {
			tried = k;               /* a real attempt: its error is the one */
			last = *err;
		}
	}
	freeaddrinfo(res);
	if (k == SMTP_ERR_AGAIN && tried != SMTP_ERR_AGAIN) {
		k = tried;
		if (err != NULL)
			*err = last;
	} else if (k == SMTP_ERR_AGAIN) {
		k = smtp_error_set(err, SMTP_ERR_CONNECT, 0, "%s has no address of the source "
		    "address's family (--bind %.60s)", to->host, to->bind);
	}
	return k;
}

void transport_adopt(struct transport *t, int fd)
{
	t->fd = fd;
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

bool transport_is_open(const struct transport *t)
{
	return t->fd >= 0;
}

/* The cancel fd, looked at before a read or a write at most every
 * TRANSPORT_CANCEL_CHECK_MS (a wait polls it anyway): a peer that never
 * lets the socket go idle cannot make a cancel wait longer than that, and
 * a lookup does not pay a system call per command for it. */
#define TRANSPORT_CANCEL_CHECK_MS 10
static bool transport_cancel_due(struct transport *t)
{
	long long now = clock_now_ms();
	if (t->cancel_fd < 0 || now - t->cancel_seen_ms < TRANSPORT_CANCEL_CHECK_MS)
		return false;
	t->cancel_seen_ms = now;
	return transport_cancelled(t);
}

static enum smtp_errkind transport_write_loop(struct transport *t, const void *buf,
    size_t len, long long deadline, bool watch, size_t *written, struct smtp_error *err)
{
	const char *p = buf;
	size_t done = 0;
	*written = 0;
	if (t->fd < 0)
		return smtp_error_set(err, SMTP_ERR_STATE, 0, "not connected");
	while (done < len) {
		if (transport_cancel_due(t))
			return smtp_error_set(err, SMTP_ERR_CANCELLED, 0, "cancelled");
		bool want_write = true;
		ssize_t n = t->ops->write(t, p + done, len - done, &want_write);
		if (n > 0) {
			if (t->wire_hook != NULL)
				t->wire_hook(t->wire_ctx, WIRE_OUT, p + done, (size_t)n);
			done += (size_t)n;
			*written = done;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			bool readable = false;
			enum smtp_errkind k = transport_wait(t->fd, want_write ? POLLOUT : POLLIN,
			    watch, t->cancel_fd, deadline, &readable, err);
			if (k == SMTP_ERR_TIMEOUT)
				return smtp_error_set(err, SMTP_ERR_TIMEOUT, 0,
				    "timeout: the server stopped reading what we sent");
			if (k != SMTP_OK)
				return k;
			if (readable || (watch && t->ops->pending(t) > 0))
				return smtp_error_set(err, SMTP_ERR_AGAIN, 0,
				    "the server answered before we had finished sending");
			continue;
		}
		if (n < 0 && (errno == EPIPE || errno == ECONNRESET || errno == ENOTCONN))
			return smtp_error_set(err, SMTP_ERR_CLOSED, errno,
			    "the server closed the connection while we were sending (%s)", smtp_strerror(errno));
		return smtp_error_set(err, SMTP_ERR_IO, errno, "write: %s",
		    n < 0 ? smtp_strerror(errno) : "no progress");
	}
	return SMTP_OK;
}

enum smtp_errkind transport_write_all(struct transport *t, const void *buf,
    size_t len, long long deadline_ms, size_t *written, struct smtp_error *err)
{
	size_t w;
	return transport_write_loop(t, buf, len, deadline_ms, false,
	    written != NULL ? written : &w, err);
}

enum smtp_errkind transport_write_watching(struct transport *t, const void *buf,
    size_t len, long long deadline_ms, size_t *written, struct smtp_error *err)
{
	return transport_write_loop(t, buf, len, deadline_ms, true, written, err);
}

enum smtp_errkind transport_read_some(struct transport *t, void *buf, size_t cap,
    size_t *got, long long deadline_ms, struct smtp_error *err)
{
	*got = 0;
	if (t->fd < 0)
		return smtp_error_set(err, SMTP_ERR_STATE, 0, "not connected");
	for (;;) {
		/* Checked before every read: a peer that never lets the socket
		 * go idle must not make a cancel wait. */
		if (transport_cancel_due(t))
			return smtp_error_set(err, SMTP_ERR_CANCELLED, 0, "cancelled");
		bool want_write = false;
		ssize_t n = t->ops->read(t, buf, cap, &want_write);
		if (n > 0) {
			if (t->wire_hook != NULL)
				t->wire_hook(t->wire_ctx, WIRE_IN, buf, (size_t)n);
			*got = (size_t)n;
			return SMTP_OK;
		}
		if (n == 0)
			return SMTP_OK;        /* EOF */
		if (errno == EINTR)
			continue;
		if (errno == ECONNRESET)
			return smtp_error_set(err, SMTP_ERR_CLOSED, errno,
			    "the server reset the connection");
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return smtp_error_set(err, SMTP_ERR_IO, errno, "read: %s", smtp_strerror(errno));
		enum smtp_errkind k = transport_wait(t->fd, want_write ? POLLOUT : POLLIN, false,
		    t->cancel_fd, deadline_ms, NULL, err);
		if (k != SMTP_OK)
			return k;
	}
}

bool transport_readable_now(struct transport *t)
{
	if (t->fd < 0)
		return false;
	return t->ops->pending(t) > 0 || transport_fd_ready(t->fd);
}

void transport_close(struct transport *t)
{
	if (t->fd >= 0 || t->tls != NULL)
		t->ops->close(t);
	t->fd = -1;
}
