/*
 * demo_dir.h - the teaching server's built-in directory: who exists, who is
 * a list, who moved, who is busy, and the in-memory mailboxes, terminal logs
 * and relay queue that deliveries fill.  Every lookup answer is a reply the
 * protocol code sends as is, so docs/teaching-server.md's table of inputs and
 * codes is this file's data.
 *
 * Thread-safe: one mutex guards the mutable parts (mailboxes, terminals,
 * queue), so the shell can inspect them while the server thread delivers.
 * Memory is bounded: DEMO_BOX_KEEP messages per mailbox (oldest dropped),
 * and every body is a shared srv_msg (msgstore.h) counted against the
 * server's memory ceiling; demo_drop_oldest() gives the oldest stored
 * message up when a new one needs the room.
 */
#ifndef SMTPSH_DEMO_DIR_H
#define SMTPSH_DEMO_DIR_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "msgstore.h"
#include "strbuf.h"

#define DEMO_BOX_KEEP 50
#define DEMO_QUEUE_KEEP 50
#define DEMO_NAME_MAX 64

enum demo_kind {
	DEMO_NONE,        /* unknown: 550 */
	DEMO_USER,        /* a local mailbox */
	DEMO_LIST,        /* a mailing list (EXPN) */
	DEMO_MOVED,       /* 251 will forward */
	DEMO_ELSEWHERE,   /* 551 please try */
	DEMO_AMBIGUOUS,   /* 553 with candidates */
	DEMO_BUSY,        /* 450 mailbox busy */
	DEMO_FULL,        /* 452 insufficient storage */
	DEMO_QUOTA,       /* accepted, then 552 at the end of DATA */
	DEMO_LOCALERR,    /* 451 local error in processing */
	DEMO_REJECT,      /* accepted, then 554 at the end of DATA */
	DEMO_SHUTDOWN,    /* 421: the server closes the connection */
	DEMO_PRIVATE,     /* a mailbox for signed-in senders only: 530 before
	                   * AUTH (RFC 4954 6), then like DEMO_USER */
};

struct demo_entry {
	const char *name;        /* local part, lower case */
	enum demo_kind kind;
	const char *full_name;   /* "Alice Example" */
	const char *extra;       /* forward address, list members "alice,bob", candidates */
	bool logged_in;          /* has a "terminal" for SEND/SOML/SAML */
};

struct demo_message {
	struct srv_msg *msg;     /* one reference to the shared body and sender */
	char via[16];            /* "MAIL", "SEND", "SOML", "SAML", "QUEUE" */
	unsigned long serial;    /* delivery order (oldest is dropped first) */
};

struct demo_box {
	char owner[DEMO_NAME_MAX];
	struct demo_message msg[DEMO_BOX_KEEP];
	size_t count;            /* held, <= DEMO_BOX_KEEP */
	unsigned long delivered; /* ever */
};

struct demo_dir {
	pthread_mutex_t lock;
	struct srv_mem *mem;         /* the server's ceiling (the welcome message) */
	unsigned long serial;        /* deliveries so far */
	struct demo_box *boxes;      /* one per DEMO_USER / DEMO_MOVED entry, plus terminals */
	size_t nboxes;
	struct demo_box *terminals;
	size_t nterminals;
	struct demo_queued {
		char domain[DEMO_NAME_MAX * 2];
		char rcpt[DEMO_NAME_MAX * 3];
		struct demo_message m;
	} queue[DEMO_QUEUE_KEEP];
	size_t nqueue;
};

int demo_dir_init(struct demo_dir *d, struct srv_mem *mem);
void demo_dir_free(struct demo_dir *d);

/* The entry for a local part (case-insensitive), or NULL. */
const struct demo_entry *demo_lookup(const char *local, size_t len);
/* Walk the static table (docs, tests). */
size_t demo_entry_count(void);
const struct demo_entry *demo_entry_at(size_t i);

/* Deliver into a mailbox or a terminal log: the box takes a reference. */
void demo_deliver_mailbox(struct demo_dir *d, const char *owner, struct srv_msg *msg,
    const char *via);
void demo_deliver_terminal(struct demo_dir *d, const char *owner, struct srv_msg *msg,
    const char *via);
/* Queue mail for a remote domain (relayed later, or fetched by TURN): the
 * queue takes a reference. */
void demo_queue_add(struct demo_dir *d, const char *domain, const char *rcpt,
    struct srv_msg *msg);
/* Take (remove) the first queued message for domain into *out; false if none.
 * The queue's reference moves to out->msg: the caller drops it. */
bool demo_queue_take(struct demo_dir *d, const char *domain, char *rcpt, size_t rcptcap,
    struct demo_message *out);
bool demo_queue_has(struct demo_dir *d, const char *domain);
size_t demo_queue_count(struct demo_dir *d);
/* Drop the oldest stored reference (mailbox, terminal or queue); false when
 * nothing is stored.  The bytes come back when no one else refers to it. */
bool demo_drop_oldest(struct demo_dir *d);

/* Human-readable dumps (strbuf appended). */
int demo_dump_boxes(struct demo_dir *d, const char *owner, struct strbuf *out, bool terminals);

#endif
