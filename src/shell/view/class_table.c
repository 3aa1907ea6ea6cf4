/*
 * class_table.c - the class view's model (class_int.h): the events of the
 * teaching server, queued on its thread (class_view_event, a
 * server_event_fn: copied under a mutex into a bounded ring, then a byte
 * written to a non-blocking pipe so that the view's poll() wakes), and
 * taken on the view's thread into a table of sessions (one row each: the
 * client, its HELO name, its RFC 821 state, its last command and reply,
 * its errors, TLS, AUTH, when it came and when it last did something).
 * No curses here: the server's thread never touches the screen.  Bytes
 * stay raw in the table; class_view.c escapes them when it draws.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "class_int.h"
#include "class_view.h"

struct class_view *class_view_new(void)
{
	struct class_view *v = calloc(1, sizeof *v);
	if (v == NULL)
		return NULL;
	if (pthread_mutex_init(&v->lock, NULL) != 0) {
		free(v);
		return NULL;
	}
	if (pipe2(v->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
		pthread_mutex_destroy(&v->lock);
		free(v);
		return NULL;
	}
	return v;
}

void class_view_free(struct class_view *v)
{
	if (v == NULL)
		return;
	close(v->wake[0]);
	close(v->wake[1]);
	pthread_mutex_destroy(&v->lock);
	free(v);
}

int class_view_wake_fd(const struct class_view *v)
{
	return v->wake[0];
}

unsigned long class_view_sessions(const struct class_view *v)
{
	return v->total;
}

static void class_copy(char *dst, size_t cap, const char *src, size_t len)
{
	if (src == NULL)
		len = 0;
	if (len > cap - 1)
		len = cap - 1;
	if (len > 0)
		memcpy(dst, src, len);
	dst[len] = '\0';
}

/* The server's thread: copy, queue, wake the view.  Never blocks but on
 * the lock, which the view holds only to copy the queue out. */
void class_view_event(void *ctx, const struct server_event *e)
{
	struct class_view *v = ctx;
	pthread_mutex_lock(&v->lock);
	if (v->qcount == CLASS_QUEUE_MAX) {
		v->dropped++;
		pthread_mutex_unlock(&v->lock);
		return;
	}
	struct class_event *q = &v->queue[(v->qhead + v->qcount++) % CLASS_QUEUE_MAX];
	q->kind = e->kind;
	q->session = e->session;
	class_copy(q->peer, sizeof q->peer, e->peer, e->peer != NULL ? strlen(e->peer) : 0);
	class_copy(q->helo, sizeof q->helo, e->helo, e->helo != NULL ? strlen(e->helo) : 0);
	class_copy(q->line, sizeof q->line, e->line, e->len);
	q->len = e->line == NULL ? 0 : e->len < sizeof q->line ? e->len : sizeof q->line - 1;
	q->code = e->code;
	q->state = e->state;
	q->errors = e->errors;
	pthread_mutex_unlock(&v->lock);
	(void)!write(v->wake[1], "e", 1);  /* full pipe: the view wakes anyway */
}

static struct class_row *class_row_for(struct class_view *v, unsigned long session, time_t now)
{
	for (size_t i = 0; i < v->nrows; i++)
		if (v->rows[i].session == session)
			return &v->rows[i];
	size_t at = v->nrows;
	if (at == CLASS_ROWS_MAX) {        /* the oldest closed, else the quietest */
		at = 0;
		for (size_t i = 1; i < v->nrows; i++) {
			const struct class_row *a = &v->rows[i], *b = &v->rows[at];
			if (a->closed != b->closed ? a->closed : a->seq < b->seq)
				at = i;
		}
	} else {
		v->nrows++;
	}
	struct class_row *r = &v->rows[at];
	memset(r, 0, sizeof *r);
	r->session = session;
	r->started = now;
	return r;
}

static void class_apply(struct class_view *v, const struct class_event *e, time_t now)
{
	if (e->kind == SERVER_EV_REFUSED || e->session == 0) {
		v->refused++;
		return;
	}
	struct class_row *r = class_row_for(v, e->session, now);
	if (e->kind == SERVER_EV_CONNECT)
		v->total++;
	snprintf(r->peer, sizeof r->peer, "%s", e->peer);
	snprintf(r->helo, sizeof r->helo, "%s", e->helo);
	r->code = e->code;
	r->state = e->state;
	r->errors = e->errors;
	r->active = now;
	r->seq = ++v->seq;
	switch (e->kind) {
	case SERVER_EV_COMMAND:
		memcpy(r->last, e->line, e->len);
		r->last[e->len] = '\0';
		r->last_len = e->len;
		if (e->code == 235)    /* RFC 4954: authentication succeeded */
			r->auth = true;
		break;
	case SERVER_EV_TLS:
		r->tls = true;
		r->auth = false;       /* RFC 3207 4.2: all is forgotten */
		break;
	case SERVER_EV_CLOSE:
		r->closed = true;
		break;
	default:
		break;
	}
}

bool class_table_drain(struct class_view *v, time_t now)
{
	char buf[256];
	while (read(v->wake[0], buf, sizeof buf) > 0)
		;
	struct class_event batch[32];
	bool any = false;
	for (;;) {
		size_t n = 0;
		pthread_mutex_lock(&v->lock);
		while (n < sizeof batch / sizeof batch[0] && v->qcount > 0) {
			batch[n++] = v->queue[v->qhead];
			v->qhead = (v->qhead + 1) % CLASS_QUEUE_MAX;
			v->qcount--;
		}
		pthread_mutex_unlock(&v->lock);
		if (n == 0)
			return any;
		for (size_t i = 0; i < n; i++)
			class_apply(v, &batch[i], now);
		any = true;
	}
}

static int class_order(const void *pa, const void *pb)
{
	const struct class_row *a = pa, *b = pb;
	if (a->closed != b->closed)
		return a->closed ? 1 : -1;     /* the live ones first */
	return a->seq > b->seq ? -1 : a->seq < b->seq;
}

void class_table_tidy(struct class_view *v, time_t now)
{
	size_t keep = 0;
	for (size_t i = 0; i < v->nrows; i++)
		if (!v->rows[i].closed || now - v->rows[i].active < CLASS_CLOSED_KEEP_S)
			v->rows[keep++] = v->rows[i];
	v->nrows = keep;
	qsort(v->rows, v->nrows, sizeof v->rows[0], class_order);
}

size_t class_table_open(const struct class_view *v)
{
	size_t n = 0;
	for (size_t i = 0; i < v->nrows; i++)
		n += !v->rows[i].closed;
	return n;
}
