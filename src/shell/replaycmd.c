/*
 * replaycmd.c - `smtpsh --replay FILE [--step]`: a transcript played back
 * offline with every reply's meaning and verdict, as if the session were
 * happening now, so a session can be attached to a ticket or studied in
 * class.  The server's bytes are fed to a session through replay.h's
 * transport, so the one reply reader reads them and the one owed queue
 * credits each reply to its command; the client's lines are sent into it
 * as they were.  A body (after 354) and BDAT chunks are passed over as
 * bytes; after TURN the turned exchange is shown as it was recorded.
 * With --step, Enter plays the next command (q stops); with --tui the
 * full-screen view asks instead (shell_tui's step hook, tui_replay.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "replay.h"
#include "shell.h"
#include "unused.h"

/* When the recorded commands were sent: a ring of this many, by command
 * number (a reply 256 or more commands late would be timed wrong). */
#define REPLAY_SENT_SLOTS 256

struct replay_run {
	struct shell *sh;
	struct replay_feed *feed;
	struct strbuf client;          /* client bytes not yet a whole line */
	bool in_body;                  /* after a 354: the body's lines */
	unsigned long long body_bytes;
	size_t chunk_left;             /* BDAT bytes still to pass over */
	bool step, stopped;
	char turned_cmd[1024];         /* the last line the turned peer sent */
	/* Recorded times (ms since the epoch), so that elapsed times are the
	 * ones of the session, not of the replay. */
	const char *stamp;             /* the stamp of the record being read */
	double now_at;                 /* the server record being read */
	double connect_at;
	double sent_at[REPLAY_SENT_SLOTS]; /* by command number, modulo the slots */
};

/* "2026-12-01T20:01:02.345Z" in ms since the epoch; 0 when not a stamp. */
static double replay_stamp_ms(const char *stamp)
{
	struct tm tm = { 0 };
	unsigned ms = 0;
	if (sscanf(stamp, "%4d-%2d-%2dT%2d:%2d:%2d.%3uZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	    &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) != 7)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (double)timegm(&tm) * 1000.0 + ms;
}

static void replay_note_sent(struct replay_run *rr, unsigned long seq, const char *stamp)
{
	rr->sent_at[seq % REPLAY_SENT_SLOTS] = replay_stamp_ms(stamp);
}

/* The reply's elapsed time as recorded, when the stamps say it. */
static void replay_recorded_elapsed(const struct replay_run *rr, struct session_reply *r)
{
	double from = r->origin == SESSION_REPLY_GREETING ? rr->connect_at :
	    r->seq != 0 ? rr->sent_at[r->seq % REPLAY_SENT_SLOTS] : 0;
	if (from > 0 && rr->now_at >= from)
		r->elapsed_ms = rr->now_at - from;
}

/* Show every reply the feed has completed. */
static void replay_drain(struct replay_run *rr)
{
	struct shell *sh = rr->sh;
	while (session_is_open(sh->sess)) {
		struct session_reply r;
		session_reply_init(&r);
		struct smtp_error err;
		enum smtp_errkind k = session_next_reply(sh->sess, 0, &r, &err);
		if (k == SMTP_OK) {
			replay_recorded_elapsed(rr, &r);
			shell_show_reply(sh, &r);
		}
		session_reply_free(&r);
		if (k == SMTP_ERR_AGAIN || k == SMTP_ERR_STATE)
			return;
		if (k != SMTP_OK) {
			shell_fail(sh, "replay", &err);
			return;
		}
	}
}

static bool replay_pause(struct replay_run *rr)
{
	struct shell_tui *v = &rr->sh->tui;
	if (v->step != NULL) {             /* in the full-screen view: its keys */
		rr->stopped = !v->step(v->suspend_ctx);
		return !rr->stopped;
	}
	if (!rr->step)
		return true;
	out_prompt(&rr->sh->out, _("-- Enter: next command, q: stop -- "));
	char answer[16];
	if (fgets(answer, sizeof answer, stdin) == NULL || answer[0] == 'q') {
		rr->stopped = true;
		return false;
	}
	return true;
}

static enum smtp_errkind replay_no_body(SMTPSH_UNUSED void *ctx, SMTPSH_UNUSED char *buf,
    SMTPSH_UNUSED size_t cap, size_t *got, SMTPSH_UNUSED struct smtp_error *err)
{
	*got = 0;
	return SMTP_OK;
}

/* One whole client line (without CRLF). */
static void replay_client_line(struct replay_run *rr, const char *line, size_t len)
{
	struct shell *sh = rr->sh;
	struct smtp_error err;
	if (session_state(sh->sess) == SMTP_ST_TURNED || !session_is_open(sh->sess)) {
		out_turned(&sh->out, rr->turned_cmd[0] != '\0' ? rr->turned_cmd : NULL,
		    strlen(rr->turned_cmd), line, len, _("the replayed file has all of it"));
		rr->turned_cmd[0] = '\0';
		return;
	}
	if (rr->in_body) {
		rr->body_bytes += len + 2;
		if (len == 1 && line[0] == '.') {
			rr->in_body = false;
			char what[96];
			snprintf(what, sizeof what, "[message body, %llu bytes, as recorded]",
			    rr->body_bytes - 3);
			out_sent(&sh->out, what, strlen(what));
			unsigned long seq;
			bool interrupted;
			if (session_send_body(sh->sess, replay_no_body, NULL, &seq, &interrupted, &err) != SMTP_OK)
				shell_fail(sh, "replay", &err);
			else
				replay_note_sent(rr, seq, rr->stamp);
		}
		return;
	}
	if (!replay_pause(rr))
		return;
	char shown[SESSION_SHOWN_MAX];
	unsigned long seq;
	if (len > 5 && strncasecmp(line, "BDAT ", 5) == 0) {
		rr->chunk_left = strtoull(line + 5, NULL, 10);
		bool last = strstr(line, " LAST") != NULL;
		char *zero = calloc(1, rr->chunk_left > 0 ? rr->chunk_left : 1);
		if (zero != NULL && session_send_chunk(sh->sess, zero, rr->chunk_left, last, &seq, &err) == SMTP_OK) {
			replay_note_sent(rr, seq, rr->stamp);
			out_sent(&sh->out, line, len);
		}
		else if (zero != NULL)
			shell_fail(sh, "replay", &err);
		free(zero);
		return;
	}
	if (session_send(sh->sess, NULL, line, len, &seq, shown, &err) != SMTP_OK) {
		shell_fail(sh, "replay", &err);
		return;
	}
	replay_note_sent(rr, seq, rr->stamp);
	out_sent(&sh->out, shown, strlen(shown));
}

static void replay_client(struct replay_run *rr, const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (rr->chunk_left > 0) {          /* BDAT's bytes: passed over */
			rr->chunk_left--;
			continue;
		}
		if (data[i] != '\n') {
			(void)strbuf_appendc(&rr->client, data[i]);
			continue;
		}
		size_t n = rr->client.len;
		const char *l = strbuf_str(&rr->client);
		if (n > 0 && l[n - 1] == '\r')
			n--;
		replay_client_line(rr, l, n);
		strbuf_reset(&rr->client);
		if (!rr->in_body && session_is_open(rr->sh->sess) &&
		    session_state(rr->sh->sess) == SMTP_ST_DATA && session_owed(rr->sh->sess) == 0)
			rr->in_body = true;
	}
}

static void replay_server(struct replay_run *rr, const char *data, size_t len)
{
	struct shell *sh = rr->sh;
	if (session_state(sh->sess) == SMTP_ST_TURNED || !session_is_open(sh->sess)) {
		snprintf(rr->turned_cmd, sizeof rr->turned_cmd, "%.*s",
		    (int)(len > 2 && data[len - 1] == '\n' ? len - 2 : len), data);
		return;
	}
	(void)replay_feed_give(rr->feed, data, len);
	replay_drain(rr);
	if (!rr->in_body && session_is_open(sh->sess) && session_state(sh->sess) == SMTP_ST_DATA &&
	    session_owed(sh->sess) == 0)
		rr->in_body = true;
}

/* One recorded connection is over (the file ended, or another began).
 * Its end is the server's only when a reply was still owed; otherwise
 * smtpsh closed it (q in --step, a script that ended without QUIT). */
static void replay_finish(struct replay_run *rr)
{
	struct session *sess = rr->sh->sess;
	if (!rr->stopped && session_is_open(sess) && session_owed(sess) > 0) {
		replay_feed_end(rr->feed);
		replay_drain(rr);
	}
	if (session_is_open(sess))
		session_close(sess);
}

void shell_replay(struct shell *sh, const char *path, bool step)
{
	struct smtp_error err;
	struct replay *rp;
	if (replay_open(&rp, path, &err) != SMTP_OK) {
		shell_fail(sh, "replay", &err);
		return;
	}
	struct replay_run rr = { .sh = sh, .step = step };
	strbuf_init(&rr.client, 64 * 1024);
	if (replay_feed_new(&rr.feed, &err) != SMTP_OK) {
		shell_fail(sh, "replay", &err);
		replay_close(rp);
		return;
	}
	struct replay_record rec;
	replay_record_init(&rec);
	bool attached = false;
	while (!rr.stopped && replay_next(rp, &rec, &err)) {
		const char *d = strbuf_str(&rec.data);
		rr.stamp = rec.stamp;
		rr.now_at = replay_stamp_ms(rec.stamp);
		if (!attached && rec.kind != REPLAY_NOTE) {
			if (session_attach(sh->sess, replay_feed_ops(), rr.feed, replay_feed_fd(rr.feed),
			    path, &err) != SMTP_OK)
				break;
			attached = true;
		}
		switch (rec.kind) {
		case REPLAY_NOTE:
			out_note(&sh->out, "[%s] %s", rec.stamp, d);
			if (strncmp(d, "TLS started", 11) == 0)
				session_tls_replayed(sh->sess);
			if (strncmp(d, "connected to ", 13) == 0)
				rr.connect_at = rr.now_at;
			if (strncmp(d, "connected to ", 13) == 0 && attached) {
				/* A new connection in the same file: start afresh. */
				replay_finish(&rr);
				replay_feed_free(rr.feed);
				if (replay_feed_new(&rr.feed, &err) != SMTP_OK)
					rr.stopped = true;
				attached = false;
				rr.in_body = false;
			}
			break;
		case REPLAY_SERVER:
			replay_server(&rr, d, rec.data.len);
			break;
		case REPLAY_CLIENT:
			replay_client(&rr, d, rec.data.len);
			break;
		}
	}
	if (err.kind != SMTP_OK)
		shell_fail(sh, "replay", &err);
	if (attached) {
		replay_finish(&rr);
	}
	replay_record_free(&rec);
	strbuf_free(&rr.client);
	replay_feed_free(rr.feed);
	replay_close(rp);
}
