/*
 * tclient.h - a test client for the teaching server's Check tests: one
 * loopback TCP connection (optionally from a chosen 127.0.0.x source
 * address), replies read with the core's reply parser, every wait bounded
 * by a deadline instead of a sleep.  Test code only; failures are Check
 * assertions.
 */
#ifndef SMTPSH_TCLIENT_H
#define SMTPSH_TCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reply.h"

struct client {
	int fd;
	struct reply_parser p;
	char buf[65536];
	size_t len;
};

/* Milliseconds on the monotonic clock. */
uint64_t tclient_now_ms(void);

/* Connect to 127.0.0.1:port from src (NULL: any loopback address). */
void client_open_from(struct client *c, const char *port, const char *src);
void client_open(struct client *c, const char *port);
void client_close(struct client *c);

/* Read one reply within ms milliseconds; the code, or 0 on EOF or timeout. */
int client_reply_within(struct client *c, struct smtp_reply *r, int ms);
/* The same with a 5 s deadline. */
int client_reply(struct client *c, struct smtp_reply *r);
/* Send line + CRLF, read the reply (5 s). */
int client_cmd(struct client *c, const char *line, struct smtp_reply *r);
/* Send every byte (asserts). */
void client_send(struct client *c, const void *data, size_t len);
/* Send a body of `bytes` bytes in 1000-octet lines (CRLF counted), then
 * the final ".".  The content of line k is deterministic (tclient_body_line). */
void client_send_body(struct client *c, size_t bytes);
/* True when the server closes the connection within ms (bytes before the
 * close are discarded). */
bool client_wait_eof(struct client *c, int ms);
/* True when some reply text line of r contains needle. */
bool reply_has(const struct smtp_reply *r, const char *needle);

#endif
