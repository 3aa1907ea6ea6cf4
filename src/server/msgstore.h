/*
 * msgstore.h - the teaching server's memory ceiling and its shared message
 * bodies.
 *
 * struct srv_mem counts every byte the server holds for mail and buffers
 * (stored messages, bodies being received, recipient lists, line and
 * output buffers) against one ceiling, SRV_DEFAULT_MAX_MEMORY unless the
 * config says otherwise.  The counters are atomic so another thread (the
 * shell, HELP STATUS) can read them; only the server thread changes them.
 *
 * struct srv_msg is one received message, stored once however many
 * mailboxes, terminals and queue entries refer to it (reference counted):
 * 100 recipients cost one copy, not 100.  The last srv_msg_unref() frees it
 * and gives its bytes back to the ceiling.
 */
#ifndef SMTPSH_MSGSTORE_H
#define SMTPSH_MSGSTORE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

/* The ceiling on everything the teaching server holds for mail and
 * buffers.  A room of students cannot make it take more than this: six
 * maximum-size (10 MiB) messages, or thousands of ordinary ones.  Past it,
 * stored mail is dropped oldest first to make room; what cannot be made
 * room for is refused (452 at MAIL/RCPT, 552 at the end of DATA). */
#define SRV_DEFAULT_MAX_MEMORY (64u * 1024 * 1024)

struct srv_mem {
	atomic_size_t used;        /* bytes held now */
	atomic_size_t stored;      /* of which: stored messages (can be dropped) */
	atomic_size_t peak;        /* highest `used` so far */
	size_t max;
};

void srv_mem_init(struct srv_mem *m, size_t max);
/* Take n bytes if they fit under the ceiling; false (nothing taken) if not. */
bool srv_mem_take(struct srv_mem *m, size_t n);
/* Take n bytes even past the ceiling (a reply must go out). */
void srv_mem_force(struct srv_mem *m, size_t n);
void srv_mem_give(struct srv_mem *m, size_t n);
/* Bytes a new message could get, counting stored mail as droppable. */
size_t srv_mem_room(const struct srv_mem *m);

struct srv_msg {
	atomic_uint refs;
	struct srv_mem *mem;
	size_t charge;             /* bytes counted in mem (given back at the end) */
	char *from;                /* reverse-path, without <> */
	char *text;                /* the un-stuffed body, CRLF line ends, NUL after */
	size_t len;
};

/* A message from a received body: takes body's buffer (body is left empty)
 * and the `charge` bytes already taken for it, which become stored bytes.
 * NULL when out of memory (then body and charge are given back). */
struct srv_msg *srv_msg_from_body(struct srv_mem *m, const char *from, struct strbuf *body,
    size_t charge);
/* A message copied from text (the built-in welcome message); charged. */
struct srv_msg *srv_msg_copy(struct srv_mem *m, const char *from, const char *text, size_t len);
struct srv_msg *srv_msg_ref(struct srv_msg *msg);
/* Drop one reference (NULL is ignored); the last frees the message. */
void srv_msg_unref(struct srv_msg *msg);

#endif
