/*
 * render.h - replies, verdicts and states as text for a person (and the
 * --json record).  No terminal calls: colour arrives as strings from the
 * shell (empty when off).  Every byte from the server passes through
 * escape_terminal() or escape_json() here, and nowhere else.
 */
#ifndef SMTPSH_RENDER_H
#define SMTPSH_RENDER_H

#include "reply.h"
#include "state.h"
#include "strbuf.h"
#include "verbs.h"

struct shell;

/* "> MAIL FROM:<a@b>" for the line sent. */
void render_sent(const struct shell *sh, const char *line, size_t len, struct strbuf *out);
/* Every line of the reply as sent, then what it means: code, enhanced code,
 * verdict for the command, the state now; then one line per anomaly.
 * v is NULL for the greeting.  prior is the state before the command. */
void render_reply(const struct shell *sh, const struct verb *v, const struct smtp_reply *r,
    enum verdict vd, enum smtp_state prior, enum smtp_state now, struct strbuf *out);
/* The --json record for a reply. */
void render_json(const struct shell *sh, const char *command, size_t command_len,
    const struct smtp_reply *r, enum verdict vd, double elapsed_ms, struct strbuf *out);

#endif
