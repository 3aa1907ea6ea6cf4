/*
 * render_text.c - records as text for a person (render.h).  One reply:
 *
 *   < 550-5.1.1 first line as the server sent it
 *   < 550 5.1.1 last line
 *   = 550 Requested action not taken: mailbox unavailable
 *   = 5.1.1 Permanent Failure: Addressing Status: Bad destination mailbox address
 *   = failure for RCPT; state: mail
 *   ! <one line per anomaly: 600/621, mixed codes, cut or dropped lines, ...>
 *
 * "<" lines are the server's, escaped; "=" lines are smtpsh's reading of
 * them; "!" lines are notes.  A late reply and an unsolicited one are
 * announced by a "!" line first, and their verdict line says what they
 * answer.  Every untrusted string passes escape_terminal() here.
 */
#include <stdio.h>
#include <string.h>

#include "codes.h"
#include "enhanced.h"
#include "escape.h"
#include "render.h"
#include "tr.h"
#include "unused.h"
static const char *text_class_color(const struct output *o, int code)
{
	switch (code / 100) {
	case 1:
	case 2: return o->col_ok;
	case 3: return o->col_mid;
	case 4: return o->col_warn;
	case 5: return o->col_bad;
	default: return o->col_local;
	}
}

static void text_escaped(struct strbuf *sb, const char *s)
{
	(void)escape_terminal(sb, s != NULL ? s : "", s != NULL ? strlen(s) : 0);
}

void text_sent(const struct output *o, const char *shown, size_t len, struct strbuf *sb)
{
	(void)strbuf_appendf(sb, "%s> ", o->col_dim);
	(void)escape_terminal(sb, shown, len);
	(void)strbuf_appendf(sb, "%s\n", o->col_off);
}

static void text_line(const struct output *o, const struct smtp_reply *r, size_t i,
    struct strbuf *sb)
{
	const struct reply_line *l = &r->lines[i];
	bool last = i + 1 == r->nlines;
	(void)strbuf_appendf(sb, "%s< ", text_class_color(o, r->code));
	if (l->code != 0) {
		bool cont = !last || (r->flags & REPLY_F_EOF);
		if (!cont && l->len == 0)
			(void)strbuf_appendf(sb, "%03d", l->code);
		else
			(void)strbuf_appendf(sb, "%03d%c", l->code, cont ? '-' : ' ');
	}
	(void)escape_terminal(sb, l->text, l->len);
	if (l->cut > 0)
		(void)strbuf_appendf(sb, _(" [... %zu more bytes of this line not kept]"), l->cut);
	(void)strbuf_appendf(sb, "%s\n", o->col_off);
	if (r->lines_dropped > 0 && i + 2 == r->nlines)
		(void)strbuf_appendf(sb, _("< [... %zu more lines not kept ...]\n"), r->lines_dropped);
}

static void text_anomalies(const struct session_reply *sr, struct strbuf *sb)
{
	const struct smtp_reply *r = &sr->reply;
	if (r->flags & REPLY_F_MIXED_CODES) {
		int first = r->nlines > 0 ? r->lines[0].code : 0;
		int final = r->nlines > 0 ? r->lines[r->nlines - 1].code : 0;
		(void)strbuf_appendf(sb, _("! protocol violation: the reply code changed inside one "
		    "multiline reply (%03d then %03d): not a %03d reply; treated as malformed (600)\n"),
		    first, final, final);
	} else if (r->code == SMTP_CODE_UNPARSABLE) {
		(void)strbuf_appendf(sb, _("! the server's reply could not be parsed (local code 600): "
		    "a reply line must start with a three-digit code\n"));
	}
	if (r->code == SMTP_CODE_EOF)
		(void)strbuf_appendf(sb, _("! the server closed the connection in the middle of a reply "
		    "(local code 621)\n"));
	if (r->flags & REPLY_F_LINE_CUT)
		(void)strbuf_appendf(sb, _("! a reply line was longer than smtpsh keeps (RFC 5321 allows "
		    "512 octets); the rest was counted, not shown\n"));
	if (r->flags & REPLY_F_LINES_DROPPED)
		(void)strbuf_appendf(sb, _("! the reply had more lines than smtpsh keeps; %zu were "
		    "counted, not shown\n"), r->lines_dropped);
	if (r->flags & REPLY_F_BARE_LF)
		(void)strbuf_appendf(sb, _("! the server ended lines with a bare LF instead of CRLF "
		    "(RFC 5321 2.3.8)\n"));
	if (r->flags & REPLY_F_NUL)
		(void)strbuf_appendf(sb, _("! the reply contained NUL bytes (shown as \\x00)\n"));
	if (r->code >= 100 && r->code <= 599 && (r->code / 10) % 10 > 5)
		(void)strbuf_appendf(sb, _("! the second digit %d has no meaning in RFC 5321 4.2.1\n"),
		    (r->code / 10) % 10);
	if (r->enh.cls != 0 && r->code >= 200 && r->code <= 599 && r->enh.cls != r->code / 100)
		(void)strbuf_appendf(sb, _("! the enhanced code %s disagrees with the reply's class %d\n"),
		    r->enhanced, r->code / 100);
	const struct verb *v = sr->verb;
	if (r->code == 503 && v != NULL && sr->pipelined && sr->origin != SESSION_REPLY_UNSOLICITED) {
		/* Not the user's ordering: an earlier command of the group was
		 * refused, so this one had nothing to follow (RFC 2920 3.1). */
		(void)strbuf_appendf(sb, _("! 503 to the pipelined %s: an earlier command of its group "
		    "was refused (RFC 2920 3.1)\n"), v->name);
	} else if (r->code == 503 && v != NULL && sr->origin != SESSION_REPLY_UNSOLICITED) {
		(void)strbuf_appendf(sb, _("! 503: %s came out of sequence. The session was \"%s\": %s\n"),
		    v->name, smtp_state_name(sr->prior), _(smtp_state_describe(sr->prior)));
		if (!verb_allowed_in(v, sr->prior)) {
			(void)strbuf_appendf(sb, _("! RFC 821's order is: HELO/EHLO, then MAIL, then RCPT "
			    "(one or more), then DATA; %s is allowed in:"), v->name);
			for (int st = 0; st < SMTP_ST__COUNT; st++)
				if (verb_allowed_in(v, (enum smtp_state)st))
					(void)strbuf_appendf(sb, " %s", smtp_state_name((enum smtp_state)st));
			(void)strbuf_appendf(sb, "\n");
		}
	}
}

/* "NOOP", "the end of the message", or the raw line's first word. */
static void text_answered(const struct session_reply *r, struct strbuf *sb)
{
	if (r->body_end)
		(void)strbuf_appendf(sb, _("the message body"));
	else if (r->verb != NULL)
		(void)strbuf_appendf(sb, "%s", r->verb->name);
	else {
		size_t w = 0;
		while (w < r->command_len && r->command[w] != ' ')
			w++;
		(void)escape_terminal(sb, r->command, w);
	}
}

void text_reply(const struct output *o, const struct session_reply *r,
    SMTPSH_UNUSED const struct ehlo_set *ext, struct strbuf *sb)
{
	const struct smtp_reply *rp = &r->reply;
	if (r->origin == SESSION_REPLY_LATE) {
		(void)strbuf_appendf(sb, _("! late reply to "));
		text_answered(r, sb);
		(void)strbuf_appendf(sb, _(" (its wait was abandoned; it answers that command, "
		    "not the next one):\n"));
	} else if (r->origin == SESSION_REPLY_UNSOLICITED) {
		(void)strbuf_appendf(sb, _("! a reply that answers no command (sent before any command "
		    "asked for it, or one reply too many):\n"));
	}
	size_t shown = 0;
	for (size_t i = 0; i < rp->nlines; i++) {
		if (sb->len > OUT_RECORD_MAX && i + 1 < rp->nlines) {
			(void)strbuf_appendf(sb, _("< [... %zu more lines not shown: the reply is larger "
			    "than smtpsh shows at once ...]\n"), rp->nlines - 1 - i);
			i = rp->nlines - 1;
		}
		text_line(o, rp, i, sb);
		shown++;
	}
	char meaning[256];
	render_meaning(r, shell_tr, meaning, sizeof meaning);
	(void)strbuf_appendf(sb, "= %03d %s\n", rp->code, meaning);
	if (rp->enh.cls != 0) {
		char en[256];
		enhanced_explain_tr(&rp->enh, shell_tr, en, sizeof en);
		(void)strbuf_appendf(sb, "= %s\n", en);
	}
	enum verdict vd = r->verdict;
	const char *vc = vd == VERDICT_SUCCESS ? o->col_ok : vd == VERDICT_INTERMEDIATE ? o->col_mid :
	    vd == VERDICT_FAILURE ? o->col_warn : o->col_bad;
	const char *st = smtp_state_name(r->state);
	switch (r->origin) {
	case SESSION_REPLY_GREETING:
		(void)strbuf_appendf(sb, _("= %s%s%s greeting; state: %s\n"), vc,
		    vd == VERDICT_SUCCESS ? _("success:") : vd == VERDICT_FAILURE ? _("refusal:") :
		    rp->code == 421 ? _("not available:") : rp->code >= 600 ? _("malformed") :
		    _("unexpected"), o->col_off, st);
		break;
	case SESSION_REPLY_UNSOLICITED:
		(void)strbuf_appendf(sb, _("= %sunsolicited%s: answers no command; state: %s\n"),
		    o->col_warn, o->col_off, st);
		break;
	default:
		if (vd == VERDICT_UNEXPECTED) {
			(void)strbuf_appendf(sb, _("= %sunexpected%s: RFC 821 lists no %03d reply to "),
			    vc, o->col_off, rp->code);
			text_answered(r, sb);
			(void)strbuf_appendf(sb, _("; state: %s\n"), st);
		} else {
			(void)strbuf_appendf(sb, _("= %s%s%s for "), vc, _(verdict_name(vd)), o->col_off);
			text_answered(r, sb);
			(void)strbuf_appendf(sb, _("%s; state: %s\n"),
			    r->origin == SESSION_REPLY_LATE ? _(" (late)") : "", st);
		}
		break;
	}
	(void)shown;
	/* --timing / `timing on`: the reply's latency, from its command's send
	 * (the greeting's: from the connect), as swaks' --show-time-lapse. */
	if (o->timing && r->origin != SESSION_REPLY_UNSOLICITED)
		(void)strbuf_appendf(sb, _("= %stime: %.2f ms%s\n"), o->col_dim, r->elapsed_ms, o->col_off);
	text_anomalies(r, sb);
}

void text_explain(SMTPSH_UNUSED const struct output *o, const struct out_explain *x,
    struct strbuf *sb)
{
	if (x->verdict != NULL) {
		(void)strbuf_appendf(sb, _("%s (a lookup verdict): %s\n"), x->verdict,
		    _(x->verdict_meaning));
		return;
	}
	if (x->code != 0) {
		char meaning[256];
		code_explain_in(x->code, CODE_CTX_ANY, shell_tr, meaning, sizeof meaning, NULL);
		(void)strbuf_appendf(sb, "%03d %s\n", x->code, meaning);
		if (x->note != NULL)
			(void)strbuf_appendf(sb, "    %s\n", _(x->note));
		if (x->source != NULL)
			(void)strbuf_appendf(sb, "    (%s)\n", x->source);
		if (x->class_meaning != NULL && x->class_meaning[0] != '\0')
			(void)strbuf_appendf(sb, _("    first digit %d: %s\n"), x->code / 100,
			    _(x->class_meaning));
		if (x->category_meaning != NULL && x->category_meaning[0] != '\0')
			(void)strbuf_appendf(sb, _("    second digit %d: %s\n"), (x->code / 10) % 10,
			    _(x->category_meaning));
		else if (x->code >= 100 && x->code <= 599)
			(void)strbuf_appendf(sb, _("    second digit %d: no meaning in RFC 5321 4.2.1 (0 "
			    "syntax, 1 information, 2 connections, 5 mail system; 3 and 4 unspecified)\n"),
			    (x->code / 10) % 10);
		for (size_t i = 0; i < x->ncontexts; i++)
			(void)strbuf_appendf(sb, _("    in reply to %s: %s (%s)\n"),
			    _(x->contexts[i].context), _(x->contexts[i].meaning), x->contexts[i].source);
		(void)strbuf_appendf(sb, _("    a reply to:"));
		for (size_t i = 0; i < x->nreplies; i++)
			(void)strbuf_appendf(sb, " %s (%s)", x->replies[i].verb, _(x->replies[i].verdict));
		(void)strbuf_appendf(sb, "%s\n", x->nreplies == 0 ? _(" no command RFC 821 lists") : "");
	}
	if (x->enhanced != NULL) {
		char en[256];
		enhanced_explain_tr(&x->enh_code, shell_tr, en, sizeof en);
		(void)strbuf_appendf(sb, "%s", en);
		if (x->enh_source != NULL)
			(void)strbuf_appendf(sb, " (%s)\n", x->enh_source);
		else
			(void)strbuf_appendf(sb, _(" (not registered with IANA)\n"));
	}
	if (x->pasted != NULL && x->pasted_len > 0) {
		(void)strbuf_appendf(sb, _("    the server's text: "));
		(void)escape_terminal(sb, x->pasted, x->pasted_len);
		(void)strbuf_appendc(sb, '\n');
	}
}

void text_state(SMTPSH_UNUSED const struct output *o, const struct out_state *st, struct strbuf *sb)
{
	(void)strbuf_appendf(sb, _("state: %s\n  %s\n"), smtp_state_name(st->state),
	    _(smtp_state_describe(st->state)));
	if (st->connected) {
		(void)strbuf_appendf(sb, _("  connected to "));
		text_escaped(sb, st->host);
		(void)strbuf_appendf(sb, _(" port "));
		text_escaped(sb, st->port);
		(void)strbuf_appendf(sb, P_(" (%s)%s; %u recipient in this transaction\n",
		    " (%s)%s; %u recipients in this transaction\n", st->recipients), st->address,
		    st->tls ? _(" over TLS") : "", st->recipients);
	}
	if (st->in_auth)
		(void)strbuf_appendf(sb, _("  an AUTH challenge is waiting for its response "
		    "(type it, or * to cancel)\n"));
	for (size_t i = 0; i < st->nowed; i++) {
		(void)strbuf_appendf(sb, _("  still owed a reply: "));
		text_escaped(sb, st->owed[i]);
		(void)strbuf_appendc(sb, '\n');
	}
	if (st->owed_total > st->nowed)
		(void)strbuf_appendf(sb, _("  ... and %zu more commands\n"), st->owed_total - st->nowed);
	(void)strbuf_appendf(sb, _("  RFC 821 allows now:"));
	for (size_t i = 0; i < st->nallowed; i++)
		(void)strbuf_appendf(sb, " %s", st->allowed[i]);
	(void)strbuf_appendc(sb, '\n');
	if (st->nextended > 0) {
		(void)strbuf_appendf(sb, _("  and beyond RFC 821 (RFC 5321, what this server "
		    "advertised):"));
		for (size_t i = 0; i < st->nextended; i++)
			(void)strbuf_appendf(sb, " %s", st->extended[i]);
		(void)strbuf_appendc(sb, '\n');
	}
}

void text_ext(SMTPSH_UNUSED const struct output *o, const struct ehlo_set *set, struct strbuf *sb)
{
	if (set == NULL || !set->valid) {
		(void)strbuf_appendf(sb, _("no EHLO reply yet in this session (type ehlo)\n"));
		return;
	}
	for (size_t i = 0; i < set->count; i++) {
		const struct ehlo_ext *e = &set->ext[i];
		const char *m = ehlo_keyword_meaning(e->keyword);
		(void)strbuf_appendf(sb, "  ");
		text_escaped(sb, e->keyword);
		for (size_t pad = strlen(e->keyword); pad < 20; pad++)
			(void)strbuf_appendc(sb, ' ');
		(void)strbuf_appendc(sb, ' ');
		text_escaped(sb, e->params);
		(void)strbuf_appendf(sb, "%s%s\n", m != NULL ? "  - " : "", m != NULL ? _(m) : "");
	}
	if (set->dropped > 0)
		(void)strbuf_appendf(sb, _("  (%zu malformed or extra lines not counted as extensions)\n"),
		    set->dropped);
}

void text_help(SMTPSH_UNUSED const struct output *o, const struct out_help *h, struct strbuf *sb)
{
	if (h->nverbs + h->ncommands == 1) {
		const struct out_help_row *r = h->nverbs == 1 ? &h->verbs[0] : &h->commands[0];
		(void)strbuf_appendf(sb, "%s\n    %s%s%s%s\n", r->usage, _(r->summary),
		    r->rfc != NULL ? " (" : "", r->rfc != NULL ? r->rfc : "", r->rfc != NULL ? ")" : "");
		return;
	}
	if (h->nverbs > 0)
		(void)strbuf_appendf(sb, _("SMTP verbs (sent to the server; case does not matter):\n"));
	for (size_t i = 0; i < h->nverbs; i++)
		(void)strbuf_appendf(sb, "  %-38s %s\n", h->verbs[i].usage, _(h->verbs[i].summary));
	if (h->ncommands > 0)
		(void)strbuf_appendf(sb, _("Shell commands (never sent):\n"));
	for (size_t i = 0; i < h->ncommands; i++)
		(void)strbuf_appendf(sb, "  %-38s %s\n", h->commands[i].usage,
		    _(h->commands[i].summary));
	if (h->footer != NULL)
		(void)strbuf_appendf(sb, "%s\n", _(h->footer));
}

void text_message(const struct output *o, const struct out_message *m, struct strbuf *sb)
{
	const char *outcome = render_message_outcome(m);
	const char *col = strcmp(outcome, "all") == 0 ? o->col_ok :
	    strcmp(outcome, "some") == 0 ? o->col_warn : o->col_bad;
	if (m->mail_refused)
		(void)strbuf_appendf(sb, _("= %smessage not sent%s: the sender was refused\n"), col,
		    o->col_off);
	else if (m->envelope_only)
		(void)strbuf_appendf(sb, _("= %sstopped after RCPT%s (--quit-after rcpt): %zu of %zu "
		    "recipients accepted; no message was sent\n"), col, o->col_off, m->naccepted, m->nto);
	else
		(void)strbuf_appendf(sb, P_("= %smessage accepted by the server for %zu of %zu "
		    "recipient%s (%llu bytes)\n", "= %smessage accepted by the server for %zu of %zu "
		    "recipients%s (%llu bytes)\n",
		    m->nto), col, m->nbody_accepted, m->nto, o->col_off, m->size);
	if (m->nrefused > 0)
		(void)strbuf_appendf(sb, _("= recipients refused:\n"));
	for (size_t i = 0; i < m->nrefused; i++) {
		const struct out_message_loser *l = &m->refused[i];
		(void)strbuf_appendf(sb, "=   ");
		text_escaped(sb, l->address);
		(void)strbuf_appendf(sb, _(" at %s: %03d "), l->stage, l->code);
		text_escaped(sb, l->text);
		(void)strbuf_appendc(sb, '\n');
	}
}

void text_connected(const struct output *o, const char *host, const char *port,
    const char *address, const struct out_via *via, struct strbuf *sb)
{
	(void)strbuf_appendf(sb, _("%sconnected to "), o->col_dim);
	text_escaped(sb, host);
	if (port[0] != '\0') {
		(void)strbuf_appendf(sb, _(" port "));
		text_escaped(sb, port);
		(void)strbuf_appendf(sb, " (");
		text_escaped(sb, address);
		(void)strbuf_appendc(sb, ')');
	}
	if (via != NULL && via->implicit) {
		(void)strbuf_appendf(sb, _(", the address of "));
		text_escaped(sb, via->domain);
		(void)strbuf_appendf(sb, _(" itself (no MX: implicit MX, RFC 5321 5.1)"));
	} else if (via != NULL) {
		(void)strbuf_appendf(sb, _(", MX %u of "), via->preference);
		text_escaped(sb, via->domain);
	}
	(void)strbuf_appendf(sb, "%s\n", o->col_off);
}

void text_mx(SMTPSH_UNUSED const struct output *o, const struct mx_route *r, struct strbuf *sb)
{
	(void)strbuf_appendf(sb, "MX ");
	text_escaped(sb, r->domain);
	if (r->kind == MX_ROUTE_NULL) {
		(void)strbuf_appendf(sb, _(": the null MX \".\" (RFC 7505): this domain accepts no "
		    "mail\n"));
		return;
	}
	bool tied = false;
	for (size_t i = 0; i < r->nhost; i++)
		tied = tied || r->host[i].tied;
	if (r->kind == MX_ROUTE_IMPLICIT)
		(void)strbuf_appendf(sb, _(": none; the domain's own address is its mail host "
		    "(implicit MX, RFC 5321 5.1)\n"));
	else
		(void)strbuf_appendf(sb, P_(": %zu host, in the order it is tried%s\n",
		    ": %zu hosts, in the order they are tried%s\n", r->nhost), r->nhost,
		    tied ? _(" (equal preferences in random order)") : "");
	for (size_t i = 0; i < r->nhost; i++) {
		const struct mx_host *h = &r->host[i];
		(void)strbuf_appendf(sb, "  %5u  ", h->preference);
		text_escaped(sb, h->name);
		for (size_t j = 0; j < h->naddr; j++)
			(void)strbuf_appendf(sb, "%s%s", j == 0 ? "  " : ", ", h->addr[j].text);
		if (h->addr_dropped > 0)
			(void)strbuf_appendf(sb, _(" (and %zu more addresses)"), h->addr_dropped);
		if (h->naddr == 0)
			(void)strbuf_appendf(sb, _("  (no address: %s)"), mx_lookup_name(h->lookup));
		(void)strbuf_appendc(sb, '\n');
	}
	if (r->host_dropped > 0)
		(void)strbuf_appendf(sb, _("  (and %zu more MX records, not kept)\n"), r->host_dropped);
	if (r->null_dropped > 0)
		(void)strbuf_appendf(sb, _("  (a null MX \".\" beside real hosts was ignored: "
		    "RFC 7505 3 forbids the mix)\n"));
}
