/*
 * render.c - replies to text (render.h).  Layout, one reply:
 *
 *   < 550-5.1.1 first line as the server sent it
 *   < 550 5.1.1 last line
 *   = 550 Requested action not taken: mailbox unavailable [...]
 *   = 5.1.1 Permanent Failure: Addressing Status: Bad destination mailbox address
 *   = failure for RCPT; state: mail
 *   ! <one line per anomaly: 600/621, mixed codes, cut or dropped lines, ...>
 *
 * "<" lines are the server's, escaped; "=" lines are smtpsh's reading of
 * them; "!" lines are warnings.  Owns no memory; appends to the caller's
 * strbuf.
 */
#include "render.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "codes.h"
#include "enhanced.h"
#include "escape.h"
#include "json.h"
#include "shell.h"

static const char *render_class_color(const struct shell *sh, int code)
{
	switch (code / 100) {
	case 1:
	case 2: return sh->col_ok;
	case 3: return sh->col_mid;
	case 4: return sh->col_warn;
	case 5: return sh->col_bad;
	default: return sh->col_local;
	}
}

void render_sent(const struct shell *sh, const char *line, size_t len, struct strbuf *out)
{
	strbuf_appendf(out, "%s> ", sh->col_dim);
	escape_terminal(out, line, len);
	strbuf_appendf(out, "%s\n", sh->col_off);
}

static void render_line(const struct shell *sh, const struct smtp_reply *r, size_t i,
    struct strbuf *out)
{
	const struct reply_line *l = &r->lines[i];
	bool last = i + 1 == r->nlines;
	strbuf_appendf(out, "%s< ", render_class_color(sh, r->code));
	if (l->code != 0) {
		if (last && l->len == 0)
			strbuf_appendf(out, "%03d", l->code);
		else
			strbuf_appendf(out, "%03d%c", l->code, last ? ' ' : '-');
	}
	escape_terminal(out, l->text, l->len);
	if (l->cut > 0)
		strbuf_appendf(out, " [... %zu more bytes of this line not kept]", l->cut);
	strbuf_appendf(out, "%s\n", sh->col_off);
	if (r->lines_dropped > 0 && i + 2 == r->nlines)
		strbuf_appendf(out, "< [... %zu more lines not kept ...]\n", r->lines_dropped);
}

static void render_anomalies(const struct smtp_reply *r, const struct verb *v,
    enum smtp_state prior, struct strbuf *out)
{
	if (r->code == SMTP_CODE_UNPARSABLE)
		strbuf_appendf(out, "! the server's reply could not be parsed (local code 600): "
		    "a reply line must start with a three-digit code\n");
	if (r->code == SMTP_CODE_EOF)
		strbuf_appendf(out, "! the server closed the connection in the middle of a reply "
		    "(local code 621)\n");
	if (r->flags & REPLY_F_MIXED_CODES) {
		int first = r->nlines > 0 ? r->lines[0].code : 0;
		strbuf_appendf(out, "! protocol violation: the reply code changed inside one "
		    "multiline reply (%03d then %03d); treat the reply as failed\n", first, r->code);
	}
	if (r->flags & REPLY_F_LINE_CUT)
		strbuf_appendf(out, "! a reply line was longer than smtpsh keeps (RFC 5321 allows "
		    "512 octets); the rest was counted, not shown\n");
	if (r->flags & REPLY_F_LINES_DROPPED)
		strbuf_appendf(out, "! the reply had more lines than smtpsh keeps; %zu were "
		    "counted, not shown\n", r->lines_dropped);
	if (r->flags & REPLY_F_BARE_LF)
		strbuf_appendf(out, "! the server ended lines with a bare LF instead of CRLF "
		    "(RFC 5321 2.3.8)\n");
	if (r->flags & REPLY_F_NUL)
		strbuf_appendf(out, "! the reply contained NUL bytes (shown as \\x00)\n");
	if (r->code >= 100 && r->code <= 599 && (r->code / 10) % 10 > 5)
		strbuf_appendf(out, "! the second digit %d has no meaning in RFC 5321 4.2.1\n",
		    (r->code / 10) % 10);
	struct enhanced_code ec;
	size_t used;
	if (r->enhanced[0] != '\0' && enhanced_parse(r->enhanced, strlen(r->enhanced), &ec, &used) &&
	    r->code >= 200 && r->code <= 599 && ec.cls != r->code / 100)
		strbuf_appendf(out, "! the enhanced code %s disagrees with the reply's class %d\n",
		    r->enhanced, r->code / 100);
	if (r->code == 503 && v != NULL) {
		strbuf_appendf(out, "! 503: %s came out of sequence. The session is \"%s\": %s\n",
		    v->name, smtp_state_name(prior), smtp_state_describe(prior));
		if (!verb_allowed_in(v, prior)) {
			strbuf_appendf(out, "! RFC 821's order is: HELO/EHLO, then MAIL, then RCPT "
			    "(one or more), then DATA; %s is allowed in:", v->name);
			for (int st = 0; st < SMTP_ST__COUNT; st++)
				if (verb_allowed_in(v, (enum smtp_state)st))
					strbuf_appendf(out, " %s", smtp_state_name((enum smtp_state)st));
			strbuf_appendf(out, "\n");
		}
	}
}

void render_reply(const struct shell *sh, const struct verb *v, const struct smtp_reply *r,
    enum verdict vd, enum smtp_state prior, enum smtp_state now, struct strbuf *out)
{
	for (size_t i = 0; i < r->nlines; i++)
		render_line(sh, r, i, out);
	char meaning[256];
	code_explain(r->code, meaning, sizeof meaning);
	strbuf_appendf(out, "= %03d %s\n", r->code, meaning);
	struct enhanced_code ec;
	size_t used;
	if (r->enhanced[0] != '\0' && enhanced_parse(r->enhanced, strlen(r->enhanced), &ec, &used)) {
		char en[256];
		enhanced_explain(&ec, en, sizeof en);
		strbuf_appendf(out, "= %s\n", en);
	}
	const char *vc = vd == VERDICT_SUCCESS ? sh->col_ok : vd == VERDICT_INTERMEDIATE ? sh->col_mid :
	    vd == VERDICT_FAILURE ? sh->col_warn : sh->col_bad;
	if (v == NULL)
		strbuf_appendf(out, "= %s%s%s greeting; state: %s\n", vc,
		    r->code == 220 ? "success:" : r->code == 554 ? "refusal:" : "unexpected", sh->col_off,
		    smtp_state_name(now));
	else if (vd == VERDICT_UNEXPECTED)
		strbuf_appendf(out, "= %sunexpected%s: RFC 821 lists no %03d reply to %s; state: %s\n",
		    vc, sh->col_off, r->code, v->name, smtp_state_name(now));
	else
		strbuf_appendf(out, "= %s%s%s for %s; state: %s\n", vc, verdict_name(vd), sh->col_off,
		    v->name, smtp_state_name(now));
	render_anomalies(r, v, prior, out);
}

void render_json(const struct shell *sh, const char *command, size_t command_len,
    const struct smtp_reply *r, enum verdict vd, double elapsed_ms, struct strbuf *out)
{
	struct strbuf ext;
	strbuf_init(&ext, 64 * 1024);
	const char *ext_json = NULL;
	if (command != NULL && command_len >= 4 && strncasecmp(command, "EHLO", 4) == 0 &&
	    r->code == 250 && sh->sess.ehlo.valid) {
		strbuf_appendc(&ext, '{');
		for (size_t i = 0; i < sh->sess.ehlo.count; i++) {
			const struct ehlo_ext *e = &sh->sess.ehlo.ext[i];
			if (i > 0)
				strbuf_appendc(&ext, ',');
			json_string(&ext, e->keyword, strlen(e->keyword));
			strbuf_appendc(&ext, ':');
			json_string(&ext, e->params, strlen(e->params));
		}
		strbuf_appendc(&ext, '}');
		ext_json = strbuf_str(&ext);
	}
	struct json_reply_info info = { command, command_len, r, vd, elapsed_ms,
	    smtp_state_name(sh->sess.state), ext_json };
	json_reply_record(out, &info);
	strbuf_free(&ext);
}
