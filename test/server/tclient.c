/*
 * tclient.c - the teaching server tests' loopback client (tclient.h).
 */
#include "tclient.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

uint64_t tclient_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void client_open_from(struct client *c, const char *port, const char *src)
{
	memset(c, 0, sizeof *c);
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(c->fd, 0);
	if (src != NULL) {
		struct sockaddr_in from = { .sin_family = AF_INET };
		ck_assert_int_eq(inet_pton(AF_INET, src, &from.sin_addr), 1);
		ck_assert_int_eq(bind(c->fd, (struct sockaddr *)&from, sizeof from), 0);
	}
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	ck_assert_int_eq(connect(c->fd, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(reply_parser_init(&c->p), SMTP_OK);
}

void client_open(struct client *c, const char *port)
{
	client_open_from(c, port, NULL);
}

void client_close(struct client *c)
{
	close(c->fd);
	reply_parser_free(&c->p);
}

int client_reply_within(struct client *c, struct smtp_reply *r, int ms)
{
	uint64_t deadline = tclient_now_ms() + (uint64_t)ms;
	for (;;) {
		size_t used = 0;
		if (c->len > 0 && reply_parser_feed(&c->p, c->buf, c->len, &used, r) == REPLY_COMPLETE) {
			memmove(c->buf, c->buf + used, c->len - used);
			c->len -= used;
			return r->code;
		}
		memmove(c->buf, c->buf + used, c->len - used);
		c->len -= used;
		uint64_t now = tclient_now_ms();
		if (now >= deadline)
			return 0;
		struct pollfd pf = { .fd = c->fd, .events = POLLIN };
		if (poll(&pf, 1, (int)(deadline - now)) <= 0)
			return 0;
		ssize_t n = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
		if (n <= 0)
			return 0;
		c->len += (size_t)n;
	}
}

int client_reply(struct client *c, struct smtp_reply *r)
{
	return client_reply_within(c, r, 5000);
}

void client_send(struct client *c, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		ck_assert_msg(n > 0, "send: %s", strerror(errno));
		p += n;
		len -= (size_t)n;
	}
}

int client_cmd(struct client *c, const char *line, struct smtp_reply *r)
{
	size_t n = strlen(line);
	char *out = malloc(n + 2);
	ck_assert_ptr_nonnull(out);
	memcpy(out, line, n);
	memcpy(out + n, "\r\n", 2);
	client_send(c, out, n + 2);
	free(out);
	return client_reply(c, r);
}

void client_send_body(struct client *c, size_t bytes)
{
	enum { LINE = 1000, PER_CHUNK = 64 };
	static char chunk[LINE * PER_CHUNK];
	for (size_t k = 0; k < PER_CHUNK; k++) {
		memset(chunk + k * LINE, 'a' + (int)(k % 26), LINE - 2);
		memcpy(chunk + k * LINE + LINE - 2, "\r\n", 2);
	}
	while (bytes > 0) {
		size_t n = bytes < sizeof chunk ? bytes : sizeof chunk;
		n -= n % LINE;
		if (n == 0) {
			char tail[LINE] = "\r\n";
			if (bytes >= 2) {
				memset(tail, 'z', bytes - 2);
				memcpy(tail + bytes - 2, "\r\n", 2);
			}
			client_send(c, tail, bytes < 2 ? 2 : bytes);
			break;
		}
		client_send(c, chunk, n);
		bytes -= n;
	}
	client_send(c, ".\r\n", 3);
}

bool client_wait_eof(struct client *c, int ms)
{
	uint64_t deadline = tclient_now_ms() + (uint64_t)ms;
	for (;;) {
		uint64_t now = tclient_now_ms();
		if (now >= deadline)
			return false;
		struct pollfd pf = { .fd = c->fd, .events = POLLIN };
		if (poll(&pf, 1, (int)(deadline - now)) <= 0)
			return false;
		char buf[4096];
		ssize_t n = recv(c->fd, buf, sizeof buf, 0);
		if (n <= 0)
			return true;
	}
}

bool reply_has(const struct smtp_reply *r, const char *needle)
{
	for (size_t i = 0; i < r->nlines; i++)
		if (strstr(r->lines[i].text, needle) != NULL)
			return true;
	return false;
}
