/*
 * render_text_notes.c - the small records as text for a person (render.h):
 * a closed connection (a dim line), a decoded AUTH challenge, one exchange
 * of a turned session, a local error ("smtpsh: ..."), a note ("! ...") or
 * warning ("smtpsh: warning: ..."; a failed connect's frame translated), the teaching server's mailbox text, the
 * settings, a tour step, the guide, a lookup run's events, a prompt, and
 * RFC 821's state diagram with the session's state marked.  Every
 * untrusted string passes escape_terminal() here.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "render.h"
#include "tr.h"
#include "unused.h"

void text_closed(const struct output *o, const char *why, struct strbuf *sb)
{
	(void)strbuf_appendf(sb, "%s", o->col_dim);
	const char *shown = _(why);
	(void)escape_terminal(sb, shown, strlen(shown));
	(void)strbuf_appendf(sb, "%s\n", o->col_off);
}

void text_challenge(SMTPSH_UNUSED const struct output *o, const char *text, size_t len,
    struct strbuf *sb)
{
	(void)strbuf_appendf(sb, _("= the server's challenge, decoded: "));
	(void)escape_terminal(sb, text, len);
	(void)strbuf_appendc(sb, '\n');
}

void text_turned(const struct output *o, const struct out_turn *t, struct strbuf *sb)
{
	/* A 10 MiB body of escapes would not fit one record (and was shown as
	 * nothing): show its start, and say what is left and where it is. */
	size_t shown = t->clen > OUT_TURNED_SHOW ? OUT_TURNED_SHOW : t->clen;
	if (t->command != NULL) {
		(void)strbuf_appendf(sb, _("%s(turned) they sent:%s "), o->col_dim, o->col_off);
		(void)escape_terminal(sb, t->command, shown);
		(void)strbuf_appendc(sb, '\n');
		if (shown < t->clen)
			(void)strbuf_appendf(sb, _("= (turned) %zu more bytes not shown; %s\n"),
			    t->clen - shown, t->kept != NULL ? t->kept : _("they are not kept "
			    "(--transcript FILE keeps a turned session whole)"));
	}
	(void)strbuf_appendf(sb, _("%s(turned) we replied:%s "), o->col_dim, o->col_off);
	(void)escape_terminal(sb, t->reply, t->rlen);
	(void)strbuf_appendc(sb, '\n');
}

/* A failed connect is the core's English "connect to HOST[ port PORT]:
 * REASON" (transport.c), REASON errno's English description or "no answer
 * within N s".  For a person, the frame in their language around the
 * system's own words (strerror, in the locale).  False for anything else:
 * then the message is shown as it is. */
static bool text_error_connect(const struct smtp_error *e, struct strbuf *sb)
{
	static const char pre[] = "connect to ";
	const char *why = e->kind == SMTP_ERR_CONNECT && e->sys_errno != 0 ?
	    smtp_strerror(e->sys_errno) : NULL;
	unsigned secs = 0;
	const char *colon = strrchr(e->msg, ':');
	if (strncmp(e->msg, pre, sizeof pre - 1) != 0 || colon == NULL || colon[1] != ' ')
		return false;
	if (why != NULL ? strcmp(colon + 2, why) != 0 :
	    e->kind != SMTP_ERR_TIMEOUT || sscanf(colon + 2, "no answer within %u s", &secs) != 1)
		return false;
	char where[SMTP_ERROR_MSG_MAX], port[32] = "";
	snprintf(where, sizeof where, "%.*s", (int)(colon - e->msg - (sizeof pre - 1)),
	    e->msg + sizeof pre - 1);
	char *p = strstr(where, " port ");
	if (p != NULL) {
		snprintf(port, sizeof port, "%s", p + 6);
		*p = '\0';
	}
	char reason[SMTP_ERROR_MSG_MAX];
	if (why != NULL)
		snprintf(reason, sizeof reason, "%s", strerror(e->sys_errno));
	else
		snprintf(reason, sizeof reason, _("no answer within %u s"), secs);
	char line[3 * SMTP_ERROR_MSG_MAX];
	if (port[0] != '\0')
		snprintf(line, sizeof line, _("connect to %s port %s: %s"), where, port, reason);
	else
		snprintf(line, sizeof line, _("connect to %s: %s"), where, reason);
	(void)escape_terminal(sb, line, strlen(line));
	return true;
}

void text_error(SMTPSH_UNUSED const struct output *o, SMTPSH_UNUSED const char *stage,
    const struct smtp_error *e, struct strbuf *sb)
{
	const char *msg = e->msg[0] != '\0' ? e->msg : smtp_errkind_name(e->kind);
	(void)strbuf_appendf(sb, "smtpsh: ");
	if (!text_error_connect(e, sb))
		(void)escape_terminal(sb, msg, strlen(msg));
	(void)strbuf_appendc(sb, '\n');
}

void text_note(SMTPSH_UNUSED const struct output *o, const char *type, const char *msg,
    struct strbuf *sb)
{
	(void)strbuf_appendf(sb, "%s", strcmp(type, "warning") == 0 ? "smtpsh: warning: " : "! ");
	(void)escape_terminal(sb, msg, strlen(msg));
	(void)strbuf_appendc(sb, '\n');
}

void text_mailbox(SMTPSH_UNUSED const struct output *o, SMTPSH_UNUSED const char *kind,
    SMTPSH_UNUSED const char *user, const char *text, size_t len, struct strbuf *sb)
{
	/* Message text came from a client: escaped like any peer bytes, with
	 * its line structure kept. */
	while (len > 0) {
		const char *nl = memchr(text, '\n', len);
		size_t l = nl != NULL ? (size_t)(nl - text) : len;
		size_t tl = l > 0 && text[l - 1] == '\r' ? l - 1 : l;
		if (escape_terminal(sb, text, tl) != SMTP_OK || strbuf_appendc(sb, '\n') != SMTP_OK) {
			(void)strbuf_appendf(sb, _("[... the rest is too large to show]\n"));
			break;
		}
		if (nl == NULL)
			break;
		text += l + 1;
		len -= l + 1;
	}
}

void text_settings(SMTPSH_UNUSED const struct output *o, bool insecure, const char *changed,
    struct strbuf *sb)
{
	if (changed != NULL)
		(void)strbuf_appendf(sb, _("insecure: %s (TLS verification failures %s)\n"),
		    insecure ? _("on") : _("off"), insecure ? _("are reported but do not stop the "
		    "connection") : _("end the connection"));
	else
		(void)strbuf_appendf(sb, _("insecure: %s\n"), insecure ? _("on") : _("off"));
}

/* Characters, not bytes: what a UTF-8 string takes on the terminal. */
static size_t text_width(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xC0) != 0x80;
	return n;
}

/* The tour's own text, word-wrapped to 79 columns (translations too); `col`
 * is where the current line already stands. */
static void text_wrap(struct strbuf *sb, const char *text, size_t col)
{
	enum { WIDTH = 79 };
	for (const char *p = text; *p != '\0';) {
		size_t n = strcspn(p, " ");
		size_t w = text_width(p, n);
		if (col > 0 && col + 1 + w > WIDTH) {
			(void)strbuf_appendc(sb, '\n');
			col = 0;
		} else if (col > 0) {
			(void)strbuf_appendc(sb, ' ');
			col++;
		}
		(void)strbuf_append(sb, p, n);
		col += w;
		p += n;
		while (*p == ' ')
			p++;
	}
	(void)strbuf_appendc(sb, '\n');
}

void text_tour(const struct output *o, const struct out_tour *t, struct strbuf *sb)
{
	char head[256];
	if (t->after != NULL) {
		snprintf(head, sizeof head, _("--- tour %zu/%zu done:"), t->step, t->of);
		(void)strbuf_appendf(sb, "%s%s%s", o->col_mid, head, o->col_off);
		text_wrap(sb, _(t->after), text_width(head, strlen(head)));
		return;
	}
	snprintf(head, sizeof head, _("--- tour %zu/%zu: %s ---"), t->step, t->of, _(t->title));
	(void)strbuf_appendf(sb, "%s%s%s\n", o->col_mid, head, o->col_off);
	text_wrap(sb, _(t->before), 0);
	if (t->type != NULL)
		(void)strbuf_appendf(sb, "%s%s%s  %s\n", o->col_mid, _("Type:"), o->col_off, t->type);
	else
		(void)strbuf_appendf(sb, _("%sGoal:%s  a reply with code %d, from any command\n"),
		    o->col_mid, o->col_off, t->goal);
}

void text_guide(SMTPSH_UNUSED const struct output *o, const char *text, struct strbuf *sb)
{
	const char *shown = _(text);
	(void)strbuf_append(sb, shown, strlen(shown));
}

void text_lookup_event(SMTPSH_UNUSED const struct output *o, SMTPSH_UNUSED const char *event,
    const char *message, bool routine, struct strbuf *sb)
{
	/* A reconnect at a known limit is routine: the progress bar and the
	 * summary count it (99 such lines ran through the table against
	 * Postfix). */
	if (routine)
		return;
	(void)strbuf_appendf(sb, "%s", _("smtpsh: lookup: "));
	(void)escape_terminal(sb, message, strlen(message));
	(void)strbuf_appendc(sb, '\n');
}

void text_prompt(SMTPSH_UNUSED const struct output *o, const char *text, struct strbuf *sb)
{
	(void)strbuf_append(sb, text, strlen(text));
}

void text_diagram(const struct output *o, enum smtp_state st, struct strbuf *sb)
{
	size_t n;
	const struct smtp_diagram_row *rows = smtp_diagram(&n);
	(void)strbuf_appendf(sb, _("RFC 821 state diagram (=> where this session stands):\n"));
	for (size_t i = 0; i < n; i++) {
		bool here = rows[i].state == (int)st;
		if (rows[i].text[0] == '\0') {
			(void)strbuf_appendc(sb, '\n');
			continue;
		}
		(void)strbuf_appendf(sb, "%s%s%s%s\n", here ? o->col_mid : "", here ? "=>" : "  ",
		    _(rows[i].text), here ? o->col_off : "");
	}
	if (st == SMTP_ST_DISCONNECTED)
		(void)strbuf_appendf(sb, _("=>  (not connected)\n"));
}
