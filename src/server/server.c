/*
 * server.c - the teaching server's socket side (server.h): listen on
 * loopback by default, one poll() loop for every client (none blocks
 * another; an idle one costs a slot and its bounded buffers), output
 * written as the socket allows (MSG_NOSIGNAL), reading paused while a
 * client does not read its replies.  The loop enforces the slow-client
 * limits with 421 (server_int.h: idle, RFC 5321 4.5.3.2.7, shortened for
 * teaching; a deadline per line; a grace period for a closing client that
 * does not read), and accept enforces the per-address cap and makes room
 * for a newcomer when every slot is taken.  STARTTLS's handshake runs in
 * the same loop (server_tls.c): polled for what it waits for, under the
 * line deadline.  Also the thread wrapper for --demo (the inspection
 * calls and the guide are server_show.c's).
 *
 * Errors are returned as values; nothing is printed.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server_int.h"

void srv_apply_defaults(struct server_config *cfg, char *hostname, size_t cap, bool teaching)
{
	if (cfg->max_message_bytes == 0)
		cfg->max_message_bytes = SRV_DEFAULT_MAX_MESSAGE;
	if (cfg->idle_timeout_s == 0)
		cfg->idle_timeout_s = teaching ? SRV_TEACHING_IDLE_S : SMTP_TIMEOUT_SERVER;
	if (cfg->command_timeout_s == 0)
		cfg->command_timeout_s = teaching ? SRV_TEACHING_COMMAND_S : SMTP_TIMEOUT_SERVER;
	if (cfg->max_clients == 0)
		cfg->max_clients = SRV_DEFAULT_MAX_CLIENTS;
	if (cfg->max_memory_bytes == 0)
		cfg->max_memory_bytes = SRV_DEFAULT_MAX_MEMORY;
	if (cfg->max_per_addr == 0)
		cfg->max_per_addr = SRV_DEFAULT_MAX_PER_ADDR;
	if (cfg->error_limit == 0)
		cfg->error_limit = SRV_DEFAULT_ERROR_LIMIT;
	snprintf(hostname, cap, "%s", cfg->hostname != NULL ? cfg->hostname : SRV_DEFAULT_HOSTNAME);
	cfg->hostname = NULL;          /* we keep our own copy */
	cfg->listen_host = NULL;
	cfg->listen_port = NULL;
}

static int srv_set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

enum smtp_errkind demo_server_create(struct demo_server **out,
    const struct server_config *cfg, struct smtp_error *err)
{
	*out = NULL;
	struct demo_server *d = calloc(1, sizeof *d);
	if (d == NULL)
		return smtp_error_set(err, SMTP_ERR_NOMEM, 0, "out of memory");
	d->listen_fd = -1;
	d->stop_pipe[0] = d->stop_pipe[1] = -1;
	const char *host = cfg->listen_host != NULL ? cfg->listen_host : "127.0.0.1";
	const char *port = cfg->listen_port != NULL ? cfg->listen_port : "0";
	d->srv.cfg = *cfg;
	srv_apply_defaults(&d->srv.cfg, d->srv.hostname, sizeof d->srv.hostname, true);
	srv_mem_init(&d->srv.mem, d->srv.cfg.max_memory_bytes);
	if (srv_tls_init(&d->srv.tls) != 0) {
		free(d);
		return smtp_error_set(err, SMTP_ERR_NOMEM, 0, "out of memory");
	}
	if (demo_dir_init(&d->srv.dir, &d->srv.mem) != 0) {
		srv_tls_free(&d->srv.tls);
		free(d);
		return smtp_error_set(err, SMTP_ERR_NOMEM, 0, "out of memory");
	}
	d->conns = calloc(d->srv.cfg.max_clients, sizeof *d->conns);
	if (d->conns == NULL) {
		demo_server_free(d);
		return smtp_error_set(err, SMTP_ERR_NOMEM, 0, "out of memory");
	}
	for (unsigned i = 0; i < d->srv.cfg.max_clients; i++)
		d->conns[i].fd = -1;

	struct addrinfo hints = { .ai_flags = AI_PASSIVE | AI_NUMERICSERV,
	    .ai_socktype = SOCK_STREAM, .ai_family = AF_UNSPEC };
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		demo_server_free(d);
		return smtp_error_set(err, SMTP_ERR_RESOLVE, 0, "listen address %s port %s: %s",
		    host, port, gai_strerror(rc));
	}
	int saved = 0;
	for (struct addrinfo *ai = res; ai != NULL && d->listen_fd < 0; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			saved = errno;
			continue;
		}
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 128) != 0 ||
		    srv_set_nonblock(fd) != 0) {
			saved = errno;
			close(fd);
			continue;
		}
		d->listen_fd = fd;
	}
	freeaddrinfo(res);
	if (d->listen_fd < 0) {
		demo_server_free(d);
		return smtp_error_set(err, SMTP_ERR_CONNECT, saved, "cannot listen on %s port %s: %s",
		    host, port, strerror(saved));
	}
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	if (getsockname(d->listen_fd, (struct sockaddr *)&ss, &sl) == 0)
		getnameinfo((struct sockaddr *)&ss, sl, d->host, sizeof d->host, d->port,
		    sizeof d->port, NI_NUMERICHOST | NI_NUMERICSERV);
	*out = d;
	return SMTP_OK;
}

const char *demo_server_host(const struct demo_server *d)
{
	return d->host;
}

const char *demo_server_port(const struct demo_server *d)
{
	return d->port;
}

static void srv_close_conn(struct demo_server *d, struct srv_conn *c)
{
	srv_tell(&d->srv, c, SERVER_EV_CLOSE, NULL, 0);
	if (c->turn != TURN_NONE)
		srv_turn_requeue(&d->srv, c);
	close(c->fd);
	srv_conn_free(c);
	d->srv.nclients--;
}

/* Write what the socket takes.  False when the connection must go. */
static bool srv_flush(struct srv_conn *c)
{
	while (c->outpos < c->out.len) {
		ssize_t n = c->tls == SRV_TLS_ON ?
		    srv_tls_send(c, c->out.data + c->outpos, c->out.len - c->outpos) :
		    send(c->fd, c->out.data + c->outpos, c->out.len - c->outpos,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK;
		}
		c->outpos += (size_t)n;
		c->last_io_ms = srv_now_ms();
	}
	strbuf_reset(&c->out);
	c->outpos = 0;
	c->reply_mark = 0;
	return true;
}

/* The 220 to STARTTLS is written: the handshake starts (a step now, the
 * rest as the socket allows).  False when the connection must go. */
static bool srv_tls_step(struct demo_server *d, struct srv_conn *c)
{
	if (c->tls == SRV_TLS_FLUSH) {
		if (c->outpos < c->out.len)
			return true;
		if (!srv_tls_conn_begin(&d->srv, c))
			return false;
	}
	int rc = srv_tls_handshake(c);
	c->last_io_ms = srv_now_ms();
	if (rc == 1)
		srv_conn_tls_done(&d->srv, c);
	return rc >= 0;
}

/* Read and process.  False when the connection must go. */
static bool srv_read(struct demo_server *d, struct srv_conn *c)
{
	if (c->tls == SRV_TLS_FLUSH || c->tls == SRV_TLS_HANDSHAKE)
		return srv_tls_step(d, c);
	char buf[16384];
	ssize_t n = c->tls == SRV_TLS_ON ? srv_tls_recv(c, buf, sizeof buf) :
	    recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
	if (n == 0)
		return false;
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
	srv_conn_input(&d->srv, c, buf, (size_t)n);
	return true;
}

/* The client's address as 4 (IPv4, v4-mapped IPv6 too) or 16 bytes. */
static void srv_peer_key(const struct sockaddr_storage *ss, struct srv_conn *c)
{
	c->peer_len = 0;
	if (ss->ss_family == AF_INET) {
		memcpy(c->peer, &((const struct sockaddr_in *)(const void *)ss)->sin_addr, 4);
		c->peer_len = 4;
	} else if (ss->ss_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)ss)->sin6_addr;
		bool mapped = IN6_IS_ADDR_V4MAPPED(a);
		memcpy(c->peer, mapped ? a->s6_addr + 12 : a->s6_addr, mapped ? 4 : 16);
		c->peer_len = mapped ? 4 : 16;
	}
}

/* A 421 to a client we will not serve, without waiting for it. */
static void srv_refuse(struct demo_server *d, int fd, const char *peer, const char *why)
{
	if (d->srv.cfg.on_event != NULL) {
		struct server_event e = { .kind = SERVER_EV_REFUSED, .peer = peer, .helo = "",
		    .line = why, .len = strlen(why), .code = 421, .state = SMTP_ST_CLOSED };
		d->srv.cfg.on_event(d->srv.cfg.event_ctx, &e);
	}
	char line[SMTP_REPLY_LINE_MAX];
	int n = snprintf(line, sizeof line, "421 %s Service not available: %s\r\n", d->srv.hostname, why);
	(void)!send(fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

/* Give c's slot to a newcomer: 421 (as much as the socket takes now), close. */
static void srv_evict(struct demo_server *d, struct srv_conn *c, uint64_t now)
{
	if (!c->closing)
		srv_reply_stdf(c, 421, " (the server is full, and you sent no complete line for %llu s)",
		    (unsigned long long)((now - c->progress_ms) / 1000u));
	srv_flush(c);
	srv_close_conn(d, c);
}

/* Accept every waiting client.  One address holds at most max_per_addr
 * slots, and the last SRV_RESERVE_NEW slots go only to an address that
 * holds none; when every slot is taken, the client stalled the longest (no
 * complete line for SRV_EVICT_AFTER_MS or more) makes way, else the
 * newcomer gets 421.  Either way accept goes on, so a full server never
 * stops answering. */
static void srv_accept_all(struct demo_server *d)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		int fd = accept4(d->listen_fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;            /* EAGAIN, or a transient error: poll again */
		struct srv_conn probe;
		srv_peer_key(&ss, &probe);
		char peer[sizeof probe.peer_text] = "?";
		(void)getnameinfo((struct sockaddr *)&ss, sl, peer, sizeof peer, NULL, 0,
		    NI_NUMERICHOST);
		uint64_t now = srv_now_ms();
		struct srv_conn *slot = NULL, *victim = NULL;
		unsigned same = 0, nfree = 0;
		for (unsigned i = 0; i < d->srv.cfg.max_clients; i++) {
			struct srv_conn *c = &d->conns[i];
			if (c->fd < 0) {
				if (slot == NULL)
					slot = c;
				nfree++;
				continue;
			}
			same += c->peer_len == probe.peer_len && memcmp(c->peer, probe.peer, c->peer_len) == 0;
			uint64_t since = c->closing ? 0 : c->progress_ms;
			if (victim == NULL || since < (victim->closing ? 0 : victim->progress_ms))
				victim = c;
		}
		if (same >= d->srv.cfg.max_per_addr) {
			srv_refuse(d, fd, peer, "too many connections from your address, try again later");
			continue;
		}
		/* The last slots are kept for addresses that hold none: a crowd
		 * that reconnects as fast as it is refused cannot take the room a
		 * student arriving late needs. */
		if (same > 0 && nfree <= SRV_RESERVE_NEW(d->srv.cfg.max_clients))
			slot = NULL;
		if (slot == NULL && victim != NULL &&
		    (victim->closing || now - victim->progress_ms >= SRV_EVICT_AFTER_MS)) {
			srv_evict(d, victim, now);
			slot = victim;
		}
		if (slot == NULL) {
			srv_refuse(d, fd, peer, "every slot is busy, try again later");
			continue;
		}
		if (srv_conn_init(slot, fd, &d->srv) != 0) {
			srv_refuse(d, fd, peer, "out of memory, try again later");
			slot->fd = -1;
			continue;
		}
		memcpy(slot->peer, probe.peer, sizeof slot->peer);
		slot->peer_len = probe.peer_len;
		memcpy(slot->peer_text, peer, sizeof slot->peer_text);
		slot->session = ++d->srv.sessions;
		d->srv.nclients++;
		srv_conn_greet(slot);
		srv_tell(&d->srv, slot, SERVER_EV_CONNECT, NULL, 0);
	}
}

enum smtp_errkind demo_server_run(struct demo_server *d, int stop_fd, struct smtp_error *err)
{
	unsigned max = d->srv.cfg.max_clients;
	struct pollfd *pfd = calloc(max + 2, sizeof *pfd);
	struct srv_conn **who = calloc(max + 2, sizeof *who);
	if (pfd == NULL || who == NULL) {
		free(pfd);
		free(who);
		return smtp_error_set(err, SMTP_ERR_NOMEM, 0, "out of memory");
	}
	for (;;) {
		size_t n = 0;
		pfd[n++] = (struct pollfd){ .fd = d->listen_fd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = stop_fd, .events = POLLIN };
		uint64_t now = srv_now_ms();
		uint64_t wake = now + 1000;
		for (unsigned i = 0; i < max; i++) {
			struct srv_conn *c = &d->conns[i];
			if (c->fd < 0)
				continue;
			if (!c->closing) {
				enum srv_limit why;
				uint64_t due = srv_conn_deadline(&d->srv, c, &why);
				if (due <= now)
					srv_conn_expire(&d->srv, c, why);
				else if (due < wake)
					wake = due;
			}
			if (c->closing && c->close_by_ms == 0)
				c->close_by_ms = now + SRV_CLOSE_GRACE_MS;
			if (c->closing && (c->outpos >= c->out.len || now >= c->close_by_ms)) {
				srv_close_conn(d, c);
				continue;
			}
			if (c->closing && c->close_by_ms < wake)
				wake = c->close_by_ms;
			srv_turn_pump(&d->srv, c);
			srv_conn_charge_out(c);
			short ev = 0;
			bool reading = !c->closing && c->out.len - c->outpos < SRV_OUT_PAUSE;
			if (c->tls == SRV_TLS_HANDSHAKE)
				ev = c->tls_want;          /* what SSL_accept waits for */
			else if (reading && c->tls != SRV_TLS_FLUSH)
				ev |= POLLIN;              /* (FLUSH: the 220 first) */
			if (reading && srv_tls_pending(c))
				wake = now;                /* decrypted, unread: poll won't tell */
			if (c->outpos < c->out.len)
				ev |= POLLOUT;
			who[n] = c;
			pfd[n++] = (struct pollfd){ .fd = c->fd, .events = ev };
		}
		/* stop_fd is one of pfd (not the cancel fd): every client's
		 * events are read from the same wait. */
		if (clock_wait(pfd, n, (long long)wake, -1) == CLOCK_ERROR) {
			int e = errno;
			free(pfd);
			free(who);
			return smtp_error_set(err, SMTP_ERR_IO, e, "poll: %s", strerror(e));
		}
		if (stop_fd >= 0 && (pfd[1].revents & (POLLIN | POLLHUP)))
			break;
		if (pfd[0].revents & POLLIN)
			srv_accept_all(d);
		for (size_t k = 2; k < n; k++) {
			struct srv_conn *c = who[k];
			short re = pfd[k].revents;
			if (re == 0 || c->fd < 0)
				continue;
			bool keep = true;
			if (re & (POLLIN | POLLHUP | POLLERR) ||
			    (c->tls == SRV_TLS_HANDSHAKE && (re & POLLOUT)))
				keep = srv_read(d, c);
			if (keep && c->tls != SRV_TLS_HANDSHAKE)
				keep = srv_flush(c);
			if (keep && c->tls == SRV_TLS_FLUSH)
				keep = srv_tls_step(d, c);
			if (!keep)
				srv_close_conn(d, c);
		}
		/* Replies produced by reads above go out now, not a poll later. */
		for (unsigned i = 0; i < max; i++) {
			struct srv_conn *c = &d->conns[i];
			if (c->fd < 0 || c->tls == SRV_TLS_HANDSHAKE)
				continue;
			bool keep = c->outpos >= c->out.len || srv_flush(c);
			if (keep && c->tls == SRV_TLS_FLUSH)
				keep = srv_tls_step(d, c);
			/* Read what TLS decrypted and poll cannot see. */
			if (keep && srv_tls_pending(c) && c->out.len - c->outpos < SRV_OUT_PAUSE)
				keep = srv_read(d, c) && srv_flush(c);
			if (!keep)
				srv_close_conn(d, c);
		}
	}
	free(pfd);
	free(who);
	return SMTP_OK;
}

static void *srv_thread_main(void *arg)
{
	struct demo_server *d = arg;
	demo_server_run(d, d->stop_pipe[0], NULL);
	return NULL;
}

enum smtp_errkind demo_server_start_thread(struct demo_server *d, struct smtp_error *err)
{
	if (pipe2(d->stop_pipe, O_CLOEXEC) != 0)
		return smtp_error_set(err, SMTP_ERR_IO, errno, "pipe: %s", strerror(errno));
	/* The shell's signals (SIGINT for Ctrl-C, SIGWINCH) stay with the shell. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int rc = pthread_create(&d->thread, NULL, srv_thread_main, d);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return smtp_error_set(err, SMTP_ERR_IO, rc, "pthread_create: %s", strerror(rc));
	d->thread_running = true;
	return SMTP_OK;
}

void demo_server_stop_thread(struct demo_server *d)
{
	if (!d->thread_running)
		return;
	(void)!write(d->stop_pipe[1], "x", 1);
	pthread_join(d->thread, NULL);
	d->thread_running = false;
}

void demo_server_free(struct demo_server *d)
{
	if (d == NULL)
		return;
	demo_server_stop_thread(d);
	for (unsigned i = 0; d->conns != NULL && i < d->srv.cfg.max_clients; i++)
		if (d->conns[i].fd >= 0)
			srv_close_conn(d, &d->conns[i]);
	free(d->conns);
	if (d->listen_fd >= 0)
		close(d->listen_fd);
	for (int i = 0; i < 2; i++)
		if (d->stop_pipe[i] >= 0)
			close(d->stop_pipe[i]);
	demo_dir_free(&d->srv.dir);
	srv_tls_free(&d->srv.tls);
	free(d);
}
