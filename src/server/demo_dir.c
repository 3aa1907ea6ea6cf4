/*
 * demo_dir.c - the teaching server's directory and its in-memory stores
 * (demo_dir.h).  The static table below is the whole cast; every kind of
 * entry exists to make one RFC 821 reply code appear on demand.
 *
 * Ownership: every stored demo_message holds one reference to a shared
 * srv_msg; a message pushed out of a full mailbox, or dropped to make room,
 * loses that reference.  Allocation failure drops the delivery (never
 * crashes); the caller has already answered.
 */
#include "demo_dir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The queue starts with one message for client.example, so that
 * `helo client.example` + `turn` shows TURN working at once. */
#define DEMO_TURN_DOMAIN "client.example"

static const struct demo_entry demo_table[] = {
	{ "alice", DEMO_USER, "Alice Example", NULL, true },
	{ "bob", DEMO_USER, "Bob Example", NULL, false },
	{ "postmaster", DEMO_USER, "Postmaster", NULL, false },
	{ "staff", DEMO_LIST, "Staff list", "alice,bob", false },
	{ "dave", DEMO_MOVED, "Dave Moved", "dave@new.example", false },
	{ "erin", DEMO_ELSEWHERE, "Erin Away", "erin@elsewhere.example", false },
	{ "smith", DEMO_AMBIGUOUS, NULL,
	  "John Smith <jsmith@demo.smtpsh.test>,Mary Smith <msmith@demo.smtpsh.test>", false },
	{ "busy", DEMO_BUSY, "Busy Mailbox", NULL, false },
	{ "full", DEMO_FULL, "Full Mailbox", NULL, false },
	{ "quota", DEMO_QUOTA, "Over Quota", NULL, false },
	{ "crash", DEMO_LOCALERR, "Local Error", NULL, false },
	{ "spamtrap", DEMO_REJECT, "Spam Trap", NULL, false },
	{ "shutdown", DEMO_SHUTDOWN, "Shutdown Switch", NULL, false },
	{ "vault", DEMO_PRIVATE, "Private Vault", NULL, false },
};

#define DEMO_NENTRIES (sizeof demo_table / sizeof demo_table[0])

size_t demo_entry_count(void)
{
	return DEMO_NENTRIES;
}

const struct demo_entry *demo_entry_at(size_t i)
{
	return i < DEMO_NENTRIES ? &demo_table[i] : NULL;
}

const struct demo_entry *demo_lookup(const char *local, size_t len)
{
	for (size_t i = 0; i < DEMO_NENTRIES; i++)
		if (strlen(demo_table[i].name) == len &&
		    strncasecmp(demo_table[i].name, local, len) == 0)
			return &demo_table[i];
	return NULL;
}

static void demo_message_free(struct demo_message *m)
{
	srv_msg_unref(m->msg);
	memset(m, 0, sizeof *m);
}

static void demo_message_set(struct demo_dir *d, struct demo_message *m, struct srv_msg *msg,
    const char *via)
{
	memset(m, 0, sizeof *m);
	m->msg = srv_msg_ref(msg);
	m->serial = ++d->serial;
	snprintf(m->via, sizeof m->via, "%s", via != NULL ? via : "MAIL");
}

int demo_dir_init(struct demo_dir *d, struct srv_mem *mem)
{
	memset(d, 0, sizeof *d);
	d->mem = mem;
	if (pthread_mutex_init(&d->lock, NULL) != 0)
		return -1;
	d->boxes = calloc(DEMO_NENTRIES, sizeof *d->boxes);
	d->terminals = calloc(DEMO_NENTRIES, sizeof *d->terminals);
	if (d->boxes == NULL || d->terminals == NULL) {
		demo_dir_free(d);
		return -1;
	}
	for (size_t i = 0; i < DEMO_NENTRIES; i++) {
		const struct demo_entry *e = &demo_table[i];
		if (e->kind == DEMO_USER || e->kind == DEMO_MOVED || e->kind == DEMO_QUOTA ||
		    e->kind == DEMO_REJECT || e->kind == DEMO_PRIVATE)
			snprintf(d->boxes[d->nboxes++].owner, DEMO_NAME_MAX, "%s", e->name);
		if (e->logged_in)
			snprintf(d->terminals[d->nterminals++].owner, DEMO_NAME_MAX, "%s", e->name);
	}
	static const char welcome[] =
	    "From: postmaster@demo.smtpsh.test\r\nTo: student@" DEMO_TURN_DOMAIN "\r\n"
	    "Subject: held for you until you TURN\r\n\r\n"
	    "This message waited in the demo server's queue for " DEMO_TURN_DOMAIN ".\r\n"
	    "You received it because you said HELO " DEMO_TURN_DOMAIN " and TURN.\r\n"
	    ".A line that starts with a dot arrives intact.\r\n";
	struct srv_msg *msg = srv_msg_copy(mem, "postmaster@demo.smtpsh.test", welcome,
	    sizeof welcome - 1);
	if (msg == NULL) {
		demo_dir_free(d);
		return -1;
	}
	demo_queue_add(d, DEMO_TURN_DOMAIN, "student@" DEMO_TURN_DOMAIN, msg);
	srv_msg_unref(msg);
	return 0;
}

void demo_dir_free(struct demo_dir *d)
{
	for (size_t i = 0; d->boxes != NULL && i < d->nboxes; i++)
		for (size_t k = 0; k < d->boxes[i].count; k++)
			demo_message_free(&d->boxes[i].msg[k]);
	for (size_t i = 0; d->terminals != NULL && i < d->nterminals; i++)
		for (size_t k = 0; k < d->terminals[i].count; k++)
			demo_message_free(&d->terminals[i].msg[k]);
	for (size_t i = 0; i < d->nqueue; i++)
		demo_message_free(&d->queue[i].m);
	free(d->boxes);
	free(d->terminals);
	pthread_mutex_destroy(&d->lock);
	memset(d, 0, sizeof *d);
}

static struct demo_box *demo_find_box(struct demo_box *boxes, size_t n, const char *owner)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(boxes[i].owner, owner) == 0)
			return &boxes[i];
	return NULL;
}

static void demo_box_push(struct demo_dir *d, struct demo_box *b, struct srv_msg *msg,
    const char *via)
{
	if (b->count == DEMO_BOX_KEEP) {          /* keep the newest */
		demo_message_free(&b->msg[0]);
		memmove(&b->msg[0], &b->msg[1], (DEMO_BOX_KEEP - 1) * sizeof b->msg[0]);
		memset(&b->msg[DEMO_BOX_KEEP - 1], 0, sizeof b->msg[0]);
		b->count--;
	}
	demo_message_set(d, &b->msg[b->count++], msg, via);
	b->delivered++;
}

void demo_deliver_mailbox(struct demo_dir *d, const char *owner, struct srv_msg *msg,
    const char *via)
{
	pthread_mutex_lock(&d->lock);
	struct demo_box *b = demo_find_box(d->boxes, d->nboxes, owner);
	if (b != NULL)
		demo_box_push(d, b, msg, via);
	pthread_mutex_unlock(&d->lock);
}

void demo_deliver_terminal(struct demo_dir *d, const char *owner, struct srv_msg *msg,
    const char *via)
{
	pthread_mutex_lock(&d->lock);
	struct demo_box *b = demo_find_box(d->terminals, d->nterminals, owner);
	if (b != NULL)
		demo_box_push(d, b, msg, via);
	pthread_mutex_unlock(&d->lock);
}

void demo_queue_add(struct demo_dir *d, const char *domain, const char *rcpt,
    struct srv_msg *msg)
{
	pthread_mutex_lock(&d->lock);
	if (d->nqueue == DEMO_QUEUE_KEEP) {
		demo_message_free(&d->queue[0].m);
		memmove(&d->queue[0], &d->queue[1], (DEMO_QUEUE_KEEP - 1) * sizeof d->queue[0]);
		d->nqueue--;
	}
	struct demo_queued *q = &d->queue[d->nqueue];
	snprintf(q->domain, sizeof q->domain, "%s", domain);
	snprintf(q->rcpt, sizeof q->rcpt, "%s", rcpt);
	demo_message_set(d, &q->m, msg, "QUEUE");
	d->nqueue++;
	pthread_mutex_unlock(&d->lock);
}

bool demo_queue_has(struct demo_dir *d, const char *domain)
{
	bool found = false;
	pthread_mutex_lock(&d->lock);
	for (size_t i = 0; i < d->nqueue && !found; i++)
		found = strcasecmp(d->queue[i].domain, domain) == 0;
	pthread_mutex_unlock(&d->lock);
	return found;
}

size_t demo_queue_count(struct demo_dir *d)
{
	pthread_mutex_lock(&d->lock);
	size_t n = d->nqueue;
	pthread_mutex_unlock(&d->lock);
	return n;
}

bool demo_queue_take(struct demo_dir *d, const char *domain, char *rcpt, size_t rcptcap,
    struct demo_message *out)
{
	bool found = false;
	pthread_mutex_lock(&d->lock);
	for (size_t i = 0; i < d->nqueue; i++) {
		if (strcasecmp(d->queue[i].domain, domain) != 0)
			continue;
		*out = d->queue[i].m;
		snprintf(rcpt, rcptcap, "%s", d->queue[i].rcpt);
		memmove(&d->queue[i], &d->queue[i + 1], (d->nqueue - i - 1) * sizeof d->queue[0]);
		d->nqueue--;
		found = true;
		break;
	}
	pthread_mutex_unlock(&d->lock);
	return found;
}

/* The oldest of n messages (NULL if none), by serial. */
static struct demo_message *demo_oldest_in(struct demo_message *msgs, size_t n,
    struct demo_message *best)
{
	for (size_t i = 0; i < n; i++)
		if (best == NULL || msgs[i].serial < best->serial)
			best = &msgs[i];
	return best;
}

bool demo_drop_oldest(struct demo_dir *d)
{
	pthread_mutex_lock(&d->lock);
	struct demo_message *old = NULL;
	for (size_t i = 0; i < d->nboxes; i++)
		old = demo_oldest_in(d->boxes[i].msg, d->boxes[i].count, old);
	for (size_t i = 0; i < d->nterminals; i++)
		old = demo_oldest_in(d->terminals[i].msg, d->terminals[i].count, old);
	for (size_t i = 0; i < d->nqueue; i++)
		if (old == NULL || d->queue[i].m.serial < old->serial)
			old = &d->queue[i].m;
	bool found = old != NULL;
	/* Remove it from its array, keeping the order of the rest. */
	for (size_t i = 0; found && i < d->nboxes + d->nterminals; i++) {
		struct demo_box *b = i < d->nboxes ? &d->boxes[i] : &d->terminals[i - d->nboxes];
		if (old < b->msg || old >= b->msg + b->count)
			continue;
		demo_message_free(old);
		memmove(old, old + 1, (size_t)(b->msg + b->count - old - 1) * sizeof *old);
		b->count--;
		old = NULL;
	}
	for (size_t i = 0; old != NULL && i < d->nqueue; i++) {
		if (old != &d->queue[i].m)
			continue;
		demo_message_free(old);
		memmove(&d->queue[i], &d->queue[i + 1], (d->nqueue - i - 1) * sizeof d->queue[0]);
		d->nqueue--;
		old = NULL;
	}
	pthread_mutex_unlock(&d->lock);
	return found;
}

int demo_dump_boxes(struct demo_dir *d, const char *owner, struct strbuf *out, bool terminals)
{
	int shown = 0;
	pthread_mutex_lock(&d->lock);
	struct demo_box *boxes = terminals ? d->terminals : d->boxes;
	size_t n = terminals ? d->nterminals : d->nboxes;
	for (size_t i = 0; i < n; i++) {
		struct demo_box *b = &boxes[i];
		if (owner != NULL && strcasecmp(b->owner, owner) != 0)
			continue;
		shown++;
		strbuf_appendf(out, "%s %s: %zu message%s held (%lu delivered)\n",
		    terminals ? "terminal of" : "mailbox", b->owner, b->count,
		    b->count == 1 ? "" : "s", b->delivered);
		for (size_t k = 0; k < b->count; k++) {
			struct demo_message *m = &b->msg[k];
			const struct srv_msg *msg = m->msg;
			strbuf_appendf(out, "--- %zu (via %s) from <%s>, %zu bytes\n", k + 1,
			    m->via, msg->from, msg->len);
			strbuf_append(out, msg->text, msg->len);
			if (msg->len > 0 && msg->text[msg->len - 1] != '\n')
				strbuf_appendc(out, '\n');
		}
	}
	pthread_mutex_unlock(&d->lock);
	return shown;
}
