/*
 * replay.h - reading a `--transcript` back for --replay: its records (the
 * server's bytes, the client's bytes, smtpsh's notes, each with its time
 * stamp, unescaped), and a transport whose "server" is the transcript, so
 * that a replayed session goes through the one reply reader and the one
 * way of crediting replies (session.h), exactly as it did live.
 *
 * The feed holds the server bytes given and not yet read, bounded at
 * REPLAY_FEED_MAX; its fd is a pipe that never becomes readable (a replay
 * only ever polls).  Errors: SMTP_ERR_FILE (unreadable file, a line that
 * is no record), SMTP_ERR_NOMEM.
 */
#ifndef SMTPSH_REPLAY_H
#define SMTPSH_REPLAY_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "strbuf.h"
#include "transport.h"

#define REPLAY_FEED_MAX (4 * 1024 * 1024)

enum replay_kind { REPLAY_SERVER, REPLAY_CLIENT, REPLAY_NOTE };

struct replay_record {
	enum replay_kind kind;
	char stamp[40];           /* "2026-12-01T20:01:02.345Z" */
	struct strbuf data;       /* the bytes (notes: the text), unescaped */
	unsigned long line;       /* its line in the file */
};

struct replay;

enum smtp_errkind replay_open(struct replay **out, const char *path, struct smtp_error *err);
/* The next record into *rec (its data replaced); false at the end, or on
 * an error (err->kind != SMTP_OK). */
bool replay_next(struct replay *r, struct replay_record *rec, struct smtp_error *err);
void replay_close(struct replay *r);

void replay_record_init(struct replay_record *rec);
void replay_record_free(struct replay_record *rec);

/* The server side. */
struct replay_feed;
enum smtp_errkind replay_feed_new(struct replay_feed **out, struct smtp_error *err);
void replay_feed_free(struct replay_feed *f);
const struct transport_ops *replay_feed_ops(void);
int replay_feed_fd(const struct replay_feed *f);
enum smtp_errkind replay_feed_give(struct replay_feed *f, const char *data, size_t len);
/* The transcript ended: an EOF after what was given. */
void replay_feed_end(struct replay_feed *f);

#endif
