/*
 * class_int.h - what the class view's two files share (private to
 * src/shell/view/class_*.c): the table of sessions and the queue that
 * carries the teaching server's events from its thread to the view's
 * (class_table.c, no curses), and the drawing and the loop (class_view.c).
 */
#ifndef SMTPSH_CLASS_INT_H
#define SMTPSH_CLASS_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "server.h"

/* Sessions kept in the table: past it, the oldest closed one, else the
 * least recently active, makes way.  A closed session stays (dimmed) for
 * CLASS_CLOSED_KEEP_S seconds. */
#define CLASS_ROWS_MAX 128
#define CLASS_CLOSED_KEEP_S 60
/* Events waiting for the view: past it, new ones are counted and dropped
 * (the view is drawn several times a second; 256 is a burst of a class). */
#define CLASS_QUEUE_MAX 256
#define CLASS_PEER_MAX 48
#define CLASS_HELO_MAX 64
#define CLASS_LINE_MAX 160

/* One event, copied out of the server's (its pointers die with the call). */
struct class_event {
	enum server_event_kind kind;
	unsigned long session;
	char peer[CLASS_PEER_MAX];
	char helo[CLASS_HELO_MAX];
	char line[CLASS_LINE_MAX];    /* raw, untrusted bytes: escaped when shown */
	size_t len;
	int code;
	enum smtp_state state;
	unsigned errors;
};

struct class_row {
	unsigned long session;
	char peer[CLASS_PEER_MAX];
	char helo[CLASS_HELO_MAX];    /* raw */
	char last[CLASS_LINE_MAX];    /* the last command, raw */
	size_t last_len;
	int code;
	enum smtp_state state;
	unsigned errors;
	bool tls, auth, closed;
	time_t started, active;       /* connected; last event */
	unsigned long seq;            /* the order of the last events: the
	                               * most recent is the highest */
};

struct class_view {
	/* Written by the server's thread, under the lock. */
	pthread_mutex_t lock;
	struct class_event queue[CLASS_QUEUE_MAX];
	size_t qhead, qcount;
	unsigned long dropped;
	int wake[2];                  /* a byte per event: the view's poll wakes */
	/* The view's thread alone. */
	struct class_row rows[CLASS_ROWS_MAX];
	size_t nrows;
	unsigned long total, refused, seq;
};

/* class_table.c */
/* Take the events queued so far into the table; true when there were any. */
bool class_table_drain(struct class_view *v, time_t now);
/* Forget closed sessions older than CLASS_CLOSED_KEEP_S; order the rest
 * most recently active first. */
void class_table_tidy(struct class_view *v, time_t now);
size_t class_table_open(const struct class_view *v);

#endif
