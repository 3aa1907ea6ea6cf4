/*
 * render.h - the two renderers behind output.h: text for a person
 * (render_text.c) and one JSON object per line (render_json.c).  Each
 * appends one record to a bounded strbuf (OUT_RECORD_MAX and a little
 * more); output.c writes it.  Only output.c calls these.
 */
#ifndef SMTPSH_RENDER_H
#define SMTPSH_RENDER_H

#include "output.h"
#include "strbuf.h"

/* output.c's record buffer (bounded) and its one write, for
 * output_lookup.c too. */
void out_begin(struct strbuf *sb);
void out_flush(struct output *o, struct strbuf *sb, bool to_err);

/* The meaning of the reply's code for what it answers, translated by tr
 * (NULL: English, for JSON). */
void render_meaning(const struct session_reply *r, text_translator tr, char *buf, size_t cap);

void text_sent(const struct output *o, const char *shown, size_t len, struct strbuf *sb);
void text_reply(const struct output *o, const struct session_reply *r, struct strbuf *sb);
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
void json_tls(const char *how, const struct tls_info *ti, struct strbuf *sb);
void json_explain(const struct out_explain *x, struct strbuf *sb);
void json_state(const struct out_state *st, struct strbuf *sb);
void json_ext(const struct ehlo_set *set, struct strbuf *sb);
void json_help(const struct out_help *h, struct strbuf *sb);
void json_message(const struct out_message *m, struct strbuf *sb);
/* "all", "some" or "none": where a message went. */
const char *render_message_outcome(const struct out_message *m);
/* The recipients the outcome counts: those the body was accepted for, or
 * (--quit-after rcpt) those accepted at RCPT. */
size_t render_message_taken(const struct out_message *m);
void json_connected(const char *host, const char *port, const char *address,
    const struct out_via *via, struct strbuf *sb);
void json_mx(const struct mx_route *r, struct strbuf *sb);
/* The pieces of a JSON record (render_json.c): {"type":"T" ... }\n, and
 * ,"key": / ,"key":"escaped value" (NULL: null) in between. */
void json_begin(struct strbuf *sb, const char *type);
void json_key(struct strbuf *sb, const char *key);
void json_kv(struct strbuf *sb, const char *key, const char *value);
void json_end(struct strbuf *sb);
/* Lookups: text (a table row), JSON, CSV (render_csv.c). */
void text_lookup_header(const struct output *o, struct strbuf *sb);
void text_lookup(const struct output *o, const struct lookup_result *r, struct strbuf *sb);
void text_lookup_summary(const struct output *o, const struct lookup_summary *s, struct strbuf *sb);
void text_progress(const struct output *o, const struct out_progress *p, struct strbuf *sb);
void json_lookup(const struct lookup_result *r, struct strbuf *sb);
void json_lookup_summary(const struct lookup_summary *s, struct strbuf *sb);
void csv_lookup_header(struct strbuf *sb);
/* True when a CSV field of s gets a leading "'" (a formula's first
 * character, or "'" itself): --resume takes one away from such a field. */
bool csv_needs_neutralising(const char *s, size_t len);
void csv_lookup(const struct lookup_result *r, struct strbuf *sb);

/* {"type":TYPE,"KEY":"VALUE",...}: pairs of C strings, NULL values as null. */
void json_simple(struct strbuf *sb, const char *type, const char *const *kv, size_t n);

#endif
