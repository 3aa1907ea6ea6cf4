/*
 * class_view.h - `smtpsh --serve PORT --tui`: the teacher's live view of
 * the class, full screen (ncurses): one row per session (its number, the
 * client's address, its HELO name, its RFC 821 state, its last command,
 * the last reply's code, its errors, TLS and AUTH, its age), the live ones
 * most recently active first, the closed ones dimmed for a minute; a
 * header with where the server listens, the sessions now and in all, and
 * the certificate students give --cafile.  `q` quits.
 *
 * The teaching server runs on its own thread and reports through
 * class_view_event (a server_event_fn), which only copies the event into
 * a queue under a mutex and wakes the view through a pipe; curses is
 * called on the view's thread alone (class_view.c; the queue and the
 * table are class_table.c's).
 */
#ifndef SMTPSH_CLASS_VIEW_H
#define SMTPSH_CLASS_VIEW_H

#include <stdbool.h>

#include "server.h"

struct class_view;

/* NULL when out of memory or pipes. */
struct class_view *class_view_new(void);
/* Free after the server that reported to it has stopped. */
void class_view_free(struct class_view *v);
int class_view_wake_fd(const struct class_view *v);
/* Sessions seen since the start. */
unsigned long class_view_sessions(const struct class_view *v);
/* The server's event, on its thread: cfg.on_event with event_ctx = v. */
void class_view_event(void *ctx, const struct server_event *e);

/* True when stdout is a terminal the view can use; else false, after one
 * line on stderr saying why. */
bool class_view_terminal_ok(void);
/* Run the server (on its thread) and the view until q, SIGINT or SIGTERM
 * (stop_fd readable); the server is stopped before it returns.  The
 * header shows `listening` and `cert` (either may be ""); false, after
 * saying why, when the view or the server's thread could not start. */
bool class_view_run(struct class_view *v, struct demo_server *srv, int stop_fd,
    const char *listening, const char *cert);

#endif
