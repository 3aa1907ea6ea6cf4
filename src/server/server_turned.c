/*
 * server_turned.c - TURN, smtpsh as receiver (demo_server_receive_turned,
 * RFC 821 4.1.1 TURN): after the server it talks to accepted TURN, the
 * teaching server's protocol engine serves that one socket, opening with
 * its 220, until QUIT, EOF, cancel, or a limit (idle, line deadline, error
 * limit: 421 first).  Every command and its reply is reported to the
 * shell.  Errors are returned as values; nothing is printed.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "server_int.h"

/* Write all of c->out, waiting for the socket at most the idle limit. */
static enum smtp_errkind turned_flush(struct srv *s, struct srv_conn *c, struct smtp_error *err)
{
	while (c->outpos < c->out.len) {
		ssize_t n = send(c->fd, c->out.data + c->outpos, c->out.len - c->outpos, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd w = { .fd = c->fd, .events = POLLOUT };
			if (clock_wait(&w, 1, clock_now_ms() + (long long)s->cfg.idle_timeout_s * 1000,
			    -1) == CLOCK_TIMEOUT)
				return smtp_error_set(err, SMTP_ERR_TIMEOUT, 0,
				    "the turned sender has not read our replies for %u s", s->cfg.idle_timeout_s);
			continue;
		}
		if (n <= 0)
			return smtp_error_set(err, SMTP_ERR_CLOSED, errno, "connection lost while answering");
		c->outpos += (size_t)n;
		c->last_io_ms = srv_now_ms();
	}
	strbuf_reset(&c->out);
	c->outpos = 0;
	c->reply_mark = 0;
	return SMTP_OK;
}

enum smtp_errkind demo_server_receive_turned(int fd, const char *pre, size_t pre_len,
    const struct server_config *cfg, server_exchange_fn on_exchange, void *ctx,
    int cancel_fd, struct smtp_error *err)
{
	struct srv *s = calloc(1, sizeof *s);
	struct srv_conn *c = calloc(1, sizeof *c);
	if (s == NULL || c == NULL) {
		free(s);
		free(c);
		return smtp_error_set(err, SMTP_ERR_NOMEM, 0, "out of memory");
	}
	s->cfg = cfg != NULL ? *cfg : (struct server_config){ 0 };
	srv_apply_defaults(&s->cfg, s->hostname, sizeof s->hostname, false);
	/* The turned receiver answers on the client's own socket, which it
	 * cannot take over into TLS: no STARTTLS, and so no AUTH (502). */
	s->cfg.disabled_verbs |= (1u << VERB_STARTTLS) | (1u << VERB_AUTH);
	srv_mem_init(&s->mem, s->cfg.max_memory_bytes);
	if (demo_dir_init(&s->dir, &s->mem) != 0) {
		free(s);
		free(c);
		return smtp_error_set(err, SMTP_ERR_NOMEM, 0, "out of memory");
	}
	if (cfg == NULL || cfg->hostname == NULL)
		snprintf(s->hostname, sizeof s->hostname, "smtpsh.turned");
	s->accept_all = true;
	enum smtp_errkind rc = SMTP_OK;
	if (srv_conn_init(c, fd, s) != 0) {
		rc = smtp_error_set(err, SMTP_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	c->on_exchange = on_exchange;
	c->exchange_ctx = ctx;
	/* RFC 821 4.1.1 TURN: the new receiver opens with its 220 greeting. */
	srv_conn_greet(c);
	if (on_exchange != NULL)
		on_exchange(ctx, NULL, 0, c->out.data, c->out.len);
	c->reply_mark = c->out.len;
	if (pre_len > 0)
		srv_conn_input(s, c, pre, pre_len);
	for (;;) {
		enum smtp_errkind frc = turned_flush(s, c, err);
		if (frc != SMTP_OK) {
			rc = frc;
			break;
		}
		if (c->closing)
			break;
		enum srv_limit why;
		uint64_t due = srv_conn_deadline(s, c, &why), now = srv_now_ms();
		if (due <= now) {
			/* 421 first (RFC 5321 3.8), then report why we stopped. */
			srv_conn_expire(s, c, why);
			rc = why == SRV_LIMIT_IDLE ?
			    smtp_error_set(err, SMTP_ERR_TIMEOUT, 0, "the turned sender went silent for %u s",
				s->cfg.idle_timeout_s) :
			    smtp_error_set(err, SMTP_ERR_TIMEOUT, 0, "the turned sender took over %u s to send one line",
				s->cfg.command_timeout_s);
			(void)turned_flush(s, c, NULL);
			break;
		}
		struct pollfd p = { .fd = fd, .events = POLLIN };
		enum clock_wait_result w = clock_wait(&p, 1, (long long)due, cancel_fd);
		if (w == CLOCK_TIMEOUT)
			continue;       /* the limit is reported at the top */
		if (w == CLOCK_ERROR) {
			rc = smtp_error_set(err, SMTP_ERR_IO, errno, "poll: %s", strerror(errno));
			break;
		}
		if (w == CLOCK_CANCELLED) {
			rc = smtp_error_set(err, SMTP_ERR_CANCELLED, 0, "cancelled");
			break;
		}
		char buf[16384];
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		if (n <= 0)
			break;          /* the sender closed after QUIT: done */
		srv_conn_input(s, c, buf, (size_t)n);
	}
out:
	srv_conn_free(c);
	demo_dir_free(&s->dir);
	free(s);
	free(c);
	return rc;
}
