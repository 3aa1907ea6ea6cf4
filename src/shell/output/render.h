/*
 * render.h - the output formats as a table of renderers (the shape of
 * git's trace2 targets): one struct of function pointers per format --
 * render_text (for a person), render_json (one object per line),
 * render_csv (lookup rows only) -- each entry appending one record to a
 * bounded strbuf; a NULL entry means "this format says nothing here".
 * output.c and output_lookup.c pick the renderer (render_for) and hand the
 * bytes to the one writer (output_write.c); nothing else tests the format.
 * The renderers are pure: a record in, bytes out (test/unit/test_render.c).
 */
#ifndef SMTPSH_RENDER_H
#define SMTPSH_RENDER_H

#include "output.h"
#include "records.h"
#include "strbuf.h"

struct renderer {
	const char *name;             /* "text", "json", "csv" */
	/* For a person: messages translated, errors on stderr, the
	 * full-screen view and the backlog may take its records. */
	bool person;
	void (*sent)(const struct output *o, const char *shown, size_t len, struct strbuf *sb);
	void (*reply)(const struct output *o, const struct session_reply *r,
	    const struct ehlo_set *ext, struct strbuf *sb);
	void (*connected)(const struct output *o, const char *host, const char *port,
	    const char *address, const struct out_via *via, struct strbuf *sb);
	void (*mx)(const struct output *o, const struct mx_route *r, struct strbuf *sb);
	void (*closed)(const struct output *o, const char *why, struct strbuf *sb);
	void (*tls)(const struct output *o, const char *how, const struct tls_info *ti,
	    struct strbuf *sb);
	void (*challenge)(const struct output *o, const char *text, size_t len, struct strbuf *sb);
	void (*turned)(const struct output *o, const struct out_turn *t, struct strbuf *sb);
	void (*error)(const struct output *o, const char *stage, const struct smtp_error *e,
	    struct strbuf *sb);
	/* A note or a warning (type "note" / "warning"), msg already formatted. */
	void (*line)(const struct output *o, const char *type, const char *msg, struct strbuf *sb);
	void (*explain)(const struct output *o, const struct out_explain *x, struct strbuf *sb);
	void (*state)(const struct output *o, const struct out_state *st, struct strbuf *sb);
	void (*diagram)(const struct output *o, enum smtp_state st, struct strbuf *sb);
	void (*ext)(const struct output *o, const struct ehlo_set *set, struct strbuf *sb);
	void (*help)(const struct output *o, const struct out_help *h, struct strbuf *sb);
	void (*mailbox)(const struct output *o, const char *kind, const char *user, const char *text,
	    size_t len, struct strbuf *sb);
	void (*settings)(const struct output *o, bool insecure, const char *changed,
	    struct strbuf *sb);
	void (*message)(const struct output *o, const struct out_message *m, struct strbuf *sb);
	void (*tour)(const struct output *o, const struct out_tour *t, struct strbuf *sb);
	void (*guide)(const struct output *o, const char *text, struct strbuf *sb);
	void (*summary)(const struct output *o, int status, const char *failed_stage,
	    struct strbuf *sb);
	/* Lookups: the results file's rows, its summary, the run's events
	 * (routine: a reconnect at a known limit, counted by the summary). */
	void (*lookup_header)(const struct output *o, struct strbuf *sb);
	void (*lookup)(const struct output *o, const struct lookup_result *r, struct strbuf *sb);
	void (*lookup_summary)(const struct output *o, const struct lookup_summary *s,
	    struct strbuf *sb);
	void (*lookup_event)(const struct output *o, const char *event, const char *message,
	    bool routine, struct strbuf *sb);
	void (*progress)(const struct output *o, const struct out_progress *p, struct strbuf *sb);
	/* An audit: one check's result (group: the first of its group --
	 * findings, passes, skipped -- text titles it; header: the first of
	 * all), then the summary. */
	void (*audit_finding)(const struct output *o, const struct audit_finding *f, bool group,
	    bool header, struct strbuf *sb);
	void (*audit_summary)(const struct output *o, const struct audit_summary *s,
	    struct strbuf *sb);
	/* A domain's audit: whose results follow (the domain or an MX host). */
	void (*audit_host)(const struct output *o, const struct audit_host *h, struct strbuf *sb);
	/* A prompt or question for the person at the terminal (shell_ask,
	 * the replay's pause, "line mode", ^C): text only, for every format. */
	void (*prompt)(const struct output *o, const char *text, struct strbuf *sb);
};

extern const struct renderer render_text, render_json, render_csv;

/* The renderer of the session's records (text or JSON), and of the lookup
 * results file (text, JSON or CSV). */
const struct renderer *render_for(const struct output *o);
const struct renderer *render_results_for(const struct output *o);

/* output.c's record buffer (bounded) and its one write, for
 * output_lookup.c too. */
void out_begin(struct strbuf *sb);
void out_flush(struct output *o, struct strbuf *sb, bool to_err);

/* The meaning of the reply's code for what it answers, translated by tr
 * (NULL: English, for JSON). */
void render_meaning(const struct session_reply *r, text_translator tr, char *buf, size_t cap);

void text_sent(const struct output *o, const char *shown, size_t len, struct strbuf *sb);
void text_reply(const struct output *o, const struct session_reply *r,
    const struct ehlo_set *ext, struct strbuf *sb);
void text_tls(const struct output *o, const char *how, const struct tls_info *ti,
    struct strbuf *sb);
void text_explain(const struct output *o, const struct out_explain *x, struct strbuf *sb);
void text_state(const struct output *o, const struct out_state *st, struct strbuf *sb);
void text_ext(const struct output *o, const struct ehlo_set *set, struct strbuf *sb);
void text_help(const struct output *o, const struct out_help *h, struct strbuf *sb);
void text_message(const struct output *o, const struct out_message *m, struct strbuf *sb);
void text_connected(const struct output *o, const char *host, const char *port,
    const char *address, const struct out_via *via, struct strbuf *sb);
void text_mx(const struct output *o, const struct mx_route *r, struct strbuf *sb);

void json_reply(const struct output *o, const struct session_reply *r,
    const struct ehlo_set *ext, struct strbuf *sb);
void json_tls(const struct output *o, const char *how, const struct tls_info *ti,
    struct strbuf *sb);
void json_explain(const struct output *o, const struct out_explain *x, struct strbuf *sb);
void json_state(const struct output *o, const struct out_state *st, struct strbuf *sb);
void json_ext(const struct output *o, const struct ehlo_set *set, struct strbuf *sb);
void json_help(const struct output *o, const struct out_help *h, struct strbuf *sb);
void json_message(const struct output *o, const struct out_message *m, struct strbuf *sb);
void json_connected(const struct output *o, const char *host, const char *port,
    const char *address, const struct out_via *via, struct strbuf *sb);
void json_mx(const struct output *o, const struct mx_route *r, struct strbuf *sb);
/* The pieces of a JSON record (render_json.c): {"type":"T" ... }\n, and
 * ,"key": / ,"key":"escaped value" (NULL: null) in between. */
void json_begin(struct strbuf *sb, const char *type);
void json_key(struct strbuf *sb, const char *key);
void json_kv(struct strbuf *sb, const char *key, const char *value);
void json_num(struct strbuf *sb, const char *key, long long value);
void json_bool(struct strbuf *sb, const char *key, bool value);
void json_end(struct strbuf *sb);
/* Lookups: text (a table row), JSON, CSV (render_csv.c). */
void text_lookup_header(const struct output *o, struct strbuf *sb);
void text_lookup(const struct output *o, const struct lookup_result *r, struct strbuf *sb);
void text_lookup_summary(const struct output *o, const struct lookup_summary *s, struct strbuf *sb);
void text_progress(const struct output *o, const struct out_progress *p, struct strbuf *sb);
void json_lookup(const struct output *o, const struct lookup_result *r, struct strbuf *sb);
void json_lookup_summary(const struct output *o, const struct lookup_summary *s,
    struct strbuf *sb);
void csv_lookup_header(const struct output *o, struct strbuf *sb);
void csv_lookup(const struct output *o, const struct lookup_result *r, struct strbuf *sb);

/* Audits (render_text_audit.c, render_json_audit.c). */
void text_audit_finding(const struct output *o, const struct audit_finding *f, bool group,
    bool header, struct strbuf *sb);
void text_audit_summary(const struct output *o, const struct audit_summary *s, struct strbuf *sb);
void json_audit_finding(const struct output *o, const struct audit_finding *f, bool group,
    bool header, struct strbuf *sb);
void json_audit_summary(const struct output *o, const struct audit_summary *s, struct strbuf *sb);
void text_audit_host(const struct output *o, const struct audit_host *h, struct strbuf *sb);
void json_audit_host(const struct output *o, const struct audit_host *h, struct strbuf *sb);

/* The small records (render_text_notes.c, render_json_notes.c). */
void text_closed(const struct output *o, const char *why, struct strbuf *sb);
void text_challenge(const struct output *o, const char *text, size_t len, struct strbuf *sb);
void text_turned(const struct output *o, const struct out_turn *t, struct strbuf *sb);
void text_error(const struct output *o, const char *stage, const struct smtp_error *e,
    struct strbuf *sb);
void text_note(const struct output *o, const char *type, const char *msg, struct strbuf *sb);
void text_mailbox(const struct output *o, const char *kind, const char *user, const char *text,
    size_t len, struct strbuf *sb);
void text_settings(const struct output *o, bool insecure, const char *changed,
    struct strbuf *sb);
void text_tour(const struct output *o, const struct out_tour *t, struct strbuf *sb);
void text_guide(const struct output *o, const char *text, struct strbuf *sb);
void text_lookup_event(const struct output *o, const char *event, const char *message,
    bool routine, struct strbuf *sb);
void text_prompt(const struct output *o, const char *text, struct strbuf *sb);
void text_diagram(const struct output *o, enum smtp_state st, struct strbuf *sb);
void json_diagram(const struct output *o, enum smtp_state st, struct strbuf *sb);
void json_closed(const struct output *o, const char *why, struct strbuf *sb);
void json_challenge(const struct output *o, const char *text, size_t len, struct strbuf *sb);
void json_turned(const struct output *o, const struct out_turn *t, struct strbuf *sb);
void json_error(const struct output *o, const char *stage, const struct smtp_error *e,
    struct strbuf *sb);
void json_note(const struct output *o, const char *type, const char *msg, struct strbuf *sb);
void json_mailbox(const struct output *o, const char *kind, const char *user, const char *text,
    size_t len, struct strbuf *sb);
void json_settings(const struct output *o, bool insecure, const char *changed,
    struct strbuf *sb);
void json_tour(const struct output *o, const struct out_tour *t, struct strbuf *sb);
void json_guide(const struct output *o, const char *text, struct strbuf *sb);
void json_summary(const struct output *o, int status, const char *failed_stage,
    struct strbuf *sb);
void json_lookup_event(const struct output *o, const char *event, const char *message,
    bool routine, struct strbuf *sb);

/* {"type":TYPE,"KEY":"VALUE",...}: pairs of C strings, NULL values as null. */
void json_simple(struct strbuf *sb, const char *type, const char *const *kv, size_t n);

#endif
