/*
 * infocmd.c - the shell commands that only show things: explain (a code,
 * an enhanced code, or a pasted reply), state, ext, mx (a domain's mail
 * route, from the core's mx.c), mailbox and terminal (--demo), profiles
 * (the config file's), and set.  Each builds a record for output.h from
 * the core's tables and the session's accessors; none prints.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codes.h"
#include "enhanced.h"
#include "profile.h"
#include "server.h"
#include "shell.h"
#include "tokenize.h"

static bool info_three_digits(const char *w, size_t n)
{
	return n >= 3 && w[0] >= '0' && w[0] <= '9' && w[1] >= '0' && w[1] <= '9' &&
	    w[2] >= '0' && w[2] <= '9' && (n == 3 || w[3] == ' ' || w[3] == '-');
}

void cmd_explain(const struct shell_call *call)
{
	struct shell *sh = call->sh;
	const struct tokens *t = call->t;
	const char *line = call->line;
	if (t->count < 2) {
		shell_usage_error(sh, N_("usage: explain CODE | explain X.Y.Z | explain REPLY-LINE | "
		    "explain VERDICT"));
		return;
	}
	enum lookup_verdict lv;
	if (t->count == 2 && lookup_verdict_parse(t->word[1], t->len[1], &lv)) {
		struct out_explain v;
		memset(&v, 0, sizeof v);
		v.verdict = lookup_verdict_name(lv);
		v.verdict_meaning = lookup_verdict_meaning(lv);
		out_explain(&sh->out, &v);
		return;
	}
	/* What follows "explain ", as typed: a code, an enhanced code, or a
	 * whole reply line pasted ("554 5.7.1 Relay access denied"). */
	const char *p = line + t->start[1];
	size_t n = call->len - t->start[1];
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	struct out_explain x;
	memset(&x, 0, sizeof x);
	char meaning[256], enh_text[256], enhanced[16];
	if (info_three_digits(p, n)) {
		x.code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
		p += 3;
		n -= 3;
		while (n > 0 && (*p == ' ' || *p == '-')) {
			p++;
			n--;
		}
	}
	struct enhanced_code ec;
	size_t used;
	if (enhanced_parse(p, n, &ec, &used)) {
		snprintf(enhanced, sizeof enhanced, "%d.%d.%d", ec.cls, ec.subject, ec.detail);
		enhanced_explain(&ec, enh_text, sizeof enh_text);
		x.enhanced = enhanced;
		x.enh_text = enh_text;
		x.enh_code = ec;
		x.enh_source = enhanced_detail_source(ec.subject, ec.detail);
		p += used;
		n -= used;
		while (n > 0 && *p == ' ') {
			p++;
			n--;
		}
	}
	if (x.code == 0 && x.enhanced == NULL) {
		shell_usage_error(sh, N_("explain: \"%.*s\" is not a three-digit code (250), an "
		    "enhanced code (5.1.1), a pasted reply line (550 5.1.1 no such user) or a lookup "
		    "verdict (exists, unknown, ...)"), (int)(t->len[1] > 40 ? 40 : t->len[1]), t->word[1]);
		return;
	}
	if (n > 0) {
		if (x.code == 0) {
			shell_usage_error(sh, N_("explain: a reply line starts with its three-digit code"));
			return;
		}
		x.pasted = p;
		x.pasted_len = n;
	}
	if (x.code != 0) {
		const struct code_info *ci = code_lookup(x.code);
		code_explain(x.code, meaning, sizeof meaning);
		x.meaning = meaning;
		x.note = ci != NULL ? ci->note : NULL;
		x.source = ci != NULL ? ci->source : NULL;
		x.class_meaning = code_class_meaning(x.code);
		x.category_meaning = code_category_meaning(x.code);
		for (size_t i = 0; i < code_context_count(); i++) {
			const struct code_context_info *c = code_context_at(i);
			if (c->code != x.code || x.ncontexts == sizeof x.contexts / sizeof x.contexts[0])
				continue;
			x.contexts[x.ncontexts].context = c->context == CODE_CTX_GREETING ? N_("the greeting") :
			    verb_by_id((enum verb_id)c->context)->name;
			x.contexts[x.ncontexts].meaning = c->text;
			x.contexts[x.ncontexts].source = c->source;
			x.ncontexts++;
		}
		for (size_t i = 0; i < verb_count(); i++) {
			const struct verb *v = verb_at(i);
			enum verdict vd = verb_verdict(v, x.code);
			if (vd == VERDICT_UNEXPECTED)
				continue;
			x.replies[x.nreplies].verb = v->name;
			x.replies[x.nreplies].verdict = verdict_name(vd);
			x.nreplies++;
		}
	}
	out_explain(&sh->out, &x);
}

void cmd_state(const struct shell_call *call)
{
	struct shell *sh = call->sh;
	struct out_state st;
	memset(&st, 0, sizeof st);
	st.state = session_state(sh->sess);
	st.connected = session_is_open(sh->sess);
	if (st.connected) {
		st.host = session_host(sh->sess);
		st.port = session_port(sh->sess);
		st.address = session_peer_address(sh->sess);
		st.recipients = session_recipients(sh->sess);
		st.tls = session_tls_active(sh->sess);
		st.in_auth = session_in_auth(sh->sess);
	}
	st.owed_total = session_owed(sh->sess);
	for (size_t i = 0; i < st.owed_total && st.nowed < sizeof st.owed / sizeof st.owed[0]; i++)
		st.owed[st.nowed++] = session_owed_command(sh->sess, i);
	/* RFC 821's commands, then what this session adds to them: EHLO,
	 * the extensions the server advertised, LHLO when speaking LMTP. */
	const struct ehlo_set *ext = session_extensions(sh->sess);
	for (size_t i = 0; i < verb_count(); i++) {
		const struct verb *v = verb_at(i);
		if (!verb_allowed_in(v, st.state))
			continue;
		const char *kw = verb_ehlo_keyword(v);
		if (verb_in_rfc821(v))
			st.allowed[st.nallowed++] = v->name;
		else if ((v->flags & VERB_F_LMTP) ? sh->conn.lmtp : kw == NULL ||
		    (ext->valid && ehlo_find(ext, kw) != NULL))
			st.extended[st.nextended++] = v->name;
	}
	out_state(&sh->out, &st);
}

void cmd_diagram(const struct shell_call *call)
{
	struct shell *sh = call->sh;
	out_diagram(&sh->out, session_state(sh->sess));
}

void cmd_ext(const struct shell_call *call)
{
	struct shell *sh = call->sh;
	out_ext(&sh->out, session_extensions(sh->sess));
}

static void cmd_demo_box(struct shell *sh, const struct tokens *t, bool terminal)
{
	if (sh->conn.demo == NULL) {
		shell_usage_error(sh, N_("mailboxes live in the teaching server: start smtpsh --demo"));
		return;
	}
	struct strbuf sb;
	strbuf_init(&sb, 64u << 20);
	const char *user = t->count > 1 ? t->word[1] : NULL;
	if (terminal)
		demo_server_terminal(sh->conn.demo, user, &sb);
	else
		demo_server_mailbox(sh->conn.demo, user, &sb);
	out_mailbox(&sh->out, terminal ? "terminal" : "mailbox", user, strbuf_str(&sb), sb.len);
	strbuf_free(&sb);
}

void cmd_mailbox(const struct shell_call *call)
{
	cmd_demo_box(call->sh, call->t, false);
}

void cmd_terminal(const struct shell_call *call)
{
	cmd_demo_box(call->sh, call->t, true);
}

void cmd_profiles(const struct shell_call *call)
{
	struct shell *sh = call->sh;
	const struct profiles *p = sh->conn.profiles;
	if (p == NULL || p->nnames == 0) {
		out_note(&sh->out, N_("no profiles (they live in $XDG_CONFIG_HOME/smtpsh/config, "
		    "default ~/.config/smtpsh/config; see smtpsh(1), FILES)"));
		return;
	}
	for (size_t i = 0; i < p->nnames; i++) {
		const char *host = profiles_get(p, (int)i, "host");
		const char *port = profiles_get(p, (int)i, "port");
		out_note(&sh->out, "[%s] %s%s%s", p->names[i], host != NULL ? host : "-",
		    port != NULL ? " port " : "", port != NULL ? port : "");
	}
}

void cmd_set(const struct shell_call *call)
{
	struct shell *sh = call->sh;
	const struct tokens *t = call->t;
	if (t->count == 3 && strcmp(t->word[1], "insecure") == 0 &&
	    (strcmp(t->word[2], "on") == 0 || strcmp(t->word[2], "off") == 0)) {
		sh->tls.insecure = strcmp(t->word[2], "on") == 0;
		out_settings(&sh->out, sh->tls.insecure, "insecure");
		return;
	}
	if (t->count == 1) {
		out_settings(&sh->out, sh->tls.insecure, NULL);
		return;
	}
	shell_usage_error(sh, N_("usage: set insecure on|off"));
}

void cmd_timing(const struct shell_call *call)
{
	struct shell *sh = call->sh;
	const struct tokens *t = call->t;
	if (t->count == 2 && (strcmp(t->word[1], "on") == 0 || strcmp(t->word[1], "off") == 0))
		sh->out.timing = strcmp(t->word[1], "on") == 0;
	else if (t->count != 1) {
		shell_usage_error(sh, N_("usage: timing [on|off]"));
		return;
	}
	out_note(&sh->out, sh->out.timing ? N_("timing is on: each reply's latency is shown") :
	    N_("timing is off"));
}

void cmd_mx(const struct shell_call *call)
{
	struct shell *sh = call->sh;
	const struct tokens *t = call->t;
	if (t->count != 2) {
		shell_usage_error(sh, N_("usage: mx DOMAIN"));
		return;
	}
	struct mx_options mo;
	shell_mx_options(sh, &mo);
	struct mx_route *r = malloc(sizeof *r);
	struct smtp_error err;
	if (r == NULL) {
		smtp_error_set(&err, SMTP_ERR_NOMEM, 0, "out of memory");
		shell_fail(sh, "mx", &err);
		return;
	}
	if (mx_resolve(t->word[1], &mo, r, &err) != SMTP_OK) {
		shell_fail_step(sh, "mx", &err);
	} else {
		out_mx(&sh->out, r);
		if (mx_route_usable(r, &err) != SMTP_OK)
			out_note(&sh->out, "%s", err.msg);
	}
	free(r);
}
