/*
 * transport.c - one TCP connection (transport.h): getaddrinfo over IPv4 and
 * IPv6, each address tried in turn with its own connect deadline; then
 * reads and complete writes through t->ops (plain TCP here, TLS when tls.c
 * has swapped the ops), every wait a poll() on the socket and the cancel fd.
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
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

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

static long long transport_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until fd is ready for `events`, the deadline passes or cancel_fd
 * fires.  deadline < 0: no deadline. */
static enum smtp_errkind transport_wait(int fd, short events, int cancel_fd,
    long long deadline, unsigned timeout_ms, struct smtp_error *err)
{
	for (;;) {
		int wait = -1;
		if (deadline >= 0) {
			long long left = deadline - transport_now_ms();
			if (left <= 0)
				return smtp_error_set(err, SMTP_ERR_TIMEOUT, 0,
				    "timeout: nothing happened for %u.%03u s", timeout_ms / 1000,
				    timeout_ms % 1000);
			wait = left > 1000000 ? 1000000 : (int)left;
		}
		struct pollfd p[2] = { { .fd = fd, .events = events },
		    { .fd = cancel_fd, .events = POLLIN } };
		int n = poll(p, cancel_fd >= 0 ? 2 : 1, wait);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return smtp_error_set(err, SMTP_ERR_IO, errno, "poll: %s", strerror(errno));
		}
		if (n == 0)
			continue;       /* re-check the deadline */
		if (cancel_fd >= 0 && (p[1].revents & (POLLIN | POLLHUP)))
			return smtp_error_set(err, SMTP_ERR_CANCELLED, 0, "cancelled");
		if (p[0].revents != 0)
			return SMTP_OK;
	}
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

static enum smtp_errkind transport_try(struct transport *t, const struct addrinfo *ai,
    unsigned timeout_ms, struct smtp_error *err)
{
	char host[64], port[8];
	transport_name(ai->ai_addr, ai->ai_addrlen, host, sizeof host, port, sizeof port);
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    ai->ai_protocol);
	if (fd < 0)
		return smtp_error_set(err, SMTP_ERR_CONNECT, errno, "socket for %s: %s",
		    host, strerror(errno));
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
		int e = errno;
		close(fd);
		return smtp_error_set(err, SMTP_ERR_CONNECT, e, "connect to %s port %s: %s",
		    host, port, strerror(e));
	}
	enum smtp_errkind k = transport_wait(fd, POLLOUT, t->cancel_fd,
	    transport_now_ms() + timeout_ms, timeout_ms, err);
	if (k != SMTP_OK) {
		close(fd);
		if (k == SMTP_ERR_TIMEOUT)
			return smtp_error_set(err, SMTP_ERR_TIMEOUT, 0,
			    "connect to %s port %s: no answer within %u s", host, port,
			    (timeout_ms + 999) / 1000);
		return k;
	}
	int soerr = 0;
	socklen_t sl = sizeof soerr;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
		soerr = errno;
	if (soerr != 0) {
		close(fd);
		return smtp_error_set(err, SMTP_ERR_CONNECT, soerr, "connect to %s port %s: %s",
		    host, port, strerror(soerr));
	}
	t->fd = fd;
	t->family = ai->ai_family;
	snprintf(t->peer_addr, sizeof t->peer_addr, "%s", host);
	snprintf(t->peer_port, sizeof t->peer_port, "%s", port);
	return SMTP_OK;
}

enum smtp_errkind transport_connect(struct transport *t, const char *host,
    const char *port, int family, unsigned connect_timeout_ms, struct smtp_error *err)
{
	if (t->fd >= 0)
		return smtp_error_set(err, SMTP_ERR_STATE, 0, "already connected");
	struct addrinfo hints = { .ai_family = family, .ai_socktype = SOCK_STREAM,
	    .ai_flags = AI_ADDRCONFIG };
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(host, port, &hints, &res);
	if (rc == EAI_ADDRFAMILY || rc == EAI_NONAME) {
		/* AI_ADDRCONFIG hides ::1 on hosts with only loopback IPv6. */
		hints.ai_flags = 0;
		rc = getaddrinfo(host, port, &hints, &res);
	}
	if (rc != 0)
		return smtp_error_set(err, SMTP_ERR_RESOLVE, 0, "cannot resolve %s port %s: %s",
		    host, port, rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
	enum smtp_errkind k = SMTP_ERR_CONNECT;
	for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
		k = transport_try(t, ai, connect_timeout_ms, err);
		if (k == SMTP_OK || k == SMTP_ERR_CANCELLED)
			break;
	}
	freeaddrinfo(res);
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

enum smtp_errkind transport_write_all(struct transport *t, const void *buf,
    size_t len, unsigned timeout_ms, struct smtp_error *err)
{
	const char *p = buf;
	size_t done = 0;
	if (t->fd < 0)
		return smtp_error_set(err, SMTP_ERR_STATE, 0, "not connected");
	while (done < len) {
		bool want_write = true;
		ssize_t n = t->ops->write(t, p + done, len - done, &want_write);
		if (n > 0) {
			if (t->wire_hook != NULL)
				t->wire_hook(t->wire_ctx, WIRE_OUT, p + done, (size_t)n);
			done += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			enum smtp_errkind k = transport_wait(t->fd, want_write ? POLLOUT : POLLIN,
			    t->cancel_fd, transport_now_ms() + timeout_ms, timeout_ms, err);
			if (k != SMTP_OK)
				return k;
			continue;
		}
		if (n < 0 && (errno == EPIPE || errno == ECONNRESET || errno == ENOTCONN))
			return smtp_error_set(err, SMTP_ERR_CLOSED, errno,
			    "the server closed the connection while we were sending (%s)", strerror(errno));
		return smtp_error_set(err, SMTP_ERR_IO, errno, "write: %s",
		    n < 0 ? strerror(errno) : "no progress");
	}
	return SMTP_OK;
}

enum smtp_errkind transport_read_some(struct transport *t, void *buf, size_t cap,
    size_t *got, unsigned timeout_ms, struct smtp_error *err)
{
	*got = 0;
	if (t->fd < 0)
		return smtp_error_set(err, SMTP_ERR_STATE, 0, "not connected");
	long long deadline = transport_now_ms() + timeout_ms;
	for (;;) {
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
			return smtp_error_set(err, SMTP_ERR_IO, errno, "read: %s", strerror(errno));
		if (timeout_ms == 0)
			return smtp_error_set(err, SMTP_ERR_TIMEOUT, 0, "nothing waiting");
		enum smtp_errkind k = transport_wait(t->fd, want_write ? POLLOUT : POLLIN,
		    t->cancel_fd, deadline, timeout_ms, err);
		if (k != SMTP_OK)
			return k;
	}
}

bool transport_readable_now(struct transport *t)
{
	if (t->fd < 0)
		return false;
	if (t->ops->pending(t) > 0)
		return true;
	struct pollfd p = { .fd = t->fd, .events = POLLIN };
	return poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP)) != 0;
}

void transport_close(struct transport *t)
{
	if (t->fd >= 0 || t->tls != NULL)
		t->ops->close(t);
	t->fd = -1;
}
