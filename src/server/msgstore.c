/*
 * msgstore.c - the memory ceiling and shared message bodies (msgstore.h).
 *
 * Ownership: a srv_msg owns from and text; every holder of a reference
 * drops it with srv_msg_unref().  Allocation failure is a value (NULL or
 * false), never fatal.
 */
#include "msgstore.h"

#include <stdlib.h>
#include <string.h>

void srv_mem_init(struct srv_mem *m, size_t max)
{
	atomic_init(&m->used, 0);
	atomic_init(&m->stored, 0);
	atomic_init(&m->peak, 0);
	m->max = max;
}

static void srv_mem_note_peak(struct srv_mem *m, size_t used)
{
	size_t peak = atomic_load(&m->peak);
	while (used > peak && !atomic_compare_exchange_weak(&m->peak, &peak, used))
		;
}

bool srv_mem_take(struct srv_mem *m, size_t n)
{
	size_t used = atomic_load(&m->used);
	if (n > m->max || used > m->max - n)
		return false;
	srv_mem_force(m, n);
	return true;
}

void srv_mem_force(struct srv_mem *m, size_t n)
{
	srv_mem_note_peak(m, atomic_fetch_add(&m->used, n) + n);
}

void srv_mem_give(struct srv_mem *m, size_t n)
{
	atomic_fetch_sub(&m->used, n);
}

size_t srv_mem_room(const struct srv_mem *m)
{
	size_t pinned = atomic_load(&m->used) - atomic_load(&m->stored);
	return pinned >= m->max ? 0 : m->max - pinned;
}

static struct srv_msg *srv_msg_alloc(struct srv_mem *m, const char *from)
{
	struct srv_msg *msg = calloc(1, sizeof *msg);
	if (msg == NULL)
		return NULL;
	msg->from = strdup(from != NULL ? from : "");
	if (msg->from == NULL) {
		free(msg);
		return NULL;
	}
	atomic_init(&msg->refs, 1);
	msg->mem = m;
	return msg;
}

struct srv_msg *srv_msg_from_body(struct srv_mem *m, const char *from, struct strbuf *body,
    size_t charge)
{
	if (body->data == NULL) {         /* an empty body: nothing to take over */
		srv_mem_give(m, charge);
		return srv_msg_copy(m, from, "", 0);
	}
	struct srv_msg *msg = srv_msg_alloc(m, from);
	if (msg == NULL) {
		strbuf_free(body);
		srv_mem_give(m, charge);
		return NULL;
	}
	/* Keep just the bytes received: the buffer grew by doubling. */
	char *text = realloc(body->data, body->len + 1);
	msg->text = text != NULL ? text : body->data;
	msg->len = body->len;
	size_t keep = body->len + 1 < charge ? body->len + 1 : charge;
	srv_mem_give(m, charge - keep);
	msg->charge = keep;
	atomic_fetch_add(&m->stored, keep);
	body->data = NULL;
	strbuf_free(body);
	return msg;
}

struct srv_msg *srv_msg_copy(struct srv_mem *m, const char *from, const char *text, size_t len)
{
	struct srv_msg *msg = srv_msg_alloc(m, from);
	if (msg == NULL)
		return NULL;
	msg->text = malloc(len + 1);
	if (msg->text == NULL) {
		free(msg->from);
		free(msg);
		return NULL;
	}
	memcpy(msg->text, text, len);
	msg->text[len] = '\0';
	msg->len = len;
	msg->charge = len + 1;
	srv_mem_force(m, msg->charge);
	atomic_fetch_add(&m->stored, msg->charge);
	return msg;
}

struct srv_msg *srv_msg_ref(struct srv_msg *msg)
{
	atomic_fetch_add(&msg->refs, 1);
	return msg;
}

void srv_msg_unref(struct srv_msg *msg)
{
	if (msg == NULL || atomic_fetch_sub(&msg->refs, 1) != 1)
		return;
	atomic_fetch_sub(&msg->mem->stored, msg->charge);
	srv_mem_give(msg->mem, msg->charge);
	free(msg->from);
	free(msg->text);
	free(msg);
}
