/*
 * output.h - the shell's one output path.  Every line smtpsh prints --
 * replies, the lines it sends, shell commands' answers, notes, warnings
 * and errors -- is a record handed to one of the out_*() calls below, and
 * each record has two renderers: text for a person (render_text.c) and a
 * JSON object on one line for a program (render_json.c, --json).  Command
 * handlers build records and never print.
 *
 * Every string in a record that did not come from smtpsh itself (server
 * replies, certificate fields, what the user typed, file names) is escaped
 * by the renderer (escape.h) -- the text renderer with escape_terminal, the
 * JSON renderer with escape_json -- and nowhere else.  With --json, stdout
 * carries JSON objects and nothing else, each with a "type"; in text mode
 * errors and warnings go to stderr, everything else to stdout.
 *
 * Lookups (lookupcmd.c) have records of their own: one per name (a table
 * row in text, a CSV row with --csv, a JSON object with --json), written to
 * `results` (stdout, or --output FILE), and a summary; their notes go to
 * stderr in text mode, and a progress bar to stderr when it is a terminal.
 * A lookup's reconnects run the connection recipe quietly (recipe_view.c),
 * so the run reports what matters: its rows, events and summary.
 */
#ifndef SMTPSH_OUTPUT_H
#define SMTPSH_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "audit.h"
#include "ehlo.h"
#include "enhanced.h"
#include "strbuf.h"
#include "error.h"
#include "lookup.h"
#include "mx.h"
#include "session.h"
#include "tls.h"
#include "verbs.h"
#include "records.h"

/* What one record may take on the screen or in JSON; a bigger reply is cut
 * and marked, never lost (it is still one valid record). */
#define OUT_RECORD_MAX (1024 * 1024)

struct output {
	bool json;
	FILE *out;                 /* stdout */
	FILE *err;                 /* stderr (text mode only) */
	bool csv;                  /* lookup results as CSV (--csv) */
	FILE *results;             /* lookup results: stdout or --output FILE */
	bool header_done;          /* the table's or CSV's header is written */
	bool progress;             /* stderr is a terminal: a progress bar */
	/* The lookup table's width when it goes to a terminal (0: no limit;
	 * CSV and JSON are never cut), and what marks a cut row. */
	unsigned width;
	unsigned err_width;        /* stderr's, for the progress bar (0: none) */
	/* Interactive, stdout a terminal, no --no-pager: a record longer than
	 * the screen goes through $PAGER (default "less -FRX"), as git does. */
	bool pager;
	const char *ellipsis;
	bool progress_shown;       /* a bar is on the screen now */
	bool timing;               /* --timing / `timing on`: each reply's latency */
	/* Colour strings (terminfo), empty when colour is off. */
	const char *col_ok, *col_mid, *col_warn, *col_bad, *col_local, *col_dim, *col_off;
	/* Where records go instead of out/err when set (the full-screen
	 * view): one rendered record, text mode, is_err for errors/warnings. */
	void (*sink)(void *ctx, const char *text, size_t len, bool is_err);
	void *sink_ctx;
	/* Interactive: the last OUT_BACKLOG_MAX bytes of text written, so the
	 * full-screen view opens with what was already on the screen. */
	struct strbuf *backlog;
	/* Where a write failed (OUT_FAILED_* bits): each is said once on
	 * stderr, and the exit status is not 0 (a lost result is no success). */
	unsigned write_failed;
	const char *results_name;  /* --output FILE, for that message */
};

enum { OUT_FAILED_OUT = 1, OUT_FAILED_ERR = 2, OUT_FAILED_RESULTS = 4 };

#define OUT_BACKLOG_MAX (64 * 1024)

void out_init(struct output *o, bool json);
/* Whether messages are said in the user's language (text for a person)
 * or in English (JSON, for a program). */
bool out_translates(const struct output *o);
/* The one place rendered bytes leave for a stream: written whole, flushed,
 * and a failure (ENOSPC, EPIPE from a closed pipe) said once on stderr and
 * kept in write_failed. */
void out_write(struct output *o, FILE *f, const char *data, size_t len);
/* Close the results file (--output; stdout stays open); a failure is said
 * and kept.  Results go to stdout afterwards. */
void out_close_results(struct output *o);
/* Flush stdout; false when anything written anywhere was lost. */
bool out_finish(struct output *o);

/* ---- the session ---- */

/* The line sent, as it may be shown ("> MAIL FROM:<a@b>"; JSON: nothing,
 * the reply record names its command). */
void out_sent(struct output *o, const char *shown, size_t len);
/* A reply and what it answers; ext is the extension set for an EHLO reply
 * (JSON lists it), else NULL. */
void out_reply(struct output *o, const struct session_reply *r, const struct ehlo_set *ext);
/* What a reply's record calls its stage: "greeting", "body", the verb in
 * lower case, "raw" for a line that is no verb, NULL when unsolicited. */
const char *out_reply_stage(const struct session_reply *r, char *buf, size_t cap);
/* Connected to host (port "" for unix:) at address; via NULL: the host as
 * given. */
void out_connected(struct output *o, const char *host, const char *port, const char *address,
    const struct out_via *via);
/* A domain's mail route (`mx`, and `open DOMAIN` before it connects): the
 * hosts in the order they are tried, with their addresses (untrusted
 * names). */
void out_mx(struct output *o, const struct mx_route *r);
/* The connection ended; `why` is one line (text: a dim note). */
void out_closed(struct output *o, const char *why);
/* A TLS handshake's result (how: "starttls", "implicit") or `tls` (how:
 * "show"). */
void out_tls(struct output *o, const char *how, const struct tls_info *ti);
/* The challenge of a 334, decoded (untrusted bytes). */
void out_challenge(struct output *o, const char *text, size_t len);
/* TURN: one exchange of the turned session (command NULL for our greeting).
 * A command (a message body) over OUT_TURNED_SHOW bytes is shown cut, with
 * how much more there is and `kept`: where the whole is ("the transcript
 * has all of it"), or NULL when nowhere. */
#define OUT_TURNED_SHOW (64 * 1024)
void out_turned(struct output *o, const char *command, size_t clen, const char *reply,
    size_t rlen, const char *kept);

/* ---- local conditions ---- */

/* stage: the step it happened at ("connect", "ehlo", "body", ...) or NULL. */
void out_error(struct output *o, const char *stage, const struct smtp_error *e);
/* Something smtpsh noticed (text: "! ..." on stdout). */
void out_note(struct output *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Something the user should act on (text: "smtpsh: warning: ..." on stderr). */
void out_warning(struct output *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- shell commands ---- */

void out_explain(struct output *o, const struct out_explain *x);

void out_state(struct output *o, const struct out_state *st);
/* RFC 821's state diagram with st marked (`diagram`). */
void out_diagram(struct output *o, enum smtp_state st);

/* ext: the last EHLO's extensions (set NULL or !valid: none yet). */
void out_ext(struct output *o, const struct ehlo_set *set);

void out_help(struct output *o, const struct out_help *h);

/* `mailbox` / `terminal`: text the teaching server holds (untrusted). */
void out_mailbox(struct output *o, const char *kind, const char *user, const char *text,
    size_t len);
/* `set`: the settings now. */
void out_settings(struct output *o, bool insecure, const char *changed);

void out_message(struct output *o, const struct out_message *m);
/* "all", "some" or "none": where a message went. */
const char *render_message_outcome(const struct out_message *m);
/* The recipients the outcome counts: those the body was accepted for, or
 * (--quit-after rcpt) those accepted at RCPT. */
size_t render_message_taken(const struct out_message *m);

/* A step of the tour: before (what to type: `type`; an exercise: NULL and
 * the reply code to bring about, `goal`) or after (`after` explains the
 * reply); the others NULL. */
void out_tour(struct output *o, size_t step, size_t of, const char *title, const char *before,
    const char *type, int goal, const char *after);

/* smtpsh's own text, as it is (the teaching server's guide); JSON:
 * {"type":"guide","text":...}. */
void out_guide(struct output *o, const char *text);

/* ---- lookups ---- */

/* A lookup run starts: its header row comes with its first result. */
void out_lookup_begin(struct output *o);
/* One name's result (in input order). */
void out_lookup(struct output *o, const struct lookup_result *r);
/* A row kept from an earlier run's results (--resume): written as it was
 * (smtpsh's own rendering, checked for control bytes when it was read). */
void out_lookup_kept(struct output *o, const char *rec, size_t len);
void out_lookup_summary(struct output *o, const struct lookup_summary *s);
/* True when a CSV field of s gets a leading "'" (a formula's first
 * character, or "'" itself): --resume takes one away from such a field. */
bool csv_needs_neutralising(const char *s, size_t len);
/* A note of the run (event: "method", "catch-all", "tarpit", ...);
 * routine: a reconnect at a known limit (text leaves it to the summary). */
void out_lookup_event(struct output *o, const char *event, const char *message, bool routine);
/* The progress bar (stderr, a terminal only; nothing otherwise). */
void out_progress(struct output *o, const struct out_progress *p);
void out_progress_clear(struct output *o);

/* ---- audits ---- */

/* An audit's results start (the table's header comes with the first). */
void out_audit_begin(struct output *o);
/* One check's result; group: the first of its group. */
void out_audit_finding(struct output *o, const struct audit_finding *f, bool group);
void out_audit_summary(struct output *o, const struct audit_summary *s);
/* A domain's audit: the results that follow are this host's. */
void out_audit_host(struct output *o, const struct audit_host *h);

/* A prompt or question for the person at the terminal, as given (no
 * newline added), written at once: on stdout, or on stderr when stdout
 * carries JSON.  Never into the full-screen view (it steps aside first). */
void out_prompt(struct output *o, const char *text);

/* The last record in --json mode: the exit status and the first stage that
 * went wrong (JSON only; nothing in text mode). */
void out_summary(struct output *o, int status, const char *failed_stage);

#endif
